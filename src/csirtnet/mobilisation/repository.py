"""Every mobilisation query. Lists are scoped with csirtnet.authz.mobilisation; the candidate pool
for matching reads the whole roster (the ranking is shown only to those who manage the request)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.cluster import organisation_ids_in_cluster
from csirtnet.authz.mobilisation import visible_deployments_clause, visible_requests_clause
from csirtnet.errors import NotFound
from csirtnet.mobilisation.matching import ExpertProfile, OrganisationProfile, parse_windows
from csirtnet.models import (
    Deployment,
    DeploymentStatus,
    Expert,
    Incident,
    Organisation,
    OrganisationStatus,
    ServiceOffer,
    SupportRequest,
    SupportRequestTarget,
    TargetStatus,
    User,
    UserRole,
)
from csirtnet.vocabulary import Role

BUSY = (DeploymentStatus.PLANNED.value, DeploymentStatus.ACTIVE.value)


# -- support requests ------------------------------------------------------------------------


def requests(who: Subject, *, incident_id: int | None = None, status: str | None = None) -> Select[SupportRequest]:
    query = select(SupportRequest).where(visible_requests_clause(who))
    if incident_id is not None:
        query = query.where(SupportRequest.incident_id == incident_id)
    if status:
        query = query.where(SupportRequest.status == status)
    return query


def get_request(session: Session, who: Subject, request_id: int, *, for_update: bool = False) -> SupportRequest:
    query = requests(who).where(SupportRequest.id == request_id)
    if for_update:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound("support request")
    return found


def targets_of(session: Session, request_ids: Iterable[int]) -> dict[int, list[SupportRequestTarget]]:
    ids = list(request_ids)
    out: dict[int, list[SupportRequestTarget]] = defaultdict(list)
    if not ids:
        return out
    rows = session.scalars(
        select(SupportRequestTarget)
        .where(SupportRequestTarget.support_request_id.in_(ids))
        .order_by(SupportRequestTarget.round, SupportRequestTarget.rank, SupportRequestTarget.id)
    )
    for row in rows:
        out[row.support_request_id].append(row)
    return out


def target_for(
    session: Session, request_id: int, organisation_id: int | None, *, for_update: bool = False
) -> SupportRequestTarget | None:
    if organisation_id is None:
        return None
    query = select(SupportRequestTarget).where(
        SupportRequestTarget.support_request_id == request_id,
        SupportRequestTarget.organisation_id == organisation_id,
    )
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def inbox(who: Subject, *, status: str | None = None) -> Select[SupportRequestTarget]:
    """The requests sent to the subject's organisation."""
    query = select(SupportRequestTarget).where(
        SupportRequestTarget.organisation_id == (who.organisation_id if who.organisation_id is not None else -1),
        SupportRequestTarget.support_request_id.in_(select(SupportRequest.id).where(visible_requests_clause(who))),
    )
    if status:
        query = query.where(SupportRequestTarget.status == status)
    return query


def inbox_requests(who: Subject, *, status: str | None = None) -> Select[SupportRequest]:
    """The requests sent to the subject's organisation; `status` filters on its answer."""
    targeted = select(SupportRequestTarget.support_request_id).where(
        SupportRequestTarget.organisation_id == (who.organisation_id if who.organisation_id is not None else -1)
    )
    if status:
        targeted = targeted.where(SupportRequestTarget.status == status)
    return requests(who).where(SupportRequest.id.in_(targeted))


def accepted_count(session: Session, request_id: int) -> int:
    """Experts accepted on the request (released ones still count: they were sent)."""
    return session.scalar(select(func.count(Deployment.id)).where(Deployment.support_request_id == request_id)) or 0


def accepted_counts(session: Session, request_ids: Iterable[int]) -> dict[int, int]:
    ids = list(request_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Deployment.support_request_id, func.count(Deployment.id))
        .where(Deployment.support_request_id.in_(ids))
        .group_by(Deployment.support_request_id)
    )
    return {int(rid): int(n) for rid, n in rows if rid is not None}


def due_pending_targets(session: Session, request_id: int, now: datetime) -> Sequence[SupportRequestTarget]:
    return session.scalars(
        select(SupportRequestTarget)
        .where(
            SupportRequestTarget.support_request_id == request_id,
            SupportRequestTarget.status == TargetStatus.PENDING.value,
            SupportRequestTarget.respond_by <= now,
        )
        .order_by(SupportRequestTarget.id)
    ).all()


def open_requests_with_due_targets(session: Session, now: datetime) -> list[int]:
    """Requests whose pending targets are past their deadline (a safety net for lost jobs)."""
    return list(
        session.scalars(
            select(SupportRequestTarget.support_request_id)
            .where(SupportRequestTarget.status == TargetStatus.PENDING.value, SupportRequestTarget.respond_by <= now)
            .distinct()
        )
    )


# -- deployments -----------------------------------------------------------------------------


def deployments(
    who: Subject,
    *,
    incident_id: int | None = None,
    status: str | None = None,
    support_request_id: int | None = None,
    organisation_id: int | None = None,
    mine: bool = False,
) -> Select[Deployment]:
    query = select(Deployment).where(visible_deployments_clause(who))
    if incident_id is not None:
        query = query.where(Deployment.incident_id == incident_id)
    if status:
        query = query.where(Deployment.status == status)
    if support_request_id is not None:
        query = query.where(Deployment.support_request_id == support_request_id)
    if organisation_id is not None:
        query = query.where(Deployment.organisation_id == organisation_id)
    if mine:
        query = query.where(Deployment.user_id == who.user_id)
    return query


def get_deployment(session: Session, who: Subject, deployment_id: int, *, for_update: bool = False) -> Deployment:
    query = deployments(who).where(Deployment.id == deployment_id)
    if for_update:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound("deployment")
    return found


