"""Per-member digests (feeds.digests): counted per (member, source, period) across batches and runs,
sent exactly once when the period closes (in-app + one email job), the email in the recipient's
language with the TLP marking and the member's events only as CSV; the digest API, the flag API and
`csirtnet feed digests`."""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.db import Database
from csirtnet.errors import Forbidden, NotFound
from csirtnet.feeds import digest_reads, digests, flags
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.event import CLAIM, COLUMNS, LEVEL, MATCH, ORG, WARNINGLIST, conform
from csirtnet.models import (
    AuditRecord,
    DigestStatus,
    FeedDigest,
    FeedRun,
    FeedSource,
    Job,
    MemberFlag,
    Notification,
    Organisation,
    User,
)
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import run_cli
from tests.incident.helpers import api, coordinator, who

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # inside the UTC day 2026-12-05


@dataclass
class World:
    coordinator: User
    org_a: Organisation
    a_vi: User
    a_en: User
    org_b: Organisation
    b1: User


def make_world(db: Session) -> World:
    org_a = make_organisation(db, kind="province", name="Sở TT&TT Bắc Kạn")
    org_b = make_organisation(db, kind="province", name="Sở TT&TT Cao Bằng")
    return World(
        coordinator=coordinator(db),
        org_a=org_a,
        a_vi=make_user(db, roles=[Role.ORG_ADMIN], organisation=org_a, language="vi"),
        a_en=make_user(db, roles=[Role.RESPONDER], organisation=org_a, language="en"),
        org_b=org_b,
        b1=make_user(db, roles=[Role.RESPONDER], organisation=org_b, language="en"),
    )


def make_source(db: Session, **overrides: Any) -> SourceConfig:
    values: dict[str, Any] = {"name": "shadowserver-test", "provider": "Shadowserver", "tlp": "amber"}
    values.update(overrides)
    row = FeedSource(**values)
    db.add(row)
    db.flush()
    return SourceConfig.from_row(row)


def make_run(db: Session, source: SourceConfig) -> int:
    run = FeedRun(source_id=source.id, origin="cli")
    db.add(run)
    db.flush()
    return run.id


def batch(rows: list[dict[str, Any]], now: datetime) -> pl.DataFrame:
    """An enriched batch: harmonised fields by name plus `org` (owner id) and `level`."""
    fields = [{k: v for k, v in r.items() if k in COLUMNS} | {"time.observation": now} for r in rows]
    frame = conform(pl.DataFrame(fields, infer_schema_length=None))
    return frame.with_columns(
        pl.Series(ORG, [r.get("org") for r in rows], dtype=pl.Int32),
        pl.Series(CLAIM, [None for _ in rows], dtype=pl.Int32),
        pl.Series(MATCH, ["ipv4" if r.get("org") else None for r in rows], dtype=pl.String),
        pl.Series(LEVEL, [r.get("level") for r in rows], dtype=pl.Int8),
        pl.Series(WARNINGLIST, [None for _ in rows], dtype=pl.String),
    )


_BATCHES = iter(range(1, 10**9))


def store(db: Session, source: SourceConfig, run_id: int, frame: pl.DataFrame, now: datetime) -> None:
    """The pipeline's store (feeds.pipeline.store), which counts the digests and applies the rules."""
    from csirtnet.feeds.pipeline.store import store_batch

    n = next(_BATCHES)
    stored = store_batch(db, source, run_id=run_id, batch_id=f"t:{n}", seq_start=n * 1000, frame=frame, now=now)
    assert stored is not None


def scan(ip: str, org: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "source.ip": ip,
        "source.port": 445,
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "classification.identifier": "smb",
        "org": org,
        **extra,
    }


def digest_rows(db: Session) -> list[FeedDigest]:
    return list(db.scalars(select(FeedDigest).order_by(FeedDigest.organisation_id, FeedDigest.period_start)))


