"""Rows of the cluster domain: clusters, lead terms, handovers, plans, readiness, channels, events
and the knowledge base, API and pages (docs/clusters.md, ADR 0006, ADR 0007)."""

from __future__ import annotations

from datetime import timedelta

from csirtnet.kit.time import utcnow
from tests.security import rules as R
from tests.security.runner import Body
from tests.security.table.vocabulary import (
    API,
    CHANNELS,
    MEMBERS,
    PAGE_KNOWLEDGE,
    STAFF,
    WRITERS,
    Table,
    channel_members,
    channel_posters,
    cluster_coordinators,
    cluster_insiders,
    clusters,
    event_managers,
    event_readers,
    events,
    form,
    handover_form,
    handover_json,
    js,
    knowledge_docs,
    knowledge_editors,
    member_emails,
    message_files,
    objects,
    only,
    orgs,
    readers,
    readiness_editors,
    readiness_of,
    shows,
    soon,
    thread_readers,
    threads,
    upload,
)

TABLE = Table()
row = TABLE.row

# -- clusters (docs/clusters.md, ADR 0006) ----------------------------------------------------------------
row(
    "POST",
    f"{API}/cluster-files",
    WRITERS,
    body=lambda w, s, v: Body(files=upload()),
    either=only(R.MEMBERS - R.WRITERS),
    note="issue 10 item 8: a user with no role; viewers attach nothing anywhere, so either answer",
)
row("GET", f"{API}/clusters", MEMBERS)
row("POST", f"{API}/clusters", STAFF, body=js(number=999, name="Cụm mới ma trận"))
row("GET", f"{API}/clusters/{{cluster_id}}", MEMBERS, variants=clusters("1", "2"))
row("PATCH", f"{API}/clusters/{{cluster_id}}", STAFF, variants=clusters("1"), body=js(description="Mô tả mới"))
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/members",
    STAFF,
    variants=clusters("2"),
    body=lambda w, s, v: Body(json={"organisation_id": w.id("org:LC"), "joined_on": w.today.isoformat()}),
)
row(
    "PATCH",
    f"{API}/clusters/{{cluster_id}}/members/{{member_id}}",
    STAFF,
    variants=clusters("2", member_id=lambda w, k: w.id("membership:2:B")),
    body=lambda w, s, v: Body(json={"left_on": w.today.isoformat()}),
)
row("GET", f"{API}/clusters/{{cluster_id}}/terms", MEMBERS, variants=clusters("1"))
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/terms",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(
        json={"organisation_id": w.id("org:LP"), "starts_on": f"{w.year + 2}-01-01", "ends_on": f"{w.year + 2}-12-31"}
    ),
)
row(
    "PATCH",
    f"{API}/clusters/{{cluster_id}}/terms/{{term_id}}",
    STAFF,
    variants=clusters("1", term_id=lambda w, k: w.id("term:planned")),
    body=lambda w, s, v: Body(json={"ends_on": f"{w.year + 1}-06-30"}),
)
row(
    "DELETE",
    f"{API}/clusters/{{cluster_id}}/terms/{{term_id}}",
    STAFF,
    variants=clusters("1", term_id=lambda w, k: w.id("term:planned")),
)
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/rotation",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(json={"organisation_ids": [w.id("org:LP")], "start_year": w.year + 3, "years": 1}),
)
row("GET", f"{API}/clusters/{{cluster_id}}/lead", MEMBERS, variants=clusters("1"))
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/handovers",
    only(R.STAFF, R.LEAD_CURRENT),
    variants=clusters("1"),
    body=handover_json,
    note="issue 10 item 8: the coordinator and the current lead's admins; not a past lead, not the incoming one",
)
row(
    "GET",
    f"{API}/clusters/{{cluster_id}}/handovers/{{handover_id}}/documents/{{file_id}}",
    cluster_insiders,
    variants=clusters("1", handover_id=lambda w, k: w.id("handover:1"), file_id=lambda w, k: w.id("handover-file:1")),
)
row(
    "GET",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}",
    cluster_insiders,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    shows=shows("plan activity title cluster {label}"),
)
row(
    "PUT",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=js(summary="Tổng kết"),
)
row(
    "POST",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}/activities",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=js(title="Hoạt động mới"),
)
row(
    "PATCH",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}/activities/{{activity_id}}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
    body=js(status="done"),
)
row(
    "DELETE",
    f"{API}/clusters/{{cluster_id}}/plans/{{year}}/activities/{{activity_id}}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
)

