"""Support requests, from raising to release: the rules. Every change writes its audit record and
the incident's timeline entry in the caller's transaction, and queues its follow-up jobs; nothing
here commits.

The flow: the coordinator (or a cluster lead) raises a request on an incident; the matching ranks
member organisations; the best `experts_needed` are asked, each with the response deadline; an
organisation accepts by naming experts from its own roster (each becomes a Deployment and an
IncidentParticipant whose access lasts the deployment) or declines with a reason; a decline, a
deadline passed or a partial acceptance sends the request to the next match, until enough experts
accepted or nobody suitable is left. Release ends the expert's access.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import mobilisation as mob_authz
from csirtnet.authz.incident import get_visible
from csirtnet.errors import Conflict, FieldError, NotFound, ValidationFailed
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.mobilisation import events, repository
from csirtnet.mobilisation.common import (
    SYSTEM,
    components_json,
    get_incident,
    local_time,
    rank,
    requesters,
    timeline,
)
from csirtnet.mobilisation.matching import OrganisationMatch
from csirtnet.mobilisation.schemas import (
    AcceptBody,
    CancelBody,
    DeclineBody,
    SupportRequestCreate,
)
from csirtnet.mobilisation.vocabulary import DeploymentStatus, Mode, RequestStatus, TargetStatus
from csirtnet.models import (
    Deployment,
    Incident,
    IncidentParticipant,
    Phase,
    SupportRequest,
    SupportRequestTarget,
    User,
)
from csirtnet.models.incident_participant import ParticipantRole
from csirtnet.notification.service import notify
from csirtnet.worker import enqueue

START_GRACE = timedelta(hours=1)  # a start a little in the past (a form filled slowly) means "now"


# -- raising and sending ---------------------------------------------------------------------


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
        _send(session, who, request, incident, chosen, ranking, round_no=1, deadline=deadline, now=now)
    else:
        _mark_unfilled(session, who, request, incident, now, notify_requester=False)
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


def _send(
    session: Session,
    who: Subject,
    request: SupportRequest,
    incident: Incident,
    chosen: list[OrganisationMatch],
    ranking: list[OrganisationMatch],
    *,
    round_no: int,
    deadline: datetime,
    now: datetime,
) -> list[SupportRequestTarget]:
    place = {m.organisation.organisation_id: i + 1 for i, m in enumerate(ranking)}
    sent = []
    for match in chosen:
        org_id = match.organisation.organisation_id
        target = SupportRequestTarget(
            support_request_id=request.id,
            organisation_id=org_id,
            round=round_no,
            rank=place[org_id],
            score=match.score,
            explanation=components_json(match.components),
            status=TargetStatus.PENDING.value,
            sent_at=now,
            respond_by=deadline,
        )
        session.add(target)
        session.flush()
        audit.record(
            session,
            who,
            "mobilisation.request_sent",
            target,
            organisation_id=org_id,
            support_request_id=request.id,
            reference=incident.reference,
            round=round_no,
            rank=target.rank,
            score=target.score,
            respond_by=deadline,
        )
        timeline(
            session,
            who,
            incident.id,
            "mobilisation.request_sent",
            support_request_id=request.id,
            organisation=match.organisation.name,
            round=round_no,
            respond_by=deadline,
        )
        notify(
            session,
            events.REQUEST_RECEIVED.key,
            repository.organisation_admins(session, org_id),
            {
                "reference": incident.reference,
                "deadline": local_time(deadline),
                "summary": request.summary,
                "experts_needed": request.experts_needed,
                "urgency": request.urgency,
                "mode": request.mode,
                "province": request.province or "",
                "starts": local_time(request.starts_at),
                "ends": local_time(request.ends_at),
            },
            link=f"/mobilisation/requests/{request.id}",
        )
        sent.append(target)
    enqueue(session, "mobilisation.escalate", run_after=deadline, support_request_id=request.id)
    return sent


def _mark_unfilled(
    session: Session,
    who: Subject,
    request: SupportRequest,
    incident: Incident,
    now: datetime,
    *,
    notify_requester: bool,
) -> None:
    request.status = RequestStatus.UNFILLED.value
    request.closed_at = now
    accepted = repository.accepted_count(session, request.id)
    audit.record(
        session,
        who,
        "mobilisation.request_unfilled",
        request,
        organisation_id=request.requesting_organisation_id,
        reference=incident.reference,
        experts_needed=request.experts_needed,
        experts_accepted=accepted,
    )
    timeline(
        session,
        who,
        incident.id,
        "mobilisation.request_unfilled",
        support_request_id=request.id,
        experts_accepted=accepted,
    )
    if notify_requester:
        notify(
            session,
            events.REQUEST_UNFILLED.key,
            requesters(session, request),
            {"reference": incident.reference, "accepted": accepted, "needed": request.experts_needed},
            link=f"/mobilisation/requests/{request.id}",
        )


def _top_up(session: Session, who: Subject, request: SupportRequest, incident: Incident, now: datetime) -> None:
    """Ask the next matches for as many experts as are still missing and not already asked for."""
    if request.status != RequestStatus.OPEN.value:
        return
    targets = repository.targets_of(session, [request.id])[request.id]
    pending = [t for t in targets if t.status == TargetStatus.PENDING.value]
    accepted = repository.accepted_count(session, request.id)
    if accepted >= request.experts_needed:
        _fulfil(session, who, request, incident, now)
        return
    shortfall = request.experts_needed - accepted - len(pending)
    if shortfall <= 0:
        return
    asked = {t.organisation_id for t in targets}
    deadline = now + timedelta(minutes=request.response_window_minutes)
    fresh: list[OrganisationMatch] = []
    ranking: list[OrganisationMatch] = []
    if deadline < request.ends_at:
        ranking = rank(session, request, incident)
        fresh = [m for m in ranking if m.eligible and m.organisation.organisation_id not in asked][:shortfall]
    if fresh:
        round_no = max((t.round for t in targets), default=0) + 1
        _send(session, who, request, incident, fresh, ranking, round_no=round_no, deadline=deadline, now=now)
    elif not pending:
        _mark_unfilled(session, who, request, incident, now, notify_requester=True)


def _withdraw_pending(
    session: Session, who: Subject, request: SupportRequest, incident: Incident, now: datetime, why: str
) -> None:
    for target in repository.targets_of(session, [request.id])[request.id]:
        if target.status != TargetStatus.PENDING.value:
            continue
        target.status = TargetStatus.WITHDRAWN.value
        target.responded_at = now
        audit.record(
            session,
            who,
            "mobilisation.request_withdrawn",
            target,
            organisation_id=target.organisation_id,
            support_request_id=request.id,
            reason=why,
        )
        notify(
            session,
            events.REQUEST_WITHDRAWN.key,
            repository.organisation_admins(session, target.organisation_id),
            {"reference": incident.reference},
            link=f"/mobilisation/requests/{request.id}",
        )


def _fulfil(session: Session, who: Subject, request: SupportRequest, incident: Incident, now: datetime) -> None:
    request.status = RequestStatus.FULFILLED.value
    request.closed_at = now
    audit.record(
        session,
        who,
        "mobilisation.request_fulfilled",
        request,
        organisation_id=request.requesting_organisation_id,
        reference=incident.reference,
        experts_needed=request.experts_needed,
    )
    timeline(session, who, incident.id, "mobilisation.request_fulfilled", support_request_id=request.id)
    _withdraw_pending(session, who, request, incident, now, "fulfilled")


# -- answering -------------------------------------------------------------------------------


def _answerable(
    session: Session, who: Subject, request_id: int, now: datetime
) -> tuple[SupportRequest, SupportRequestTarget, Incident]:
    request = repository.get_request(session, who, request_id, for_update=True)
    target = repository.target_for(session, request.id, who.organisation_id, for_update=True)
    if target is None:
        raise NotFound("support request for your organisation")
    mob_authz.require_respond(who, target)
    if target.status != TargetStatus.PENDING.value:
        raise Conflict("Your organisation has already answered this request, or it was withdrawn")
    if request.status != RequestStatus.OPEN.value:
        raise Conflict("The support request is no longer open")
    if now > target.respond_by:
        raise Conflict("The deadline to answer this request has passed")
    return request, target, get_incident(session, request.incident_id)


def accept(
    session: Session, who: Subject, request_id: int, body: AcceptBody, *, now: datetime | None = None
) -> list[Deployment]:
    """Accept for the caller's organisation, naming experts from its own roster."""
    now = now or utcnow()
    request, target, incident = _answerable(session, who, request_id, now)
    remaining = request.experts_needed - repository.accepted_count(session, request.id)
    wanted = list(dict.fromkeys(body.expert_ids))
    if len(wanted) > remaining:
        raise ValidationFailed("expert_ids", f"only {remaining} more expert(s) are needed")
    start = max(request.starts_at, now)
    if request.ends_at <= start:
        raise Conflict("The period the experts were needed for is over")
    experts = repository.experts_by_id(session, wanted)
    busy = repository.busy_counts(session, wanted, start, request.ends_at)
    already = repository.deployed_on_incident(session, incident.id, wanted)
    errors: list[FieldError] = []
    for i, expert_id in enumerate(wanted):
        expert = experts.get(expert_id)
        field = f"expert_ids.{i}"
        if expert is None or expert.organisation_id != target.organisation_id:
            errors.append(FieldError(field, f"expert {expert_id} is not on your organisation's roster"))
        elif not expert.available:
            errors.append(FieldError(field, f"{expert.full_name} is marked as not available"))
        elif expert_id in already:
            errors.append(FieldError(field, f"{expert.full_name} is already deployed on this incident"))
        elif busy.get(expert_id, 0) >= expert.max_deployments:
            errors.append(FieldError(field, f"{expert.full_name} already has the most deployments they can take"))
        elif request.mode == Mode.ON_SITE.value and not expert.on_site:
            errors.append(FieldError(field, f"{expert.full_name} does not work on site"))
    if errors:
        raise ValidationFailed(errors[0].field, errors[0].message, errors=errors)
    status = DeploymentStatus.ACTIVE if start <= now else DeploymentStatus.PLANNED
    deployments: list[Deployment] = []
    for expert_id in wanted:
        expert = experts[expert_id]
        deployment = Deployment(
            incident_id=incident.id,
            support_request_id=request.id,
            target_id=target.id,
            expert_id=expert.id,
            expert_name=expert.full_name,
            user_id=expert.user_id,
            organisation_id=expert.organisation_id,
            starts_at=start,
            ends_at=request.ends_at,
            status=status.value,
            accepted_by_id=who.user_id,
        )
        session.add(deployment)
        session.flush()
        if expert.user_id is not None:
            # A row without a user would open the incident to the whole organisation: only experts
            # with an account get one (the deployment is recorded either way).
            session.add(
                IncidentParticipant(
                    incident_id=incident.id,
                    user_id=expert.user_id,
                    organisation_id=expert.organisation_id,
                    role=ParticipantRole.RESPONDER.value,
                    starts_at=start,
                    ends_at=request.ends_at,
                    added_by_id=who.user_id,
                    deployment_id=deployment.id,
                    note=body.note or f"Support request #{request.id}",
                )
            )
        audit.record(
            session,
            who,
            "mobilisation.expert_deployed",
            deployment,
            support_request_id=request.id,
            reference=incident.reference,
            expert_id=expert.id,
            expert=expert.full_name,
            starts_at=start,
            ends_at=request.ends_at,
            with_access=expert.user_id is not None,
        )
        timeline(
            session,
            who,
            incident.id,
            "mobilisation.expert_deployed",
            deployment_id=deployment.id,
            expert=expert.full_name,
            organisation_id=expert.organisation_id,
            starts_at=start,
            ends_at=request.ends_at,
        )
        if status == DeploymentStatus.PLANNED:
            enqueue(session, "mobilisation.start_deployment", run_after=start, deployment_id=deployment.id)
        enqueue(session, "mobilisation.end_deployment", run_after=request.ends_at, deployment_id=deployment.id)
        if expert.user_id is not None:
            user = session.get(User, expert.user_id)
            notify(
                session,
                events.DEPLOYED.key,
                [user] if user is not None else [],
                {
                    "reference": incident.reference,
                    "starts": local_time(start),
                    "ends": local_time(request.ends_at),
                    "summary": request.summary,
                },
                link=f"/incidents/{incident.id}",
            )
        deployments.append(deployment)
    target.status = TargetStatus.ACCEPTED.value
    target.responded_at = now
    target.responded_by_id = who.user_id
    names = ", ".join(d.expert_name for d in deployments)
    org_name = repository.organisation_names(session, [target.organisation_id]).get(target.organisation_id, "")
    audit.record(
        session,
        who,
        "mobilisation.request_accepted",
        target,
        organisation_id=target.organisation_id,
        support_request_id=request.id,
        reference=incident.reference,
        expert_ids=wanted,
    )
    timeline(
        session,
        who,
        incident.id,
        "mobilisation.request_accepted",
        support_request_id=request.id,
        organisation=org_name,
        experts=names,
    )
    notify(
        session,
        events.REQUEST_ACCEPTED.key,
        requesters(session, request),
        {"reference": incident.reference, "organisation": org_name, "experts": names},
        link=f"/mobilisation/requests/{request.id}",
    )
    _top_up(session, who, request, incident, now)
    return deployments


