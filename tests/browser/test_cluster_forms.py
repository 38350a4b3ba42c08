"""Every form of the cluster domain's pages (clusters, plans, readiness, channels, the knowledge
base, events) and of the mobilisation pages, submitted with bad input in a real Chromium, comes back
as the one form path promises (tests/browser/formcheck.py): in place (422), each error at its field,
the labels in a focused summary, everything typed kept, the language kept, no attribute name shown.

`CLUSTER_ROWS` and `MOBILISATION_ROWS` have the shape of tests/browser/test_forms.py's rows (which
counts them too). Their URLs and typed values name the objects the test makes: {cluster}, {year},
{a} and {b} (member organisations; {a} leads this year), {channel}, {thread}, {event}; {incident},
{request}; "{file}" is a file chosen from disk. `LOGIN` says which of the people made logs in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy.orm import Session

from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster.channel import repository as channel_repository
from csirtnet.cluster.channel import service as channel_service
from csirtnet.cluster.channel.schemas import ThreadCreate
from csirtnet.cluster.event import service as event_service
from csirtnet.cluster.event.schemas import EventCreate
from csirtnet.cluster.readiness import service as readiness
from csirtnet.cluster.readiness.schemas import ReadinessUpdate
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import answers, service
from csirtnet.mobilisation.schemas import AcceptBody
from csirtnet.models import User
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.cluster import helpers as cluster_helpers
from tests.mobilisation import helpers as mobilisation_helpers

pytestmark = pytest.mark.browser

YEAR = cluster_authz.today().year
LONG = "x" * 2100

CLUSTER_ROWS: list[Row] = [
    Row(
        BadInput(
            "establish a cluster",
            "/clusters",
            "[data-testid=cluster-form]",
            {"name": " ", "number": "0", "description": "Cụm các tỉnh miền núi phía Bắc"},
            errors=("name", "number"),
        ),
        Role.COORDINATOR,
        ("cluster-new",),
    ),
    Row(
        BadInput(
            "add a member",
            "/clusters/{cluster}?open=cluster-member",
            "[data-testid=member-form]",
            {"organisation_id": "{b}", "joined_on": "2021-01-01"},
            errors=("organisation_id",),
        ),
        Role.COORDINATOR,
        ("cluster-member",),
        language="en",
    ),
    Row(
        BadInput(
            "record a departure",
            "/clusters/{cluster}?open=cluster-member-leave",
            "[data-testid=leave-form]",
            {"left_on": "2019-01-01"},
            errors=("left_on",),
        ),
        Role.COORDINATOR,
        ("cluster-member-leave",),
    ),
    Row(
        BadInput(
            "plan a lead term",
            "/clusters/{cluster}?open=cluster-term",
            "[data-testid=term-form]",
            {"organisation_id": "{b}", "starts_on": f"{YEAR + 3}-05-01", "ends_on": f"{YEAR + 3}-04-01"},
            errors=("ends_on",),
        ),
        Role.COORDINATOR,
        ("cluster-term",),
    ),
    Row(
        BadInput(
            "plan a rotation",
            "/clusters/{cluster}?open=cluster-rotation",
            "[data-testid=rotation-form]",
            {"start_year": "1990", "years": "2"},
            errors=("start_year",),
        ),
        Role.COORDINATOR,
        ("cluster-rotation",),
        language="en",
    ),
    Row(
        BadInput(
            "record a handover",
            "/clusters/{cluster}?open=cluster-handover",
            "[data-testid=handover-form]",
            {
                "from_organisation_id": "{a}",
                "to_organisation_id": "{b}",
                "handed_over_on": "",
                "minutes": "Biên bản bàn giao",
                "files": "{file}",
            },
            errors=("handed_over_on",),
        ),
        Role.COORDINATOR,
        ("cluster-handover",),
    ),
    Row(
        BadInput(
            "add an activity",
            "/clusters/{cluster}/plans/{year}?open=plan-activity",
            "[data-testid=activity-form]",
            {"title": "x", "kind": "training", "notes": "Mời chuyên gia FPT"},
            errors=("title",),
        ),
        Role.ORG_ADMIN,
        ("plan-activity",),
    ),
    Row(
        BadInput(
            "change an activity",
            "/clusters/{cluster}/plans/{year}?open=plan-activity-edit",
            "[data-testid=activity-edit-form]",
            {"title": " ", "status": "done", "notes": "Đã hoàn thành"},
            errors=("title",),
        ),
        Role.ORG_ADMIN,
        ("plan-activity-edit",),
        language="en",
    ),
    Row(
        BadInput(
            "year-end summary",
            "/clusters/{cluster}/plans/{year}",
            "[data-testid=summary-form]",
            {"summary": "Tổng kết " + "x" * 50_000},
            errors=("summary",),
        ),
        Role.ORG_ADMIN,
        ("plan-summary",),
    ),
    Row(
        BadInput(
            "readiness record",
            "/readiness/{b}/{year}",
            "[data-testid=readiness-form]",
            {"ir_team": True, "ir_contact_24x7": "0206 3852 000", "systems_approved_count": "-5"},
            errors=("systems_approved_count",),
        ),
        Role.ORG_ADMIN,
        ("readiness-record",),
    ),
    Row(
        BadInput(
            "readiness evidence",
            "/readiness/{b}/{year}",
            "[data-testid=evidence-form]",
            {"criterion": "backup", "dated_on": "2099-01-01", "note": "Biên bản thử khôi phục", "file": "{file}"},
            errors=("dated_on",),
        ),
        Role.ORG_ADMIN,
        ("readiness-evidence",),
        language="en",
    ),
    Row(
        BadInput(
            "open a channel",
            "/channels",
            "[data-testid=channel-form]",
            {"name": " ", "name_en": "Malware", "description": "Trao đổi về mã độc"},
            errors=("name",),
        ),
        Role.ORG_ADMIN,
        ("channel-new",),
    ),
    Row(
        BadInput(
            "open a thread",
            "/channels/{channel}",
            "[data-testid=new-thread]",
            {"title": "x", "body": "Danh sách IoC đính kèm", "files": "{file}"},
            errors=("title",),
        ),
        Role.ORG_ADMIN,
        ("channel-thread",),
    ),
    Row(
        BadInput(
            "reply",
            "/channels/{channel}/threads/{thread}",
            "[data-testid=reply]",
            {"body": "   "},
            errors=("body",),
        ),
        Role.ORG_ADMIN,
        ("channel-reply",),
        language="en",
    ),
    Row(
        BadInput(
            "add a document",
            "/knowledge",
            "[data-testid=document-form]",
            {"title_vi": "T" * 301, "summary_vi": "Các bước xử lý mã độc", "tags": "mã độc, ransomware"},
            errors=("title_vi",),
        ),
        Role.ORG_ADMIN,
        ("knowledge-document",),
    ),
    Row(
        BadInput(
            "share a material",
            "/events/{event}?open=event-material",
            "[data-testid=material-form]",
            {"title_vi": "T" * 301, "summary_en": "Slides of the workshop"},
            errors=("title_vi",),
        ),
        Role.ORG_ADMIN,
        ("event-material",),
        language="en",
    ),
    Row(
        BadInput(
            "schedule an event",
            "/events",
            "[data-testid=event-form]",
            {
                "title": " ",
                "starts_at": "2030-01-02T09:00",
                "starts_at_zone": "Asia/Bangkok",
                "ends_at": "2030-01-02T12:00",
                "location": "Bắc Kạn",
            },
            errors=("title",),
        ),
        Role.ORG_ADMIN,
        ("event-new",),
    ),
    Row(
        BadInput(
            "search the knowledge base",
            "/knowledge",
            "[data-testid=knowledge-search]",
            {"q": "mã độc " * 40, "kind": "playbook", "tag": "ransomware"},
            errors=("q",),
        ),
        Role.ORG_ADMIN,
        ("knowledge-search",),
        language="en",
    ),
    Row(
        BadInput(
            "readiness coverage filters",
            "/readiness/coverage",
            "[data-testid=coverage-filters]",
            {"year": "1999", "group_by": "province"},
            errors=("year",),
        ),
        Role.COORDINATOR,
        ("readiness-coverage-filters",),
    ),
]

MOBILISATION_ROWS: list[Row] = [
    Row(
        BadInput(
            "ask members for experts",
            "/incidents/{incident}/mobilisation",
            "[data-testid=raise-form]",
            {
                "summary": " ",
                "province": "Bắc Kạn",
                "starts_at": "2030-01-02T08:30",
                "starts_at_zone": "Asia/Bangkok",
                "duration": "3",
                "urgency": "critical",
                "experts_needed": "25",
            },
            errors=("summary", "experts_needed"),
        ),
        Role.COORDINATOR,
        ("mobilisation-request",),
    ),
    Row(
        BadInput(
            "cancel a request",
            "/mobilisation/requests/{request}?open=mobilisation-cancel",
            "[data-testid=cancel-form]",
            {"reason": "x"},
            errors=("reason",),
        ),
        Role.COORDINATOR,
        ("mobilisation-cancel",),
        language="en",
    ),
    Row(
        BadInput(
            "accept a request",
            "/mobilisation/requests/{request}",
            "[data-testid=accept-form]",
            {"note": LONG},
            errors=("note",),
        ),
        Role.ORG_ADMIN,
        ("mobilisation-accept",),
    ),
    Row(
        BadInput(
            "decline a request",
            "/mobilisation/requests/{request}?open=mobilisation-decline",
            "[data-testid=decline-form]",
            {"reason": "ab"},
            errors=("reason",),
        ),
        Role.ORG_ADMIN,
        ("mobilisation-decline",),
        language="en",
    ),
    Row(
        BadInput(
            "release an expert",
            "/incidents/{incident}/mobilisation?open=mobilisation-release",
            "[data-testid=release-form]",
            {"hours": "ba giờ", "outcome": "Đã cô lập máy chủ"},
            errors=("hours",),
        ),
        Role.COORDINATOR,
        ("mobilisation-release",),
    ),
]

# Who fills each form in: the coordinator, this year's lead's admin ({a}), a member's admin ({b}),
# the admin of the member asked for experts.
LOGIN: dict[str, Callable[[Any], User]] = {
    "add an activity": lambda o: o.admin["a"],
    "change an activity": lambda o: o.admin["a"],
    "year-end summary": lambda o: o.admin["a"],
    "readiness record": lambda o: o.admin["b"],
    "readiness evidence": lambda o: o.admin["b"],
    "open a channel": lambda o: o.admin["a"],
    "open a thread": lambda o: o.admin["a"],
    "reply": lambda o: o.admin["a"],
    "add a document": lambda o: o.admin["a"],
    "share a material": lambda o: o.admin["a"],
    "schedule an event": lambda o: o.admin["a"],
    "search the knowledge base": lambda o: o.admin["a"],
    "accept a request": lambda o: o.fpt_admin,
    "decline a request": lambda o: o.fpt_admin,
}


def _cluster_objects(session: Session) -> tuple[Any, dict[str, Any]]:
    net = cluster_helpers.build(session)
    lead = cluster_helpers.who(net.admin["a"])
    from csirtnet.cluster import plan
    from csirtnet.cluster.schemas import ActivityCreate

    plan.add_activity(session, lead, net.cluster.id, YEAR, ActivityCreate(title="Diễn tập cụm", kind="drill"))
    channel = channel_repository.cluster_channel(session, net.cluster.id)
    assert channel is not None
    message = channel_service.start_thread(session, lead, channel.id, ThreadCreate(title="IoC", body="Xem tệp"))
    starts = utcnow() + timedelta(days=10)
    event = event_service.create(
        session,
        lead,
        EventCreate(
            cluster_id=net.cluster.id,
            title="Hội thảo cụm",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            location="Bắc Kạn",
        ),
    )
    admin_b = cluster_helpers.who(net.admin["b"])
    readiness.save(session, admin_b, net.b.id, YEAR, ReadinessUpdate(ir_team=True, ir_contact_24x7="0206"))
    ids = {
        "cluster": net.cluster.id,
        "year": YEAR,
        "a": net.a.id,
        "b": net.b.id,
        "channel": channel.id,
        "thread": getattr(message, "thread_id", 0),
        "event": event.id,
    }
    return net, ids


def _mobilisation_objects(session: Session) -> tuple[Any, dict[str, Any]]:
    net = mobilisation_helpers.make_network(session)
    coordinator = mobilisation_helpers.who(net.coordinator)
    req = service.raise_request(session, coordinator, net.incident.id, mobilisation_helpers.request_body())
    # A second request, already answered, gives the incident a deployment to release.
    other = service.raise_request(session, coordinator, net.incident.id, mobilisation_helpers.request_body())
    answers.accept(
        session, mobilisation_helpers.who(net.fpt_admin), other.id, AcceptBody(expert_ids=[net.fpt_expert.id])
    )
    return net, {"incident": net.incident.id, "request": req.id}


def _formatted(case: BadInput, ids: dict[str, Any], file: Path) -> BadInput:
    typed = {
        name: (str(file) if value == "{file}" else value.format(**ids)) if isinstance(value, str) else value
        for name, value in case.typed.items()
    }
    return dataclasses.replace(case, url=case.url.format(**ids), typed=typed)


def _run(live_server, page, row: Row, tmp_path: Path, make: Callable[[Session], tuple[Any, dict[str, Any]]]) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32() if row.role.requires_2fa else None
    with live_server.database.unit_of_work() as session:
        objects, ids = make(session)
        user = LOGIN.get(row.case.name, lambda o: o.coordinator)(objects)
        assert row.role.value in user.roles, f"{row.case.name}: {user.email} is not {row.role.value}"
        user.language = row.language
        if secret:
            user.totp_secret = secret
            user.totp_enabled_at = utcnow()
        email = user.email
    file = tmp_path / "bien-ban.pdf"
    file.write_bytes(b"%PDF-1.4 minutes")
    page.on("dialog", lambda dialog: dialog.accept())  # forms that ask before they send
    log_in(page, live_server.url, email, secret)
    submit_bad(page, live_server.url, _formatted(row.case, ids, file), language=row.language)
    if "{file}" in row.case.typed.values():
        assert "bien-ban.pdf" in page.inner_text("body"), f"{row.case.name}: the chosen file is not named again"


@pytest.mark.parametrize("row", CLUSTER_ROWS, ids=lambda row: row.case.name)
def test_a_bad_cluster_form_comes_back_in_place(live_server, page, row: Row, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _run(live_server, page, row, tmp_path, _cluster_objects)


@pytest.mark.parametrize("row", MOBILISATION_ROWS, ids=lambda row: row.case.name)
def test_a_bad_mobilisation_form_comes_back_in_place(live_server, page, row: Row, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _run(live_server, page, row, tmp_path, _mobilisation_objects)