# -- readiness ---------------------------------------------------------------------------------------------
row("GET", f"{API}/readiness", MEMBERS)
row(
    "GET",
    f"{API}/readiness/coverage",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(query={"year": w.year}),
)
row(
    "GET",
    f"{API}/readiness/coverage.csv",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(query={"year": w.year}),
)
row(
    "GET",
    f"{API}/readiness/{{organisation_id}}/{{year}}",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year),
    hidden=readiness_of,
    shows=shows("readiness {label} statement"),
)
row(
    "PUT",
    f"{API}/readiness/{{organisation_id}}/{{year}}",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=js(ir_team=True, ir_contact_24x7="0209 3870 000"),
    hidden=readiness_of,
)
row(
    "POST",
    f"{API}/readiness/{{organisation_id}}/{{year}}/evidence",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=lambda w, s, v: Body(
        json={"criterion": "backup", "file_id": w.id(f"own-upload:{s}") if f"own-upload:{s}" in w.ids else 0}
    ),
    hidden=readiness_of,
)
row(
    "DELETE",
    f"{API}/readiness/{{organisation_id}}/{{year}}/evidence/{{evidence_id}}",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
)
row(
    "GET",
    f"{API}/readiness/{{organisation_id}}/{{year}}/evidence/{{evidence_id}}/file",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
)

# -- channels (ADR 0007) ------------------------------------------------------------------------------------
row("GET", f"{API}/channels", MEMBERS)
row(
    "POST",
    f"{API}/channels",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        json={"kind": "topic", "name": "Kênh mới", "cluster_id": w.id("cluster:1"), "organisation_ids": [w.id("org:A")]}
    ),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}",
    MEMBERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
)
row(
    "PATCH",
    f"{API}/channels/{{channel_id}}",
    STAFF,
    variants=objects("channel_id", "channel", ("cluster1", "topic"), obj=lambda k: f"channel:{k}"),
    body=js(description="Mô tả kênh"),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/members",
    lambda w, v: channel_members(v.label),
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
    either=lambda w, v: R.MEMBERS - channel_members(v.label),
    withholds=lambda w, v, s: [] if s in channel_members(v.label) else member_emails(v.label),
    note="issue 10 item 8: non-members list a channel's members with their emails (refused, or no emails)",
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/threads",
    MEMBERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
)
row(
    "POST",
    f"{API}/channels/{{channel_id}}/threads",
    lambda w, v: channel_members(v.label) & R.WRITERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
    body=js(title="Chủ đề mới", body="Nội dung", tlp="green"),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/threads/{{thread_id}}",
    thread_readers,
    variants=threads(),
    hidden=thread_readers,
    shows=shows("message {a} {b} body"),
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/threads/{{thread_id}}/messages",
    thread_readers,
    variants=threads(),
    hidden=thread_readers,
)
row(
    "POST",
    f"{API}/channels/{{channel_id}}/threads/{{thread_id}}/messages",
    lambda w, v: thread_readers(w, v) & channel_posters(w, v),
    variants=threads(),
    body=js(body="Trả lời", tlp="green"),
    hidden=thread_readers,
)
row(
    "GET",
    f"{API}/channels/{{channel_id}}/messages/{{message_id}}/attachments/{{file_id}}",
    readers,
    variants=message_files(),
    hidden=readers,
)

# -- events and knowledge -------------------------------------------------------------------------------------
row("GET", f"{API}/events", MEMBERS)
row(
    "POST",
    f"{API}/events",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        json={
            "cluster_id": w.id("cluster:1"),
            "title": "Sự kiện mới",
            "starts_at": soon(),
            "ends_at": soon(24 * 5 + 2),
            "location": "Hà Nội",
        }
    ),
)
row(
    "GET",
    f"{API}/events/{{event_id}}",
    event_readers,
    variants=events("network", "cluster1", "cluster2"),
    hidden=event_readers,
    shows=lambda w, v: frozenset({w.markers.text("event cluster 1 title")}) if v.label == "cluster1" else frozenset(),
)
row(
    "PATCH",
    f"{API}/events/{{event_id}}",
    event_managers,
    variants=events("network", "cluster1"),
    body=js(location="Đà Nẵng"),
    hidden=event_readers,
)
row(
    "POST",
    f"{API}/events/{{event_id}}/registration",
    event_readers,
    variants=events("network", "cluster2"),
    hidden=event_readers,
)
row(
    "DELETE",
    f"{API}/events/{{event_id}}/registration",
    lambda w, v: frozenset({R.VIEWER, R.ADMIN_A}),
    variants=events("cluster1"),
    hidden=event_readers,
    note="only those registered",
)
row(
    "GET",
    f"{API}/events/{{event_id}}/registrations",
    event_managers,
    variants=events("cluster1", "network"),
    hidden=event_readers,
)
row(
    "POST",
    f"{API}/events/{{event_id}}/attendance",
    event_managers,
    variants=events("cluster1-live"),
    body=lambda w, s, v: Body(json={"user_id": w.id(f"user:{R.VIEWER}"), "attended": True}),
    hidden=event_readers,
)
row(
    "POST",
    f"{API}/events/{{event_id}}/materials",
    event_managers,
    variants=events("cluster1"),
    body=js(title_vi="Tài liệu", tlp="green"),
    hidden=event_readers,
)
row("GET", f"{API}/knowledge", MEMBERS)
row("POST", f"{API}/knowledge", WRITERS, body=js(title_vi="Tài liệu mới", tlp="green"))
row(
    "GET",
    f"{API}/knowledge/{{document_id}}",
    readers,
    variants=knowledge_docs(),
    hidden=readers,
    shows=shows("knowledge {a} {b} title"),
)
row(
    "PATCH",
    f"{API}/knowledge/{{document_id}}",
    knowledge_editors,
    variants=knowledge_docs(),
    body=js(tags=["moi"]),
    hidden=readers,
)
row(
    "GET",
    f"{API}/knowledge/{{document_id}}/files/{{file_id}}",
    readers,
    variants=knowledge_docs(with_file=True),
    hidden=readers,
    shows=shows("knowledge {a} {b} content"),
)

