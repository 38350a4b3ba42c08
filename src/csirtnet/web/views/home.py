"""The home dashboard. Domains contribute panels through `register_panel`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.notification import reads as notification_reads
from csirtnet.web.render import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Panel:
    key: str
    template: str  # a fragment under templates/, rendered with the panel's context
    order: int
    build: Callable[[DbSession, Subject], dict[str, Any] | None]  # None: not shown to this subject


PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    PANELS[:] = sorted([p for p in PANELS if p.key != panel.key] + [panel], key=lambda p: p.order)


def _welcome(session: DbSession, who: Subject) -> dict[str, Any]:
    organisations, users = notification_reads.network_size(session)
    return {"organisations": organisations, "users": users, "recent": notification_reads.recent(session, who)}


register_panel(Panel("welcome", "home/panel_welcome.html", 0, _welcome))


@router.get("/")
def home(request: Request, session: Session, who: PageUser) -> Response:
    panels = []
    for panel in PANELS:
        data = panel.build(session, who)
        if data is not None:
            panels.append((panel, data))
    return render(request, "home/index.html", {"panels": panels})
