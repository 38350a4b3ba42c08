"""What the digest and flag pages and the API read: a member's digest inbox (the coordinating body
sees every digest), one digest, the member flags. Every query goes through authz.feeds."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.feeds import require_read, visible_digests_clause, visible_flags_clause
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.feeds import digests
from csirtnet.models import DigestStatus, FeedDigest, FeedSource, MemberFlag, Organisation

MAX_LIMIT = 500


class FeedDigestRead(BaseModel):
    """One member's events of one source in one period."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    organisation: str
    source_id: int
    source: str
    period_start: datetime
    period_end: datetime
    events: int
    tlp: str
    status: str
    sent_at: datetime | None
    csv_url: str


class MemberFlagRead(BaseModel):
    """A member's readiness flag, raised by a feed rule until the coordinating body clears it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    organisation: str
    reason: str
    rule_id: int | None
    raised_at: datetime
    cleared_at: datetime | None
    open: bool


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def _digest_read(row: FeedDigest, organisation: str, source: str) -> FeedDigestRead:
    return FeedDigestRead(
        id=row.id,
        organisation_id=row.organisation_id,
        organisation=organisation,
        source_id=row.source_id,
        source=source,
        period_start=row.period_start,
        period_end=row.period_end,
        events=row.events,
        tlp=row.tlp,
        status=row.status,
        sent_at=row.sent_at,
        csv_url=f"/api/v1/feeds/digests/{row.id}/csv",
    )


def list_digests(
    session: Session,
    who: Subject,
    *,
    source_id: int | None = None,
    organisation_id: int | None = None,
    status: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FeedDigestRead]:
    """The digests `who` may read, the newest period first (a member: its own inbox)."""
    require_read(who)
    if status is not None and status not in {s.value for s in DigestStatus}:
        raise ValidationFailed("status", f"must be one of {', '.join(s.value for s in DigestStatus)}")
    if offset < 0:
        raise ValidationFailed("offset", "must not be negative")
    query = (
        select(FeedDigest, Organisation.name, FeedSource.name)
        .join(Organisation, Organisation.id == FeedDigest.organisation_id)
        .join(FeedSource, FeedSource.id == FeedDigest.source_id)
        .where(visible_digests_clause(who))
    )
    if source_id is not None:
        query = query.where(FeedDigest.source_id == source_id)
    if organisation_id is not None:
        query = query.where(FeedDigest.organisation_id == organisation_id)
    if status is not None:
        query = query.where(FeedDigest.status == status)
    if since is not None:
        query = query.where(FeedDigest.period_start >= since)
    query = query.order_by(FeedDigest.period_start.desc(), FeedDigest.id.desc()).limit(_limit(limit)).offset(offset)
    return [_digest_read(row, org, source) for row, org, source in session.execute(query)]


def get_digest(session: Session, who: Subject, digest_id: int) -> FeedDigestRead:
    """One digest `who` may read (NotFound otherwise)."""
    row = digests.get_visible(session, who, digest_id)
    org = session.get(Organisation, row.organisation_id)
    source = session.get(FeedSource, row.source_id)
    return _digest_read(row, org.name if org else "?", source.name if source else "?")


def list_flags(
    session: Session, who: Subject, *, open_only: bool = False, organisation_id: int | None = None, limit: int = 100
) -> list[MemberFlagRead]:
    """The member flags `who` may read, the newest first."""
    require_read(who)
    query = (
        select(MemberFlag, Organisation.name)
        .join(Organisation, Organisation.id == MemberFlag.organisation_id)
        .where(visible_flags_clause(who))
    )
    if open_only:
        query = query.where(MemberFlag.cleared_at.is_(None))
    if organisation_id is not None:
        query = query.where(MemberFlag.organisation_id == organisation_id)
    query = query.order_by(MemberFlag.raised_at.desc(), MemberFlag.id.desc()).limit(_limit(limit))
    return [_flag_read(flag, org) for flag, org in session.execute(query)]


def get_flag(session: Session, who: Subject, flag_id: int) -> MemberFlagRead:
    """One flag `who` may read (NotFound otherwise)."""
    require_read(who)
    found = session.execute(
        select(MemberFlag, Organisation.name)
        .join(Organisation, Organisation.id == MemberFlag.organisation_id)
        .where(MemberFlag.id == flag_id, visible_flags_clause(who))
    ).first()
    if found is None:
        raise NotFound("flag")
    return _flag_read(found[0], found[1])


def _flag_read(flag: MemberFlag, organisation: str) -> MemberFlagRead:
    return MemberFlagRead(
        id=flag.id,
        organisation_id=flag.organisation_id,
        organisation=organisation,
        reason=flag.reason,
        rule_id=flag.rule_id,
        raised_at=flag.raised_at,
        cleared_at=flag.cleared_at,
        open=flag.cleared_at is None,
    )
