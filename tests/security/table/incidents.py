"""Rows of incidents and mobilisation: reports and triage, the incident and its parts, exports,
support requests and deployments, API and pages (docs/incidents.md, docs/mobilisation.md)."""

from __future__ import annotations

from csirtnet.kit.time import utcnow
from tests.security import rules as R
from tests.security.runner import Body, Variant
from tests.security.table.vocabulary import (
    API,
    DISTINCT_INCIDENTS,
    MEMBERS,
    NEW_REPORTS,
    PAGE_WRITE_INCIDENTS,
    PDF_INCIDENTS,
    PLATFORM,
    REPORTS,
    STAFF,
    WRITE_INCIDENTS,
    WRITERS,
    Table,
    accept_form,
    accept_json,
    deployment_readers,
    deployment_releasers,
    deployments,
    form,
    incident_command,
    incident_discuss,
    incident_mobilise,
    incident_work,
    incidents,
    js,
    only,
    readers,
    report_form,
    report_json,
    report_readers,
    report_variants,
    request_answerers,
    request_readers,
    requests,
    shows,
    support_request_json,
)


def attachment_readers(w, v):  # type: ignore[no-untyped-def]
    """A file on an incident: the observables' rule (RED: the named participants only)."""
    assert v.obj is not None
    return w.readers[v.obj]


def attachments(keys):  # type: ignore[no-untyped-def]
    def make(w):  # type: ignore[no-untyped-def]
        return [
            Variant(
                f"{key}:{slug}",
                {"incident_id": w.id(f"incident:{key}"), "attachment_id": w.id(f"attachment:{key}:{slug}")},
                f"attachment:{key}:{slug}",
            )
            for key in keys
            for slug in ("amber", "red")
        ]

    return make


TABLE = Table()
row = TABLE.row

# -- mobilisation (docs/mobilisation.md) ----------------------------------------------------------------
# The requests raised on an incident that the caller may see (a filter: an incident it may not see
# answers an empty list, like a missing one).
row("GET", f"{API}/incidents/{{incident_id}}/support-requests", MEMBERS, variants=incidents(DISTINCT_INCIDENTS))
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/support-requests",
    incident_mobilise,
    variants=incidents(("A-green", "A-strict", "A-red", "B-amber", "B-red")),
    body=support_request_json,
    hidden=readers,
)
row("GET", f"{API}/support-requests", MEMBERS)
row("GET", f"{API}/support-requests/inbox", MEMBERS)
row(
    "GET",
    f"{API}/support-requests/{{request_id}}",
    request_readers,
    variants=requests("fulfilled", "pending-B", "pending-LC"),
    hidden=request_readers,
    shows=lambda w, v: (
        frozenset({w.markers.text("support request A-amber summary")}) if v.label == "fulfilled" else frozenset()
    ),
)
row(
    "GET",
    f"{API}/support-requests/{{request_id}}/matches",
    lambda w, v: R.STAFF & request_readers(w, v),
    variants=requests("fulfilled", "pending-B"),
    hidden=request_readers,
)
row(
    "POST",
    f"{API}/support-requests/{{request_id}}/accept",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=accept_json,
    hidden=request_readers,
)
row(
    "POST",
    f"{API}/support-requests/{{request_id}}/decline",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=js(reason="Không có chuyên gia rảnh"),
    hidden=request_readers,
)
row(
    "POST",
    f"{API}/support-requests/{{request_id}}/cancel",
    STAFF,
    variants=requests("pending-B"),
    body=js(reason="Đã xử lý xong"),
    hidden=request_readers,
)
row("GET", f"{API}/deployments", MEMBERS)
row(
    "GET",
    f"{API}/deployments/{{deployment_id}}",
    deployment_readers,
    variants=deployments("active", "ended"),
    hidden=deployment_readers,
    shows=lambda w, v: frozenset({w.markers.text("deployment ended outcome")}) if v.label == "ended" else frozenset(),
)
row(
    "POST",
    f"{API}/deployments/{{deployment_id}}/release",
    deployment_releasers,
    variants=deployments("active"),
    body=js(outcome="Hoàn thành"),
    hidden=deployment_readers,
)
row(
    "PATCH",
    f"{API}/deployments/{{deployment_id}}",
    deployment_releasers,
    variants=deployments("ended"),
    body=js(outcome="Đã ghi nhận"),
    hidden=deployment_readers,
)
row("GET", f"{API}/mobilisation/statistics", MEMBERS)

