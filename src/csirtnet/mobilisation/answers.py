"""An asked organisation answers a support request: it accepts by naming experts from its own
roster (each becomes a Deployment and, with an account, an incident participant whose access
lasts the deployment) or declines with a reason; either way the next matches are asked for
what is still missing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import mobilisation as mob_authz
from csirtnet.authz.derived import guard_of
from csirtnet.errors import Conflict, FieldError, NotFound, ValidationFailed
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import events, repository
from csirtnet.mobilisation.common import get_incident, moment, no_longer_waits, requesters, timeline
from csirtnet.mobilisation.deployments import deploy
from csirtnet.mobilisation.dispatch import top_up
from csirtnet.mobilisation.schemas import AcceptBody, DeclineBody
from csirtnet.models import (
    Deployment,
    DeploymentStatus,
    Incident,
    Mode,
    RequestStatus,
    SupportRequest,
    SupportRequestTarget,
    TargetStatus,
    User,
)
from csirtnet.notification.service import notify
from csirtnet.worker import enqueue


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
        deployment = deploy(
            session,
            incident=incident,
            request=request,
            target_id=target.id,
            expert=expert,
            starts_at=start,
            ends_at=request.ends_at,
            status=status,
            accepted_by_id=who.user_id,
            added_by_id=who.user_id,
            note=body.note or f"Support request #{request.id}",
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
            enqueue(session, "mobilisation.start_deployment", guard=None, run_after=start, deployment_id=deployment.id)
        enqueue(
            session, "mobilisation.end_deployment", guard=None, run_after=request.ends_at, deployment_id=deployment.id
        )
        if expert.user_id is not None:
            user = session.get(User, expert.user_id)
            notify(
                session,
                events.DEPLOYED.key,
                [user] if user is not None else [],
                {
                    "reference": incident.reference,
                    "starts": moment(start),
                    "ends": moment(request.ends_at),
                    "summary": request.summary,
                },
                link=f"/incidents/{incident.id}",
                guard=guard_of(deployment),
            )
        deployments.append(deployment)
    target.status = TargetStatus.ACCEPTED.value
    target.responded_at = now
    target.responded_by_id = who.user_id
    no_longer_waits(session, request.id, target.organisation_id)
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
        guard=guard_of(request),
    )
    top_up(session, who, request, incident, now)
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
    no_longer_waits(session, request.id, target.organisation_id)
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
        guard=guard_of(request),
    )
    top_up(session, who, request, incident, now)
    return target
