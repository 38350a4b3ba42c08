"""The mobilisation API's and pages' view of requests and rankings: who sees which answers, and
the explained ranking as schemas (csirtnet.mobilisation.schemas)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from csirtnet.authz import Subject, can
from csirtnet.authz import mobilisation as mob_authz
from csirtnet.authz.incident import can_view, visible_among
from csirtnet.authz.permissions import Permission
from csirtnet.kit.pagination import paginate
from csirtnet.mobilisation import repository
from csirtnet.mobilisation.common import components_json, get_incident, rank, requirement_of
from csirtnet.mobilisation.matching import Component, ExpertMatch, OrganisationMatch, score_expert
from csirtnet.mobilisation.schemas import (
    BilingualRead,
    BlockerRead,
    ComponentRead,
    ExpertMatchRead,
    MatchesRead,
    OrganisationMatchRead,
    SkillNeedRead,
    SupportRequestRead,
    TargetRead,
)
from csirtnet.models import (
    Deployment,
    DeploymentStatus,
    RequestStatus,
    SupportRequest,
    SupportRequestTarget,
    TargetStatus,
)


def sees_all_targets(session: Session, who: Subject, request: SupportRequest) -> bool:
    """Managers and those who see the incident see every organisation's answer; an organisation
    asked sees its own."""
    return mob_authz.can_manage_request(session, who, request) or can_view(session, who, request.incident_id)


def matches(session: Session, who: Subject, request_id: int) -> tuple[SupportRequest, list[OrganisationMatch]]:
    """The current ranking of organisations and experts for a request, with its explanation."""
    request = repository.get_request(session, who, request_id)
    mob_authz.require_manage_request(session, who, request)
    return request, rank(session, request, get_incident(session, request.incident_id))


def to_read(session: Session, who: Subject, request: SupportRequest) -> SupportRequestRead:
    """The request as the API shows it to `who` (other organisations' answers only to managers)."""
    targets = repository.targets_of(session, [request.id])[request.id]
    if not sees_all_targets(session, who, request):
        targets = [t for t in targets if t.organisation_id == who.organisation_id]
    names = repository.organisation_names(session, [t.organisation_id for t in targets])
    reference = (
        repository.incident_references(session, [request.incident_id]).get(request.incident_id)
        if can_view(session, who, request.incident_id)
        else None
    )
    return SupportRequestRead(
        id=request.id,
        incident_id=request.incident_id,
        incident_reference=reference,
        requesting_organisation_id=request.requesting_organisation_id,
        cluster_id=request.cluster_id,
        summary=request.summary,
        capabilities=list(request.capabilities),
        skills=[SkillNeedRead(skill=s["skill"], min_level=s["min_level"]) for s in request.skills],
        mode=request.mode,
        province=request.province,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        urgency=request.urgency,
        experts_needed=request.experts_needed,
        experts_accepted=repository.accepted_count(session, request.id),
        response_deadline=request.response_deadline,
        status=request.status,
        created_at=request.created_at,
        closed_at=request.closed_at,
        cancel_reason=request.cancel_reason,
        targets=[
            TargetRead(
                id=t.id,
                organisation_id=t.organisation_id,
                organisation_name=names.get(t.organisation_id, ""),
                round=t.round,
                rank=t.rank,
                score=t.score,
                explanation=[ComponentRead.model_validate(c) for c in t.explanation],
                status=t.status,
                sent_at=t.sent_at,
                respond_by=t.respond_by,
                responded_at=t.responded_at,
                decline_reason=t.decline_reason,
            )
            for t in targets
        ],
    )


def _component_reads(components: tuple[Component, ...]) -> list[ComponentRead]:
    return [ComponentRead.model_validate(c) for c in components_json(components)]


def matches_read(session: Session, request: SupportRequest, ranking: list[OrganisationMatch]) -> MatchesRead:
    status = {t.organisation_id: t.status for t in repository.targets_of(session, [request.id])[request.id]}
    return MatchesRead(
        support_request_id=request.id,
        organisations=[
            OrganisationMatchRead(
                rank=i + 1,
                organisation_id=m.organisation.organisation_id,
                name=m.organisation.name,
                score=m.score,
                eligible=m.eligible,
                components=_component_reads(m.components),
                blockers=[BlockerRead(key=b.key, reason=BilingualRead(**b.reason.as_dict())) for b in m.blockers],
                experts=[
                    ExpertMatchRead(
                        expert_id=e.expert.expert_id,
                        organisation_id=e.expert.organisation_id,
                        name=e.expert.name,
                        score=e.score,
                        eligible=e.eligible,
                        components=_component_reads(e.components),
                        blockers=[
                            BlockerRead(key=b.key, reason=BilingualRead(**b.reason.as_dict())) for b in e.blockers
                        ],
                    )
                    for e in m.experts
                ],
                target_status=status.get(m.organisation.organisation_id),
            )
            for i, m in enumerate(ranking)
        ],
    )


# -- lists the pages show ----------------------------------------------------------------------


def incident_requests(session: Session, who: Subject, incident_id: int, *, limit: int) -> list[SupportRequest]:
    """An incident's support requests the subject may see, newest first."""
    query = repository.requests(who, incident_id=incident_id).order_by(SupportRequest.id.desc()).limit(limit)
    return list(session.scalars(query))


def open_requests_managed(session: Session, who: Subject, *, limit: int) -> list[SupportRequest]:
    """Open requests the subject manages (raised by it or its cluster), newest first."""
    query = repository.requests(who, status=RequestStatus.OPEN.value).order_by(SupportRequest.id.desc()).limit(limit)
    return [r for r in session.scalars(query) if mob_authz.can_manage_request(session, who, r)]


def inbox_page(
    session: Session, who: Subject, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[SupportRequest], str | None]:
    """One page of the requests sent to the subject's organisation, and the next page's cursor."""
    rows, next_cursor = paginate(
        session, repository.inbox_requests(who, status=status), SupportRequest.id, limit=limit, cursor=cursor
    )
    return list(rows), next_cursor


def pending_answers(session: Session, who: Subject) -> list[SupportRequestTarget]:
    """Requests waiting for the subject's organisation to answer."""
    return list(session.scalars(repository.inbox(who, status=TargetStatus.PENDING.value)))


def incident_deployments(session: Session, who: Subject, incident_id: int) -> list[Deployment]:
    """The experts deployed on an incident, in the order they started."""
    query = repository.deployments(who, incident_id=incident_id).order_by(Deployment.starts_at, Deployment.id)
    return list(session.scalars(query))


def request_deployments(session: Session, who: Subject, request_id: int) -> list[Deployment]:
    query = repository.deployments(who, support_request_id=request_id).order_by(Deployment.id)
    return list(session.scalars(query))


def my_deployments(session: Session, who: Subject, *, limit: int, current_only: bool = False) -> list[Deployment]:
    """The subject's own deployments: latest first, or only those not released, soonest first."""
    query = repository.deployments(who, mine=True)
    if current_only:
        query = query.where(Deployment.status != DeploymentStatus.RELEASED.value).order_by(Deployment.starts_at)
    else:
        query = query.order_by(Deployment.starts_at.desc())
    return list(session.scalars(query.limit(limit)))


def organisation_deployments(session: Session, who: Subject, *, limit: int) -> list[Deployment]:
    """The deployments of the subject's organisation's experts, latest first."""
    if who.organisation_id is None:
        return []
    query = repository.deployments(who, organisation_id=who.organisation_id).order_by(Deployment.starts_at.desc())
    return list(session.scalars(query.limit(limit)))


def answer_roster(session: Session, who: Subject, request: SupportRequest) -> list[ExpertMatch]:
    """The subject's organisation's experts scored against the request, best first (to choose whom
    to send)."""
    requirement = requirement_of(request)
    experts = repository.roster(session, who.organisation_id or 0)
    busy = repository.busy_counts(session, [e.id for e in experts], request.starts_at, request.ends_at)
    roster = [score_expert(requirement, repository.expert_profile(e, busy.get(e.id, 0))) for e in experts]
    roster.sort(key=lambda m: m.sort_key())
    return roster


def release_rights(
    session: Session, who: Subject, deployments: list[Deployment], requests: dict[int, SupportRequest] | None = None
) -> dict[int, bool]:
    """Deployment id -> whether the subject may release that expert (authz.mobilisation.can_release)."""
    known = dict(requests or {})
    out: dict[int, bool] = {}
    for d in deployments:
        request = None
        if d.support_request_id:
            request = known.get(d.support_request_id) or session.get(SupportRequest, d.support_request_id)
        out[d.id] = mob_authz.can_release(session, who, d, request)
    return out


# -- what waits for a person (the home page) --------------------------------------------------


@dataclass(frozen=True)
class RequestToAnswer:
    request_id: int
    incident_reference: str | None  # None: the organisation may not see the incident (yet)
    summary: str
    experts_needed: int
    urgency: str
    sent_at: datetime | None
    respond_by: datetime


@dataclass(frozen=True)
class DeploymentItem:
    id: int
    incident_id: int
    incident_reference: str | None
    status: str
    starts_at: datetime
    ends_at: datetime


def requests_to_answer(session: Session, who: Subject, *, limit: int) -> list[RequestToAnswer]:
    """Support requests sent to the reader's organisation that wait for its answer, the one to
    answer first at the top (for those who answer for it)."""
    if not can(who, Permission.MOBILISATION_RESPOND):
        return []
    rows = session.execute(
        repository.inbox(who, status=TargetStatus.PENDING.value)
        .add_columns(SupportRequest)
        .join(SupportRequest, SupportRequest.id == SupportRequestTarget.support_request_id)
        .order_by(SupportRequestTarget.respond_by, SupportRequestTarget.id)
        .limit(limit)
    ).all()
    references = repository.incident_references(
        session, session.scalars(visible_among(who, [r.incident_id for _t, r in rows]))
    )
    return [
        RequestToAnswer(
            request_id=request.id,
            incident_reference=references.get(request.incident_id),
            summary=request.summary,
            experts_needed=request.experts_needed,
            urgency=request.urgency,
            sent_at=target.sent_at,
            respond_by=target.respond_by,
        )
        for target, request in rows
    ]


def deployments_under_way(session: Session, who: Subject, *, limit: int) -> list[DeploymentItem]:
    """The reader's own deployments not yet released, the soonest first."""
    if who.user_id is None or not can(who, Permission.MOBILISATION_READ):
        return []
    rows = session.scalars(
        repository.deployments(who, mine=True)
        .where(Deployment.status != DeploymentStatus.RELEASED.value)
        .order_by(Deployment.starts_at, Deployment.id)
        .limit(limit)
    ).all()
    references = repository.incident_references(session, [d.incident_id for d in rows])
    return [
        DeploymentItem(d.id, d.incident_id, references.get(d.incident_id), d.status, d.starts_at, d.ends_at)
        for d in rows
    ]
