"""What the incident pages read that no service returns: the public tracking page's view of a
report (its status and outcome, never the incident's content)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from csirtnet.incident import intake
from csirtnet.models import Incident, IncidentReport


@dataclass(frozen=True)
class ReportTracking:
    report: IncidentReport
    incident_reference: str | None  # the incident it opened or joined, once triaged
    incident_closed: bool


def report_tracking(session: Session, token: str) -> ReportTracking | None:
    """The report a tracking link names, with the reference and closed state of its incident."""
    report = intake.find_by_token(session, token)
    if report is None:
        return None
    incident = session.get(Incident, report.incident_id) if report.incident_id else None
    return ReportTracking(
        report=report,
        incident_reference=incident.reference if incident else None,
        incident_closed=bool(incident and incident.closed_at),
    )
