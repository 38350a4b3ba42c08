"""A cluster's yearly plan: activities (workshops, drills, trainings, information-exchange
channels) and the year-end summary. The coordinator and the current lead's admins edit it; the
cluster's members read it."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.cluster import repository
from csirtnet.cluster.schemas import ActivityCreate, ActivityRead, ActivityUpdate, OrgRef, PlanRead, PlanUpdate
from csirtnet.errors import ErrorList, Forbidden, NotFound
from csirtnet.models import ClusterPlan, ClusterPlanActivity, Organisation

MIN_YEAR, MAX_YEAR = 2000, 2100


def _require_read(session: Session, who: Subject, cluster_id: int) -> None:
    repository.get_cluster(session, who, cluster_id)
    if not cluster_authz.is_cluster_insider(session, who, cluster_id):
        raise Forbidden("The plan is for the cluster's members and the coordinator")


def _require_edit(session: Session, who: Subject, cluster_id: int) -> None:
    repository.get_cluster(session, who, cluster_id)
    cluster_authz.require_coordinate_cluster(session, who, cluster_id)


def _ensure_plan(session: Session, cluster_id: int, year: int) -> ClusterPlan:
    plan = repository.plan(session, cluster_id, year)
    if plan is None:
        plan = ClusterPlan(cluster_id=cluster_id, year=year)
        session.add(plan)
        session.flush()
    return plan


def read(session: Session, who: Subject, cluster_id: int, year: int) -> PlanRead:
    """The plan of one year (empty when nothing is planned yet)."""
    _require_read(session, who, cluster_id)
    plan = repository.plan(session, cluster_id, year)
    rows = repository.activities(session, plan.id) if plan else []
    orgs = repository.organisations_by_id(session, (a.owner_organisation_id for a in rows))
    return PlanRead(
        cluster_id=cluster_id,
        year=year,
        summary=plan.summary if plan else None,
        activities=[_activity_read(a, orgs) for a in rows],
        can_edit=cluster_authz.can_coordinate_cluster(session, who, cluster_id),
        updated_at=plan.updated_at if plan else None,
    )


def _activity_read(a: ClusterPlanActivity, orgs: dict[int, Organisation]) -> ActivityRead:
    owner = orgs.get(a.owner_organisation_id) if a.owner_organisation_id else None
    return ActivityRead(
        id=a.id,
        kind=a.kind,
        title=a.title,
        owner_organisation=OrgRef.model_validate(owner) if owner else None,
        starts_on=a.starts_on,
        ends_on=a.ends_on,
        status=a.status,
        notes=a.notes,
    )


def activity_read(session: Session, a: ClusterPlanActivity) -> ActivityRead:
    return _activity_read(a, repository.organisations_by_id(session, [a.owner_organisation_id]))


def update_summary(session: Session, who: Subject, cluster_id: int, year: int, data: PlanUpdate) -> ClusterPlan:
    """Write the year-end summary."""
    require(who, Permission.CLUSTERS_COORDINATE)
    _require_edit(session, who, cluster_id)
    plan = _ensure_plan(session, cluster_id, year)
    summary = (data.summary or "").strip() or None
    if summary != plan.summary:
        plan.summary = summary
        audit.record(session, who, "cluster.plan_summary_changed", plan, cluster_id=cluster_id, year=year)
    return plan


def _check_activity(
    session: Session,
    year: int,
    starts_on: date | None,
    ends_on: date | None,
    owner_id: int | None,
) -> None:
    errors = ErrorList()
    if starts_on is not None and starts_on.year != year:
        errors.add("starts_on", f"must fall in {year}")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors.add("ends_on", "must be on or after the start date")
    if ends_on is not None and starts_on is None:
        errors.add("starts_on", "give the start when you give the end")
    if owner_id is not None and session.get(Organisation, owner_id) is None:
        errors.add("owner_organisation_id", f"no organisation with id {owner_id}")
    errors.raise_if_any()


def add_activity(
    session: Session, who: Subject, cluster_id: int, year: int, data: ActivityCreate
) -> ClusterPlanActivity:
    """Add an activity to the year's plan."""
    require(who, Permission.CLUSTERS_COORDINATE)
    _require_edit(session, who, cluster_id)
    _check_activity(session, year, data.starts_on, data.ends_on, data.owner_organisation_id)
    plan = _ensure_plan(session, cluster_id, year)
    activity = ClusterPlanActivity(
        plan_id=plan.id,
        kind=data.kind.value,
        title=data.title.strip(),
        owner_organisation_id=data.owner_organisation_id,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        status=data.status.value,
        notes=(data.notes or "").strip() or None,
    )
    session.add(activity)
    session.flush()
    audit.record(
        session,
        who,
        "cluster.activity_added",
        activity,
        cluster_id=cluster_id,
        year=year,
        title=activity.title,
        kind=activity.kind,
    )
    return activity


def _get_activity(session: Session, cluster_id: int, year: int, activity_id: int) -> ClusterPlanActivity:
    activity = session.get(ClusterPlanActivity, activity_id)
    plan = session.get(ClusterPlan, activity.plan_id) if activity else None
    if activity is None or plan is None or plan.cluster_id != cluster_id or plan.year != year:
        raise NotFound("activity")
    return activity


def update_activity(
    session: Session, who: Subject, cluster_id: int, year: int, activity_id: int, data: ActivityUpdate
) -> ClusterPlanActivity:
    """Change an activity (its status as it progresses, dates, owner, notes)."""
    require(who, Permission.CLUSTERS_COORDINATE)
    _require_edit(session, who, cluster_id)
    activity = _get_activity(session, cluster_id, year, activity_id)
    fields = data.model_dump(exclude_unset=True)
    for required in ("title", "kind", "status"):
        if required in fields and fields[required] is None:
            fields.pop(required)
    starts_on = fields.get("starts_on", activity.starts_on)
    ends_on = fields.get("ends_on", activity.ends_on)
    owner = fields.get("owner_organisation_id", activity.owner_organisation_id)
    _check_activity(session, year, starts_on, ends_on, owner)
    changes: dict[str, object] = {}
    for name, value in fields.items():
        if hasattr(value, "value"):
            value = value.value
        if isinstance(value, str):
            value = value.strip() or (None if name == "notes" else value)
        if value != getattr(activity, name):
            changes[name] = {"from": getattr(activity, name), "to": value}
            setattr(activity, name, value)
    if changes:
        audit.record(
            session, who, "cluster.activity_changed", activity, cluster_id=cluster_id, year=year, changes=changes
        )
    return activity


def delete_activity(session: Session, who: Subject, cluster_id: int, year: int, activity_id: int) -> None:
    require(who, Permission.CLUSTERS_COORDINATE)
    _require_edit(session, who, cluster_id)
    activity = _get_activity(session, cluster_id, year, activity_id)
    audit.record(
        session, who, "cluster.activity_deleted", activity, cluster_id=cluster_id, year=year, title=activity.title
    )
    session.delete(activity)
    session.flush()