def decline(
    session: Session, who: Subject, request_id: int, body: DeclineBody, *, now: datetime | None = None
) -> SupportRequestTarget:
    """Decline for the caller's organisation, saying why; the next match is asked."""
    now = now or utcnow()
    request, target, incident = _answerable(session, who, request_id, now)
    target.status = TargetStatus.DECLINED.value
    target.responded_at = now
    target.responded_by_id = who.user_id
    target.decline_reason = body.reason
    org_name = repository.organisation_names(session, [target.organisation_id]).get(target.organisation_id, "")
    audit.record(
        session,
        who,
        "mobilisation.request_declined",
        target,
        organisation_id=target.organisation_id,
        support_request_id=request.id,
        reference=incident.reference,
        reason=body.reason,
    )
    timeline(
        session,
        who,
        incident.id,
        "mobilisation.request_declined",
        support_request_id=request.id,
        organisation=org_name,
        reason=body.reason,
    )
    notify(
        session,
        events.REQUEST_DECLINED.key,
        requesters(session, request),
        {"reference": incident.reference, "organisation": org_name, "reason": body.reason},
        link=f"/mobilisation/requests/{request.id}",
    )
    _top_up(session, who, request, incident, now)
    return target


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
    _withdraw_pending(session, who, request, incident, now, "cancelled")
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
    _top_up(session, SYSTEM, request, incident, now)
