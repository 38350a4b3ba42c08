"""Pages of clusters: the list, a cluster's page (members, the current lead derived from the terms,
term history with handovers, this year's plan and coverage), and the yearly plan. They call the
same services as the API (csirtnet.cluster)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session as DbSession

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
    PlanUpdate,
    RotationPlan,
    TermCreate,
)
from csirtnet.errors import NotFound
from csirtnet.i18n import N_, translate
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import labels
from csirtnet.web.forms import FormErrors, attempt, optional_int, parse
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

Files = Annotated[list[UploadFile], File()]


# -- helpers shared by the cluster domain's pages --------------------------------------------


def common(request: Request) -> dict[str, Any]:
    """What every page of the domain needs: labels, today (dates are written by render's fmt_date)."""
    return {
        "L": labels,
        "today": cluster_authz.today(),
        "now_utc": utcnow(),
    }


def valid(model: type[M], errors: FormErrors, values: dict[str, Any]) -> M | None:
    """Validate form values (blank ones dropped, so defaults apply) with the API's schema."""
    cleaned = {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
    return parse(model, errors, **cleaned)


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


def done(request: Request, url: str, message: str) -> Response:
    return redirect(url, flash=translate(request_language(request), message))


# -- clusters --------------------------------------------------------------------------------


@router.get("/clusters")
def cluster_list(request: Request, session: Session, who: PageUser) -> Response:
    return _list_page(request, session, who, {}, {})


def _list_page(
    request: Request, session: DbSession, who: Subject, errors: FormErrors, values: dict[str, Any], status: int = 200
) -> Response:
    rows = reads.clusters(session, who)
    return render(
        request,
        "clusters/list.html",
        {
            **common(request),
            "clusters": service.summaries(session, who, rows),
            "may_create": cluster_authz.can_manage_clusters(who),
            "errors": errors,
            "values": values,
        },
        status_code=status,
    )


@router.post("/clusters")
def cluster_create(
    request: Request,
    session: Session,
    who: PageUser,
    name: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    number: Annotated[str, Form(max_length=5)] = "",
    decision_number: Annotated[str, Form(max_length=80)] = "",
    decision_date: Annotated[str, Form(max_length=10)] = "",
    issuing_body: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    values = {
        "name": name,
        "name_en": name_en,
        "number": number,
        "decision_number": decision_number,
        "decision_date": decision_date,
        "issuing_body": issuing_body,
        "description": description,
    }
    errors: FormErrors = {}
    data = valid(ClusterCreate, errors, values)
    cluster = attempt(session, errors, lambda: service.create_cluster(session, who, data)) if data else None
    if cluster is None:
        return _list_page(request, session, who, errors, values, 422)
    return done(request, f"/clusters/{cluster.id}", N_("The cluster was established."))


def _detail_page(
    request: Request,
    session: DbSession,
    who: Subject,
    cluster_id: int,
    errors: dict[str, FormErrors] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
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
            "may_manage": cluster_authz.can_manage_clusters(who),
            "leads": cluster_authz.leads(session, who, cluster_id),
            "may_record_handover": cluster_authz.can_record_handovers(session, who, cluster_id),
            "organisations": repository.organisation_choices(session, who)
            if cluster_authz.can_manage_clusters(who)
            else [],
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status,
    )


@router.get("/clusters/{cluster_id}")
def cluster_detail(cluster_id: int, request: Request, session: Session, who: PageUser) -> Response:
    return _detail_page(request, session, who, cluster_id)


def _cluster_form(
    request: Request,
    session: DbSession,
    who: Subject,
    cluster_id: int,
    form: str,
    model: type[M],
    values: dict[str, Any],
    change: Callable[[M], object],
    ok: str,
) -> Response:
    errors: FormErrors = {}
    data = valid(model, errors, values)
    result = attempt(session, errors, lambda: change(data)) if data is not None else None
    if result is None:
        return _detail_page(request, session, who, cluster_id, {form: errors}, {form: values}, 422)
    return done(request, f"/clusters/{cluster_id}#{form}", ok)


@router.post("/clusters/{cluster_id}/members")
def member_add(
    cluster_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    organisation_id: Annotated[str, Form(max_length=12)] = "",
    joined_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    return _cluster_form(
        request,
        session,
        who,
        cluster_id,
        "members",
        MemberAdd,
        {"organisation_id": organisation_id, "joined_on": joined_on},
        lambda data: service.add_member(session, who, cluster_id, data),
        N_("The organisation joined the cluster."),
    )


@router.post("/clusters/{cluster_id}/members/{member_id}/leave")
def member_leave(
    cluster_id: int,
    member_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    left_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    errors: FormErrors = {}
    try:
        day = date.fromisoformat(left_on)
    except ValueError:
        errors["left_on"] = N_("Enter a date.")
        return _detail_page(request, session, who, cluster_id, {"members": errors}, {}, 422)
    if attempt(session, errors, lambda: service.end_membership(session, who, cluster_id, member_id, day)) is None:
        return _detail_page(request, session, who, cluster_id, {"members": errors}, {}, 422)
    return done(request, f"/clusters/{cluster_id}#members", N_("The departure was recorded."))


@router.post("/clusters/{cluster_id}/terms")
def term_add(
    cluster_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    organisation_id: Annotated[str, Form(max_length=12)] = "",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    return _cluster_form(
        request,
        session,
        who,
        cluster_id,
        "terms",
        TermCreate,
        {"organisation_id": organisation_id, "starts_on": starts_on, "ends_on": ends_on},
        lambda data: service.add_term(session, who, cluster_id, data),
        N_("The lead term was planned."),
    )


def _deleted(session: DbSession, who: Subject, cluster_id: int, term_id: int) -> bool:
    service.delete_term(session, who, cluster_id, term_id)
    return True


@router.post("/clusters/{cluster_id}/terms/{term_id}/delete")
def term_delete(cluster_id: int, term_id: int, request: Request, session: Session, who: PageUser) -> Response:
    errors: FormErrors = {}
    if attempt(session, errors, lambda: _deleted(session, who, cluster_id, term_id)) is None:
        return _detail_page(request, session, who, cluster_id, {"terms": errors}, {}, 409)
    return done(request, f"/clusters/{cluster_id}#terms", N_("The planned term was removed."))


@router.post("/clusters/{cluster_id}/rotation")
def rotation(
    cluster_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    start_year: Annotated[str, Form(max_length=4)] = "",
    years: Annotated[str, Form(max_length=3)] = "",
    order: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = [int(o) for o in (order or []) if o.isdigit()]
    return _cluster_form(
        request,
        session,
        who,
        cluster_id,
        "rotation",
        RotationPlan,
        {"organisation_ids": chosen, "start_year": start_year, "years": years},
        lambda data: service.plan_rotation(session, who, cluster_id, data),
        N_("The rotation was planned."),
    )


@router.post("/clusters/{cluster_id}/handovers")
def handover_record(
    cluster_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    from_organisation_id: Annotated[str, Form(max_length=12)] = "",
    to_organisation_id: Annotated[str, Form(max_length=12)] = "",
    handed_over_on: Annotated[str, Form(max_length=10)] = "",
    minutes: Annotated[str, Form(max_length=50_000)] = "",
    files_: Annotated[list[UploadFile] | None, File(alias="files")] = None,
) -> Response:
    values: dict[str, Any] = {
        "from_organisation_id": from_organisation_id,
        "to_organisation_id": to_organisation_id,
        "handed_over_on": handed_over_on,
        "minutes": minutes,
    }
    errors: FormErrors = {}
    data = valid(HandoverCreate, errors, values)

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, files_ or [])
        return service.record_handover(session, who, cluster_id, data.model_copy(update={"attachment_ids": ids}))

    if data is None or attempt(session, errors, change) is None:
        return _detail_page(request, session, who, cluster_id, {"handover": errors}, {"handover": values}, 422)
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
    errors: dict[str, FormErrors] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    if year < plan.MIN_YEAR or year > plan.MAX_YEAR:
        raise NotFound("plan")
    cluster = repository.get_cluster(session, who, cluster_id)
    data = plan.read(session, who, cluster_id, year)
    years = sorted(set(repository.plan_years(session, cluster_id)) | {year, cluster_authz.today().year})
    return render(
        request,
        "clusters/plan.html",
        {
            **common(request),
            "cluster": cluster,
            "plan": data,
            "years": years,
            "organisations": repository.organisation_choices(session, who) if data.can_edit else [],
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status,
    )


@router.get("/clusters/{cluster_id}/plans/{year}")
def plan_page(cluster_id: int, year: int, request: Request, session: Session, who: PageUser) -> Response:
    return _plan_page(request, session, who, cluster_id, year)


@router.post("/clusters/{cluster_id}/plans/{year}/summary")
def plan_summary(
    cluster_id: int,
    year: int,
    request: Request,
    session: Session,
    who: PageUser,
    summary: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    errors: FormErrors = {}
    if (
        attempt(
            session, errors, lambda: plan.update_summary(session, who, cluster_id, year, PlanUpdate(summary=summary))
        )
        is None
    ):
        return _plan_page(
            request, session, who, cluster_id, year, {"summary": errors}, {"summary": {"summary": summary}}, 422
        )
    return done(request, f"/clusters/{cluster_id}/plans/{year}#summary", N_("The year-end summary was saved."))


def _activity_values(
    kind: str, title: str, owner_organisation_id: str, starts_on: str, ends_on: str, status: str, notes: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": title,
        "owner_organisation_id": optional_int(owner_organisation_id),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "status": status,
        "notes": notes,
    }


@router.post("/clusters/{cluster_id}/plans/{year}/activities")
def activity_add(
    cluster_id: int,
    year: int,
    request: Request,
    session: Session,
    who: PageUser,
    kind: Annotated[str, Form(max_length=20)] = "other",
    title: Annotated[str, Form(max_length=300)] = "",
    owner_organisation_id: Annotated[str, Form(max_length=12)] = "",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    status: Annotated[str, Form(max_length=20)] = "planned",
    notes: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    values = _activity_values(kind, title, owner_organisation_id, starts_on, ends_on, status, notes)
    errors: FormErrors = {}
    data = valid(ActivityCreate, errors, values)
    if (
        data is None
        or attempt(session, errors, lambda: plan.add_activity(session, who, cluster_id, year, data)) is None
    ):
        return _plan_page(request, session, who, cluster_id, year, {"new": errors}, {"new": values}, 422)
    return done(request, f"/clusters/{cluster_id}/plans/{year}", N_("The activity was added to the plan."))


@router.post("/clusters/{cluster_id}/plans/{year}/activities/{activity_id}")
def activity_update(
    cluster_id: int,
    year: int,
    activity_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    kind: Annotated[str, Form(max_length=20)] = "other",
    title: Annotated[str, Form(max_length=300)] = "",
    owner_organisation_id: Annotated[str, Form(max_length=12)] = "",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    status: Annotated[str, Form(max_length=20)] = "planned",
    notes: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    values = _activity_values(kind, title, owner_organisation_id, starts_on, ends_on, status, notes)
    errors: FormErrors = {}
    payload = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in values.items()}
    data = parse(ActivityUpdate, errors, **payload)
    form = f"a{activity_id}"
    if data is None or (
        attempt(session, errors, lambda: plan.update_activity(session, who, cluster_id, year, activity_id, data))
        is None
    ):
        return _plan_page(request, session, who, cluster_id, year, {form: errors}, {form: values}, 422)
    return done(request, f"/clusters/{cluster_id}/plans/{year}#a{activity_id}", N_("The activity was updated."))


@router.post("/clusters/{cluster_id}/plans/{year}/activities/{activity_id}/delete")
def activity_delete(
    cluster_id: int, year: int, activity_id: int, request: Request, session: Session, who: PageUser
) -> Response:
    plan.delete_activity(session, who, cluster_id, year, activity_id)
    return done(request, f"/clusters/{cluster_id}/plans/{year}", N_("The activity was removed from the plan."))