# -- incidents: reports and triage (docs/incidents.md) --------------------------------------------------
row("POST", f"{API}/incidents/reports", WRITERS, body=report_json)
row("GET", f"{API}/incidents/reports", MEMBERS, note="issue 10 item 7: reports of incidents raised to RED")
row(
    "GET",
    f"{API}/incidents/reports/{{report_id}}",
    report_readers,
    variants=report_variants(*REPORTS),
    hidden=report_readers,
    shows=lambda w, v: shows("report {label} title" if v.label in NEW_REPORTS else "report {label} detection")(w, v),
)
row(
    "POST",
    f"{API}/incidents/reports/{{report_id}}/open",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=js(rsit_class="malicious-code", rsit_type="infected-system"),
    hidden=report_readers,
)
row(
    "POST",
    f"{API}/incidents/reports/{{report_id}}/attach",
    STAFF,
    variants=report_variants("A-new"),
    body=lambda w, s, v: Body(json={"incident_id": w.id("incident:A-green")}),
    hidden=report_readers,
)
row(
    "POST",
    f"{API}/incidents/reports/{{report_id}}/reject",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=js(reason="Không phải sự cố"),
    hidden=report_readers,
)

# -- the intake's quarantine (docs/incidents.md, "Email intake"): the coordinators' staff only ----------


def quarantined(w):  # type: ignore[no-untyped-def]
    return [Variant("pending", {"quarantine_id": w.id("quarantine:pending")}, "quarantine:pending")]


QUARANTINE_SHOWS = shows("quarantined message subject")
row("GET", f"{API}/intake/quarantine", STAFF)
row(
    "GET",
    f"{API}/intake/quarantine/{{quarantine_id}}",
    STAFF,
    variants=quarantined,
    hidden=STAFF,
    shows=QUARANTINE_SHOWS,
)
row(
    "GET",
    f"{API}/intake/quarantine/{{quarantine_id}}/raw",
    STAFF,
    variants=quarantined,
    hidden=STAFF,
    shows=shows("quarantined message body"),
)
row("POST", f"{API}/intake/quarantine/{{quarantine_id}}/release", STAFF, variants=quarantined, hidden=STAFF)
row(
    "POST",
    f"{API}/intake/quarantine/{{quarantine_id}}/discard",
    STAFF,
    variants=quarantined,
    body=js(reason="Thư rác"),
    hidden=STAFF,
)
row("GET", "/incidents/quarantine", STAFF)
row("GET", "/incidents/quarantine/{quarantine_id}", STAFF, variants=quarantined, hidden=STAFF, shows=QUARANTINE_SHOWS)
row(
    "GET",
    "/incidents/quarantine/{quarantine_id}/raw",
    STAFF,
    variants=quarantined,
    hidden=STAFF,
    shows=shows("quarantined message body"),
)
row("POST", "/incidents/quarantine/{quarantine_id}/release", STAFF, variants=quarantined, body=form(), hidden=STAFF)
row(
    "POST",
    "/incidents/quarantine/{quarantine_id}/discard",
    STAFF,
    variants=quarantined,
    body=form(reason="Thư rác"),
    hidden=STAFF,
)
row("GET", f"{API}/incidents", MEMBERS)
row("GET", f"{API}/incidents/by-province", MEMBERS)
row("GET", f"{API}/incidents/deadline-profiles", MEMBERS)
row(
    "PUT",
    f"{API}/incidents/deadline-profiles/{{profile_key}}/rules/{{rule_key}}",
    PLATFORM,
    variants=lambda w: [Variant("nis2", {"profile_key": "nis2-art23", "rule_key": "matrix_rule"})],
    body=js(label_vi="Quy tắc", label_en="Rule", anchor="detected", offset_minutes=60, satisfied_by="manual"),
)
row(
    "DELETE",
    f"{API}/incidents/deadline-profiles/{{profile_key}}/rules/{{rule_key}}",
    PLATFORM,
    variants=lambda w: [Variant("nis2", {"profile_key": "cisa-circia", "rule_key": "ransom_payment"})],
)

