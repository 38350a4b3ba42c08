"""What the indicator pages share: the reader's collections as choices (named in the reader's
language), a change with nothing to fill in (a button) done or refused as a flash, and the decay
of an indicator drawn as a small inline SVG (no script, no style attribute: the CSP allows
neither)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.authz import Subject
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import translate, translate_message
from csirtnet.intel import collections, decay
from csirtnet.kit.time import as_utc
from csirtnet.models import Indicator
from csirtnet.web.render import redirect, request_language


def say(request: Request, message: str, **values: object) -> str:
    text = translate(request_language(request), message)
    return text % values if values else text


def refusal(request: Request, exc: AppError) -> str:
    language = request_language(request)
    if exc.errors:
        return " ".join(translate_message(language, e.message) for e in exc.errors)
    return translate_message(language, exc.message)


def simple(request: Request, session: DbSession, back: str, change: Callable[[], object], done: str) -> Response:
    """A change with nothing to fill in (a button): done, or its refusal as a flash."""
    try:
        with savepoint(session):
            change()
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=refusal(request, exc), kind="error")
    return redirect(back, flash=say(request, done))


def collection_title(request: Request, collection: collections.Collection) -> str:
    """A collection's title in the reader's language ("Cluster: %(name)s" is in the catalogue)."""
    return translate_message(request_language(request), collection.title)


def collection_choices(
    request: Request, session: DbSession, who: Subject, *, writable: bool = False
) -> list[tuple[str, str]]:
    """(key, title) of the collections `who` reads (or, with `writable`, shares into)."""
    return [
        (c.key, collection_title(request, c))
        for c in collections.visible(session, who)
        if (c.can_write if writable else c.can_read)
    ]


def collection_names(request: Request, session: DbSession, who: Subject) -> dict[str, str]:
    """Every collection `who` may see, key -> title, to name an indicator's collection in a table."""
    return {c.key: collection_title(request, c) for c in collections.visible(session, who)}


# -- the decay curve ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """The score from last seen to the end of the lifetime, as an SVG polyline, with where now is
    and where the expiry threshold lies."""

    width: int
    height: int
    points: str
    now_x: float | None
    threshold_y: float
    start: datetime
    end: datetime


def decay_curve(ind: Indicator, now: datetime, *, steps: int = 40) -> Curve | None:
    """The indicator's decay drawn from where it starts (its last sighting, else valid_from) to
    its lifetime's end; None for a revoked one (there is no curve left)."""
    if ind.revoked:
        return None
    model = decay.model_for(ind.kind)
    start = decay.last_seen(ind)
    end = start + model.lifetime
    if ind.valid_until is not None:
        end = min(end, max(as_utc(ind.valid_until), start + timedelta(hours=1)))
    width, height, pad = 240, 60, 4
    base = float(ind.confidence) or 1.0
    span = (end - start).total_seconds() or 1.0

    def y(score: float) -> float:
        return round(height - pad - score / 100 * (height - 2 * pad), 1)

    coords = []
    for i in range(steps + 1):
        elapsed = timedelta(seconds=span * i / steps)
        coords.append(f"{round(pad + i / steps * (width - 2 * pad), 1)},{y(decay.curve(base, elapsed, model))}")
    here = (as_utc(now) - start).total_seconds() / span
    now_x = round(pad + here * (width - 2 * pad), 1) if 0 <= here <= 1 else None
    return Curve(width, height, " ".join(coords), now_x, y(decay.THRESHOLD), start, end)
