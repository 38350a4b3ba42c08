"""The clusters API: clusters, members, lead terms and rotation, handovers, yearly plans, uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, UploadFile
from fastapi.responses import Response, StreamingResponse

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.cluster import files, plan, repository, service
from csirtnet.cluster.schemas import (
    ActivityCreate,
    ActivityRead,
    ActivityUpdate,
    ClusterCreate,
    ClusterDetail,
    ClusterRead,
    ClusterUpdate,
    FileRead,
    HandoverCreate,
    HandoverRead,
    MemberAdd,
    MemberRead,
    MemberUpdate,
    OrgRef,
    PlanRead,
    PlanUpdate,
    RotationPlan,
    TermCreate,
    TermRead,
    TermUpdate,
)
from csirtnet.errors import NotFound
from csirtnet.kit import downloads
from csirtnet.kit.pagination import Page, paginate_keyset
from csirtnet.kit.schemas import Day
from csirtnet.models import ClusterLeadTerm

router = APIRouter(tags=["clusters"])

Year = Annotated[int, Path(ge=plan.MIN_YEAR, le=plan.MAX_YEAR, description="Calendar year")]


@router.post("/cluster-files", response_model=FileRead, status_code=201)
def upload_file(file: UploadFile, session: Session, who: ApiUser) -> FileRead:
    """Upload a document; attach it by id to a handover, message, readiness record or document."""
    row = files.store_upload(session, who, filename=file.filename, content_type=file.content_type, stream=file.file)
    return FileRead.model_validate(row)


@router.get("/clusters", response_model=Page[ClusterRead])
def list_clusters(
    session: Session,
    who: ApiUser,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[ClusterRead]:
    """Every cluster with its member count and current lead, by number."""
    rows, next_cursor = paginate_keyset(
        session,
        repository.clusters(who),
        repository.cluster_order,
        limit=limit,
        cursor=cursor,
        key_of=repository.cluster_key,
    )
    return Page[ClusterRead](items=service.summaries(session, who, rows), next_cursor=next_cursor)


@router.post("/clusters", response_model=ClusterRead, status_code=201)
def create_cluster(body: ClusterCreate, session: Session, who: ApiUser) -> ClusterRead:
    """Establish a cluster by a decision (coordinator)."""
    cluster = service.create_cluster(session, who, body)
    return service.summaries(session, who, [cluster])[0]


@router.get("/clusters/{cluster_id}", response_model=ClusterDetail)
def get_cluster(cluster_id: int, session: Session, who: ApiUser) -> ClusterDetail:
    """A cluster: members, the current lead (derived from the terms), term history, handovers."""
    return service.detail(session, who, cluster_id)


@router.patch("/clusters/{cluster_id}", response_model=ClusterRead)
def update_cluster(cluster_id: int, body: ClusterUpdate, session: Session, who: ApiUser) -> ClusterRead:
    """Change a cluster's name or founding decision (coordinator)."""
    cluster = service.update_cluster(session, who, cluster_id, body)
    return service.summaries(session, who, [cluster])[0]


@router.post("/clusters/{cluster_id}/members", response_model=MemberRead, status_code=201)
def add_member(cluster_id: int, body: MemberAdd, session: Session, who: ApiUser) -> MemberRead:
    """An organisation joins the cluster (coordinator)."""
    member = service.add_member(session, who, cluster_id, body)
    return _member(session, member.id, cluster_id, who)


@router.patch("/clusters/{cluster_id}/members/{member_id}", response_model=MemberRead)
def update_member(cluster_id: int, member_id: int, body: MemberUpdate, session: Session, who: ApiUser) -> MemberRead:
    """Record the day an organisation leaves the cluster (coordinator)."""
    service.end_membership(session, who, cluster_id, member_id, body.left_on)
    return _member(session, member_id, cluster_id, who)


def _member(session: Session, member_id: int, cluster_id: int, who: ApiUser) -> MemberRead:
    for m in service.detail(session, who, cluster_id).members:
        if m.id == member_id:
            return m
    raise NotFound("membership")


