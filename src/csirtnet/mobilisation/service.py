"""Support requests, from raising to release: the rules. Every change writes its audit record and
the incident's timeline entry in the caller's transaction, and queues its follow-up jobs; nothing
here commits.

The flow: the coordinator (or a cluster lead) raises a request on an incident; the matching ranks
member organisations; the best `experts_needed` are asked, each with the response deadline; an
organisation accepts by naming experts from its own roster (each becomes a Deployment and an
IncidentParticipant whose access lasts the deployment) or declines with a reason; a decline, a
deadline passed or a partial acceptance sends the request to the next match, until enough experts
accepted or nobody suitable is left. Release ends the expert's access.

Here: raising, cancelling and the deadline sweep (escalate). Answering is in `answers` (accept
and decline, also reachable here), sending each round in `dispatch`, deployments in `deployments`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import mobilisation as mob_authz
from csirtnet.authz.incident import get_visible
from csirtnet.errors import Conflict, FieldError, ValidationFailed
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.mobilisation import repository
from csirtnet.mobilisation.answers import accept, decline
from csirtnet.mobilisation.common import SYSTEM, get_incident, no_longer_waits, rank, timeline
from csirtnet.mobilisation.dispatch import mark_unfilled, send, top_up, withdraw_pending
from csirtnet.mobilisation.matching import OrganisationMatch
from csirtnet.mobilisation.schemas import CancelBody, SupportRequestCreate
from csirtnet.models import Mode, Phase, RequestStatus, SupportRequest, TargetStatus

__all__ = ["START_GRACE", "accept", "cancel", "decline", "escalate", "raise_request"]

START_GRACE = timedelta(hours=1)  # a start a little in the past (a form filled slowly) means "now"


# -- raising ---------------------------------------------------------------------------------


def raise_request(
    session: Session, who: Subject, incident_id: int, data: SupportRequestCreate, *, now: datetime | None = None
) -> SupportRequest:
    """Ask member organisations for experts; the best-ranked (or the chosen) ones are asked now."""
    now = now or utcnow()
    incident = get_visible(session, who, incident_id, audit_read=False)
    cluster_id = mob_authz.request_authority(session, who, incident)
    if incident.phase == Phase.CLOSED.value:
        raise Conflict("The incident is closed; reopen it before asking for experts")
    starts_at = data.starts_at or now
    if starts_at < now - START_GRACE:
        raise ValidationFailed("starts_at", "is in the past")
    starts_at = max(starts_at, now)
    ends_at = starts_at + timedelta(hours=data.duration_hours)
    deadline = as_utc(data.response_deadline)
    if deadline <= now:
        raise ValidationFailed("response_deadline", "must be in the future")
    if deadline >= ends_at:
        raise ValidationFailed("response_deadline", "must come before the end of the support period")
    if data.mode == Mode.ON_SITE and not data.province:
        raise ValidationFailed("province", "say where the experts must go for on-site support")
    if who.organisation_id is None:
        raise ValidationFailed("organisation", "the requester must belong to an organisation")
    request = SupportRequest(
        incident_id=incident.id,
        requested_by_id=who.user_id,
        requesting_organisation_id=who.organisation_id,
        cluster_id=cluster_id,
        summary=data.summary,
        capabilities=list(data.capabilities),
        skills=[{"skill": s.skill, "min_level": s.min_level} for s in data.skills],
        mode=data.mode.value,
        province=data.province,
        starts_at=starts_at,
        ends_at=ends_at,
        urgency=data.urgency.value,
        experts_needed=data.experts_needed,
        response_deadline=deadline,
        response_window_minutes=max(1, int((deadline - now).total_seconds() // 60)),
        status=RequestStatus.OPEN.value,
    )
    session.add(request)
    session.flush()
    ranking = rank(session, request, incident)
    chosen = _choose(ranking, data.organisation_ids, data.experts_needed)
    audit.record(
        session,
        who,
        "mobilisation.request_raised",
        request,
        organisation_id=request.requesting_organisation_id,
        incident_id=incident.id,
        reference=incident.reference,
        experts_needed=request.experts_needed,
        urgency=request.urgency,
        mode=request.mode,
        skills=request.skills,
        capabilities=request.capabilities,
        response_deadline=deadline,
        cluster_id=cluster_id,
    )
    timeline(
        session,
        who,
        incident.id,
        "mobilisation.request_raised",
        support_request_id=request.id,
        experts_needed=request.experts_needed,
        urgency=request.urgency,
    )
    if chosen:
        send(session, who, request, incident, chosen, ranking, round_no=1, deadline=deadline, now=now)
    else:
        mark_unfilled(session, who, request, incident, now, notify_requester=False)
    return request


def _choose(
    ranking: list[OrganisationMatch], organisation_ids: list[int] | None, needed: int
) -> list[OrganisationMatch]:
    if organisation_ids is None:
        return [m for m in ranking if m.eligible][:needed]
    by_id = {m.organisation.organisation_id: m for m in ranking}
    errors: list[FieldError] = []
    chosen: list[OrganisationMatch] = []
    for i, org_id in enumerate(dict.fromkeys(organisation_ids)):
        match = by_id.get(org_id)
        if match is None:
            errors.append(
                FieldError(f"organisation_ids.{i}", f"organisation {org_id} cannot be asked for this incident")
            )
        elif not match.eligible:
            errors.append(
                FieldError(
                    f"organisation_ids.{i}", f"{match.organisation.name} has no suitable expert for this request"
                )
            )
        else:
            chosen.append(match)
    if errors:
        raise ValidationFailed(errors[0].field, errors[0].message, errors=errors)
    if not chosen:
        raise ValidationFailed("organisation_ids", "choose at least one organisation")
    return chosen


# -- closing ---------------------------------------------------------------------------------


def cancel(
    session: Session, who: Subject, request_id: int, body: CancelBody, *, now: datetime | None = None
) -> SupportRequest:
    """Withdraw an open request; experts already deployed stay until released."""
    now = now or utcnow()
    request = repository.get_request(session, who, request_id, for_update=True)
    mob_authz.require_manage_request(session, who, request)
    if request.status != RequestStatus.OPEN.value:
        raise Conflict("The support request is no longer open")
    incident = get_incident(session, request.incident_id)
    request.status = RequestStatus.CANCELLED.value
    request.closed_at = now
    request.cancel_reason = body.reason
    audit.record(
        session,
        who,
        "mobilisation.request_cancelled",
        request,
        organisation_id=request.requesting_organisation_id,
        reference=incident.reference,
        reason=body.reason,
    )
    timeline(
        session, who, incident.id, "mobilisation.request_cancelled", support_request_id=request.id, reason=body.reason
    )
    withdraw_pending(session, who, request, incident, now, "cancelled")
    return request


def escalate(session: Session, request_id: int, *, now: datetime | None = None) -> None:
    """After a deadline: organisations that did not answer are marked so, and the next matches are
    asked. Safe to run any number of times."""
    now = now or utcnow()
    request = session.scalar(select(SupportRequest).where(SupportRequest.id == request_id).with_for_update())
    if request is None or request.status != RequestStatus.OPEN.value:
        return
    incident = get_incident(session, request.incident_id)
    due = repository.due_pending_targets(session, request.id, now)
    names = repository.organisation_names(session, [t.organisation_id for t in due])
    for target in due:
        target.status = TargetStatus.EXPIRED.value
        no_longer_waits(session, request.id, target.organisation_id)
        audit.record(
            session,
            SYSTEM,
            "mobilisation.request_expired",
            target,
            organisation_id=target.organisation_id,
            support_request_id=request.id,
            reference=incident.reference,
            respond_by=target.respond_by,
        )
        timeline(
            session,
            SYSTEM,
            incident.id,
            "mobilisation.request_expired",
            support_request_id=request.id,
            organisation=names.get(target.organisation_id, ""),
        )
    top_up(session, SYSTEM, request, incident, now)
