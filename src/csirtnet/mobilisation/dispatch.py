"""Sending a support request to organisations and keeping it moving: each round asks the next
best matches, with the response deadline; a request is fulfilled when enough experts accepted,
unfilled when nobody suitable is left, and its pending questions are withdrawn when it closes.
Shared by raising (service), answering (answers) and the deadline sweep (service.escalate)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.mobilisation import events, repository
from csirtnet.mobilisation.common import components_json, moment, no_longer_waits, rank, requesters, timeline
from csirtnet.mobilisation.matching import OrganisationMatch
from csirtnet.models import Incident, RequestStatus, SupportRequest, SupportRequestTarget, TargetStatus
from csirtnet.notification.service import notify
from csirtnet.worker import enqueue


def send(
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
                "deadline": moment(deadline),
                "summary": request.summary,
                "experts_needed": request.experts_needed,
                "urgency": request.urgency,
                "mode": request.mode,
                "province": request.province or "",
                "starts": moment(request.starts_at),
                "ends": moment(request.ends_at),
            },
            link=f"/mobilisation/requests/{request.id}",
            guard=guard_of(request),
        )
        sent.append(target)
    enqueue(session, "mobilisation.escalate", guard=None, run_after=deadline, support_request_id=request.id)
    return sent


def mark_unfilled(
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
            guard=guard_of(request),
        )


def top_up(session: Session, who: Subject, request: SupportRequest, incident: Incident, now: datetime) -> None:
    """Ask the next matches for as many experts as are still missing and not already asked for."""
    if request.status != RequestStatus.OPEN.value:
        return
    targets = repository.targets_of(session, [request.id])[request.id]
    pending = [t for t in targets if t.status == TargetStatus.PENDING.value]
    accepted = repository.accepted_count(session, request.id)
    if accepted >= request.experts_needed:
        fulfil(session, who, request, incident, now)
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
        send(session, who, request, incident, fresh, ranking, round_no=round_no, deadline=deadline, now=now)
    elif not pending:
        mark_unfilled(session, who, request, incident, now, notify_requester=True)


def withdraw_pending(
    session: Session, who: Subject, request: SupportRequest, incident: Incident, now: datetime, why: str
) -> None:
    for target in repository.targets_of(session, [request.id])[request.id]:
        if target.status != TargetStatus.PENDING.value:
            continue
        target.status = TargetStatus.WITHDRAWN.value
        target.responded_at = now
        no_longer_waits(session, request.id, target.organisation_id)
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
            guard=guard_of(request),
        )


def fulfil(session: Session, who: Subject, request: SupportRequest, incident: Incident, now: datetime) -> None:
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
    withdraw_pending(session, who, request, incident, now, "fulfilled")
