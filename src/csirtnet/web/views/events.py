"""Pages of events (workshops, seminars, trainings): schedule, registration, attendance, and
materials shared afterwards in the knowledge base."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import reads as cluster_reads
from csirtnet.cluster.event import reads as event_reads
from csirtnet.cluster.event import service
from csirtnet.cluster.event.schemas import AttendanceMark, EventCreate, EventUpdate, MaterialAdd
from csirtnet.i18n import N_
from csirtnet.models import Cluster
from csirtnet.web.forms import FormErrors, attempt, optional_int
from csirtnet.web.render import render
from csirtnet.web.views.clusters import common, done, store_files, valid
from csirtnet.web.views.knowledge import KB_MARKINGS, document_values

router = APIRouter(include_in_schema=False)


def _schedulable_clusters(session: DbSession, who: Subject) -> list[Cluster]:
    return cluster_reads.clusters_among(session, cluster_authz.led_or_all_cluster_ids(session, who))


def _list_page(
    request: Request, session: DbSession, who: Subject, errors: FormErrors, values: dict[str, Any], status: int = 200
) -> Response:
    upcoming = event_reads.upcoming(session, who)
    past = event_reads.past(session, who, limit=30)
    clusters = _schedulable_clusters(session, who)
    return render(
        request,
        "events/list.html",
        {
            **common(request),
            "upcoming": service.reads(session, who, upcoming),
            "past": service.reads(session, who, past),
            "clusters": clusters,
            "may_create": cluster_authz.can_schedule_events(session, who),
            "may_schedule_network": cluster_authz.can_schedule_network_events(who),
            "errors": errors,
            "values": values or {"kind": "workshop"},
        },
        status_code=status,
    )


@router.get("/events")
def event_list(request: Request, session: Session, who: PageUser) -> Response:
    return _list_page(request, session, who, {}, {})


@router.post("/events")
def event_create(
    request: Request,
    session: Session,
    who: PageUser,
    cluster_id: Annotated[str, Form(max_length=12)] = "",
    kind: Annotated[str, Form(max_length=20)] = "workshop",
    title: Annotated[str, Form(max_length=300)] = "",
    title_en: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    starts_at: Annotated[str, Form(max_length=30)] = "",
    ends_at: Annotated[str, Form(max_length=30)] = "",
    location: Annotated[str, Form(max_length=300)] = "",
    online_link: Annotated[str, Form(max_length=500)] = "",
    capacity: Annotated[str, Form(max_length=7)] = "",
) -> Response:
    values: dict[str, Any] = {
        "cluster_id": optional_int(cluster_id),
        "kind": kind,
        "title": title,
        "title_en": title_en,
        "description": description,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": location,
        "online_link": online_link,
        "capacity": capacity,
    }
    errors: FormErrors = {}
    data = valid(EventCreate, errors, values)
    event = attempt(session, errors, lambda: service.create(session, who, data)) if data else None
    if event is None:
        return _list_page(request, session, who, errors, values, 422)
    return done(request, f"/events/{event.id}", N_("The event was scheduled."))


def _event_page(
    request: Request,
    session: DbSession,
    who: Subject,
    event_id: int,
    errors: dict[str, FormErrors] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    event = service.get(session, who, event_id)
    data = service.reads(session, who, [event])[0]
    cluster = cluster_reads.cluster_named(session, event.cluster_id)
    return render(
        request,
        "events/detail.html",
        {
            **common(request),
            "ev": data,
            "cluster": cluster,
            "registrations": service.registrations(session, who, event_id) if data.can_manage else [],
            "markings": KB_MARKINGS,
            "errors": errors or {},
            "values": values or {"material": {"tlp": "green", "kind": "material"}},
        },
        status_code=status,
    )


@router.get("/events/{event_id}")
def event_page(event_id: int, request: Request, session: Session, who: PageUser) -> Response:
    return _event_page(request, session, who, event_id)


@router.post("/events/{event_id}/register")
def event_register(event_id: int, request: Request, session: Session, who: PageUser) -> Response:
    errors: FormErrors = {}
    if attempt(session, errors, lambda: service.register(session, who, event_id)) is None:
        return _event_page(request, session, who, event_id, {"registration": errors}, None, 409)
    return done(request, f"/events/{event_id}", N_("You are registered."))


def _withdrawn(session: DbSession, who: Subject, event_id: int) -> bool:
    service.unregister(session, who, event_id)
    return True


@router.post("/events/{event_id}/unregister")
def event_unregister(event_id: int, request: Request, session: Session, who: PageUser) -> Response:
    errors: FormErrors = {}
    if attempt(session, errors, lambda: _withdrawn(session, who, event_id)) is None:
        return _event_page(request, session, who, event_id, {"registration": errors}, None, 409)
    return done(request, f"/events/{event_id}", N_("Your registration was withdrawn."))


@router.post("/events/{event_id}/attendance")
def event_attendance(
    event_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    user_id: Annotated[int, Form()],
    attended: Annotated[bool, Form()] = False,
) -> Response:
    errors: FormErrors = {}
    mark = AttendanceMark(user_id=user_id, attended=attended)
    if attempt(session, errors, lambda: service.mark_attendance(session, who, event_id, mark)) is None:
        return _event_page(request, session, who, event_id, {"attendance": errors}, None, 422)
    return done(request, f"/events/{event_id}#registrations", N_("Attendance was recorded."))


@router.post("/events/{event_id}/cancel")
def event_cancel(
    event_id: int, request: Request, session: Session, who: PageUser, cancelled: Annotated[bool, Form()] = True
) -> Response:
    service.update(session, who, event_id, EventUpdate(cancelled=cancelled))
    return done(
        request, f"/events/{event_id}", N_("The event was cancelled.") if cancelled else N_("The event is on again.")
    )


@router.post("/events/{event_id}/materials")
def event_material(
    event_id: int,
    request: Request,
    session: Session,
    who: PageUser,
    kind: Annotated[str, Form(max_length=20)] = "material",
    title_vi: Annotated[str, Form(max_length=300)] = "",
    title_en: Annotated[str, Form(max_length=300)] = "",
    summary_vi: Annotated[str, Form(max_length=10_000)] = "",
    summary_en: Annotated[str, Form(max_length=10_000)] = "",
    tags: Annotated[str, Form(max_length=1000)] = "",
    tlp_marking: Annotated[str, Form(alias="tlp", max_length=30)] = "green",
    files_: Annotated[list[UploadFile] | None, File(alias="files")] = None,
) -> Response:
    values = document_values(kind, title_vi, title_en, summary_vi, summary_en, tags, tlp_marking)
    errors: FormErrors = {}
    data = valid(MaterialAdd, errors, {k: v for k, v in values.items() if k != "tags_text"})

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, files_ or [])
        return service.add_material(session, who, event_id, data.model_copy(update={"attachment_ids": ids}))

    if data is None or attempt(session, errors, change) is None:
        return _event_page(request, session, who, event_id, {"material": errors}, {"material": values}, 422)
    return done(request, f"/events/{event_id}#materials", N_("The material was shared in the knowledge base."))
