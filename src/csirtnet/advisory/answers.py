"""A recipient organisation's answer: received, applied, not affected, or needs help.

"Needs help" opens the response in one step, with the services the network already has: a report
filed by the answering member (incident intake, their own permission), an incident opened from it
and a support request raised on it (mobilisation) by the advisory's publisher — the people whose
warning it answers, and who hold the authority to mobilise (the audit names the member's answer as
the cause). The recipient row links the incident and the request, so the tracking view shows both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.advisory import events
from csirtnet.authz import Permission, Subject, can
from csirtnet.authz import advisory as advisory_authz
from csirtnet.authz.derived import guard_of
from csirtnet.errors import Conflict
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    AckStatus,
    Advisory,
    AdvisoryDelivery,
    AdvisoryRecipient,
    AdvisorySeverity,
    Organisation,
    ReportChannel,
    Urgency,
    User,
)
from csirtnet.notification.service import notify

# How the support request a "needs help" opens is shaped: remote help with the vulnerability's
# response, asked of members at once, for three days.
_HELP_SERVICES = ["vulnerability-management.response", "incident-management.mitigation-recovery"]
_HELP_HOURS = 72
_URGENCY = {
    AdvisorySeverity.CRITICAL.value: Urgency.CRITICAL,
    AdvisorySeverity.HIGH.value: Urgency.HIGH,
    AdvisorySeverity.MEDIUM.value: Urgency.NORMAL,
    AdvisorySeverity.LOW.value: Urgency.LOW,
}
_ANSWER_WINDOW = {Urgency.CRITICAL: 1, Urgency.HIGH: 4, Urgency.NORMAL: 24, Urgency.LOW: 48}


def recipient_of(session: Session, who: Subject, advisory: Advisory) -> tuple[AdvisoryRecipient | None, bool]:
    """The subject's organisation's recipient row (if told) and whether the subject was named."""
    recipient = session.scalar(
        select(AdvisoryRecipient).where(
            AdvisoryRecipient.advisory_id == advisory.id, AdvisoryRecipient.organisation_id == who.organisation_id
        )
    )
    named = bool(
        who.user_id
        and session.scalar(
            select(exists().where(AdvisoryDelivery.advisory_id == advisory.id, AdvisoryDelivery.user_id == who.user_id))
        )
    )
    return recipient, named


def answer(
    session: Session,
    who: Subject,
    advisory_id: int,
    status: AckStatus,
    note: str | None,
    *,
    now: datetime | None = None,
) -> AdvisoryRecipient:
    """Record the organisation's answer for the current round; "needs help" opens a support request."""
    now = now or utcnow()
    advisory = advisory_authz.get_visible(session, who, advisory_id)
    recipient, named = recipient_of(session, who, advisory)
    advisory_authz.require_answer(who, advisory, recipient, named)
    assert recipient is not None  # require_answer refuses an organisation that was not told
    if status == AckStatus.NEEDS_HELP and recipient.status == AckStatus.NEEDS_HELP.value:
        raise Conflict("Help is already requested: the support request is open")
    recipient.status = status.value
    recipient.note = note
    recipient.answered_at = now
    recipient.answered_by_id = who.user_id
    recipient.answered_version = advisory.version
    recipient.answers = [
        *(recipient.answers or []),
        {
            "status": status.value,
            "note": note,
            "at": now.isoformat(),
            "by": who.user_id,
            "version": advisory.version,
            "round": advisory.ack_round,
        },
    ]
    audit.record(
        session,
        who,
        "advisory.answered",
        recipient,
        organisation_id=recipient.organisation_id,
        reference=advisory.reference,
        status=status.value,
        version=advisory.version,
    )
    if status == AckStatus.NEEDS_HELP and recipient.support_request_id is None:
        _open_support(session, who, advisory, recipient, note, now)
    return recipient


def _publisher_subject(session: Session, advisory: Advisory) -> Subject:
    """Who opens the incident and raises the support request: the advisory's author when they may
    triage and mobilise (the coordinating body's staff), else the body's first coordinator (a cluster
    lead's or a member's advisory: the network's coordinator mobilises)."""
    from csirtnet.identity.service import subject_for
    from csirtnet.incident.common import coordinators

    def mobilises(user: User | None) -> bool:
        if user is None or not user.is_active:
            return False
        subject = subject_for(user)
        return can(subject, Permission.INCIDENTS_TRIAGE) and can(subject, Permission.MOBILISATION_REQUEST)

    author = session.get(User, advisory.created_by_id) if advisory.created_by_id else None
    if not mobilises(author):
        author = next((u for u in coordinators(session) if mobilises(u)), None)
    if author is None:
        raise Conflict("Nobody can raise the support request: the network has no active coordinator")
    return subject_for(author)


def _open_support(
    session: Session, who: Subject, advisory: Advisory, recipient: AdvisoryRecipient, note: str | None, now: datetime
) -> None:
    from csirtnet.incident.intake import submit
    from csirtnet.incident.schemas import OpenFromReport, ReportCreate
    from csirtnet.incident.triage import open_incident
    from csirtnet.mobilisation.schemas import SupportRequestCreate
    from csirtnet.mobilisation.service import raise_request

    org = session.get(Organisation, recipient.organisation_id)
    user = session.get(User, who.user_id) if who.user_id else None
    org_name = org.name if org else str(recipient.organisation_id)
    description = (
        f"{advisory.reference} ({advisory.version}): {advisory.title}\n\n"
        f"{org_name} needs help acting on this advisory.\n\n{note or ''}"
    ).strip()
    report = submit(
        session,
        who,
        ReportCreate(
            title=f"{advisory.reference}: {advisory.title}"[:300],
            description=description[:20000],
            reporter_name=(user.full_name if user else org_name)[:200],
            reporter_email=user.email if user else None,
            organisation_name=org_name[:300],
            detected_at=now,
            incident_status="unknown",
            support_requested=(note or f"Help acting on {advisory.reference}")[:4000],
        ),
        channel=ReportChannel.WEB,
    ).report
    publisher = _publisher_subject(session, advisory)
    tlp = advisory.tlp if advisory.tlp != "clear" else "green"
    incident = open_incident(
        session,
        publisher,
        report.id,
        OpenFromReport(rsit_class="vulnerable", rsit_type="vulnerable-system", tlp=tlp),
    )
    urgency = _URGENCY.get(advisory.severity, Urgency.NORMAL)
    request = raise_request(
        session,
        publisher,
        incident.id,
        SupportRequestCreate(
            summary=f"{org_name}: {advisory.reference} — {advisory.title}"[:4000],
            capabilities=_HELP_SERVICES,
            duration_hours=_HELP_HOURS,
            urgency=urgency,
            response_deadline=now + timedelta(hours=_ANSWER_WINDOW[urgency]),
        ),
        now=now,
    )
    recipient.incident_id = incident.id
    recipient.support_request_id = request.id
    audit.record(
        session,
        who,
        "advisory.help_requested",
        recipient,
        organisation_id=recipient.organisation_id,
        reference=advisory.reference,
        incident=incident.reference,
        support_request_id=request.id,
    )
    publishers = [u for u in [session.get(User, publisher.user_id)] if u is not None]
    notify(
        session,
        events.NEEDS_HELP.key,
        publishers,
        {"reference": advisory.reference, "organisation": org_name},
        guard=guard_of(advisory),
        link=f"/advisories/{advisory.id}/tracking",
    )
