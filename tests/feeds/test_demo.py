"""The demo's security feeds (csirtnet.feeds.demo), read back through the functions the pages and the
API use: the Shadowserver report for cluster no. 1's provinces processed at load, each owning member
with one sent digest per source and period (the province inside VNPT's range gets its own: the more
specific delegation wins), the malformed lines in the quarantine with their line and reason, the
duplicate counted, the unmatched events the coordinator's alone, one incident for the infected host
in Bắc Kạn's level-3 system, the flags, and a second load that changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.config import Settings
from csirtnet.demo import load_demo
from csirtnet.errors import Forbidden, NotFound
from csirtnet.feeds import demo as feeds_demo
from csirtnet.feeds import digest_reads, digests, reads
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.models import (
    FeedBlock,
    FeedDigest,
    FeedQuarantine,
    FeedRun,
    FeedSource,
    Incident,
    IncidentObservable,
    Job,
    MemberFlag,
    Notification,
    Organisation,
    User,
)
from tests.feeds.stored import count_events

TABLES = (FeedSource, FeedRun, FeedQuarantine, FeedBlock, FeedDigest, MemberFlag, Incident, Notification, Job)
# (events, matched, unmatched, duplicates, quarantined) of each run, from the shipped files.
RUNS = {
    "scan_smb": (54, 49, 4, 1, 4),
    "event4_sinkhole_http": (10, 9, 1, 0, 0),
    "blocklist": (3, 3, 0, 0, 0),
    feeds_demo.CONSOLE: (7, 5, 1, 1, 0),
    feeds_demo.SENSOR: (3, 3, 0, 0, 0),
}


def _who(db: Session, email: str) -> Subject:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return subject_for(user)


def _org(db: Session, code: str) -> Organisation:
    org = db.scalar(select(Organisation).where(Organisation.member_code == code))
    assert org is not None, code
    return org


def _counts(db: Session) -> dict[str, int]:
    return {t.__tablename__: int(db.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def _ips(db: Session, who: Subject, **filters: object) -> list[str]:
    page = reads.search_events(db, who, limit=200, **filters)  # type: ignore[arg-type]
    assert page.next_cursor is None
    return [e.source_ip or str(e.data.get("source.network") or "") for e in page.items]


def test_the_demo_feeds(db: Session, settings: Settings, client: TestClient) -> None:
    load_demo(db)
    coordinator = _who(db, "dieuphoi@csirtnet.local")
    backan_admin = _who(db, "quantri@backan.demo")
    vnpt_admin = _who(db, "quantri@vnpt.demo")
    caobang_viewer = _who(db, "theodoi@caobang.demo")
    backan, vnpt = _org(db, "STTTT-BKN"), _org(db, "VNPT")

    # Every run, with its counts as the shipped files make them.
    runs = db.scalars(select(FeedRun).order_by(FeedRun.id)).all()
    names = {s.id: s.name for s in db.scalars(select(FeedSource))}
    got = {
        (r.report_type or names[r.source_id]): (r.events, r.matched, r.unmatched, r.duplicates, r.quarantined)
        for r in runs
    }
    assert got == RUNS
    assert {r.status for r in runs} == {"done"}
    report = next(r for r in runs if r.report_type == "scan_smb")
    day = feeds_demo.report_day(report.started_at + feeds_demo.AGE).isoformat()
    assert report.files == [f"{day}-scan_smb-vn-geo.csv"]
    assert (settings.data_dir / "demo" / "feeds" / report.files[0]).is_file()

    # The malformed lines: in the quarantine with their file, line (the header is line 1) and reason.
    lines = reads.list_quarantine(db, coordinator, run_id=report.id, limit=50, offset=0).items
    assert sorted(q.line for q in lines) == [13, 26, 39, 48]
    reasons = " | ".join(q.reason for q in lines)
    for said in ("203.0.113.300", "25:61:00", "70000", "columns"):
        assert said in reasons
    assert {q.file for q in lines} == {report.files[0]}
    with pytest.raises(Forbidden):  # the quarantine is the coordinating body's
        reads.list_quarantine(db, backan_admin, run_id=report.id, limit=50, offset=0)

    # One sent digest per owning member and period for the Shadowserver source; its count is the
    # member's stored events. Bắc Kạn's range sits inside VNPT's /24: its events are Bắc Kạn's.
    shadowserver = db.scalar(select(FeedSource).where(FeedSource.name == feeds_demo.SHADOWSERVER))
    assert shadowserver is not None
    rows = db.scalars(select(FeedDigest).where(FeedDigest.source_id == shadowserver.id)).all()
    assert len(rows) == len({d.organisation_id for d in rows}) == 7
    assert {d.status for d in rows} == {"sent"} and all(d.tlp == "amber" for d in rows)
    for digest in rows:
        stored = count_events(
            db, FeedBlock.source_id == shadowserver.id, FeedBlock.organisation_id == digest.organisation_id
        )
        assert digest.events == stored
    assert sum(d.events for d in rows) == 49 + 9 + 3
    inbox = digest_reads.list_digests(db, backan_admin)
    assert {d.organisation_id for d in inbox} == {backan.id}
    assert {d.source for d in inbox} == {feeds_demo.SHADOWSERVER}
    # eight exposed SMB servers, the portal calling a sinkhole three times, a blocklisted /28 of its range
    assert inbox[0].events == 12
    name, body = digests.digest_csv(db, backan_admin, inbox[0].id)
    assert name.endswith(".csv") and feeds_demo.INFECTED_HOST in body.decode()
    assert "203.0.113.27" not in body.decode()  # VNPT's
    with pytest.raises(NotFound):
        digest_reads.get_digest(db, vnpt_admin, inbox[0].id)
    told = db.scalars(select(Notification).where(Notification.link == digests.link_of(inbox[0].id))).all()
    assert told, "Bắc Kạn's people were told of their digest"

    # A member reads its own events only; the coordinator every one, the unmatched too.
    assert feeds_demo.INFECTED_HOST in _ips(db, backan_admin)
    assert set(_ips(db, backan_admin)) <= {f"203.0.113.{n}" for n in range(64, 96)} | {"203.0.113.64/28"}
    assert "203.0.113.64/28" in _ips(db, backan_admin)  # a blocklisted network inside its range
    assert feeds_demo.INFECTED_HOST not in _ips(db, vnpt_admin)
    assert "203.0.113.27" in _ips(db, vnpt_admin) and "203.0.113.27" not in _ips(db, caobang_viewer)
    unmatched = _ips(db, coordinator, unmatched=True)
    # 192.0.2.224/27 is nobody's: four in the scan, one in the sinkhole report, one on the console.
    assert sorted(unmatched) == [f"192.0.2.{n}" for n in (226, 231, 231, 245, 245, 252)]
    assert _ips(db, vnpt_admin, unmatched=True) == []

    # The infected host in Bắc Kạn's level-3 portal opened ONE incident (three sinkhole hits), for Bắc Kạn.
    opened = db.scalars(
        select(Incident)
        .join(IncidentObservable, IncidentObservable.incident_id == Incident.id)
        .where(IncidentObservable.value == feeds_demo.INFECTED_HOST)
    ).all()
    assert len(opened) == 1
    assert opened[0].reporting_organisation_id == backan.id and feeds_demo.INFECTED_HOST in opened[0].title
    assert opened[0].rsit_type == "infected-system"

    # Any infected host raised its member's flag: one open flag per member.
    flags = digest_reads.list_flags(db, coordinator)
    flagged = {f.organisation_id for f in flags}
    assert backan.id in flagged and vnpt.id in flagged and len(flags) == len(flagged) == 6
    assert {f.organisation_id for f in digest_reads.list_flags(db, backan_admin)} == {backan.id}

    # FPT downloads its sensor's digest through the API: a Vietnamese source name makes a file name
    # an HTTP header can carry.
    fpt = db.scalar(select(User).where(User.email == "ungcuu@fpt.demo"))
    assert fpt is not None
    token = create_token(db, subject_for(fpt), fpt, name="demo", scopes=["feeds:read"], expires_in_days=1).token
    sensor = next(d for d in digest_reads.list_digests(db, subject_for(fpt)) if d.source == feeds_demo.SENSOR)
    db.commit()
    answer = client.get(f"/api/v1/feeds/digests/{sensor.id}/csv", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert ".csv" in answer.headers["content-disposition"] and "198.51.100.52" in answer.text

    # Loading again changes nothing.
    before = _counts(db)
    load_demo(db)
    feeds_demo.load(db, {}, {})
    assert _counts(db) == before
