"""Pages of clusters: the list, a cluster's page (members, the current lead derived from the terms,
term history with handovers, this year's plan and coverage), and the yearly plan. They call the
same services as the API (csirtnet.cluster)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import UploadFile

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import files, plan, reads, repository, service
from csirtnet.cluster.channel import repository as channel_repository
from csirtnet.cluster.event import reads as event_reads
from csirtnet.cluster.readiness import coverage
from csirtnet.cluster.schemas import (
    ActivityCreate,
    ActivityUpdate,
    ClusterCreate,
    HandoverCreate,
    MemberAdd,
    MemberUpdate,
    PlanUpdate,
    RotationPlan,
    TermCreate,
)
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import N_, translate
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views import cluster_forms as cf

router = APIRouter(include_in_schema=False)


# -- helpers shared by the cluster domain's pages --------------------------------------------


def common(request: Request) -> dict[str, Any]:
    """What every page of the domain needs: labels, today (dates are written by render's fmt_date)."""
    return {
        "L": labels,
        "today": cluster_authz.today(),
        "now_utc": utcnow(),
    }


def store_files(session: DbSession, who: Subject, uploads: list[UploadFile]) -> list[int]:
    """Keep the files a form sent (empty file inputs send one nameless part: skipped)."""
    ids = []
    for upload in uploads:
        if not upload.filename:
            continue
        stored = files.store_upload(
            session, who, filename=upload.filename, content_type=upload.content_type, stream=upload.file
        )
        ids.append(stored.id)
    return ids


async def close_uploads(request: Request) -> None:
    """Close every file part the browser sent (the empty one of a file input left blank too)."""
    for _name, item in (await request.form()).multi_items():
        if isinstance(item, UploadFile):
            await item.close()


def refusal(session: DbSession, change: Callable[[], object]) -> str | None:
    """Run a button's change (no fields to show errors at) in a savepoint; the service's refusal
    as a sentence, or None when it went through. Forbidden and NotFound still give the error page."""
    try:
        with savepoint(session):
            change()
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return exc.message
    return None


def done(request: Request, url: str, message: str) -> Response:
    return redirect(url, flash=translate(request_language(request), message))


# -- clusters --------------------------------------------------------------------------------


@router.get("/clusters")
def cluster_list(request: Request, session: Session, who: PageUser) -> Response:
    return _list_page(request, session, who)


def _list_page(
    request: Request, session: DbSession, who: Subject, form: BoundForm | None = None, status: int = 200
) -> Response:
    rows = reads.clusters(session, who)
    return render(
        request,
        "clusters/list.html",
        {
            **common(request),
            "clusters": service.summaries(session, who, rows),
            "may_create": cluster_authz.can_manage_clusters(who),
            "form": form or cf.CLUSTER.blank(),
        },
        status_code=status,
    )


@router.post("/clusters")
async def cluster_create(request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.CLUSTER.read(request)
    data = form.validate(ClusterCreate, cf.filled(form.values()))
    cluster = form.attempt(session, lambda: service.create_cluster(session, who, data)) if data else None
    if cluster is None:
        return _list_page(request, session, who, form, 422)
    return done(request, f"/clusters/{cluster.id}", N_("The cluster was established."))


# The cluster page's forms, by the name the template knows them by (the departure is one per member).
_DETAIL_FORMS = {cf.MEMBER.id: "members", cf.TERM.id: "terms", cf.ROTATION.id: "rotation", cf.HANDOVER.id: "handover"}


def _detail_page(
    request: Request,
    session: DbSession,
    who: Subject,
    cluster_id: int,
    bound: BoundForm | None = None,
    *,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    detail = service.detail(session, who, cluster_id)
    today = cluster_authz.today()
    year = today.year
    current_plan = plan.read(session, who, cluster_id, year) if detail.insider else None
    allowed = cluster_authz.coverage_cluster_ids(session, who)
    report = None
    if cluster_authz.can_see_coverage(session, who) and (allowed is None or cluster_id in allowed):
        report = coverage.coverage(session, who, year, "cluster", cluster_id)
    channel = channel_repository.cluster_channel(session, cluster_id)
    events = event_reads.upcoming(session, who, cluster_id=cluster_id, limit=5)
    handovers_by_pair = {(h.from_organisation.id, h.to_organisation.id): h for h in detail.handovers}
    member_orgs = [m.organisation for m in detail.members if m.current]
    may_manage = cluster_authz.can_manage_clusters(who)
    forms: dict[str, Any] = {
        "members": cf.MEMBER.blank(),
        "terms": cf.TERM.blank(),
        "rotation": cf.ROTATION.blank({"start_year": today.year + 1}),
        "handover": cf.HANDOVER.blank(),
        "leave": {m.id: cf.MEMBER_LEAVE.blank({"left_on": today}, key=str(m.id)) for m in detail.members},
    }
    if bound is not None and bound.form is cf.MEMBER_LEAVE:
        forms["leave"][int(bound.key)] = bound
    elif bound is not None:
        forms[_DETAIL_FORMS[bound.form.id]] = bound
    member_choices = [(o.id, o.name) for o in member_orgs]
    return render(
        request,
        "clusters/detail.html",
        {
            **common(request),
            "c": detail,
            "year": year,
            "plan": current_plan,
            "report": report,
            "channel": channel,
            "events": events,
            "handovers_by_pair": handovers_by_pair,
            "member_orgs": member_orgs,
            "member_choices": member_choices,
            "all_member_choices": [(m.organisation.id, m.organisation.name) for m in detail.members],
            "may_manage": may_manage,
            "leads": cluster_authz.leads(session, who, cluster_id),
            "may_record_handover": cluster_authz.can_record_handovers(session, who, cluster_id),
            "organisation_choices": [
                (o.id, f"{o.name} ({o.member_code})" if o.member_code else o.name)
                for o in repository.organisation_choices(session, who)
            ]
            if may_manage
            else [],
            "forms": forms,
            "refused": refused,
        },
        status_code=status,
    )


@router.get("/clusters/{cluster_id}")
def cluster_detail(cluster_id: int, request: Request, session: Session, who: PageUser) -> Response:
    return _detail_page(request, session, who, cluster_id)


@router.post("/clusters/{cluster_id}/members")
async def member_add(cluster_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.MEMBER.read(request)
    data = form.validate(MemberAdd, cf.filled(form.values()))
    if data is not None:
        form.attempt(session, lambda: service.add_member(session, who, cluster_id, data))
    if not form.ok:
        return _detail_page(request, session, who, cluster_id, form, status=422)
    return done(request, f"/clusters/{cluster_id}#members", N_("The organisation joined the cluster."))


@router.post("/clusters/{cluster_id}/members/{member_id}/leave")
async def member_leave(cluster_id: int, member_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.MEMBER_LEAVE.read(request)
    form.key = str(member_id)
    data = form.validate(MemberUpdate, form.values())
    if data is not None and data.left_on is not None:
        day = data.left_on
        form.attempt(session, lambda: service.end_membership(session, who, cluster_id, member_id, day))
    if not form.ok:
        return _detail_page(request, session, who, cluster_id, form, status=422)
    return done(request, f"/clusters/{cluster_id}#members", N_("The departure was recorded."))


@router.post("/clusters/{cluster_id}/terms")
async def term_add(cluster_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.TERM.read(request)
    data = form.validate(TermCreate, cf.filled(form.values()))
    if data is not None:
        form.attempt(session, lambda: service.add_term(session, who, cluster_id, data))
    if not form.ok:
        return _detail_page(request, session, who, cluster_id, form, status=422)
    return done(request, f"/clusters/{cluster_id}#history", N_("The lead term was planned."))


@router.post("/clusters/{cluster_id}/terms/{term_id}/delete")
def term_delete(cluster_id: int, term_id: int, request: Request, session: Session, who: PageUser) -> Response:
    refused = refusal(session, lambda: service.delete_term(session, who, cluster_id, term_id))
    if refused is not None:
        return _detail_page(request, session, who, cluster_id, refused=refused, status=409)
    return done(request, f"/clusters/{cluster_id}#history", N_("The planned term was removed."))


@router.post("/clusters/{cluster_id}/rotation")
async def rotation(cluster_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.ROTATION.read(request)
    chosen = [o for o in form.chosen("order") if o]
    if not chosen:
        form.fail("order", N_("Choose at least one."))
    values = cf.filled(form.values("start_year", "years"))
    data = form.validate(RotationPlan, {**values, "organisation_ids": chosen})
    if data is not None:
        form.attempt(session, lambda: service.plan_rotation(session, who, cluster_id, data))
    if not form.ok:
        return _detail_page(request, session, who, cluster_id, form, status=422)
    return done(request, f"/clusters/{cluster_id}#history", N_("The rotation was planned."))


@router.post("/clusters/{cluster_id}/handovers")
async def handover_record(cluster_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.HANDOVER.read(request)
    data = form.validate(HandoverCreate, cf.filled(form.values()))

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, form.uploads.get("files", []))
        return service.record_handover(session, who, cluster_id, data.model_copy(update={"attachment_ids": ids}))

    try:
        if data is not None:
            form.attempt(session, change)
    finally:
        await close_uploads(request)
    if not form.ok:
        return _detail_page(request, session, who, cluster_id, form, status=422)
    return done(request, f"/clusters/{cluster_id}#history", N_("The handover was recorded."))


@router.get("/clusters/{cluster_id}/handovers/{handover_id}/documents/{file_id}")
def handover_document(
    cluster_id: int, handover_id: int, file_id: int, session: Session, who: PageUser
) -> StreamingResponse:
    return files.download(repository.handover_document(session, who, cluster_id, handover_id, file_id))


# -- yearly plan -----------------------------------------------------------------------------


def _plan_page(
    request: Request,
    session: DbSession,
    who: Subject,
    cluster_id: int,
    year: int,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    if year < plan.MIN_YEAR or year > plan.MAX_YEAR:
        raise NotFound("plan")
    cluster = repository.get_cluster(session, who, cluster_id)
    data = plan.read(session, who, cluster_id, year)
    years = sorted(set(repository.plan_years(session, cluster_id)) | {year, cluster_authz.today().year})
    edits = {
        a.id: cf.ACTIVITY_EDIT.blank(
            {
                "title": a.title,
                "kind": a.kind,
                "status": a.status,
                "owner_organisation_id": a.owner_organisation.id if a.owner_organisation else None,
                "starts_on": a.starts_on,
                "ends_on": a.ends_on,
                "notes": a.notes,
            },
            key=str(a.id),
        )
        for a in data.activities
    }
    forms: dict[str, Any] = {
        "new": cf.ACTIVITY.blank({"kind": "workshop", "status": "planned"}),
        "summary": cf.PLAN_SUMMARY.blank({"summary": data.summary}),
        "edit": edits,
    }
    if bound is not None:
        if bound.form is cf.ACTIVITY_EDIT:
            edits[int(bound.key)] = bound
        else:
            forms["new" if bound.form is cf.ACTIVITY else "summary"] = bound
    return render(
        request,
        "clusters/plan.html",
        {
            **common(request),
            "cluster": cluster,
            "plan": data,
            "years": years,
            "organisation_choices": [(o.id, o.name) for o in repository.organisation_choices(session, who)]
            if data.can_edit
            else [],
            "forms": forms,
        },
        status_code=status,
    )


@router.get("/clusters/{cluster_id}/plans/{year}")
def plan_page(cluster_id: int, year: int, request: Request, session: Session, who: PageUser) -> Response:
    return _plan_page(request, session, who, cluster_id, year)


@router.post("/clusters/{cluster_id}/plans/{year}/summary")
async def plan_summary(cluster_id: int, year: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.PLAN_SUMMARY.read(request)
    data = form.validate(PlanUpdate, {"summary": form.text("summary")})
    if data is not None:
        form.attempt(session, lambda: plan.update_summary(session, who, cluster_id, year, data))
    if not form.ok:
        return _plan_page(request, session, who, cluster_id, year, form, 422)
    return done(request, f"/clusters/{cluster_id}/plans/{year}#summary", N_("The year-end summary was saved."))


@router.post("/clusters/{cluster_id}/plans/{year}/activities")
async def activity_add(cluster_id: int, year: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.ACTIVITY.read(request)
    data = form.validate(ActivityCreate, cf.filled(form.values()))
    if data is not None:
        form.attempt(session, lambda: plan.add_activity(session, who, cluster_id, year, data))
    if not form.ok:
        return _plan_page(request, session, who, cluster_id, year, form, 422)
    return done(request, f"/clusters/{cluster_id}/plans/{year}", N_("The activity was added to the plan."))


@router.post("/clusters/{cluster_id}/plans/{year}/activities/{activity_id}")
async def activity_update(
    cluster_id: int, year: int, activity_id: int, request: Request, session: Session, who: PageUser
) -> Response:
    form = await cf.ACTIVITY_EDIT.read(request)
    form.key = str(activity_id)
    data = form.validate(ActivityUpdate, form.values())
    if data is not None:
        form.attempt(session, lambda: plan.update_activity(session, who, cluster_id, year, activity_id, data))
    if not form.ok:
        return _plan_page(request, session, who, cluster_id, year, form, 422)
    return done(request, f"/clusters/{cluster_id}/plans/{year}#a{activity_id}", N_("The activity was updated."))


@router.post("/clusters/{cluster_id}/plans/{year}/activities/{activity_id}/delete")
def activity_delete(
    cluster_id: int, year: int, activity_id: int, request: Request, session: Session, who: PageUser
) -> Response:
    plan.delete_activity(session, who, cluster_id, year, activity_id)
    return done(request, f"/clusters/{cluster_id}/plans/{year}", N_("The activity was removed from the plan."))
