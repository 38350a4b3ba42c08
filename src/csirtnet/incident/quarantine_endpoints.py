"""The intake's quarantine API: email the intake could not file, for the coordinators
(authz.incident.can_handle_quarantine). Anyone else is answered as for a missing route's object."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.incident import quarantine, quarantine_reads
from csirtnet.incident.schemas import QuarantineDiscard, QuarantinedRead, ReportRead
from csirtnet.kit import downloads
from csirtnet.kit.pagination import Page, page_of

router = APIRouter(prefix="/intake/quarantine", tags=["incidents"])


@router.get("", response_model=Page[QuarantinedRead])
def list_quarantined(
    session: Session,
    who: ApiUser,
    status: str | None = Query(default=None, max_length=20, description="pending, released or discarded"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[QuarantinedRead]:
    """Messages the email intake could not file, newest first; status=pending waits for a decision."""
    return page_of(
        QuarantinedRead, quarantine_reads.messages_page(session, who, status=status, cursor=cursor, limit=limit)
    )


@router.get("/{quarantine_id}", response_model=QuarantinedRead)
def get_quarantined(quarantine_id: int, session: Session, who: ApiUser) -> QuarantinedRead:
    """One quarantined message, with the reason it was not filed."""
    return QuarantinedRead.model_validate(quarantine_reads.detail(session, who, quarantine_id).message)


@router.get(
    "/{quarantine_id}/raw",
    **downloads.EML,
)
def get_quarantined_raw(quarantine_id: int, session: Session, who: ApiUser) -> Response:
    """The message as it arrived (message/rfc822, as an attachment)."""
    row = quarantine_reads.detail(session, who, quarantine_id).message
    return downloads.EmailDownload(
        content=quarantine.raw_bytes(row),
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'quarantine-{row.id}.eml')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{quarantine_id}/release", response_model=ReportRead, status_code=201)
def release_quarantined(quarantine_id: int, session: Session, who: ApiUser) -> ReportRead:
    """File the message as a report, accepting it as it is (every attachment kept)."""
    return ReportRead.model_validate(quarantine.release(session, who, quarantine_id))


@router.post("/{quarantine_id}/discard", response_model=QuarantinedRead)
def discard_quarantined(quarantine_id: int, body: QuarantineDiscard, session: Session, who: ApiUser) -> QuarantinedRead:
    """Discard the message with the reason (the raw message stays readable here)."""
    return QuarantinedRead.model_validate(quarantine.discard(session, who, quarantine_id, body.reason))
