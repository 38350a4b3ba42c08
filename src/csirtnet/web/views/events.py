"""Pages of events (workshops, seminars, trainings): schedule, registration, attendance, and
materials shared afterwards in the knowledge base."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
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
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import render
from csirtnet.web.views import cluster_forms as cf
from csirtnet.web.views.channels import tlp_choices
from csirtnet.web.views.clusters import close_uploads, common, done, refusal, store_files
from csirtnet.web.views.incidents.page import user_zone
from csirtnet.web.views.knowledge import KB_MARKINGS

router = APIRouter(include_in_schema=False)


def _schedulable_clusters(session: DbSession, who: Subject) -> list[Cluster]:
    return cluster_reads.clusters_among(session, cluster_authz.led_or_all_cluster_ids(session, who))


def _list_page(
    request: Request, session: DbSession, who: Subject, form: BoundForm | None = None, status: int = 200
) -> Response:
    upcoming = event_reads.upcoming(session, who)
    past = event_reads.past(session, who, limit=30)
    clusters = _schedulable_clusters(session, who)
    may_schedule_network = cluster_authz.can_schedule_network_events(who)
    network: list[tuple[Any, str]] = [("", N_("The whole network"))] if may_schedule_network else []
    return render(
        request,
        "events/list.html",
        {
            **common(request),
            "upcoming": service.reads(session, who, upcoming),
            "past": service.reads(session, who, past),
            "cluster_choices": network + [(c.id, c.name) for c in clusters],
            "may_create": cluster_authz.can_schedule_events(session, who),
            "form": form or cf.EVENT.blank({"kind": "workshop"}, zone=user_zone(request)),
        },
        status_code=status,
    )


@router.get("/events")
def event_list(request: Request, session: Session, who: PageUser) -> Response:
    return _list_page(request, session, who)


@router.post("/events")
async def event_create(request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.EVENT.read(request, zone=user_zone(request))
    data = form.validate(EventCreate, cf.filled(form.values()))
    event = form.attempt(session, lambda: service.create(session, who, data)) if data else None
    if event is None:
        return _list_page(request, session, who, form, 422)
    return done(request, f"/events/{event.id}", N_("The event was scheduled."))


def _event_page(
    request: Request,
    session: DbSession,
    who: Subject,
    event_id: int,
    form: BoundForm | None = None,
    *,
    refused: str | None = None,
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
            "tlp_choices": tlp_choices(request, KB_MARKINGS),
            "form": form or cf.MATERIAL.blank({"tlp": "green"}),
            "refused": refused,
        },
        status_code=status,
    )


@router.get("/events/{event_id}")
def event_page(event_id: int, request: Request, session: Session, who: PageUser) -> Response:
    return _event_page(request, session, who, event_id)


@router.post("/events/{event_id}/register")
def event_register(event_id: int, request: Request, session: Session, who: PageUser) -> Response:
    refused = refusal(session, lambda: service.register(session, who, event_id))
    if refused is not None:
        return _event_page(request, session, who, event_id, refused=refused, status=409)
    return done(request, f"/events/{event_id}", N_("You are registered."))


@router.post("/events/{event_id}/unregister")
def event_unregister(event_id: int, request: Request, session: Session, who: PageUser) -> Response:
    refused = refusal(session, lambda: service.unregister(session, who, event_id))
    if refused is not None:
        return _event_page(request, session, who, event_id, refused=refused, status=409)
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
    mark = AttendanceMark(user_id=user_id, attended=attended)
    refused = refusal(session, lambda: service.mark_attendance(session, who, event_id, mark))
    if refused is not None:
        return _event_page(request, session, who, event_id, refused=refused, status=422)
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
async def event_material(event_id: int, request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.MATERIAL.read(request)
    data = form.validate(MaterialAdd, {**cf.document_values(form), "kind": "material"})

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, form.uploads.get("files", []))
        return service.add_material(session, who, event_id, data.model_copy(update={"attachment_ids": ids}))

    try:
        if data is not None:
            form.attempt(session, change)
    finally:
        await close_uploads(request)
    if not form.ok:
        return _event_page(request, session, who, event_id, form, status=422)
    return done(request, f"/events/{event_id}#materials", N_("The material was shared in the knowledge base."))
