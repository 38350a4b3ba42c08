"""Every form of the cluster domain's pages (clusters, plans, readiness, channels, the knowledge
base, events) on the one form path: a bad submission answers 422 with the same page, names each
failing field by its label (in English and in Vietnamese, never by its attribute), keeps what was
typed (files are named again) and applies nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet import i18n
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import plan
from csirtnet.cluster.channel import repository as channel_repository
from csirtnet.cluster.channel import service as channel_service
from csirtnet.cluster.channel.schemas import ThreadCreate
from csirtnet.cluster.event import service as event_service
from csirtnet.cluster.event.schemas import EventCreate
from csirtnet.cluster.readiness import service as readiness
from csirtnet.cluster.readiness.schemas import ReadinessUpdate
from csirtnet.cluster.schemas import ActivityCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Channel,
    ChannelMessage,
    Cluster,
    ClusterHandover,
    ClusterLeadTerm,
    ClusterMember,
    ClusterPlanActivity,
    KnowledgeDocument,
    NetworkEvent,
    ReadinessEvidence,
    StoredFile,
    User,
)
from tests.cluster.helpers import Net, build, who
from tests.helpers import csrf_from, login


@dataclass
class Case:
    """One bad submission: who sends it, where, what, and what must come back."""

    name: str
    user: Callable[[Net], User]
    page: str  # the page the form is on ({cluster}, {member}, {activity}, {channel}, {thread}, {event}, {org})
    action: str  # where it posts (same placeholders)
    data: Mapping[str, str | list[str]]
    labels: Sequence[str]  # the msgids of the fields that must complain
    kept: Sequence[str]  # text that must come back in the page (values typed, file names)
    unchanged: Sequence[Any]  # models whose row count must not change
    files: Sequence[tuple[str, tuple[str, bytes, str]]] = field(default_factory=tuple)


def _objects(db: Session, net: Net) -> dict[str, Any]:
    """The objects the forms need, made as a user of the page would have made them."""
    year = cluster_authz.today().year
    lead = who(net.admin["a"])
    member = db.scalar(
        select(ClusterMember.id).where(
            ClusterMember.cluster_id == net.cluster.id, ClusterMember.organisation_id == net.b.id
        )
    )
    activity = plan.add_activity(db, lead, net.cluster.id, year, ActivityCreate(title="Diễn tập cụm", kind="drill"))
    channel = channel_repository.cluster_channel(db, net.cluster.id)
    assert channel is not None
    message = channel_service.start_thread(db, lead, channel.id, ThreadCreate(title="Danh sách IoC", body="Xem tệp"))
    starts = utcnow() + timedelta(days=10)
    event = event_service.create(
        db,
        lead,
        EventCreate(
            cluster_id=net.cluster.id,
            title="Hội thảo cụm",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            location="Bắc Kạn",
        ),
    )
    readiness.save(db, who(net.admin["b"]), net.b.id, year, ReadinessUpdate(ir_team=True, ir_contact_24x7="0206"))
    db.flush()
    return {
        "cluster": net.cluster.id,
        "member": member,
        "activity": activity.id,
        "channel": channel.id,
        "thread": getattr(message, "thread_id", 0),
        "event": event.id,
        "org": net.b.id,
        "year": year,
    }


YEAR = cluster_authz.today().year
CASES = [
    Case(
        "establish a cluster",
        lambda n: n.coordinator,
        "/clusters",
        "/clusters",
        {"name": " ", "number": "mười", "description": "Cụm các tỉnh miền núi phía Bắc"},
        ("Name", "Number"),
        ("mười", "Cụm các tỉnh miền núi phía Bắc"),
        (Cluster,),
    ),
    Case(
        "add a member",
        lambda n: n.coordinator,
        "/clusters/{cluster}",
        "/clusters/{cluster}/members",
        {"organisation_id": "{org}", "joined_on": "2020-13-45"},
        ("Joined on",),
        ("2020-13-45",),
        (ClusterMember,),
    ),
    Case(
        "record a departure",
        lambda n: n.coordinator,
        "/clusters/{cluster}",
        "/clusters/{cluster}/members/{member}/leave",
        {"left_on": ""},
        ("Left on",),
        (),
        (ClusterMember,),
    ),
    Case(
        "plan a lead term",
        lambda n: n.coordinator,
        "/clusters/{cluster}",
        "/clusters/{cluster}/terms",
        {"organisation_id": "{org}", "starts_on": f"{YEAR + 3}-05-01", "ends_on": f"{YEAR + 3}-04-01"},
        ("Ends on",),
        (f"{YEAR + 3}-05-01", f"{YEAR + 3}-04-01"),
        (ClusterLeadTerm,),
    ),
    Case(
        "plan a rotation",
        lambda n: n.coordinator,
        "/clusters/{cluster}",
        "/clusters/{cluster}/rotation",
        {"order": ["", ""], "start_year": "1990", "years": "2"},
        ("Order of the leads", "First year"),
        ('value="1990"',),
        (ClusterLeadTerm,),
    ),
    Case(
        "record a handover",
        lambda n: n.admin["a"],
        "/clusters/{cluster}",
        "/clusters/{cluster}/handovers",
        {"from_organisation_id": "{org}", "to_organisation_id": "{org}", "handed_over_on": "", "minutes": "Biên bản"},
        ("Handed over on",),
        ("Biên bản", "bien-ban.pdf"),
        (ClusterHandover, StoredFile),
        (("files", ("bien-ban.pdf", b"%PDF minutes", "application/pdf")),),
    ),
    Case(
        "add an activity",
        lambda n: n.admin["a"],
        "/clusters/{cluster}/plans/{year}",
        "/clusters/{cluster}/plans/{year}/activities",
        {"title": "x", "kind": "workshop", "status": "planned", "notes": "Mời chuyên gia FPT"},
        ("Title",),
        ("Mời chuyên gia FPT",),
        (ClusterPlanActivity,),
    ),
    Case(
        "change an activity",
        lambda n: n.admin["a"],
        "/clusters/{cluster}/plans/{year}",
        "/clusters/{cluster}/plans/{year}/activities/{activity}",
        {"title": "", "kind": "drill", "status": "done", "notes": "Đã hoàn thành", "starts_on": "2001-01-01"},
        ("Title",),
        ("Đã hoàn thành",),
        (ClusterPlanActivity,),
    ),
    Case(
        "year-end summary",
        lambda n: n.admin["a"],
        "/clusters/{cluster}/plans/{year}",
        "/clusters/{cluster}/plans/{year}/summary",
        {"summary": "Tổng kết " + "x" * 50_001},
        ("Summary",),
        ("Tổng kết xxxx",),
        (),
    ),
    Case(
        "readiness record",
        lambda n: n.admin["b"],
        "/readiness/{org}/{year}",
        "/readiness/{org}/{year}",
        {
            "ir_team": "on",
            "systems_approved_count": "-5",
            "statement": "Không có sự cố mất dữ liệu",
            "drill_name": ["A", ""],
            "drill_held_on": ["", ""],
            "drill_result": ["Hạng 3", ""],
            "drill_rank": ["", ""],
            "drill_participants": ["", ""],
        },
        ("Systems with an approved security level", "Drill"),
        ('value="-5"', "Không có sự cố mất dữ liệu", 'value="Hạng 3"'),
        (),
    ),
    Case(
        "readiness evidence",
        lambda n: n.admin["b"],
        "/readiness/{org}/{year}",
        "/readiness/{org}/{year}/evidence",
        {"criterion": "", "note": "Giấy chứng nhận"},
        ("Criterion",),
        ("Giấy chứng nhận", "giay-chung-nhan.pdf"),
        (ReadinessEvidence, StoredFile),
        (("file", ("giay-chung-nhan.pdf", b"%PDF cert", "application/pdf")),),
    ),
    Case(
        "open a channel",
        lambda n: n.admin["a"],
        "/channels",
        "/channels",
        {"kind": "topic", "name": "", "description": "Trao đổi về mã độc", "cluster_id": "{cluster}"},
        ("Name",),
        ("Trao đổi về mã độc",),
        (Channel,),
    ),
    Case(
        "open a thread",
        lambda n: n.admin["a"],
        "/channels/{channel}",
        "/channels/{channel}/threads",
        {"title": "", "body": "Nội dung cảnh báo", "tlp": "amber"},
        ("Title",),
        ("Nội dung cảnh báo", "ioc.txt"),
        (ChannelMessage, StoredFile),
        (("files", ("ioc.txt", b"203.0.113.5", "text/plain")),),
    ),
    Case(
        "reply",
        lambda n: n.admin["a"],
        "/channels/{channel}/threads/{thread}",
        "/channels/{channel}/threads/{thread}/messages",
        {"body": "  ", "tlp": "amber"},
        ("Message",),
        ("nhat-ky.txt",),
        (ChannelMessage, StoredFile),
        (("files", ("nhat-ky.txt", b"log", "text/plain")),),
    ),
    Case(
        "add a document",
        lambda n: n.admin["a"],
        "/knowledge",
        "/knowledge",
        {"kind": "playbook", "title_vi": "T" * 301, "summary_vi": "Các bước xử lý mã độc", "tlp": "green"},
        ("Title in Vietnamese",),
        ("Các bước xử lý mã độc",),
        (KnowledgeDocument,),
    ),
    Case(
        "share a material",
        lambda n: n.admin["a"],
        "/events/{event}",
        "/events/{event}/materials",
        {"title_vi": "T" * 301, "summary_en": "Slides of the workshop", "tags": "hội thảo, 2026", "tlp": "green"},
        ("Title in Vietnamese",),
        ("Slides of the workshop", "hội thảo, 2026"),
        (KnowledgeDocument,),
    ),
    Case(
        "schedule an event",
        lambda n: n.admin["a"],
        "/events",
        "/events",
        {
            "cluster_id": "{cluster}",
            "kind": "training",
            "title": "",
            "starts_at": "2030-01-02T09:00",
            "starts_at_zone": "Asia/Bangkok",
            "ends_at": "",
            "location": "Bắc Kạn",
        },
        ("Title", "Ends at"),
        ('value="2030-01-02T09:00"', '<option value="Asia/Bangkok" selected>', 'value="Bắc Kạn"'),
        (NetworkEvent,),
    ),
]


def _sign_in(client: TestClient, db: Session, user: User) -> None:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    db.flush()
    client.cookies.clear()
    login(client, user.email, totp_secret=secret)


def _fill(value: str | list[str], ids: Mapping[str, Any]) -> str | list[str]:
    return [v.format(**ids) for v in value] if isinstance(value, list) else value.format(**ids)


def _summary(html: str) -> str:
    match = re.search(r'data-testid="form-errors">(.*?)</div>', html, re.DOTALL)
    assert match, "no error summary"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def _counts(db: Session, models: Sequence[Any]) -> list[int]:
    return [db.scalar(select(func.count()).select_from(model)) or 0 for model in models]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_bad_submission_comes_back_in_place(client: TestClient, db: Session, case: Case, language: str) -> None:
    net = build(db)
    ids = _objects(db, net)
    _sign_in(client, db, case.user(net))
    page = client.get(case.page.format(**ids) + f"?lang={language}")
    assert page.status_code == 200, page.text
    before = _counts(db, case.unchanged)
    data = {name: _fill(value, ids) for name, value in case.data.items()}
    r = client.post(
        case.action.format(**ids) + f"?lang={language}",
        data={**data, "csrf_token": csrf_from(page.text)},
        files=list(case.files) or None,
    )
    assert r.status_code == 422, r.text[:2000]
    assert f'<html lang="{language}">' in r.text
    summary = _summary(r.text)
    for label in case.labels:
        shown = i18n.translate(language, label)
        assert language == "en" or shown != label, f"{label!r} has no Vietnamese"
        assert shown in summary, f"{shown!r} not in the summary: {summary}"
    for name in (n for n in data if "_" in n):  # plain words ("name", "number") are sentences' words too
        assert not re.search(rf"\b{re.escape(name)}\b", summary), f"the attribute {name} is shown"
    for text in case.kept:
        assert text in r.text, f"{text!r} is lost"
    assert 'aria-invalid="true"' in r.text and 'class="error"' in r.text
    db.expire_all()
    assert _counts(db, case.unchanged) == before, "something was applied"


def test_a_refused_readiness_record_keeps_every_drill_row(client: TestClient, db: Session) -> None:
    """The drills table comes back as typed, the bad row's cell marked and the summary saying which
    row; nothing is saved."""
    net = build(db)
    year = cluster_authz.today().year
    _sign_in(client, db, net.admin["c"])
    page = client.get(f"/readiness/{net.c.id}/{year}?lang=vi")
    r = client.post(
        f"/readiness/{net.c.id}/{year}?lang=vi",
        data={
            "csrf_token": csrf_from(page.text),
            "drill_name": ["ASEAN ACID", "", "Diễn tập APCERT"],
            "drill_held_on": [f"{year}-03-01", "", "ngày mai"],
            "drill_result": ["Hạng 3", "", ""],
            "drill_rank": ["3", "", ""],
            "drill_participants": ["63", "", ""],
        },
    )
    assert r.status_code == 422
    assert 'value="ASEAN ACID"' in r.text and 'value="Diễn tập APCERT"' in r.text and 'value="63"' in r.text
    summary = _summary(r.text)
    assert "Dòng 2" in summary and "held_on" not in summary  # the second row that holds something
    assert 'id="readiness-record-drill_held_on-1-e"' in r.text
    db.expire_all()
    assert not readiness.read(db, who(net.coordinator), net.c.id, year).recorded


def test_a_refused_button_shows_why_on_the_page(client: TestClient, db: Session) -> None:
    """Removing a term that has started is refused on the cluster's page, in the reader's language."""
    net = build(db)
    _sign_in(client, db, net.coordinator)
    page = client.get(f"/clusters/{net.cluster.id}?lang=en")
    assert net.term is not None
    r = client.post(
        f"/clusters/{net.cluster.id}/terms/{net.term.id}/delete?lang=en", data={"csrf_token": csrf_from(page.text)}
    )
    assert r.status_code == 409 and 'data-testid="refused"' in r.text and "cannot be deleted" in r.text
    db.expire_all()
    assert db.get(ClusterLeadTerm, net.term.id) is not None


@pytest.mark.parametrize("language", ["en", "vi"])
def test_refused_filters_come_back_with_what_was_asked(client: TestClient, db: Session, language: str) -> None:
    """The knowledge base's search and the coverage filters (GET forms) answer 422 with the error
    at the filter, the filters as typed, and no result read with them."""
    net = build(db)
    _sign_in(client, db, net.coordinator)
    long = "mã độc " * 40
    r = client.get("/knowledge", params={"q": long, "kind": "playbook", "lang": language})
    assert r.status_code == 422
    assert i18n.translate(language, "Search (Vietnamese or English, accents optional)") in _summary(r.text)
    assert f'value="{long}"' in r.text and '<option value="playbook" selected>' in r.text
    r = client.get("/readiness/coverage", params={"year": "1999", "group_by": "province", "lang": language})
    assert r.status_code == 422
    assert i18n.translate(language, "Year") in _summary(r.text)
    assert 'value="1999"' in r.text and '<option value="province" selected>' in r.text
