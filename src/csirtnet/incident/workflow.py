"""The response workflow: NIST SP 800-61 phases and the moves allowed between them. Closing needs
the closing report (Circular 20/2017 form 04)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.authz.incident import get_visible, require_command
from csirtnet.errors import ValidationFailed
from csirtnet.incident import deadlines, events
from csirtnet.incident.common import incident_link, participant_users, record_change
from csirtnet.incident.schemas import ClosingReport, PhaseChange
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, Phase
from csirtnet.notification.service import notify
from csirtnet.vocabulary import labels

# From each phase, where the response may go next. Moving back is allowed where work turns out
# unfinished (containment failed, the eradication missed a host); a closed incident may reopen.
TRANSITIONS: dict[Phase, tuple[Phase, ...]] = {
    Phase.TRIAGE: (Phase.ANALYSIS, Phase.CONTAINMENT, Phase.CLOSED),
    Phase.ANALYSIS: (Phase.TRIAGE, Phase.CONTAINMENT, Phase.ERADICATION, Phase.RECOVERY, Phase.POST_INCIDENT),
    Phase.CONTAINMENT: (Phase.ANALYSIS, Phase.ERADICATION, Phase.RECOVERY),
    Phase.ERADICATION: (Phase.CONTAINMENT, Phase.RECOVERY),
    Phase.RECOVERY: (Phase.ERADICATION, Phase.POST_INCIDENT),
    Phase.POST_INCIDENT: (Phase.RECOVERY, Phase.CLOSED),
    Phase.CLOSED: (Phase.ANALYSIS,),
}
PHASES: tuple[Phase, ...] = tuple(Phase)


# The way forward through NIST SP 800-61's phases: what "Move to" proposes first.
FORWARD: dict[Phase, Phase] = {
    Phase.TRIAGE: Phase.ANALYSIS,
    Phase.ANALYSIS: Phase.CONTAINMENT,
    Phase.CONTAINMENT: Phase.ERADICATION,
    Phase.ERADICATION: Phase.RECOVERY,
    Phase.RECOVERY: Phase.POST_INCIDENT,
    Phase.POST_INCIDENT: Phase.CLOSED,
}


def next_phase(phase: str) -> Phase | None:
    """The phase a response normally moves to from `phase` (None once closed)."""
    try:
        return FORWARD.get(Phase(phase))
    except ValueError:
        return None


def allowed_next(phase: str) -> tuple[Phase, ...]:
    try:
        return TRANSITIONS[Phase(phase)]
    except ValueError:
        return ()


def change_phase(session: Session, who: Subject, incident_id: int, change: PhaseChange) -> Incident:
    """Move the incident to another phase; closing requires the closing report."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_command(session, who, incident)
    try:
        target = Phase(change.phase)
    except ValueError:
        raise ValidationFailed("phase", f"{change.phase!r} is not a phase ({', '.join(PHASES)})") from None
    allowed = allowed_next(incident.phase)
    if target not in allowed:
        raise ValidationFailed(
            "phase",
            f"cannot move from {labels.name(labels.PHASES, incident.phase, 'en')} to "
            f"{labels.name(labels.PHASES, target.value, 'en')}",
        )
    before = incident.phase
    now = utcnow()
    if target == Phase.CLOSED:
        if change.closing_report is None:
            raise ValidationFailed(
                "closing_report",
                "closing needs the closing report (result, root cause, actions taken, lessons learned)",
            )
        _apply_closing(incident, change.closing_report)
        incident.closed_at = now
        incident.closing_reported_at = now
    elif before == Phase.CLOSED.value:
        incident.closed_at = None
        incident.closing_reported_at = None
    incident.phase = target.value
    record_change(
        session,
        who,
        incident,
        "incident.phase_changed",
        from_phase=before,
        to_phase=target.value,
        note=change.note or None,
    )
    deadlines.sync(session, incident)
    notify(
        session,
        events.PHASE_CHANGED.key,
        [u for u in participant_users(session, incident, now) if u.id != who.user_id],
        {"reference": incident.reference, "title": incident.title, "phase": target.value},
        link=incident_link(incident),
        guard=guard_of(incident),
    )
    return incident


def _apply_closing(incident: Incident, report: ClosingReport) -> None:
    incident.closing_result = report.result
    incident.closing_root_cause = report.root_cause
    incident.closing_actions = report.actions_taken
    incident.closing_lessons = report.lessons_learned


def close(session: Session, who: Subject, incident_id: int, report: ClosingReport, note: str | None = None) -> Incident:
    """Close the incident with its closing report (form 04)."""
    return change_phase(
        session, who, incident_id, PhaseChange(phase=Phase.CLOSED.value, note=note, closing_report=report)
    )