# -- incidents: the incident and its parts ---------------------------------------------------------------
row(
    "GET",
    f"{API}/incidents/{{incident_id}}",
    readers,
    variants=incidents(),
    hidden=readers,
    shows=shows("incident {label} title"),
)
row(
    "PATCH",
    f"{API}/incidents/{{incident_id}}",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=js(sector="energy"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/phase",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=js(phase="analysis"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/close",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=js(result="Đã xử lý", root_cause="Lỗ hổng", actions_taken="Vá lỗi", lessons_learned="Cập nhật"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/links",
    lambda w, v: incident_work(w, v) & w.readers["incident:B-amber"],
    variants=incidents(("A-green", "A-red", "B-clear")),
    body=lambda w, s, v: Body(json={"other_incident_id": w.id("incident:B-amber")}),
    hidden=readers,
    refusals=frozenset({422}),
    note="linking needs both incidents: the other one is refused like a missing one, naming the field",
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/deadlines/{{rule_key}}/met",
    incident_work,
    variants=incidents(WRITE_INCIDENTS, rule_key=lambda w, k: "notification"),
    hidden=readers,
)
row(
    "GET",
    f"{API}/incidents/{{incident_id}}/timeline",
    readers,
    variants=incidents(),
    hidden=readers,
    shows=shows("incident {label} timeline"),
)
for part in ("tasks", "comments", "observables", "correlations", "participants"):
    row(
        "GET",
        f"{API}/incidents/{{incident_id}}/{part}",
        readers,
        variants=incidents(DISTINCT_INCIDENTS),
        hidden=readers,
    )
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/timeline",
    incident_work,
    variants=incidents(WRITE_INCIDENTS),
    body=lambda w, s, v: Body(json={"occurred_at": utcnow().isoformat(), "text": "Ghi nhận"}),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/tasks",
    incident_work,
    variants=incidents(WRITE_INCIDENTS),
    body=js(title="Việc mới"),
    hidden=readers,
)
row(
    "PATCH",
    f"{API}/incidents/{{incident_id}}/tasks/{{task_id}}",
    incident_work,
    variants=incidents(WRITE_INCIDENTS, task_id=lambda w, k: w.id(f"task:{k}")),
    body=js(status="in_progress"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/comments",
    incident_discuss,
    variants=incidents(WRITE_INCIDENTS),
    body=js(body="Bình luận mới"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/observables",
    incident_work,
    variants=incidents(WRITE_INCIDENTS),
    body=js(kind="ip", value="192.0.2.99"),
    hidden=readers,
)
row(
    "DELETE",
    f"{API}/incidents/{{incident_id}}/observables/{{observable_id}}",
    incident_work,
    variants=incidents(WRITE_INCIDENTS, observable_id=lambda w, k: w.id(f"observable:{k}:green")),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/participants",
    incident_command,
    variants=incidents(WRITE_INCIDENTS),
    body=lambda w, s, v: Body(json={"organisation_id": w.id("org:LP"), "role": "observer"}),
    hidden=readers,
)
row(
    "POST",
    f"{API}/incidents/{{incident_id}}/participants/{{participant_id}}/end",
    incident_command,
    variants=lambda w: [
        Variant(
            "B-red",
            {"incident_id": w.id("incident:B-red"), "participant_id": w.id("participant:B-red:coordinator")},
            "incident:B-red",
        )
    ],
    body=form(confirmed="1"),
    hidden=readers,
)
row(
    "GET",
    f"{API}/incidents/{{incident_id}}/export.json",
    readers,
    variants=incidents(),
    hidden=readers,
    shows=shows("incident {label} comment", "observable {label} red"),
)
row(
    "GET",
    f"{API}/incidents/{{incident_id}}/export.pdf",
    readers,
    variants=incidents(PDF_INCIDENTS),
    hidden=readers,
    shows=shows("incident {label} system"),
)

# -- pages: incidents ------------------------------------------------------------------------------------------
row("GET", "/incidents", MEMBERS)
row("GET", "/incidents/tasks", MEMBERS)
row("GET", "/incidents/provinces", MEMBERS)
row("GET", "/incidents/report", WRITERS)
row("POST", "/incidents/report", WRITERS, body=report_form)
row("GET", "/incidents/reports", MEMBERS)
row("GET", "/incidents/reports/{report_id}", report_readers, variants=report_variants(*REPORTS), hidden=report_readers)
row(
    "GET",
    "/incidents/reports/{report_id}/attachments/{attachment_id}",
    report_readers,
    variants=report_variants("A-amber", "A-red", "B-green", "A-confidential", with_file=True),
    hidden=report_readers,
    shows=shows("report {label} attachment content"),
)
row(
    "POST",
    "/incidents/reports/{report_id}/open",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=form(rsit="malicious-code/infected-system"),
    hidden=report_readers,
)
row(
    "POST",
    "/incidents/reports/{report_id}/attach",
    STAFF,
    variants=report_variants("A-new"),
    body=lambda w, s, v: Body(form={"incident": str(w.id("incident:A-green"))}),
    hidden=report_readers,
)
row(
    "POST",
    "/incidents/reports/{report_id}/reject",
    STAFF,
    variants=report_variants(*NEW_REPORTS),
    body=form(reason="Không phải sự cố"),
    hidden=report_readers,
)
row(
    "GET",
    "/incidents/deadline-profiles",
    PLATFORM,
    either=only(R.MEMBERS - {R.PLATFORM_ADMIN}),
    note="issue 10 item 8: a user with no role; members may read the profiles (the API lets them) or not",
)
row(
    "POST",
    "/incidents/deadline-profiles/rules",
    PLATFORM,
    body=form(
        profile="nis2-art23",
        key="matrix_rule",
        label_vi="Quy tắc",
        label_en="Rule",
        anchor="detected",
        offset_minutes="60",
        satisfied_by="manual",
    ),
)
row(
    "POST",
    "/incidents/deadline-profiles/{profile_key}/default",
    PLATFORM,
    variants=lambda w: [Variant("nis2", {"profile_key": "nis2-art23"})],
)
row(
    "GET",
    "/incidents/{incident_id}",
    readers,
    variants=incidents(),
    hidden=readers,
    # The summary tab: tasks, observables and the discussion have tabs of their own (rows below).
    shows=shows("incident {label} title", "incident {label} description"),
)
row("GET", "/incidents/{incident_id}/export.pdf", readers, variants=incidents(("A-red",)), hidden=readers)
# The incident page's tabs: each reads what it shows through the same reads as the summary.
row(
    "GET",
    "/incidents/{incident_id}/tasks",
    readers,
    variants=incidents(DISTINCT_INCIDENTS),
    hidden=readers,
    shows=shows("incident {label} task title"),
)
row(
    "GET",
    "/incidents/{incident_id}/tasks/{task_id}",
    readers,
    variants=incidents(DISTINCT_INCIDENTS, task_id=lambda w, k: w.id(f"task:{k}")),
    hidden=readers,
    shows=shows("incident {label} task description"),
)
# The incident page's tabs: each shows its own planted value to its readers only.
for tab, marker in (
    ("observables", "observable {label} amber"),
    ("timeline", "incident {label} timeline"),
    ("discussion", "incident {label} comment"),
    ("files", "incident file {label} amber filename"),
    ("case-report", "incident {label} task title"),
):
    row(
        "GET",
        f"/incidents/{{incident_id}}/{tab}",
        readers,
        variants=incidents(DISTINCT_INCIDENTS),
        hidden=readers,
        shows=shows(marker),
    )
row(
    "GET",
    "/incidents/{incident_id}/files/{attachment_id}",
    attachment_readers,
    variants=attachments(DISTINCT_INCIDENTS),
    hidden=attachment_readers,
    shows=shows("incident file {a} {b} content"),
)
row(
    "POST",
    "/incidents/{incident_id}/files",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=lambda w, s, v: Body(form={"tlp": "amber"}, files={"file": ("ghi-chep.txt", b"log lines", "text/plain")}),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/files/{attachment_id}/delete",
    lambda w, v: incident_work(w, v) & w.readers[f"attachment:{v.label}:amber"],
    variants=incidents(PAGE_WRITE_INCIDENTS, attachment_id=lambda w, k: w.id(f"attachment:{k}:amber")),
    body=form(confirmed="1"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/observables/paste",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(text="203.0.113.77\nhxxp://bad[.]example[.]org/x", tlp="amber", action="add"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/tasks/{task_id}/assign",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS, task_id=lambda w, k: w.id(f"task:{k}")),
    body=form(due_at=""),
    hidden=readers,
)
row("GET", "/incidents/{incident_id}/export.json", readers, variants=incidents(DISTINCT_INCIDENTS), hidden=readers)
row(
    "POST",
    "/incidents/{incident_id}/classify",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(sector="energy"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/phase",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(phase="analysis"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/close",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(result="Đã xử lý", root_cause="Lỗ hổng", actions_taken="Vá lỗi", lessons_learned="Cập nhật"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/timeline",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=lambda w, s, v: Body(form={"occurred_at": utcnow().strftime("%Y-%m-%dT%H:%M"), "text": "Ghi nhận"}),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/tasks",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(title="Việc mới"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/tasks/{task_id}",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS, task_id=lambda w, k: w.id(f"task:{k}")),
    body=form(status="in_progress"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/comments",
    incident_discuss,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(body="Bình luận mới"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/observables",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(kind="ip", value="192.0.2.99", tlp="amber"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/observables/{observable_id}/delete",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS, observable_id=lambda w, k: w.id(f"observable:{k}:green")),
    body=form(confirmed="1"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/participants",
    incident_command,
    variants=incidents(PAGE_WRITE_INCIDENTS),
    body=form(organisation_code="MX-LP", role="observer"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/participants/{participant_id}/end",
    incident_command,
    variants=lambda w: [
        Variant(
            "B-red",
            {"incident_id": w.id("incident:B-red"), "participant_id": w.id("participant:B-red:coordinator")},
            "incident:B-red",
        )
    ],
    body=form(confirmed="1"),
    hidden=readers,
)
row(
    "POST",
    "/incidents/{incident_id}/links",
    lambda w, v: incident_work(w, v) & w.readers["incident:B-amber"],
    variants=incidents(("A-green", "A-red", "B-clear")),
    body=lambda w, s, v: Body(form={"other": w.refs["incident:B-amber"]}),
    hidden=readers,
    refusals=frozenset({422}),
    note="an incident one may not see is refused with the form's error, nothing recorded",
)
row(
    "POST",
    "/incidents/{incident_id}/deadlines/{rule_key}/met",
    incident_work,
    variants=incidents(PAGE_WRITE_INCIDENTS, rule_key=lambda w, k: "notification"),
    hidden=readers,
)

# -- pages: mobilisation ---------------------------------------------------------------------------------------
row("GET", "/incidents/{incident_id}/mobilisation", readers, variants=incidents(DISTINCT_INCIDENTS), hidden=readers)
row(
    "POST",
    "/incidents/{incident_id}/mobilisation/requests",
    incident_mobilise,
    variants=incidents(("A-green", "A-strict", "A-red", "B-amber", "B-red")),
    body=form(
        summary="Cần hỗ trợ phân tích",
        mode="remote",
        duration="2",
        duration_unit="days",
        urgency="normal",
        experts_needed="1",
        answer_within="4",
        **{"skill__malware-analysis": "1"},
    ),
    hidden=readers,
)
row(
    "GET",
    "/mobilisation/requests/{request_id}",
    request_readers,
    variants=requests("fulfilled", "pending-B", "pending-LC"),
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/requests/{request_id}/accept",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=accept_form,
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/requests/{request_id}/decline",
    request_answerers,
    variants=requests("pending-B", "pending-LC"),
    body=form(reason="Không có chuyên gia rảnh"),
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/requests/{request_id}/cancel",
    STAFF,
    variants=requests("pending-B"),
    body=form(reason="Đã xử lý xong"),
    hidden=request_readers,
)
row(
    "POST",
    "/mobilisation/deployments/{deployment_id}/release",
    deployment_releasers,
    variants=deployments("active"),
    body=form(outcome="Hoàn thành"),
    hidden=deployment_readers,
)
row(
    "POST",
    "/mobilisation/deployments/{deployment_id}/record",
    deployment_releasers,
    variants=deployments("ended"),
    body=form(outcome="Đã ghi nhận"),
    hidden=deployment_readers,
)
row("GET", "/mobilisation/requests", MEMBERS)
row("GET", "/mobilisation", MEMBERS)

ROWS = TABLE.rows
