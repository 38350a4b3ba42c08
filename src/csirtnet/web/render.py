"""Rendering pages: one Jinja environment, per-request language, user, CSRF token and flash."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from csirtnet import i18n
from csirtnet.auth import deps
from csirtnet.auth.deps import LANG_COOKIE, csrf_expected
from csirtnet.authz import identity as identity_authz
from csirtnet.config import get_settings
from csirtnet.kit import dates
from csirtnet.kit.time import COMMON_TIMEZONES, as_utc, utcnow
from csirtnet.notification import events
from csirtnet.vocabulary import labels

FLASH_COOKIE = "csirtnet_flash"
OVERDUE_BY = i18n.N_("overdue by %(span)s")


def request_language(request: Request) -> str:
    """The page's language (csirtnet.auth.deps.request_language), with the user's saved choice."""
    if getattr(request.state, "language", None):
        return str(request.state.language)
    return deps.request_language(request, getattr(_current_user(request), "language", None))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("csirtnet.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the package: no file-system check on every render (a change
        # needs a restart, which `uvicorn --reload` does anyway).
        auto_reload=False,
    )
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


class Dates:
    """The templates' date helpers for one reader (language and zone): one format everywhere
    (csirtnet.kit.dates), and spans and lateness in words."""

    def __init__(self, language: str, zone: str, gettext: Any) -> None:
        self.language, self.zone, self._ = language, zone, gettext
        self.now = utcnow()

    def moment(self, value: datetime | None, style: str = "") -> str:
        # `style="zone"` adds the offset; any other style (older templates pass Babel's "short")
        # writes the one format.
        return dates.format_datetime(value, self.language, self.zone, with_zone=style == "zone")

    def span(self, since: datetime, until: datetime | None = None) -> str:
        return dates.format_duration((until or self.now) - as_utc(since), self.language)

    def late_by(self, due: datetime | None, met: datetime | None = None) -> str:
        """The words "overdue by 2 days 3 hours" for a due time passed (or met after it); else ""."""
        if due is None:
            return ""
        end = as_utc(met) if met is not None else self.now
        if end <= as_utc(due):
            return ""
        return str(self._(OVERDUE_BY) % {"span": self.span(due, end)})

    def context(self) -> dict[str, Any]:
        return {
            "fmt_dt": self.moment,
            "fmt_date": lambda value: dates.format_date(value, self.language),
            "fmt_span": self.span,
            "late_by": self.late_by,
            "zone_name": self.zone,
            "zone_label": dates.zone_label(self.now, self.zone),
        }


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    language = request_language(request)
    tr = i18n.gettext_for(language)
    user = _current_user(request)
    subject = getattr(request.state, "identity", (None,))[0]
    zone = getattr(user, "timezone", None) or get_settings().timezone
    unread = 0
    if user is not None and getattr(request.state, "unread_count", None) is not None:
        unread = request.state.unread_count
    flash = _read_flash(request)
    ctx: dict[str, Any] = {
        "request": request,
        "_": tr.gettext,
        "ngettext": tr.ngettext,
        "tr_message": lambda message: i18n.translate_message(language, message),
        "lang": language,
        "languages": i18n.LANGUAGE_NAMES,
        "user": user,
        "who": subject,
        "access": identity_authz.page_access(subject),
        "csrf_token": csrf_expected(request),
        "unread_count": unread,
        "flash": flash,
        **Dates(language, zone, tr.gettext).context(),
        "lang_url": lambda code: _with_query(request, lang=code),
        "url_with": lambda **kw: _with_query(request, **kw),
        "path": request.url.path,
        "notification_title": lambda n: events.title(n.event_type, n.params, language, zone),
        "time_zones": _time_zones,
        # Names of stored codes, from their one home: {{ name_of(labels.SECTORS, org.sector) }}.
        "labels": labels,
        "name_of": lambda table, code: labels.name(table, code, language),
    }
    ctx.update(context or {})
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    chosen = request.query_params.get("lang")
    if chosen in i18n.LANGUAGES and request.cookies.get(LANG_COOKIE) != chosen:
        # A ?lang= link is a choice: keep it for the form this page posts and the pages after it.
        response.set_cookie(LANG_COOKIE, chosen, samesite="lax", max_age=365 * 86400, path="/")
    return response


def _time_zones(current: str) -> list[str]:
    """The zones a datetime field offers: the common ones, and the one in use if it is not."""
    return list(COMMON_TIMEZONES) if current in COMMON_TIMEZONES else [current, *COMMON_TIMEZONES]


def _current_user(request: Request) -> Any:
    """The logged-in user, usable in templates even after the request's transaction rolled back
    (an error page): a rolled-back, closed session leaves its objects expired and detached."""
    user = getattr(request.state, "user", None)
    if user is None:
        return None
    from sqlalchemy import inspect

    state = inspect(user)
    if not (state.detached and (state.expired or state.expired_attributes)):
        return user
    identity = state.identity
    database = getattr(request.app.state, "database", None)
    if not identity or database is None:
        return None
    with database.unit_of_work(write=False) as session:
        fresh = session.get(type(user), identity[0])
    request.state.user = fresh
    return fresh


def _with_query(request: Request, **updates: Any) -> str:
    params = dict(request.query_params)
    for key, value in updates.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return request.url.path + ("?" + urlencode(params) if params else "")


def redirect(url: str, *, flash: str | None = None, kind: str = "success") -> RedirectResponse:
    """A 303 after a form post; `flash` is shown once on the next page (already translated)."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(json.dumps({"kind": kind, "text": flash})),
            max_age=60,
            httponly=True,
            samesite="lax",
            path="/",
        )
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    from urllib.parse import unquote

    try:
        data = json.loads(unquote(raw))
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        return {"kind": str(data.get("kind", "success")), "text": data["text"]}
    return None


def safe_next(target: str | None) -> str:
    """Only same-site paths may be redirect targets (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def markup(text: str) -> Markup:
    return Markup(text)  # noqa: S704 - only for HTML this module produced itself
