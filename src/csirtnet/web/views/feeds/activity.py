"""What the feeds brought: one run (its counts and its quarantined lines with file, line and reason),
the quarantine of every source (counts per source, filtered by one), the events no member owns (the
coordinating body's), and the event search: a member's own events, every event for the
coordinating body, with filters (address, source, class, type, organisation, dates) and
keyset pages.

Reads are `csirtnet.feeds.reads`, which ask `authz.feeds` what the reader may see."""

from __future__ import annotations

import ipaddress
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData, UploadFile

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import feeds as rules
from csirtnet.feeds import reads
from csirtnet.feeds.schemas import FeedEventRead
from csirtnet.i18n import N_
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import render
from csirtnet.web.views.feeds import common
from csirtnet.web.views.feeds.page_forms import EVENT_FILTERS
from csirtnet.web.views.incidents.page import user_zone

router = APIRouter(include_in_schema=False)
QUARANTINE_PAGE = 100
RUN_LINES = 500


@router.get("/feeds/runs/{run_id:int}")
def run_page(request: Request, session: Session, who: PageUser, run_id: int) -> Response:
    rules.require_manage(who)
    run = reads.get_run(session, who, run_id)
    lines = reads.list_quarantine(session, who, run_id=run_id, limit=RUN_LINES, offset=0)
    return render(request, "feeds/run.html", {"run": run, "lines": lines, **common.tabs(who)})


@router.get("/feeds/quarantine")
def quarantine(
    request: Request,
    session: Session,
    who: PageUser,
    source: int | None = Query(default=None, ge=1, le=2**31 - 1),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> Response:
    rules.require_manage(who)
    page = reads.list_quarantine(session, who, source_id=source, limit=QUARANTINE_PAGE, offset=offset)
    more = offset + len(page.items) < page.total
    return render(
        request,
        "feeds/quarantine.html",
        {
            "page": page,
            "source": source,
            "source_names": {c.source_id: c.source_name for c in page.per_source},
            "offset": offset,
            "next_offset": offset + QUARANTINE_PAGE if more else None,
            **common.tabs(who),
        },
    )


# -- events -------------------------------------------------------------------------------------


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone))


def _date(form: BoundForm, name: str) -> date | None:
    typed = form.text(name)
    if not typed:
        return None
    try:
        return date.fromisoformat(typed)
    except ValueError:
        form.fail(name, N_("Enter a date as yyyy-mm-dd."))
        return None


def _check_choice(form: BoundForm, name: str, offered: list[tuple[str, str]]) -> None:
    if form.text(name) and form.text(name) not in dict(offered):
        form.fail(name, N_("Choose one of the offered values."))


def _events_page(
    request: Request, session: DbSession, who: Subject, *, unmatched: bool, cursor: str | None
) -> Response:
    may_manage = rules.can_manage(who)
    params: list[tuple[str, str | UploadFile]] = list(request.query_params.multi_items())
    form = EVENT_FILTERS.from_data(FormData(params))
    sources = [(str(s.id), s.name) for s in reads.list_sources(session, who)] if may_manage else []
    organisations = common.organisation_choices(session) if may_manage and not unmatched else []
    choices = {
        "source": sources,
        "taxonomy": common.taxonomy_choices(request),
        "type": common.type_choices(request),
        "organisation": organisations,
    }
    for name, offered in choices.items():
        _check_choice(form, name, offered)
    address = form.text("ip")
    if address:
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError:
            form.fail("ip", N_("Enter an IP address."))
    zone = user_zone(request)
    since, until = _date(form, "since"), _date(form, "until")
    if since and until and until < since:
        form.fail("until", N_("This date is before the first one."))
    items: list[FeedEventRead] = []
    next_cursor: str | None = None
    if form.ok:
        page = reads.search_events(
            session,
            who,
            source_id=int(form.text("source")) if form.text("source") else None,
            organisation_id=int(form.text("organisation")) if form.text("organisation") else None,
            ip=address or None,
            type=form.optional("type"),
            taxonomy=form.optional("taxonomy"),
            unmatched=unmatched,
            since=_day_start(since, zone) if since else None,
            until=_day_start(until + timedelta(days=1), zone) if until else None,
            limit=common.PAGE,
            cursor=cursor,
        )
        items, next_cursor = page.items, page.next_cursor
    names = common.organisation_names(session, [e.organisation_id for e in items]) if may_manage else {}
    return render(
        request,
        "feeds/events.html",
        {
            "form": form,
            "choices": choices,
            "items": items,
            "next_cursor": next_cursor,
            "unmatched": unmatched,
            "source_names": dict(sources),
            "organisation_names": names,
            **common.tabs(who),
        },
        status_code=200 if form.ok else 422,
    )


@router.get("/feeds/events")
def events(
    request: Request, session: Session, who: PageUser, cursor: str | None = Query(default=None, max_length=200)
) -> Response:
    rules.require_read(who)
    return _events_page(request, session, who, unmatched=False, cursor=cursor)


@router.get("/feeds/unmatched")
def unmatched(
    request: Request, session: Session, who: PageUser, cursor: str | None = Query(default=None, max_length=200)
) -> Response:
    rules.require_manage(who)
    return _events_page(request, session, who, unmatched=True, cursor=cursor)
