"""Per-member digests (docs/feeds.md): one member's events of one source in one period, counted as
batches are stored, and sent once when the period has closed — an in-app notification to the
member's people and one email each (Vietnamese or English, the recipient's language), TLP-marked,
with the member's events of that source and period as a CSV attachment.

Periods are fixed windows of `digest_period_hours` counted from the Unix epoch (24 h: UTC days), of
the moment the batch is stored (`now`, which is also the events' `time.observation`, the day
`feed_block` keeps them under), so the CSV of a digest is the member's stored events of the source
with `time.observation` in [period_start, period_end).

Exactly once: `count_batch` is one INSERT … ON CONFLICT DO UPDATE per batch (atomic under
concurrent store workers, and inside the batch's transaction, so a batch redelivered after a crash
is either counted with its events or not at all); `send_due` claims each digest with a conditional
UPDATE … WHERE status = 'open', so two workers never both send one.

TLP:RED data is the coordinating body's alone (authz.feeds): a digest of a TLP:RED source is closed
and kept for the coordinating body, but no member is notified or emailed.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.authz.feeds import RED, require_read, visible_digests_clause
from csirtnet.config import get_settings
from csirtnet.errors import NotFound
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.event import COLUMNS, EXTRA, ORG
from csirtnet.feeds.pipeline.store import block_lines
from csirtnet.integrations import email as smtp
from csirtnet.kit.csv_export import to_csv
from csirtnet.kit.text import fold
from csirtnet.kit.time import as_utc
from csirtnet.models import DigestStatus, FeedBlock, FeedDigest, FeedSource, Notification, Organisation, User
from csirtnet.notification import events as note_events
from csirtnet.notification.render import render
from csirtnet.notification.service import preferences, readers
from csirtnet.worker import enqueue, job

log = logging.getLogger(__name__)

EVENT = "feed_digest.ready"  # templates notification/templates/feed_digest.ready.<lang>.txt
EMAIL_JOB = "feed.send_digest_email"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

note_events.register(
    note_events.EventType(
        EVENT,
        {
            "vi": "[TLP:{tlp_upper}] Bản tin nguồn {source}: {events} sự kiện",
            "en": "[TLP:{tlp_upper}] {source} digest: {events} events",
        },
    )
)


def period_of(now: datetime, hours: int) -> tuple[datetime, datetime]:
    """The digest period [start, end) that `now` falls in: windows of `hours` from the epoch."""
    step = timedelta(hours=max(1, hours))
    start = EPOCH + ((as_utc(now) - EPOCH) // step) * step
    return start, start + step


def count_batch(session: Session, source: SourceConfig, frame: pl.DataFrame, now: datetime) -> None:
    """Add a stored batch's events to each owning member's open digest of this source and period
    (one statement for the whole batch; the caller's transaction)."""
    if frame.height == 0 or ORG not in frame.columns:
        return
    # Sorted by organisation: concurrent store workers upsert (and lock) the rows in one order,
    # so two batches touching the same members wait for each other instead of deadlocking.
    counts = frame.lazy().filter(pl.col(ORG).is_not_null()).group_by(ORG).agg(pl.len().alias("n")).sort(ORG).collect()
    if counts.height == 0:
        return
    start, end = period_of(now, source.digest_period_hours)
    orgs, ns = counts[ORG].cast(pl.Int64).to_list(), counts["n"].cast(pl.Int64).to_list()
    # One statement whatever the number of members, the counts travelling as arrays (PostgreSQL) or
    # one JSON array (SQLite): a VALUES list of a thousand rows costs SQLAlchemy a second to compile,
    # and executemany converts the same times a thousand times.
    values: dict[str, Any] = {
        "source_id": source.id,
        "period_start": start,
        "period_end": end,
        "tlp": source.tlp,
        "status": DigestStatus.OPEN.value,
        "created_at": as_utc(now),
    }
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_upsert(_PG_ROWS), {**values, "orgs": orgs, "ns": ns})
    else:
        session.execute(_upsert(_SQLITE_ROWS), {**values, "pairs": json.dumps(list(zip(orgs, ns, strict=True)))})


