"""The incident page (timeline, tasks, participants, observables, discussion, deadlines) and its
PDF and JSON exports."""

from __future__ import annotations

from typing import NamedTuple

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select, union
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz.incident import abilities, get_visible
from csirtnet.config import get_settings
from csirtnet.incident import (
    correlation,
    deadlines,
    discussion,
    export,
    export_pdf,
    observables,
    participants,
    task_service,
    timeline,
    workflow,
)
from csirtnet.incident.schemas import SERIOUS_CRITERIA
from csirtnet.incident.severity import suggest
from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, Incident, Organisation, User
from csirtnet.web.render import render
from csirtnet.web.views.incidents.common import change_text, common

router = APIRouter(include_in_schema=False)


class Person(NamedTuple):
    id: int
    full_name: str
    organisation_id: int
    is_active: bool
    name_sort: str


def _people(
    session: DbSession, incident: Incident, named: set[int], mentioned: set[int]
) -> tuple[dict[int, Person], list[Person]]:
    """In one round trip: the users the page names (authors, owners, participants) and the people
    tasks can go to — active named participants and active users of the reporting organisation,
    the first 200 by name. Both parts are index lookups under one IN (an OR of them made
    PostgreSQL scan every user: 9 ms with 20,000 users). Only the columns the page shows: whole
    User objects (with their organisation, joined) cost a millisecond more."""
    colleagues = (
        select(User.id)
        .where(User.organisation_id == incident.reporting_organisation_id, User.is_active.is_(True))
        .order_by(User.name_sort)
        .limit(200)
    )
    wanted = union(select(User.id).where(User.id.in_(named | mentioned)), colleagues.subquery().select())
    rows = [
        Person(*row)
        for row in session.execute(
            select(User.id, User.full_name, User.organisation_id, User.is_active, User.name_sort).where(
                User.id.in_(wanted.scalar_subquery())
            )
        )
    ]
    candidates = sorted(
        (u for u in rows if u.is_active and (u.id in named or u.organisation_id == incident.reporting_organisation_id)),
        key=lambda u: u.name_sort,
    )[:200]
    return {u.id: u for u in rows}, candidates


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    incident = get_visible(session, who, incident_id)
    now = utcnow()
    parts = participants.participants_of(session, incident)
    named = {p.user_id for p in parts if p.user_id and p.is_active(now)}
    user_ids = {p.user_id for p in parts if p.user_id} | {incident.reporter_user_id or 0, who.user_id or 0}
    entries = timeline.entries(session, who, incident)
    tasks = task_service.tasks_of(session, incident)
    comments = discussion.comments_of(session, incident)
    user_ids |= {e.author_id for e in entries if e.author_id} | {c.author_id for c in comments if c.author_id}
    user_ids |= {t.owner_id for t in tasks if t.owner_id} | {a for t in tasks for a in t.assignee_ids}
    users, candidates = _people(session, incident, named, user_ids)
    org_ids = {p.organisation_id for p in parts} | {incident.reporting_organisation_id}
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
    dls = deadlines.deadlines_of(session, incident)
    able = abilities(session, who, incident)
    return render(
        request,
        "incidents/detail.html",
        {
            **common(request),
            "incident": incident,
            "org": orgs.get(incident.reporting_organisation_id),
            "orgs": orgs,
            "users": users,
            "participants": parts,
            "active_ids": {p.id for p in parts if p.is_active(now)},
            "entries": [
                (e, change_text(request, e.action, e.details) if e.kind == "change" else e.text) for e in entries
            ],
            "tasks": tasks,
            "comments": comments,
            "observables": observables.observables_of(session, who, incident),
            "correlations": correlation.correlations(session, who, incident),
            "links": correlation.linked(session, who, incident),
            "deadlines": dls,
            "is_overdue": deadlines.is_overdue,
            "is_late": deadlines.is_late,
            "reports": export.reports_of(session, who, incident),
            "next_phases": workflow.allowed_next(incident.phase),
            "can_work": able.work,
            "can_command": able.command,
            "can_discuss": able.discuss,
            "candidates": candidates,
            "profiles": deadlines.profile_names(session),
            "clusters": session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.id)).all(),
            "suggestion": suggest(
                incident.system_security_level, incident.system_on_national_list, incident.serious_criteria
            ),
            "criteria": SERIOUS_CRITERIA,
            "user_zone": getattr(request.state.user, "timezone", None) or get_settings().timezone,
        },
    )


@router.get("/incidents/{incident_id}/export.pdf")
def download_pdf(
    request: Request,
    session: Session,
    who: PageUser,
    incident_id: int,
    form: str = Query(default="both", max_length=10),
    lang: str = Query(default="vi", max_length=2),
) -> Response:
    data = export_pdf.export_pdf(session, who, incident_id, form=form, lang=lang)
    reference = session.scalar(select(Incident.reference).where(Incident.id == incident_id))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{reference}-{form}-{lang}.pdf"'},
    )


@router.get("/incidents/{incident_id}/export.json")
def download_json(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    document = export.export_json(session, who, incident_id)
    return Response(
        document.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{document.incident.reference}.json"'},
    )
