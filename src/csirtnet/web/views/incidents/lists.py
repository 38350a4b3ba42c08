"""The incident list and search, and the province table."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import can
from csirtnet.authz import incident as incident_authz
from csirtnet.authz.permissions import Permission
from csirtnet.incident import repository
from csirtnet.models import IncidentReport, Organisation
from csirtnet.web.render import render
from csirtnet.web.views.incidents.common import common

router = APIRouter(include_in_schema=False)


def _bool(value: str | None) -> bool | None:
    return None if value in (None, "") else value in ("1", "true", "yes", "on")


@router.get("/incidents")
def incident_list(
    request: Request,
    session: Session,
    who: PageUser,
    q: str | None = Query(default=None, max_length=200),
    phase: str | None = Query(default=None, max_length=20),
    severity: str | None = Query(default=None, max_length=20),
    rsit_class: str | None = Query(default=None, max_length=60),
    province: str | None = Query(default=None, max_length=80),
    organisation_id: str | None = Query(default=None, max_length=12),
    overdue: str | None = Query(default=None, max_length=5),
    mine: str | None = Query(default=None, max_length=5),
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    org_id = int(organisation_id) if organisation_id and organisation_id.isdigit() else None
    filters = repository.IncidentFilters(
        q=q,
        phase=phase or None,
        severity=severity or None,
        rsit_class=rsit_class or None,
        province=province or None,
        organisation_id=org_id,
        overdue=_bool(overdue),
        mine=bool(_bool(mine)),
    )
    rows, next_cursor = repository.page(session, who, filters, limit=30, cursor=cursor)
    orgs = {
        o.id: o
        for o in session.scalars(
            select(Organisation).where(Organisation.id.in_({r.reporting_organisation_id for r in rows}))
        )
    }
    from sqlalchemy import func

    from csirtnet.models import IncidentDeadline

    next_due = dict(
        session.execute(
            select(IncidentDeadline.incident_id, func.min(IncidentDeadline.due_at))
            .where(
                IncidentDeadline.incident_id.in_([r.id for r in rows]),
                IncidentDeadline.met_at.is_(None),
                IncidentDeadline.due_at.is_not(None),
            )
            .group_by(IncidentDeadline.incident_id)
        ).all()
    )
    provinces = sorted({p for p in session.scalars(select(Organisation.province).distinct()) if p})
    queue_size = None
    if can(who, Permission.INCIDENTS_TRIAGE):
        queue_size = len(
            session.scalars(repository.reports(who, status="new").with_only_columns(IncidentReport.id)).all()
        )
    return render(
        request,
        "incidents/list.html",
        {
            **common(request),
            "rows": rows,
            "orgs": orgs,
            "next_due": next_due,
            "next_cursor": next_cursor,
            "filters": filters,
            "provinces": provinces,
            "organisations": session.scalars(select(Organisation).order_by(Organisation.name_sort)).all()
            if incident_authz.sees_every_organisations_incidents(who)
            else [],
            "phase_counts": repository.phase_counts(session, who),
            "queue_size": queue_size,
            "overdue_param": overdue or "",
            "mine_param": mine or "",
        },
    )


@router.get("/incidents/provinces")
def by_province(request: Request, session: Session, who: PageUser) -> Response:
    rows = repository.by_province(session, who)
    top = max((r.total for r in rows), default=0)
    return render(request, "incidents/provinces.html", {**common(request), "rows": rows, "top": top})
