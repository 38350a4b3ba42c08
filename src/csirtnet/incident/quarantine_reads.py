"""What the quarantine's pages and API read: lists of quarantined messages and one with its report.
Every query is the repository's (scoped through authz.incident.visible_quarantine_clause)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.incident import repository
from csirtnet.kit.pagination import paginate
from csirtnet.models import IncidentReport, QuarantinedMessage


def messages_page(
    session: Session, who: Subject, *, status: str | None, cursor: str | None, limit: int = 50
) -> tuple[Sequence[QuarantinedMessage], str | None]:
    """One page of the quarantined messages the subject may read, newest first."""
    return paginate(
        session, repository.quarantined_messages(who, status=status), QuarantinedMessage.id, limit=limit, cursor=cursor
    )


@dataclass(frozen=True)
class QuarantinedDetail:
    message: QuarantinedMessage
    report: IncidentReport | None  # the report it was filed as, when the reader may see it


def detail(session: Session, who: Subject, quarantine_id: int) -> QuarantinedDetail:
    """One quarantined message and the report it became."""
    from csirtnet.incident.triage import get_report

    row = repository.quarantined_message(session, who, quarantine_id)
    report = get_report(session, who, row.report_id) if row.report_id is not None else None
    return QuarantinedDetail(row, report)


def waiting(session: Session, who: Subject) -> int:
    """How many quarantined messages wait for a decision (for the triage queue's link)."""
    return repository.count_waiting_quarantined(session, who)