_PG_ROWS = "FROM unnest(CAST(:orgs AS integer[]), CAST(:ns AS integer[])) AS t(o, n)"
_SQLITE_ROWS = (
    "FROM (SELECT json_extract(value, '$[0]') AS o, json_extract(value, '$[1]') AS n FROM json_each(:pairs)) "
    "WHERE true"  # SQLite: an INSERT … SELECT … ON CONFLICT needs a WHERE to parse
)


def _upsert(rows: str) -> TextClause:
    period = FeedDigest.__table__.c.period_start.type
    return text(
        "INSERT INTO feed_digest "
        "(organisation_id, source_id, period_start, period_end, events, tlp, status, created_at) "
        f"SELECT o, :source_id, :period_start, :period_end, n, :tlp, :status, :created_at {rows} "
        "ON CONFLICT (organisation_id, source_id, period_start) "
        "DO UPDATE SET events = feed_digest.events + excluded.events"
    ).bindparams(
        bindparam("period_start", type_=period),
        bindparam("period_end", type_=period),
        bindparam("created_at", type_=period),
    )


# -- sending -------------------------------------------------------------------------------------


def _params(digest: FeedDigest, source_name: str) -> dict[str, Any]:
    """What the notification and the email say (no event content: counts, names, the period)."""
    return {
        "digest_id": digest.id,
        "source": source_name,
        "events": digest.events,
        "tlp": digest.tlp,
        "tlp_upper": digest.tlp.upper(),
        "period_start": as_utc(digest.period_start).isoformat(),
        "period_end": as_utc(digest.period_end).isoformat(),
    }


def link_of(digest_id: int) -> str:
    return f"/feeds/digests/{digest_id}"


def send_due(session: Session, now: datetime) -> int:
    """Close and send every open digest whose period has ended; returns how many were closed. Each
    is claimed by one conditional UPDATE (status still open), so a digest is sent exactly once."""
    now = as_utc(now)
    claimed = list(
        session.execute(
            update(FeedDigest)
            .where(FeedDigest.status == DigestStatus.OPEN.value, FeedDigest.period_end <= now)
            .values(status=DigestStatus.SENT.value, sent_at=now)
            .returning(FeedDigest.id)
        ).scalars()
    )
    if not claimed:
        return 0
    digests = list(
        session.scalars(
            select(FeedDigest)
            .where(FeedDigest.id.in_(claimed))
            .order_by(FeedDigest.id)
            .execution_options(populate_existing=True)
        )
    )
    names = {
        source_id: name
        for source_id, name in session.execute(
            select(FeedSource.id, FeedSource.name).where(FeedSource.id.in_({d.source_id for d in digests}))
        )
    }
    people = _people(session, {d.organisation_id for d in digests if d.tlp != RED})
    for digest in digests:
        if digest.tlp == RED:
            continue  # the coordinating body's alone: kept in its view, sent to no member
        _tell(session, digest, names.get(digest.source_id, "?"), people.get(digest.organisation_id, []), now)
    return len(claimed)


def _people(session: Session, org_ids: set[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {}
    if not org_ids:
        return out
    for user in session.scalars(
        select(User).where(User.organisation_id.in_(org_ids), User.is_active.is_(True)).order_by(User.id)
    ):
        if user.organisation_id is not None:
            out.setdefault(user.organisation_id, []).append(user)
    return out


def _tell(session: Session, digest: FeedDigest, source_name: str, users: list[User], now: datetime) -> None:
    """The in-app notification to each reader who wants it, and ONE email job for those who want email."""
    guard = guard_of(digest)
    params = _params(digest, source_name)
    link = link_of(digest.id)
    mailed: list[int] = []
    for user in readers(session, users, guard):
        prefs = preferences(session, user.id)
        if prefs[(EVENT, "inapp")]:
            session.add(Notification(user_id=user.id, event_type=EVENT, params=params, link=link, created_at=now))
        if prefs[(EVENT, "email")]:
            mailed.append(user.id)
    if mailed:
        enqueue(session, EMAIL_JOB, guard=guard, digest_id=digest.id, user_ids=mailed)


@job(EMAIL_JOB)
def send_digest_email(session: Session, *, digest_id: int, user_ids: list[int]) -> None:
    """Email one digest to its recipients, each in their language, with the CSV attached. A failing
    address is logged and skipped once another got it (a retry would send them a second copy); when
    every one fails (the mail server is down) the job fails and is retried."""
    settings = get_settings()
    digest = session.get(FeedDigest, digest_id)
    if digest is None or not settings.mail_enabled:
        return
    source = session.get(FeedSource, digest.source_id)
    users = list(session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)))
    allowed = readers(session, users, guard_of(digest))  # still active, still a reader
    if not allowed:
        return
    filename, data = digest_csv(session, Subject.system("feeds"), digest_id)
    params = _params(digest, source.name if source else "?")
    link = settings.base_url.rstrip("/") + link_of(digest.id)
    delivered = 0
    for user in allowed:
        language = user.language or settings.default_language
        zone = user.timezone or settings.timezone
        subject, body = render(EVENT, language, params, link, zone)
        message = smtp.build_message(
            settings, to=user.email, subject=subject, text=body, attachments=[(filename, "text/csv", data)]
        )
        try:
            smtp.send(settings, message)
            delivered += 1
        except (OSError, smtplib.SMTPException) as failure:
            log.warning("feed digest %s: email to user %s failed: %s", digest.id, user.id, failure)
            if delivered == 0 and user is allowed[-1]:
                raise