@router.get("/clusters/{cluster_id}/terms", response_model=Page[TermRead])
def list_terms(
    cluster_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[TermRead]:
    """Lead terms, past, current and planned, in order."""
    cluster = repository.get_cluster(session, who, cluster_id)
    rows, next_cursor = paginate_keyset(
        session,
        repository.terms_query(cluster.id),
        (ClusterLeadTerm.starts_on, ClusterLeadTerm.id),
        limit=limit,
        cursor=cursor,
    )
    return Page[TermRead](items=service.term_reads(session, rows), next_cursor=next_cursor)


@router.post("/clusters/{cluster_id}/terms", response_model=TermRead, status_code=201)
def add_term(cluster_id: int, body: TermCreate, session: Session, who: ApiUser) -> TermRead:
    """Plan a lead term; overlapping terms are refused, naming the field (coordinator)."""
    term = service.add_term(session, who, cluster_id, body)
    return _term(session, who, cluster_id, term.id)


@router.patch("/clusters/{cluster_id}/terms/{term_id}", response_model=TermRead)
def update_term(cluster_id: int, term_id: int, body: TermUpdate, session: Session, who: ApiUser) -> TermRead:
    """Move a planned term or change the current term's end (coordinator)."""
    service.update_term(session, who, cluster_id, term_id, body)
    return _term(session, who, cluster_id, term_id)


@router.delete("/clusters/{cluster_id}/terms/{term_id}", status_code=204)
def delete_term(cluster_id: int, term_id: int, session: Session, who: ApiUser) -> Response:
    """Drop a planned term that has not started (coordinator)."""
    service.delete_term(session, who, cluster_id, term_id)
    return Response(status_code=204)


def _term(session: Session, who: ApiUser, cluster_id: int, term_id: int) -> TermRead:
    for t in service.detail(session, who, cluster_id).terms:
        if t.id == term_id:
            return t
    raise NotFound("lead term")


@router.post("/clusters/{cluster_id}/rotation", response_model=list[TermRead], status_code=201)
def plan_rotation(cluster_id: int, body: RotationPlan, session: Session, who: ApiUser) -> list[TermRead]:
    """Generate yearly terms from an ordered list of member organisations (coordinator).

    A plain list: it echoes the terms this request created, one per year asked for."""
    created = {t.id for t in service.plan_rotation(session, who, cluster_id, body)}
    return [t for t in service.detail(session, who, cluster_id).terms if t.id in created]


@router.get("/clusters/{cluster_id}/lead", response_model=TermRead | None)
def current_lead(
    cluster_id: int, session: Session, who: ApiUser, on: Day | None = Query(default=None, description="Default today")
) -> TermRead | None:
    """The lead on a day (today by default): the term whose dates contain it, or null."""
    repository.get_cluster(session, who, cluster_id)
    term = service.current_lead(session, cluster_id, on)
    if term is None:
        return None
    org = repository.organisations_by_id(session, [term.organisation_id])[term.organisation_id]
    return TermRead(
        id=term.id,
        organisation=OrgRef.model_validate(org),
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        status=service.term_status(term, service.today()),
    )


@router.post("/clusters/{cluster_id}/handovers", response_model=HandoverRead, status_code=201)
def record_handover(cluster_id: int, body: HandoverCreate, session: Session, who: ApiUser) -> HandoverRead:
    """Record a handover from one lead to the next, with minutes and documents."""
    handover = service.record_handover(session, who, cluster_id, body)
    for h in service.detail(session, who, cluster_id).handovers:
        if h.id == handover.id:
            return h
    raise NotFound("handover")


@router.get("/clusters/{cluster_id}/handovers/{handover_id}/documents/{file_id}", **downloads.FILE)
def handover_document(
    cluster_id: int, handover_id: int, file_id: int, session: Session, who: ApiUser
) -> StreamingResponse:
    """Download a handover document (the cluster's members and the coordinator)."""
    return files.download(repository.handover_document(session, who, cluster_id, handover_id, file_id))


@router.get("/clusters/{cluster_id}/plans/{year}", response_model=PlanRead)
def get_plan(session: Session, who: ApiUser, cluster_id: int, year: Year) -> PlanRead:
    """The cluster's plan for a year (the cluster's members and the coordinator)."""
    return plan.read(session, who, cluster_id, year)


@router.put("/clusters/{cluster_id}/plans/{year}", response_model=PlanRead)
def update_plan(body: PlanUpdate, session: Session, who: ApiUser, cluster_id: int, year: Year) -> PlanRead:
    """Write the year-end summary (coordinator, current lead's admins)."""
    plan.update_summary(session, who, cluster_id, year, body)
    return plan.read(session, who, cluster_id, year)


@router.post("/clusters/{cluster_id}/plans/{year}/activities", response_model=ActivityRead, status_code=201)
def add_activity(body: ActivityCreate, session: Session, who: ApiUser, cluster_id: int, year: Year) -> ActivityRead:
    """Add an activity to the year's plan (coordinator, current lead's admins)."""
    return plan.activity_read(session, plan.add_activity(session, who, cluster_id, year, body))


@router.patch("/clusters/{cluster_id}/plans/{year}/activities/{activity_id}", response_model=ActivityRead)
def update_activity(
    body: ActivityUpdate, session: Session, who: ApiUser, cluster_id: int, activity_id: int, year: Year
) -> ActivityRead:
    """Change an activity, e.g. its status (coordinator, current lead's admins)."""
    return plan.activity_read(session, plan.update_activity(session, who, cluster_id, year, activity_id, body))


@router.delete("/clusters/{cluster_id}/plans/{year}/activities/{activity_id}", status_code=204)
def delete_activity(session: Session, who: ApiUser, cluster_id: int, activity_id: int, year: Year) -> Response:
    """Remove an activity from the plan (coordinator, current lead's admins)."""
    plan.delete_activity(session, who, cluster_id, year, activity_id)
    return Response(status_code=204)