def test_one_digest_per_member_source_and_period_across_batches_and_runs(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    other = make_source(db, name="sensor-feed", provider="A sensor")
    run1, run2 = make_run(db, source), make_run(db, source)
    store(db, source, run1, batch([scan("10.0.0.1", w.org_a.id), scan("10.0.0.2", w.org_a.id)], T0), T0)
    store(db, source, run1, batch([scan("10.1.0.1", w.org_b.id), scan("192.0.2.9", None)], T0), T0)
    later = T0 + timedelta(hours=5)
    store(db, source, run2, batch([scan("10.0.0.3", w.org_a.id)], later), later)
    store(db, other, make_run(db, other), batch([scan("10.0.0.4", w.org_a.id)], later), later)
    next_day = T0 + timedelta(hours=25)  # past the dedupe window
    store(db, source, make_run(db, source), batch([scan("10.0.0.1", w.org_a.id)], next_day), next_day)

    found = {(d.organisation_id, d.source_id, d.period_start): d for d in digest_rows(db)}
    day = datetime(2026, 12, 5, tzinfo=UTC)
    assert {k: v.events for k, v in found.items()} == {
        (w.org_a.id, source.id, day): 3,
        (w.org_b.id, source.id, day): 1,
        (w.org_a.id, other.id, day): 1,
        (w.org_a.id, source.id, day + timedelta(days=1)): 1,
    }
    first = found[(w.org_a.id, source.id, day)]
    assert first.period_end == day + timedelta(days=1)
    assert first.tlp == "amber" and first.status == DigestStatus.OPEN.value


def test_period_follows_the_sources_digest_period() -> None:
    assert digests.period_of(datetime(2026, 12, 5, 7, 30, tzinfo=UTC), 6) == (
        datetime(2026, 12, 5, 6, tzinfo=UTC),
        datetime(2026, 12, 5, 12, tzinfo=UTC),
    )


def _jobs(db: Session) -> list[Job]:
    return list(db.scalars(select(Job).where(Job.name == digests.EMAIL_JOB).order_by(Job.id)))


def test_send_due_sends_each_closed_digest_once(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    run = make_run(db, source)
    store(db, source, run, batch([scan("10.0.0.1", w.org_a.id), scan("10.1.0.1", w.org_b.id)], T0), T0)

    assert digests.send_due(db, T0 + timedelta(hours=12)) == 0  # the period has not ended
    assert all(d.status == "open" for d in digest_rows(db))

    closed = T0 + timedelta(days=1)
    assert digests.send_due(db, closed) == 2
    assert digests.send_due(db, closed + timedelta(minutes=5)) == 0
    assert all(d.status == "sent" and d.sent_at == closed for d in digest_rows(db))

    notes = list(db.scalars(select(Notification).where(Notification.event_type == digests.EVENT)))
    assert sorted(n.user_id for n in notes) == sorted([w.a_vi.id, w.a_en.id, w.b1.id])
    assert all(n.params["tlp_upper"] == "AMBER" and n.link.startswith("/feeds/digests/") for n in notes)
    jobs = _jobs(db)
    assert len(jobs) == 2  # one email job per digest, for all its recipients
    by_digest = {j.payload["digest_id"]: sorted(j.payload["user_ids"]) for j in jobs}
    a_digest = next(d for d in digest_rows(db) if d.organisation_id == w.org_a.id)
    assert by_digest[a_digest.id] == sorted([w.a_vi.id, w.a_en.id])
    assert all(j.guard_kind == "feed_digest" for j in jobs)


def test_a_red_digest_is_closed_but_told_to_no_member(db: Session) -> None:
    w = make_world(db)
    source = make_source(db, name="red-feed", tlp="red")
    store(db, source, make_run(db, source), batch([scan("10.0.0.1", w.org_a.id)], T0), T0)
    assert digests.send_due(db, T0 + timedelta(days=1)) == 1
    assert digest_rows(db)[0].status == "sent"
    assert db.scalar(select(func.count()).select_from(Notification)) == 0
    assert _jobs(db) == []
    assert digest_reads.list_digests(db, who(w.a_vi)) == []
    assert [d.tlp for d in digest_reads.list_digests(db, who(w.coordinator))] == ["red"]


def test_email_in_each_language_with_tlp_and_the_members_events_only(db: Session, smtp_server: list[Any]) -> None:
    w = make_world(db)
    source = make_source(db)
    run = make_run(db, source)
    store(
        db,
        source,
        run,
        batch([scan("10.0.0.1", w.org_a.id), scan("10.0.0.2", w.org_a.id, **{"source.port": 139})], T0),
        T0,
    )
    store(db, source, run, batch([scan("10.1.0.1", w.org_b.id), scan("=cmd|x", None)], T0), T0)
    digests.send_due(db, T0 + timedelta(days=1))
    a_digest = next(d for d in digest_rows(db) if d.organisation_id == w.org_a.id)
    job = next(j for j in _jobs(db) if j.payload["digest_id"] == a_digest.id)
    digests.send_digest_email(db, **job.payload)

    mails = {m["To"]: m for m in smtp_server}
    assert set(mails) == {w.a_vi.email, w.a_en.email}
    vi, en = mails[w.a_vi.email], mails[w.a_en.email]
    assert vi["Subject"].startswith("[TLP:AMBER]") and "sự kiện" in vi["Subject"]
    assert en["Subject"] == "[TLP:AMBER] shadowserver-test: 2 events about your organisation"
    for message in (vi, en):
        body = message.get_body(("plain",)).get_content()
        assert body.startswith("TLP:AMBER")
        assert f"/feeds/digests/{a_digest.id}" in body
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "text/csv"
        assert attachment.get_filename().endswith("-tlp-amber.csv")
        content = attachment.get_content()  # text/csv: decoded by the email package
        rows = list(csv.DictReader(io.StringIO(str(content).removeprefix("\ufeff"))))
        assert sorted((r["source.ip"], r["source.port"]) for r in rows) == [("10.0.0.1", "445"), ("10.0.0.2", "139")]
        assert rows[0]["classification.type"] == "vulnerable-system"
    assert "Xin chào" in vi.get_body(("plain",)).get_content()
    assert "Hello" in en.get_body(("plain",)).get_content()


def test_csv_header_is_intelmq_names_and_a_member_sees_only_its_digests(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    run = make_run(db, source)
    store(db, source, run, batch([scan("10.0.0.1", w.org_a.id), scan("10.1.0.1", w.org_b.id)], T0), T0)
    a_digest = next(d for d in digest_rows(db) if d.organisation_id == w.org_a.id)

    name, data = digests.digest_csv(db, who(w.a_en), a_digest.id)
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == [*COLUMNS, "extra"]
    assert name.startswith("shadowserver-test-") and name.endswith("-tlp-amber.csv")
    with pytest.raises(NotFound):
        digests.digest_csv(db, who(w.b1), a_digest.id)
    with pytest.raises(NotFound):
        digest_reads.get_digest(db, who(w.b1), a_digest.id)
    assert [d.organisation_id for d in digest_reads.list_digests(db, who(w.b1))] == [w.org_b.id]
    assert {d.organisation_id for d in digest_reads.list_digests(db, who(w.coordinator))} == {w.org_a.id, w.org_b.id}
    mine = digest_reads.get_digest(db, who(w.a_vi), a_digest.id)
    assert (mine.events, mine.organisation, mine.source) == (1, w.org_a.name, "shadowserver-test")


def test_digest_api(db: Session, client: Any) -> None:
    w = make_world(db)
    source = make_source(db)
    store(db, source, make_run(db, source), batch([scan("10.0.0.1", w.org_a.id), scan("10.1.0.1", w.org_b.id)], T0), T0)
    a_digest = next(d for d in digest_rows(db) if d.organisation_id == w.org_a.id)

    assert client.get("/api/v1/feeds/digests").status_code == 401
    listed = client.get("/api/v1/feeds/digests", headers=api(db, w.a_en))
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()] == [a_digest.id]
    assert client.get(f"/api/v1/feeds/digests/{a_digest.id}", headers=api(db, w.b1)).status_code == 404
    got = client.get(f"/api/v1/feeds/digests/{a_digest.id}/csv", headers=api(db, w.a_en))
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "10.0.0.1" in got.text and "10.1.0.1" not in got.text
    assert client.get(f"/api/v1/feeds/digests/{a_digest.id}/csv", headers=api(db, w.b1)).status_code == 404
    bad = client.get("/api/v1/feeds/digests?status=closed", headers=api(db, w.coordinator))
    assert bad.status_code == 422 and "status" in bad.text
    assert len(client.get("/api/v1/feeds/digests", headers=api(db, w.coordinator)).json()) == 2


def test_flags_api_members_read_their_own_the_coordinating_body_clears(db: Session, client: Any) -> None:
    w = make_world(db)
    flag_a = MemberFlag(organisation_id=w.org_a.id, reason="raised by hand")
    flag_b = MemberFlag(organisation_id=w.org_b.id, reason="raised by hand")
    db.add_all([flag_a, flag_b])
    db.flush()

    assert client.get("/api/v1/feeds/flags").status_code == 401
    mine = client.get("/api/v1/feeds/flags", headers=api(db, w.a_en)).json()
    assert [f["id"] for f in mine] == [flag_a.id]
    refused = client.post(f"/api/v1/feeds/flags/{flag_a.id}/clear", headers=api(db, w.a_vi))
    assert refused.status_code == 403
    cleared = client.post(f"/api/v1/feeds/flags/{flag_a.id}/clear", headers=api(db, w.coordinator))
    assert cleared.status_code == 200 and cleared.json()["open"] is False
    again = client.post(f"/api/v1/feeds/flags/{flag_a.id}/clear", headers=api(db, w.coordinator))
    assert again.status_code == 409
    assert client.post("/api/v1/feeds/flags/999999/clear", headers=api(db, w.coordinator)).status_code == 404
    assert [f.id for f in digest_reads.list_flags(db, who(w.coordinator), open_only=True)] == [flag_b.id]
    actions = db.scalars(select(AuditRecord.action).where(AuditRecord.action == "feed.flag_cleared")).all()
    assert actions == ["feed.flag_cleared"]


def test_clearing_needs_the_manage_permission(db: Session) -> None:
    w = make_world(db)
    flag = MemberFlag(organisation_id=w.org_a.id, reason="x")
    db.add(flag)
    db.flush()
    with pytest.raises(Forbidden):
        flags.clear(db, who(w.a_vi), flag.id)
    assert flags.clear(db, Subject.system(), flag.id).cleared_at is not None


def test_cli_lists_and_sends_due_digests(committing_database: Database) -> None:
    import csirtnet.feeds.cli_digests  # noqa: F401  (registers `feed digests`; the lead mounts it in feeds/cli.py)

    with committing_database.unit_of_work() as s:
        w = make_world(s)
        source = make_source(s)
        store(
            s, source, make_run(s, source), batch([scan("10.0.0.1", w.org_a.id), scan("10.1.0.1", w.org_b.id)], T0), T0
        )
        a_email, b_email = w.a_en.email, w.b1.email

    listed = run_cli(committing_database, "feed", "digests", "--as", a_email)
    assert listed.exit_code == 0, listed.output
    assert "Sở TT&TT Bắc Kạn" in listed.output and "TLP:AMBER" in listed.output and "open" in listed.output
    assert "Cao Bằng" not in listed.output

    refused = run_cli(committing_database, "feed", "digests", "--send", "--as", b_email)
    assert refused.exit_code == 1 and "coordinating body" in refused.output
    bad = run_cli(committing_database, "feed", "digests", "--send", "--now", "2026-12-06")
    assert bad.exit_code == 1 and "--now" in bad.output

    sent = run_cli(committing_database, "feed", "digests", "--send", "--now", "2026-12-06T00:00:00+00:00")
    assert sent.exit_code == 0, sent.output
    assert sent.output.splitlines()[0] == "2 digests sent"
    again = run_cli(committing_database, "feed", "digests", "--send", "--now", "2026-12-06T00:00:00+00:00")
    assert again.output.splitlines()[0] == "0 digests sent"
    with committing_database.unit_of_work(write=False) as s:
        assert [d.status for d in digest_rows(s)] == ["sent", "sent"]


def test_two_workers_sending_at_once_send_each_digest_once(committing_database: Database) -> None:
    with committing_database.unit_of_work() as s:
        w = make_world(s)
        source = make_source(s)
        store(s, source, make_run(s, source), batch([scan("10.0.0.1", w.org_a.id)], T0), T0)
    closed = T0 + timedelta(days=1)
    sent: list[int] = []

    def second_worker() -> None:
        with committing_database.unit_of_work() as other:
            sent.append(digests.send_due(other, closed))

    first = committing_database.session(write=True)
    try:
        sent.append(digests.send_due(first, closed))  # claimed, not committed yet: the row stays locked
        racer = threading.Thread(target=second_worker)
        racer.start()
        first.commit()
    finally:
        first.close()
    racer.join()
    assert sent == [1, 0]
    with committing_database.unit_of_work(write=False) as s:
        assert len(_jobs(s)) == 1
        assert s.scalar(select(func.count()).select_from(Notification)) == 2


def test_the_email_job_fails_for_a_retry_when_no_email_could_be_sent(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    store(db, source, make_run(db, source), batch([scan("10.0.0.1", w.org_a.id)], T0), T0)
    digests.send_due(db, T0 + timedelta(days=1))
    (job,) = _jobs(db)
    with pytest.raises(OSError):  # the test settings' mail server is a closed port
        digests.send_digest_email(db, **job.payload)
