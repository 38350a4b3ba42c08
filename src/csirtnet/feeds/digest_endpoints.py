"""The digest and flag API (/api/v1/feeds/digests, /api/v1/feeds/flags): a member's digest inbox
and each digest's CSV, the member flags and clearing them (the coordinating body)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.errors import ValidationFailed
from csirtnet.feeds import digest_reads, digests, flags
from csirtnet.feeds.digest_reads import FeedDigestRead, MemberFlagRead
from csirtnet.kit import downloads
from csirtnet.kit.time import as_utc

router = APIRouter(tags=["feeds"])


@router.get("/feeds/digests", response_model=list[FeedDigestRead])
def list_digests(
    session: Session,
    who: ApiUser,
    source_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status: Annotated[str | None, Query(max_length=8)] = None,
    since: Annotated[datetime | None, Query(description="periods starting at or after this moment")] = None,
    limit: Annotated[int, Query(ge=1, le=digest_reads.MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> list[FeedDigestRead]:
    """The digests you may read, the newest period first (a member: its own inbox)."""
    if since is not None and since.tzinfo is None:
        raise ValidationFailed("since", "must carry its time zone (e.g. 2026-12-06T00:00:00Z)")
    return digest_reads.list_digests(
        session,
        who,
        source_id=source_id,
        organisation_id=organisation_id,
        status=status,
        since=as_utc(since) if since is not None else None,
        limit=limit,
        offset=offset,
    )


@router.get("/feeds/digests/{digest_id}", response_model=FeedDigestRead)
def get_digest(session: Session, who: ApiUser, digest_id: int) -> FeedDigestRead:
    """One digest."""
    return digest_reads.get_digest(session, who, digest_id)


@router.get("/feeds/digests/{digest_id}/csv", **downloads.CSV)
def digest_csv(session: Session, who: ApiUser, digest_id: int) -> downloads.CsvDownload:
    """A digest's events as CSV (IntelMQ field names as the header)."""
    filename, data = digests.digest_csv(session, who, digest_id)
    return downloads.CsvDownload(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/feeds/flags", response_model=list[MemberFlagRead])
def list_flags(
    session: Session,
    who: ApiUser,
    open: bool = False,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=digest_reads.MAX_LIMIT)] = 100,
) -> list[MemberFlagRead]:
    """Member flags you may read (a member: its own), the newest first."""
    return digest_reads.list_flags(session, who, open_only=open, organisation_id=organisation_id, limit=limit)


@router.post("/feeds/flags/{flag_id}/clear", response_model=MemberFlagRead)
def clear_flag(session: Session, who: ApiUser, flag_id: int) -> MemberFlagRead:
    """Clear a member's flag (the coordinating body)."""
    flag = flags.clear(session, who, flag_id)
    return next(
        f for f in digest_reads.list_flags(session, who, organisation_id=flag.organisation_id) if f.id == flag.id
    )
