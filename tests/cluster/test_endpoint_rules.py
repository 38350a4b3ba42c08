"""Every endpoint of the cluster domain: the wrong organisation is refused (403, or 404 where the
object is not theirs to see), and bad input gets 422 naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import plan, service
from csirtnet.cluster.channel import repository as channel_repository
from csirtnet.cluster.channel import service as channel_service
from csirtnet.cluster.channel.schemas import ChannelCreate, ThreadCreate
from csirtnet.cluster.event import service as event_service
from csirtnet.cluster.event.schemas import EventCreate
from csirtnet.cluster.knowledge import service as knowledge
from csirtnet.cluster.knowledge.schemas import DocumentCreate
from csirtnet.cluster.readiness import service as readiness
from csirtnet.cluster.readiness.schemas import EvidenceAdd, ReadinessUpdate
from csirtnet.cluster.schemas import ActivityCreate, HandoverCreate
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import Role
from tests.cluster.helpers import SYSTEM, api, build, who
from tests.helpers import page_csrf


def test_every_endpoint_refuses_the_wrong_organisation_and_bad_input(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    c = net.cluster.id
    a_admin = who(net.admin["a"])
    upload = client.post(
        "/api/v1/cluster-files", files={"file": ("x.txt", b"x", "text/plain")}, headers=api(db, net.admin["a"])
    ).json()["id"]
    handover = service.record_handover(
        db,
        a_admin,
        c,
        HandoverCreate(
            from_organisation_id=net.a.id,
            to_organisation_id=net.b.id,
            handed_over_on=cluster_authz.today(),
            minutes="Bàn giao",
            attachment_ids=[upload],
        ),
    )
    activity = plan.add_activity(db, a_admin, c, year, ActivityCreate(title="Hội thảo"))
    member = service.detail(db, SYSTEM, c).members[0]
    assert net.term is not None
    readiness.save(db, who(net.admin["b"]), net.b.id, year, ReadinessUpdate(backup_plan=True))
    b_upload = client.post(
        "/api/v1/cluster-files", files={"file": ("y.txt", b"y", "text/plain")}, headers=api(db, net.admin["b"])
    ).json()["id"]
    evidence = readiness.add_evidence(
        db, who(net.admin["b"]), net.b.id, year, EvidenceAdd(criterion="backup", file_id=b_upload)
    )
    topic = channel_service.create_channel(
        db, a_admin, ChannelCreate(kind="topic", name="Chuyên đề", cluster_id=c, organisation_ids=[net.a.id])
    )
    cluster_channel = channel_repository.cluster_channel(db, c)
    assert cluster_channel is not None
    m_upload = client.post(
        "/api/v1/cluster-files", files={"file": ("z.txt", b"z", "text/plain")}, headers=api(db, net.admin["a"])
    ).json()["id"]
    message = channel_service.start_thread(
        db,
        a_admin,
        topic.id,
        ThreadCreate(title="Nội bộ", body="Chỉ Bắc Kạn", tlp="amber+strict", attachment_ids=[m_upload]),
    )
    start = utcnow() + timedelta(days=5)
    event = event_service.create(
        db,
        a_admin,
        EventCreate(cluster_id=c, title="Hội thảo", starts_at=start, ends_at=start + timedelta(hours=2), location="X"),
    )
    k_upload = client.post(
        "/api/v1/cluster-files", files={"file": ("k.txt", b"k", "text/plain")}, headers=api(db, net.admin["a"])
    ).json()["id"]
    doc = knowledge.create(
        db, a_admin, DocumentCreate(title_vi="Nội bộ", tlp="amber+strict", attachment_ids=[k_upload])
    )
    db.flush()

    headers = {key: api(db, user) for key, user in {**net.admin, "coordinator": net.coordinator}.items()}
    # (method, path, json body, the user of the wrong organisation, the statuses it may get)
    wrong: list[tuple[str, str, Any, str, set[int]]] = [
        ("POST", "/api/v1/clusters", {"name": "Cụm X"}, "a", {403}),
        ("PATCH", f"/api/v1/clusters/{c}", {"name": "Cụm Y"}, "a", {403}),
        (
            "POST",
            f"/api/v1/clusters/{c}/members",
            {"organisation_id": net.outsider.id, "joined_on": "2025-01-01"},
            "a",
            {403},
        ),
        ("PATCH", f"/api/v1/clusters/{c}/members/{member.id}", {"left_on": None}, "a", {403}),
        (
            "POST",
            f"/api/v1/clusters/{c}/terms",
            {"organisation_id": net.b.id, "starts_on": f"{year + 1}-01-01", "ends_on": f"{year + 1}-12-31"},
            "a",
            {403},
        ),
        ("PATCH", f"/api/v1/clusters/{c}/terms/{net.term.id}", {"ends_on": f"{year}-12-30"}, "a", {403}),
        ("DELETE", f"/api/v1/clusters/{c}/terms/{net.term.id}", None, "a", {403}),
        (
            "POST",
            f"/api/v1/clusters/{c}/rotation",
            {"organisation_ids": [net.b.id], "start_year": year + 5},
            "a",
            {403},
        ),
        (
            "POST",
            f"/api/v1/clusters/{c}/handovers",
            {
                "from_organisation_id": net.b.id,
                "to_organisation_id": net.c.id,
                "handed_over_on": f"{year}-01-02",
                "minutes": "x",
            },
            "outsider",
            {403},
        ),
        ("GET", f"/api/v1/clusters/{c}/handovers/{handover.id}/documents/{upload}", None, "outsider", {404}),
        ("GET", f"/api/v1/clusters/{c}/plans/{year}", None, "outsider", {403}),
        ("PUT", f"/api/v1/clusters/{c}/plans/{year}", {"summary": "x"}, "b", {403}),
        ("POST", f"/api/v1/clusters/{c}/plans/{year}/activities", {"title": "Tập huấn"}, "b", {403}),
        ("PATCH", f"/api/v1/clusters/{c}/plans/{year}/activities/{activity.id}", {"status": "done"}, "b", {403}),
        ("DELETE", f"/api/v1/clusters/{c}/plans/{year}/activities/{activity.id}", None, "b", {403}),
        ("GET", f"/api/v1/readiness/{net.b.id}/{year}", None, "c", {404}),
        ("PUT", f"/api/v1/readiness/{net.b.id}/{year}", {}, "c", {404}),
        (
            "POST",
            f"/api/v1/readiness/{net.b.id}/{year}/evidence",
            {"criterion": "backup", "file_id": upload},
            "c",
            {404},
        ),
        ("DELETE", f"/api/v1/readiness/{net.b.id}/{year}/evidence/{evidence.id}", None, "c", {404}),
        ("GET", f"/api/v1/readiness/{net.b.id}/{year}/evidence/{evidence.id}/file", None, "c", {404}),
        ("GET", "/api/v1/readiness/coverage?year=2025", None, "b", {403}),
        ("GET", "/api/v1/readiness/coverage.csv?year=2025", None, "b", {403}),
        ("PATCH", f"/api/v1/channels/{topic.id}", {"name": "Đổi tên"}, "b", {403}),
        (
            "POST",
            f"/api/v1/channels/{cluster_channel.id}/threads",
            {"title": "Xin chào", "body": "x"},
            "outsider",
            {403},
        ),
        ("GET", f"/api/v1/channels/{topic.id}/threads/{message.thread_id}", None, "b", {404}),
        ("POST", f"/api/v1/channels/{topic.id}/threads/{message.thread_id}/messages", {"body": "x"}, "b", {404}),
        ("GET", f"/api/v1/channels/{topic.id}/messages/{message.id}/attachments/{m_upload}", None, "b", {404}),
        ("GET", f"/api/v1/events/{event.id}", None, "outsider", {404}),
        ("PATCH", f"/api/v1/events/{event.id}", {"title": "Đổi"}, "b", {403}),
        ("POST", f"/api/v1/events/{event.id}/registration", None, "outsider", {404}),
        ("DELETE", f"/api/v1/events/{event.id}/registration", None, "outsider", {404}),
        ("GET", f"/api/v1/events/{event.id}/registrations", None, "b", {403}),
        ("POST", f"/api/v1/events/{event.id}/attendance", {"user_id": net.admin["b"].id, "attended": True}, "b", {403}),
        ("POST", f"/api/v1/events/{event.id}/materials", {"title_vi": "Tài liệu"}, "b", {403}),
        ("GET", f"/api/v1/knowledge/{doc.id}", None, "b", {404}),
        ("PATCH", f"/api/v1/knowledge/{doc.id}", {"title_vi": "Đổi"}, "b", {404}),
        ("GET", f"/api/v1/knowledge/{doc.id}/files/{k_upload}", None, "b", {404}),
    ]
    problems = []
    for method, path, body, user, statuses in wrong:
        r = client.request(method, path, json=body, headers=headers[user])
        if r.status_code not in statuses:
            problems.append(f"wrong organisation: {method} {path} as {user}: {r.status_code} {r.text[:200]}")

    # (method, path, json body, who calls, the field the 422 must name)
    bad: list[tuple[str, str, Any, str, str]] = [
        ("POST", "/api/v1/clusters", {"name": "C", "number": 1}, "coordinator", "name"),
        ("PATCH", f"/api/v1/clusters/{c}", {"number": 0}, "coordinator", "number"),
        ("GET", "/api/v1/clusters/abc", None, "coordinator", "path.cluster_id"),
        (
            "POST",
            f"/api/v1/clusters/{c}/members",
            {"organisation_id": net.outsider.id, "joined_on": "hôm qua"},
            "coordinator",
            "joined_on",
        ),
        ("PATCH", f"/api/v1/clusters/{c}/members/{member.id}", {"left_on": "2019-01-01"}, "coordinator", "left_on"),
        ("PATCH", f"/api/v1/clusters/{c}/terms/{net.term.id}", {"ends_on": "31/12"}, "coordinator", "ends_on"),
        (
            "POST",
            f"/api/v1/clusters/{c}/rotation",
            {"organisation_ids": [], "start_year": year + 5},
            "coordinator",
            "organisation_ids",
        ),
        (
            "POST",
            f"/api/v1/clusters/{c}/rotation",
            {"organisation_ids": [net.a.id], "start_year": 1500},
            "coordinator",
            "start_year",
        ),
        ("GET", f"/api/v1/clusters/{c}/lead?on=tomorrow", None, "coordinator", "query.on"),
        (
            "POST",
            f"/api/v1/clusters/{c}/handovers",
            {
                "from_organisation_id": net.a.id,
                "to_organisation_id": net.b.id,
                "handed_over_on": f"{year}-01-02",
                "minutes": "",
            },
            "coordinator",
            "minutes",
        ),
        ("GET", f"/api/v1/clusters/{c}/plans/1850", None, "coordinator", "path.year"),
        ("PUT", f"/api/v1/clusters/{c}/plans/{year}", {"summary": ["not", "text"]}, "coordinator", "summary"),
        ("POST", f"/api/v1/clusters/{c}/plans/{year}/activities", {"title": "X"}, "coordinator", "title"),
        (
            "PATCH",
            f"/api/v1/clusters/{c}/plans/{year}/activities/{activity.id}",
            {"status": "postponed"},
            "coordinator",
            "status",
        ),
        ("GET", "/api/v1/readiness?year=12", None, "coordinator", "query.year"),
        ("GET", "/api/v1/readiness/coverage?year=2025&group_by=planet", None, "coordinator", "query.group_by"),
        (
            "PUT",
            f"/api/v1/readiness/{net.b.id}/{year}",
            {"last_restore_test_on": f"{year + 1}-01-01"},
            "b",
            "last_restore_test_on",
        ),
        (
            "POST",
            f"/api/v1/readiness/{net.b.id}/{year}/evidence",
            {"criterion": "backup", "file_id": upload},
            "b",
            "file_id.0",
        ),
        ("POST", "/api/v1/channels", {"kind": "topic", "name": "X"}, "coordinator", "name"),
        (
            "PATCH",
            f"/api/v1/channels/{cluster_channel.id}",
            {"organisation_ids": [net.a.id]},
            "coordinator",
            "organisation_ids",
        ),
        (
            "POST",
            f"/api/v1/channels/{topic.id}/threads",
            {"title": "Tiêu đề", "body": "x", "tlp": "amber", "recipient_ids": [987654]},
            "a",
            "recipient_ids.0",
        ),
        (
            "POST",
            f"/api/v1/channels/{topic.id}/threads/{message.thread_id}/messages",
            {"body": "x", "tlp": "purple"},
            "a",
            "tlp",
        ),
        (
            "POST",
            "/api/v1/events",
            {"cluster_id": c, "title": "Sự kiện", "starts_at": "soon", "ends_at": "later"},
            "a",
            "starts_at",
        ),
        ("PATCH", f"/api/v1/events/{event.id}", {"capacity": 0}, "a", "capacity"),
        ("POST", f"/api/v1/events/{event.id}/attendance", {"user_id": "me", "attended": True}, "a", "user_id"),
        ("POST", f"/api/v1/events/{event.id}/materials", {"title_vi": "Tài liệu", "tlp": "red"}, "a", "tlp"),
        ("GET", "/api/v1/knowledge?limit=0", None, "a", "query.limit"),
        ("POST", "/api/v1/knowledge", {"title_vi": "Tài liệu", "kind": "novel"}, "a", "kind"),
        ("PATCH", f"/api/v1/knowledge/{doc.id}", {"tags": ["a|b"]}, "a", "tags.0"),
        ("POST", "/api/v1/cluster-files", None, "a", "file"),
    ]
    for method, path, body, user, field in bad:
        r = client.request(method, path, json=body, headers=headers[user])
        fields = [e.get("field") for e in r.json().get("errors", [])] if r.status_code == 422 else []
        if r.status_code != 422 or field not in fields:
            problems.append(f"bad input: {method} {path}: {r.status_code} {fields or r.text[:200]} (wanted {field})")
    assert not problems, "\n".join(problems)


def test_a_user_with_no_role_or_only_reading_rights_cannot_upload_cluster_documents(client, db) -> None:
    from tests.factories import make_user
    from tests.helpers import login

    for roles in ([], [Role.VIEWER]):
        user = make_user(db, roles=roles)
        login(client, user.email)
        r = client.post(
            "/api/v1/cluster-files",
            files={"file": ("x.txt", b"x", "text/plain")},
            headers={"X-CSRF-Token": page_csrf(client, "/account")},
        )
        assert r.status_code == 403, (roles, r.text)
        client.cookies.clear()