def busy_counts(session: Session, expert_ids: Iterable[int], starts_at: datetime, ends_at: datetime) -> dict[int, int]:
    """Per expert: deployments not yet released that overlap [starts_at, ends_at)."""
    ids = list(expert_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Deployment.expert_id, func.count(Deployment.id))
        .where(
            Deployment.expert_id.in_(ids),
            Deployment.status.in_(BUSY),
            Deployment.starts_at < ends_at,
            Deployment.ends_at > starts_at,
        )
        .group_by(Deployment.expert_id)
    )
    return {int(eid): int(n) for eid, n in rows if eid is not None}


def deployed_on_incident(session: Session, incident_id: int, expert_ids: Iterable[int]) -> set[int]:
    """Experts already sent to the incident and not yet released."""
    return {
        int(e)
        for e in session.scalars(
            select(Deployment.expert_id).where(
                Deployment.incident_id == incident_id,
                Deployment.expert_id.in_(list(expert_ids)),
                Deployment.status.in_(BUSY),
            )
        )
        if e is not None
    }


# -- the candidate pool ----------------------------------------------------------------------


def candidate_pool(
    session: Session, request: SupportRequest, incident: Incident
) -> tuple[list[OrganisationProfile], list[ExpertProfile]]:
    """Active member organisations (not the coordinating body, not the affected organisation;
    for a cluster's request only that cluster's members) and their experts, with current load."""
    orgs_query = select(Organisation).where(
        Organisation.status == OrganisationStatus.ACTIVE.value,
        Organisation.is_coordinator.is_(False),
        Organisation.id != incident.reporting_organisation_id,
    )
    if request.cluster_id is not None:
        orgs_query = orgs_query.where(Organisation.id.in_(organisation_ids_in_cluster(session, request.cluster_id)))
    orgs = {o.id: o for o in session.scalars(orgs_query)}
    if not orgs:
        return [], []
    offers: dict[int, set[str]] = defaultdict(set)
    for org_id, service in session.execute(
        select(ServiceOffer.organisation_id, ServiceOffer.service).where(ServiceOffer.organisation_id.in_(list(orgs)))
    ):
        offers[org_id].add(service)
    experts = session.scalars(select(Expert).where(Expert.organisation_id.in_(list(orgs))).order_by(Expert.id)).all()
    load = busy_counts(session, [e.id for e in experts], request.starts_at, request.ends_at)
    profiles = [expert_profile(e, load.get(e.id, 0)) for e in experts]
    org_profiles = [
        OrganisationProfile(o.id, o.short_name or o.name, frozenset(offers[o.id]) if o.id in offers else None)
        for o in orgs.values()
    ]
    return org_profiles, profiles


def expert_profile(expert: Expert, active_deployments: int) -> ExpertProfile:
    return ExpertProfile(
        expert_id=expert.id,
        organisation_id=expert.organisation_id,
        name=expert.full_name,
        skills={s.skill: s.level for s in expert.skills},
        province=expert.province,
        available=expert.available,
        on_site=expert.on_site,
        windows=parse_windows(expert.availability),
        active_deployments=active_deployments,
        max_deployments=expert.max_deployments,
    )


def roster(session: Session, organisation_id: int) -> list[Expert]:
    return list(
        session.scalars(select(Expert).where(Expert.organisation_id == organisation_id).order_by(Expert.name_fold))
    )


def experts_by_id(session: Session, expert_ids: Iterable[int]) -> dict[int, Expert]:
    ids = list(expert_ids)
    if not ids:
        return {}
    return {e.id: e for e in session.scalars(select(Expert).where(Expert.id.in_(ids)))}


# -- people and names ------------------------------------------------------------------------


def organisation_admins(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == organisation_id,
                User.is_active.is_(True),
                UserRole.role == Role.ORG_ADMIN.value,
            )
            .order_by(User.id)
        )
    )


def organisation_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {
        oid: short or name
        for oid, short, name in session.execute(
            select(Organisation.id, Organisation.short_name, Organisation.name).where(Organisation.id.in_(wanted))
        )
    }


def incident_references(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Incident.id, Incident.reference).where(Incident.id.in_(wanted)))
    return {int(incident_id): str(reference) for incident_id, reference in rows}


# -- statistics ------------------------------------------------------------------------------


def deployment_counts(
    session: Session, starts_at: datetime, ends_at: datetime, organisation_ids: set[int] | None
) -> tuple[int, int, int, float]:
    """(experts, organisations, deployments, hours) for deployments that ran during [starts_at,
    ends_at). A deployment released before it started never ran; hours count where a deployment
    started, so adding periods up never counts an hour twice."""
    ran_until = func.coalesce(Deployment.released_at, Deployment.ends_at)
    overlapping = [
        Deployment.starts_at < ends_at,
        ran_until > starts_at,
        ran_until > Deployment.starts_at,
    ]
    if organisation_ids is not None:
        overlapping.append(Deployment.organisation_id.in_(list(organisation_ids) or [-1]))
    row = session.execute(
        select(
            func.count(func.distinct(Deployment.expert_id)),
            func.count(Deployment.id).filter(Deployment.expert_id.is_(None)),
            func.count(func.distinct(Deployment.organisation_id)),
            func.count(Deployment.id),
        ).where(*overlapping)
    ).one()
    hours = session.scalar(
        select(func.coalesce(func.sum(Deployment.hours), 0.0)).where(*overlapping, Deployment.starts_at >= starts_at)
    )
    experts = int(row[0]) + int(row[1])  # an expert removed from the roster since counts once per deployment
    return experts, int(row[2]), int(row[3]), float(hours or 0.0)
