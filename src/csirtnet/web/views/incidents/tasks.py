"""My tasks: every task the person owns or is assigned, across the incidents they may see, with
filters (open, done, everything; overdue only). Read by incident.reads.my_tasks."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import require
from csirtnet.authz.permissions import Permission
from csirtnet.incident import reads
from csirtnet.kit.time import utcnow
from csirtnet.web.render import render
from csirtnet.web.views.incidents.common import common

router = APIRouter(include_in_schema=False)

LIMIT = 200  # a person's tasks; more than this would be a list to clean up, not to read


@router.get("/incidents/tasks")
def my_tasks(
    request: Request,
    session: Session,
    who: PageUser,
    status: str = Query(default="open", max_length=10),
    overdue: str = Query(default="", max_length=5),
) -> Response:
    require(who, Permission.INCIDENTS_READ)
    view = status if status in reads.TASK_VIEWS else "open"
    late = overdue in ("1", "true", "on")
    now = utcnow()
    tasks = reads.my_tasks(session, who, view=view, overdue=late, limit=LIMIT + 1, now=now)
    return render(
        request,
        "incidents/my_tasks.html",
        {
            **common(request),
            "tasks": tasks[:LIMIT],
            "cut": len(tasks) > LIMIT,
            "view": view,
            "overdue": late,
            "now": now,
        },
    )
