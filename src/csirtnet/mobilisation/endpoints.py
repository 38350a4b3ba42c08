"""The mobilisation API: support requests, their ranking and answers, deployments, statistics."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from fastapi import APIRouter, Query

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.kit.pagination import Page, page_of, paginate
from csirtnet.kit.schemas import Day
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import deployments as deployment_service
from csirtnet.mobilisation import reads, repository, service, statistics
from csirtnet.mobilisation.schemas import (
    AcceptBody,
    CancelBody,
    DeclineBody,
    DeploymentRead,
    DeploymentUpdate,
    MatchesRead,
    ReleaseBody,
    StatisticsRead,
    SupportRequestCreate,
    SupportRequestRead,
)
from csirtnet.models import Deployment, DeploymentStatus, RequestStatus, SupportRequest, TargetStatus

router = APIRouter(tags=["mobilisation"])

RequestStatusParam = Literal["open", "fulfilled", "unfilled", "cancelled"]
TargetStatusParam = Literal["pending", "accepted", "declined", "expired", "withdrawn"]
DeploymentStatusParam = Literal["planned", "active", "released"]
# The query parameters list the stored codes; keep them in step with the vocabulary.
assert {s.value for s in RequestStatus} == set(get_args(RequestStatusParam))
assert {s.value for s in TargetStatus} == set(get_args(TargetStatusParam))
assert {s.value for s in DeploymentStatus} == set(get_args(DeploymentStatusParam))


@router.get("/incidents/{incident_id}/support-requests", response_model=Page[SupportRequestRead])
def list_incident_requests(
    incident_id: int,
    session: Session,
    who: ApiUser,
    status: RequestStatusParam | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[SupportRequestRead]:
    """Support requests raised on an incident."""
    rows, next_cursor = paginate(
        session,
        repository.requests(who, incident_id=incident_id, status=status),
        SupportRequest.id,
        limit=limit,
        cursor=cursor,
    )
    return Page[SupportRequestRead](items=[reads.to_read(session, who, r) for r in rows], next_cursor=next_cursor)


@router.post("/incidents/{incident_id}/support-requests", response_model=SupportRequestRead, status_code=201)
def raise_request(incident_id: int, body: SupportRequestCreate, session: Session, who: ApiUser) -> SupportRequestRead:
    """Ask member organisations for experts on an incident (coordinator, or the lead of its cluster)."""
    request = service.raise_request(session, who, incident_id, body)
    return reads.to_read(session, who, request)


@router.get("/support-requests", response_model=Page[SupportRequestRead])
def list_requests(
    session: Session,
    who: ApiUser,
    status: RequestStatusParam | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[SupportRequestRead]:
    """Support requests you may see: raised by you, on incidents you see, or sent to your organisation."""
    rows, next_cursor = paginate(
        session, repository.requests(who, status=status), SupportRequest.id, limit=limit, cursor=cursor
    )
    return Page[SupportRequestRead](items=[reads.to_read(session, who, r) for r in rows], next_cursor=next_cursor)


@router.get("/support-requests/inbox", response_model=Page[SupportRequestRead])
def inbox(
    session: Session,
    who: ApiUser,
    status: TargetStatusParam | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[SupportRequestRead]:
    """Support requests sent to your organisation (`status` filters on your organisation's answer)."""
    rows, next_cursor = paginate(
        session, repository.inbox_requests(who, status=status), SupportRequest.id, limit=limit, cursor=cursor
    )
    return Page[SupportRequestRead](items=[reads.to_read(session, who, r) for r in rows], next_cursor=next_cursor)


@router.get("/support-requests/{request_id}", response_model=SupportRequestRead)
def get_request(request_id: int, session: Session, who: ApiUser) -> SupportRequestRead:
    """One support request, with the organisations it was sent to and their answers."""
    return reads.to_read(session, who, repository.get_request(session, who, request_id))


@router.get("/support-requests/{request_id}/matches", response_model=MatchesRead)
def get_matches(request_id: int, session: Session, who: ApiUser) -> MatchesRead:
    """The ranking of member organisations and their experts, with each score explained."""
    request, ranking = reads.matches(session, who, request_id)
    return reads.matches_read(session, request, ranking)


@router.post("/support-requests/{request_id}/accept", response_model=list[DeploymentRead])
def accept(request_id: int, body: AcceptBody, session: Session, who: ApiUser) -> list[DeploymentRead]:
    """Accept for your organisation, naming experts from its roster; each is deployed on the incident.

    A plain list: it echoes the deployments this request created, one per expert named."""
    return [DeploymentRead.model_validate(d) for d in service.accept(session, who, request_id, body)]


@router.post("/support-requests/{request_id}/decline", response_model=SupportRequestRead)
def decline(request_id: int, body: DeclineBody, session: Session, who: ApiUser) -> SupportRequestRead:
    """Decline for your organisation, saying why; the next match is asked."""
    service.decline(session, who, request_id, body)
    return reads.to_read(session, who, repository.get_request(session, who, request_id))


@router.post("/support-requests/{request_id}/cancel", response_model=SupportRequestRead)
def cancel(request_id: int, body: CancelBody, session: Session, who: ApiUser) -> SupportRequestRead:
    """Withdraw an open support request (deployed experts stay until released)."""
    return reads.to_read(session, who, service.cancel(session, who, request_id, body))


@router.get("/deployments", response_model=Page[DeploymentRead])
def list_deployments(
    session: Session,
    who: ApiUser,
    incident_id: int | None = None,
    support_request_id: int | None = None,
    status: DeploymentStatusParam | None = None,
    mine: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[DeploymentRead]:
    """Deployments you may see (`mine=true`: your own as an expert)."""
    return page_of(
        DeploymentRead,
        paginate(
            session,
            repository.deployments(
                who, incident_id=incident_id, status=status, support_request_id=support_request_id, mine=mine
            ),
            Deployment.id,
            limit=limit,
            cursor=cursor,
        ),
    )


@router.get("/deployments/{deployment_id}", response_model=DeploymentRead)
def get_deployment(deployment_id: int, session: Session, who: ApiUser) -> DeploymentRead:
    """One deployment."""
    return DeploymentRead.model_validate(repository.get_deployment(session, who, deployment_id))


@router.post("/deployments/{deployment_id}/release", response_model=DeploymentRead)
def release(deployment_id: int, body: ReleaseBody, session: Session, who: ApiUser) -> DeploymentRead:
    """Release an expert now; their access to the incident ends. Hours and outcome may be given."""
    return DeploymentRead.model_validate(deployment_service.release(session, who, deployment_id, body))


@router.patch("/deployments/{deployment_id}", response_model=DeploymentRead)
def record(deployment_id: int, body: DeploymentUpdate, session: Session, who: ApiUser) -> DeploymentRead:
    """Record the hours worked and the outcome of a deployment."""
    return DeploymentRead.model_validate(deployment_service.record(session, who, deployment_id, body))


@router.get("/mobilisation/statistics", response_model=StatisticsRead)
def get_statistics(
    session: Session,
    who: ApiUser,
    date_from: Day | None = None,
    date_to: Day | None = None,
    period: Literal["month", "quarter", "year"] = "month",
) -> StatisticsRead:
    """Experts mobilised and organisations that took part, per period (this year by default)."""
    today = utcnow().date()
    start = date_from or date(today.year, 1, 1)
    end = date_to or date(start.year, 12, 31)
    return statistics.figures(session, who, start, end, period)