# -- pages: clusters and readiness ------------------------------------------------------------------------------
row("GET", "/clusters", MEMBERS)
row("POST", "/clusters", STAFF, body=form(number="999", name="Cụm mới ma trận"))
row(
    "GET",
    "/clusters/{cluster_id}",
    MEMBERS,
    variants=clusters("1", "2"),
    shows=lambda w, v: frozenset({w.markers.text("handover minutes cluster 1")}) if v.label == "1" else frozenset(),
)
row(
    "POST",
    "/clusters/{cluster_id}/members",
    STAFF,
    variants=clusters("2"),
    body=lambda w, s, v: Body(form={"organisation_id": str(w.id("org:LC")), "joined_on": w.today.isoformat()}),
)
row(
    "POST",
    "/clusters/{cluster_id}/members/{member_id}/leave",
    STAFF,
    variants=clusters("2", member_id=lambda w, k: w.id("membership:2:B")),
    body=lambda w, s, v: Body(form={"left_on": w.today.isoformat()}),
)
row(
    "POST",
    "/clusters/{cluster_id}/terms",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(
        form={
            "organisation_id": str(w.id("org:LP")),
            "starts_on": f"{w.year + 2}-01-01",
            "ends_on": f"{w.year + 2}-12-31",
        }
    ),
)
row(
    "POST",
    "/clusters/{cluster_id}/terms/{term_id}/delete",
    STAFF,
    variants=clusters("1", term_id=lambda w, k: w.id("term:planned")),
)
row(
    "POST",
    "/clusters/{cluster_id}/rotation",
    STAFF,
    variants=clusters("1"),
    body=lambda w, s, v: Body(form={"order": str(w.id("org:LP")), "start_year": str(w.year + 3), "years": "1"}),
)
row(
    "POST",
    "/clusters/{cluster_id}/handovers",
    only(R.STAFF, R.LEAD_CURRENT),
    variants=clusters("1"),
    body=handover_form,
    note="issue 10 item 8",
)
row(
    "GET",
    "/clusters/{cluster_id}/handovers/{handover_id}/documents/{file_id}",
    cluster_insiders,
    variants=clusters("1", handover_id=lambda w, k: w.id("handover:1"), file_id=lambda w, k: w.id("handover-file:1")),
    shows=lambda w, v: frozenset({w.markers.text("handover document cluster 1 content")}),
)
row(
    "GET",
    "/clusters/{cluster_id}/plans/{year}",
    cluster_insiders,
    variants=clusters("1", "2", year=lambda w, k: w.year),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/summary",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=form(summary="Tổng kết"),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/activities",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year),
    body=form(title="Hoạt động mới"),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/activities/{activity_id}",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
    body=form(title="Hoạt động đổi tên", status="done"),
)
row(
    "POST",
    "/clusters/{cluster_id}/plans/{year}/activities/{activity_id}/delete",
    cluster_coordinators,
    variants=clusters("1", "2", year=lambda w, k: w.year, activity_id=lambda w, k: w.id(f"activity:{k}")),
)
row("GET", "/readiness", MEMBERS)
row("GET", "/readiness/coverage", only(R.STAFF, R.lead_admins("1")))
row("GET", "/readiness/coverage.csv", only(R.STAFF, R.lead_admins("1")))
row(
    "GET",
    "/readiness/{organisation_id}/{year}",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year),
    hidden=readiness_of,
)
row(
    "POST",
    "/readiness/{organisation_id}/{year}",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=form(ir_team="true", ir_contact_24x7="0209 3870 000"),
    hidden=readiness_of,
)
row(
    "POST",
    "/readiness/{organisation_id}/{year}/evidence",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year),
    body=lambda w, s, v: Body(
        form={"criterion": "backup"}, files={"file": ("bang-chung.txt", b"evidence", "text/plain")}
    ),
    hidden=readiness_of,
)
row(
    "POST",
    "/readiness/{organisation_id}/{year}/evidence/{evidence_id}/delete",
    readiness_editors,
    variants=orgs("A", "B", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
)
row(
    "GET",
    "/readiness/{organisation_id}/{year}/evidence/{evidence_id}/file",
    readiness_of,
    variants=orgs("A", "B", "LP", year=lambda w, k: w.year, evidence_id=lambda w, k: w.id(f"evidence:{k}")),
    hidden=readiness_of,
    shows=shows("readiness {label} evidence content"),
)

# -- pages: channels, events, knowledge -------------------------------------------------------------------------
row("GET", "/channels", MEMBERS)
row(
    "POST",
    "/channels",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        form={
            "kind": "topic",
            "name": "Kênh mới",
            "cluster_id": str(w.id("cluster:1")),
            "organisation_ids": str(w.id("org:A")),
        }
    ),
)
row(
    "GET",
    "/channels/{channel_id}",
    MEMBERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
)
row(
    "POST",
    "/channels/{channel_id}/archive",
    STAFF,
    variants=objects("channel_id", "channel", ("cluster1", "topic"), obj=lambda k: f"channel:{k}"),
)
row(
    "POST",
    "/channels/{channel_id}/threads",
    lambda w, v: channel_members(v.label) & R.WRITERS,
    variants=objects("channel_id", "channel", CHANNELS, obj=lambda k: f"channel:{k}"),
    body=form(title="Chủ đề mới", body="Nội dung", tlp="green"),
)
row(
    "GET",
    "/channels/{channel_id}/threads/{thread_id}",
    thread_readers,
    variants=threads(),
    hidden=thread_readers,
    shows=shows("message {a} {b} body", "thread {a} {b} title"),
)
row(
    "POST",
    "/channels/{channel_id}/threads/{thread_id}/messages",
    lambda w, v: thread_readers(w, v) & channel_posters(w, v),
    variants=threads(("cluster1:green", "cluster1:red", "topic:strict", "cluster2:green")),
    body=form(body="Trả lời", tlp="green"),
    hidden=thread_readers,
)
row(
    "GET",
    "/channels/{channel_id}/messages/{message_id}/attachments/{file_id}",
    readers,
    variants=message_files(),
    hidden=readers,
    shows=shows("message {a} {b} content"),
)
row("GET", "/events", MEMBERS)
row(
    "POST",
    "/events",
    only(R.STAFF, R.lead_admins("1")),
    body=lambda w, s, v: Body(
        form={
            "cluster_id": str(w.id("cluster:1")),
            "title": "Sự kiện mới",
            "starts_at": (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (utcnow() + timedelta(days=5, hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "location": "Hà Nội",
        }
    ),
)
row(
    "GET", "/events/{event_id}", event_readers, variants=events("network", "cluster1", "cluster2"), hidden=event_readers
)
row("POST", "/events/{event_id}/register", event_readers, variants=events("network", "cluster2"), hidden=event_readers)
row(
    "POST",
    "/events/{event_id}/unregister",
    lambda w, v: frozenset({R.VIEWER, R.ADMIN_A}),
    variants=events("cluster1"),
    hidden=event_readers,
)
row(
    "POST",
    "/events/{event_id}/attendance",
    event_managers,
    variants=events("cluster1-live"),
    body=lambda w, s, v: Body(form={"user_id": str(w.id(f"user:{R.VIEWER}")), "attended": "true"}),
    hidden=event_readers,
)
row("POST", "/events/{event_id}/cancel", event_managers, variants=events("network", "cluster1"), hidden=event_readers)
row(
    "POST",
    "/events/{event_id}/materials",
    event_managers,
    variants=events("cluster1"),
    body=form(title_vi="Tài liệu", tlp="green"),
    hidden=event_readers,
)
row("GET", "/knowledge", MEMBERS)
row("POST", "/knowledge", WRITERS, body=form(title_vi="Tài liệu mới", tlp="green"))
row("GET", "/knowledge/{document_id}", readers, variants=knowledge_docs(), hidden=readers)
row(
    "GET",
    "/knowledge/{document_id}/files/{file_id}",
    readers,
    variants=knowledge_docs(with_file=True, labels=PAGE_KNOWLEDGE),
    hidden=readers,
)

ROWS = TABLE.rows