# -- the CSV ---------------------------------------------------------------------------------------

CSV_HEADER: tuple[str, ...] = (*COLUMNS, EXTRA)


def _cells(event: dict[str, Any]) -> list[Any]:
    """One stored event (feeds.pipeline.store.block_lines) as the CSV's cells, by IntelMQ field name."""
    extra = event.get(EXTRA)
    if extra is None:
        found = {k.removeprefix("extra."): v for k, v in event.items() if k.startswith("extra.")}
        extra = found or None
    if extra is not None and not isinstance(extra, str):
        extra = json.dumps(extra, ensure_ascii=False, sort_keys=True)
    return [*(_cell(event.get(name)) for name in COLUMNS), extra]


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False)


def get_visible(session: Session, who: Subject, digest_id: int) -> FeedDigest:
    """One digest `who` may read; NotFound otherwise (absent and hidden look the same)."""
    require_read(who)
    found = session.scalar(select(FeedDigest).where(FeedDigest.id == digest_id, visible_digests_clause(who)))
    if found is None:
        raise NotFound("digest")
    return found


def events_of(session: Session, digest: FeedDigest) -> Iterator[dict[str, Any]]:
    """A digest's events (whole, by IntelMQ field names), oldest first: its member's, of its source,
    observed in its period. The blocks are read a few at a time (a block's events are of its day,
    from its `observed_at` on)."""
    query = (
        select(FeedBlock)
        .where(
            FeedBlock.source_id == digest.source_id,
            FeedBlock.organisation_id == digest.organisation_id,
            FeedBlock.observed_at >= as_utc(digest.period_start).replace(hour=0, minute=0, second=0, microsecond=0),
            FeedBlock.observed_at < digest.period_end,
        )
        .order_by(FeedBlock.observed_at, FeedBlock.run_id, FeedBlock.first_seq)
    )
    start, end = as_utc(digest.period_start), as_utc(digest.period_end)
    for block in session.scalars(query.execution_options(yield_per=20)):
        for line in block_lines(block.payload):
            event = line.get("event") or {}
            observed = event.get("time.observation")
            moment = as_utc(datetime.fromisoformat(observed)) if isinstance(observed, str) else block.observed_at
            if start <= moment < end:
                yield event


def _rows(session: Session, digest: FeedDigest) -> Iterator[list[Any]]:
    for event in events_of(session, digest):
        yield _cells(event)


def digest_csv(session: Session, who: Subject, digest_id: int) -> tuple[str, bytes]:
    """(file name, CSV): the digest's events, IntelMQ field names as the header, UTF-8 (kit.csv_export)."""
    digest = get_visible(session, who, digest_id)
    source = session.get(FeedSource, digest.source_id)
    org = session.get(Organisation, digest.organisation_id)
    member = (org.member_code if org is not None and org.member_code else None) or str(digest.organisation_id)
    name = f"{source.name if source else digest.source_id}-{member}-{as_utc(digest.period_start):%Y%m%d%H}"
    name = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in fold(name))
    filename = f"{name}-tlp-{digest.tlp.replace('+', '-')}.csv"
    return filename, to_csv(CSV_HEADER, _rows(session, digest)).encode("utf-8")
