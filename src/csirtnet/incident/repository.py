"""Every incident query, scoped through authz.incident: lists, search, the province table, exports
and the API all start here, so none of them can show what the subject may not see.

Search matches the incidents' accent-free words (kit.search, docs/adr/0013-word-search.md):
PostgreSQL answers from a GIN index over a tsvector of them, SQLite scans the column with LIKE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, require
from csirtnet.authz.incident import (
    active_participation_clause,
    sees_every_organisations_incidents,
    visible_incidents_clause,
    visible_reports_clause,
)
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.kit import search
from csirtnet.kit.pagination import paginate, paginate_within_newest
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Incident,
    IncidentParticipant,
    IncidentReport,
    Phase,
    QuarantinedMessage,
    QuarantineStatus,
    ReportStatus,
)
from csirtnet.vocabulary import rsit


@dataclass(frozen=True)
class IncidentFilters:
    q: str | None = None
    phase: str | None = None
    severity: str | None = None
    rsit_class: str | None = None
    province: str | None = None
    organisation_id: int | None = None
    overdue: bool | None = None
    mine: bool = False
    open_only: bool = False


def incidents(
    who: Subject, filters: IncidentFilters | None = None, now: datetime | None = None, *, word_index: bool = True
) -> Select[Incident]:
    """The incidents the subject may see, filtered; order and paginate with kit.pagination.
    `word_index=False` matches the search words without their index (the newest-first window)."""
    require(who, Permission.INCIDENTS_READ)
    f = filters or IncidentFilters()
    query = select(Incident).where(visible_incidents_clause(who, now))  # without `now`: the shared clause
    query = query.where(search.matches(Incident.search_words, search.terms(f.q), use_index=word_index))
    if f.phase:
        if f.phase not in {p.value for p in Phase}:
            raise ValidationFailed("phase", f"{f.phase!r} is not a phase")
        query = query.where(Incident.phase == f.phase)
    if f.open_only:
        query = query.where(Incident.phase != Phase.CLOSED.value)
    if f.severity:
        if f.severity not in ("normal", "serious"):
            raise ValidationFailed("severity", "must be normal or serious")
        query = query.where(Incident.severity == f.severity)
    if f.rsit_class:
        if f.rsit_class not in rsit.taxonomy():
            raise ValidationFailed("rsit_class", f"{f.rsit_class!r} is not an RSIT class")
        query = query.where(Incident.rsit_class == f.rsit_class)
    if f.province:
        query = query.where(Incident.province == f.province)
    if f.organisation_id is not None:
        query = query.where(Incident.reporting_organisation_id == f.organisation_id)
    if f.overdue is not None:
        query = query.where(Incident.overdue.is_(f.overdue))
    if f.mine:
        named = exists(
            select(IncidentParticipant.id).where(
                IncidentParticipant.incident_id == Incident.id,
                IncidentParticipant.user_id == who.user_id,
                active_participation_clause(now or utcnow()),
            )
        )
        query = query.where(or_(named, Incident.reporter_user_id == who.user_id))
    return query


# A search for a common phrase ("rò rỉ dữ liệu": four words found together in 9 % of the
# incidents) is estimated rare by PostgreSQL, which multiplies the words' separate frequencies; it
# then fetches every match through the index and sorts them all to keep 51: 0.4-1 s at 1,000,000
# incidents (docs/benchmarks.md). Looking among the newest SEARCH_WINDOW incidents first answers
# such a page in a few milliseconds. It is tried only when every word is common enough for the
# window to hold a page (by PostgreSQL's statistics of the words, kit.search.common_word_shares):
# a phrase with a rarer word ("srv-04217", "cổng thông tin Đà Nẵng") goes straight to the index,
# which intersects it in 0.2-30 ms, where the window would spend 5-9 ms for nothing. ADR 0008, 0013.
SEARCH_WINDOW = 1000


def _window_may_hold_a_page(session: Session, found: list[search.Term], limit: int, window: int) -> bool:
    shares = search.common_word_shares(session, "ix_incident_search_words", search.LEXEMES_FUNCTION)
    if shares is None:  # nothing known (SQLite, no statistics yet): look at the newest first, as before
        return True
    return all(shares.get(search.lexeme(t), 0.0) * window >= limit + 1 for t in found)


def page(
    session: Session,
    who: Subject,
    filters: IncidentFilters,
    *,
    limit: int,
    cursor: str | None,
    search_window: int = SEARCH_WINDOW,
) -> tuple[Sequence[Incident], str | None]:
    """One page of `incidents(who, filters)`, newest first."""
    found = search.terms(filters.q)
    # Members start from the few hundred ids they may see (authz.incident): no window needed.
    if (
        found
        and sees_every_organisations_incidents(who)
        and _window_may_hold_a_page(session, found, limit, search_window)
    ):
        scan = incidents(who, filters, word_index=False)  # a thousand rows by id, tested by LIKE
        hit = paginate_within_newest(session, scan, Incident.id, limit=limit, cursor=cursor, window=search_window)
        if hit is not None:
            return hit
    # A search weighs every candidate the word index gives (1,500 for "cổng thông tin Đà Nẵng"):
    # carrying each one's whole row to the sort cost more than finding them, so the page's ids
    # are found first and only their rows read (docs/benchmarks.md).
    return paginate(session, incidents(who, filters), Incident.id, limit=limit, cursor=cursor, ids_first=bool(found))


def reports(who: Subject, *, status: str | None = None, q: str | None = None) -> Select[IncidentReport]:
    """Reports the subject may see; the triage queue is status "new"."""
    require(who, Permission.INCIDENTS_READ)
    query = select(IncidentReport).where(visible_reports_clause(who))
    if status:
        if status not in {s.value for s in ReportStatus}:
            raise ValidationFailed("status", f"{status!r} is not a report status")
        query = query.where(IncidentReport.status == status)
    query = query.where(search.matches(IncidentReport.search_words, search.terms(q)))
    return query


@dataclass(frozen=True)
class ProvinceRow:
    province: str
    total: int
    open: int
    serious: int
    overdue: int


def by_province(session: Session, who: Subject) -> list[ProvinceRow]:
    """Counts per province of the incidents the subject may see."""
    require(who, Permission.INCIDENTS_READ)
    visible = visible_incidents_clause(who)
    province = func.coalesce(Incident.province, "—")
    rows = session.execute(
        select(
            province,
            func.count(Incident.id),
            func.sum(case((Incident.phase != Phase.CLOSED.value, 1), else_=0)),
            func.sum(case((Incident.severity == "serious", 1), else_=0)),
            func.sum(case((and_(Incident.overdue.is_(True), Incident.phase != Phase.CLOSED.value), 1), else_=0)),
        )
        .where(visible)
        .group_by(province)
        .order_by(func.count(Incident.id).desc(), province)
    ).all()
    return [ProvinceRow(str(p), int(t), int(o or 0), int(s or 0), int(d or 0)) for p, t, o, s, d in rows]


def phase_counts(session: Session, who: Subject) -> dict[str, int]:
    require(who, Permission.INCIDENTS_READ)
    rows = session.execute(
        select(Incident.phase, func.count(Incident.id)).where(visible_incidents_clause(who)).group_by(Incident.phase)
    ).all()
    return {str(p): int(n) for p, n in rows}


# -- the intake's quarantine ---------------------------------------------------------------------


def quarantined_messages(who: Subject, *, status: str | None = None) -> Select[QuarantinedMessage]:
    """The quarantined messages the subject may read (authz.incident.visible_quarantine_clause);
    order and paginate with kit.pagination."""
    from csirtnet.authz.incident import require_handle_quarantine, visible_quarantine_clause

    require_handle_quarantine(who)
    query = select(QuarantinedMessage).where(visible_quarantine_clause(who))
    if status:
        if status not in {s.value for s in QuarantineStatus}:
            raise ValidationFailed("status", f"{status!r} is not a status of a quarantined message")
        query = query.where(QuarantinedMessage.status == status)
    return query


def quarantined_message(session: Session, who: Subject, quarantine_id: int) -> QuarantinedMessage:
    """One quarantined message the subject may read; a hidden one answers as a missing one."""
    row = session.scalar(quarantined_messages(who).where(QuarantinedMessage.id == quarantine_id))
    if row is None:
        raise NotFound("quarantined message")
    return row


def waiting_quarantined_copy(session: Session, raw_sha256: str) -> QuarantinedMessage | None:
    """The intake's own question (no reader): is the same message already waiting in quarantine?"""
    return session.scalar(
        select(QuarantinedMessage)
        .where(
            QuarantinedMessage.raw_sha256 == raw_sha256,
            QuarantinedMessage.status == QuarantineStatus.PENDING.value,
        )
        .limit(1)
    )


def count_waiting_quarantined(session: Session, who: Subject) -> int:
    """How many quarantined messages wait for a decision (0 for those who may not handle them)."""
    from csirtnet.authz.incident import can_handle_quarantine, visible_quarantine_clause

    if not can_handle_quarantine(who):
        return 0
    return (
        session.scalar(
            select(func.count(QuarantinedMessage.id)).where(
                visible_quarantine_clause(who), QuarantinedMessage.status == QuarantineStatus.PENDING.value
            )
        )
        or 0
    )
