"""Indicator pages: the search (by value or its beginning, defanged or in any case; filters;
keyset pages), one indicator (value, markings, decay with its curve, tags, warninglist flags,
where it came from, sightings with their form and the false-positive button, correlations, edit
and revoke for who may), a new indicator, and the pasted list with its preview and confirmation.

Every read is `csirtnet.intel.reads` / `intel.correlation` (through authz.intel), every change
`csirtnet.intel.service`; a refused change comes back on its page with its errors at their
fields (the one form path, web.forms). What the reader may do is asked of `authz.intel`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import intel as rules
from csirtnet.errors import AppError, Forbidden
from csirtnet.i18n import N_
from csirtnet.intel import reads, service, values
from csirtnet.intel.schemas import (
    IndicatorBulkAdd,
    IndicatorCreate,
    IndicatorFalsePositiveReport,
    IndicatorSightingCreate,
    IndicatorUpdate,
)
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import labels, rsit
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents.page import user_zone
from csirtnet.web.views.intel import common
from csirtnet.web.views.intel.page_forms import BULK, EDIT_FIELDS, FILTERS, INDICATOR, INDICATOR_EDIT, SIGHTING

router = APIRouter(include_in_schema=False)
PAGE = 50


def _rsit_choices(request: Request) -> list[tuple[str, str]]:
    """RSIT "class/type" pairs named in the reader's language."""
    language = request_language(request)
    return [
        (
            f"{klass}/{type_}",
            f"{labels.name(labels.RSIT_CLASSES, klass, language)} / {labels.name(labels.RSIT_TYPES, type_, language)}",
        )
        for klass, types in rsit.taxonomy().items()
        for type_ in types
    ]


def _tags(form: BoundForm) -> list[str]:
    """The typed tags, with the chosen RSIT class/type first (the service reads it from the tags)."""
    typed = [t.strip() for t in form.text("tags").split(",") if t.strip()]
    chosen = form.text("rsit")
    return [chosen, *[t for t in typed if t != chosen]] if chosen else typed


# -- the search --------------------------------------------------------------------------------


@router.get("/indicators")
def indicator_list(
    request: Request, session: Session, who: PageUser, cursor: str | None = Query(default=None, max_length=200)
) -> Response:
    if not rules.can_read(who):
        raise Forbidden("You may not read indicators")
    form = FILTERS.from_data(FormData(list(request.query_params.multi_items())))
    collections = common.collection_choices(request, session, who)
    choices = {
        "kind": dict(FILTERS["kind"].choices or ()),
        "tlp": dict(FILTERS["tlp"].choices or ()),
        "collection": dict(collections),
    }
    for name, allowed in choices.items():
        if form.text(name) and form.text(name) not in allowed:
            form.fail(name, N_("Choose one of the offered values."))
    for name, longest in (("q", 2048), ("tag", 200), ("source", 200)):
        if len(form.text(name)) > longest:
            form.fail(name, N_("This is too long."))
    rows: list[reads.IndicatorRow] = []
    next_cursor: str | None = None
    if form.ok:
        rows, next_cursor = reads.search(
            session,
            who,
            form.optional("q"),
            kind=form.optional("kind"),
            tlp=form.optional("tlp"),
            collection=form.optional("collection"),
            tag=form.optional("tag"),
            source=form.optional("source"),
            include_expired=form.checked("expired"),
            cursor=cursor,
            limit=PAGE,
        )
    return render(
        request,
        "intel/list.html",
        {
            "form": form,
            "collections": collections,
            "rows": rows,
            "next_cursor": next_cursor,
            "names": common.collection_names(request, session, who),
            "may_share": rules.can_share(who),
            "may_manage": rules.can_manage(who),
        },
        status_code=200 if form.ok else 422,
    )


# -- one indicator -----------------------------------------------------------------------------


def _detail(
    request: Request,
    session: DbSession,
    who: Subject,
    indicator_id: int,
    *,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    now = utcnow()
    view = reads.detail(session, who, indicator_id, now=now)
    ind = view.indicator
    sighting = bound if bound is not None and bound.form is SIGHTING else None
    if sighting is None and view.may_sight:
        sighting = SIGHTING.blank({"last_seen_at": now, "count": 1, "tlp": ind.tlp}, zone=user_zone(request))
    return render(
        request,
        "intel/detail.html",
        {
            "view": view,
            "ind": ind,
            "state": view.decay,
            "curve": common.decay_curve(ind, now),
            "correlations": view.correlations,
            "names": common.collection_names(request, session, who),
            "may_edit": view.may_edit,
            "sighting_form": sighting,
        },
        status_code=status,
    )


@router.get("/indicators/{indicator_id:int}")
def indicator_page(request: Request, session: Session, who: PageUser, indicator_id: int) -> Response:
    return _detail(request, session, who, indicator_id)


@router.post("/indicators/{indicator_id:int}/sightings")
async def add_sighting(request: Request, session: Session, who: PageUser, indicator_id: int) -> Response:
    rules.get_visible_indicator(session, who, indicator_id)
    form = await SIGHTING.read(request, zone=user_zone(request))
    data = form.validate(IndicatorSightingCreate)
    done = form.attempt(session, lambda: service.add_sighting(session, who, indicator_id, data) if data else None)
    if done is None or not form.ok:
        return _detail(request, session, who, indicator_id, bound=form, status=422)
    return redirect(f"/indicators/{indicator_id}#sightings", flash=common.say(request, N_("The sighting is recorded.")))


@router.post("/indicators/{indicator_id:int}/false-positive")
def report_false_positive(request: Request, session: Session, who: PageUser, indicator_id: int) -> Response:
    return common.simple(
        request,
        session,
        f"/indicators/{indicator_id}#sightings",
        lambda: service.report_false_positive(session, who, indicator_id, IndicatorFalsePositiveReport()),
        N_("Reported as a false positive."),
    )


@router.post("/indicators/{indicator_id:int}/revoke")
def revoke(request: Request, session: Session, who: PageUser, indicator_id: int) -> Response:
    return common.simple(
        request,
        session,
        f"/indicators/{indicator_id}",
        lambda: service.revoke(session, who, indicator_id),
        N_("The indicator is revoked: it is kept, shown as revoked, and left out of exports."),
    )


def _edit_page(
    request: Request, session: DbSession, who: Subject, indicator_id: int, form: BoundForm, status: int = 200
) -> Response:
    ind = rules.get_visible_indicator(session, who, indicator_id)
    rules.require_edit_indicator(who, ind)
    return render(
        request,
        "intel/edit.html",
        {"ind": ind, "form": form, "rsit": _rsit_choices(request)},
        status_code=status,
    )


@router.get("/indicators/{indicator_id:int}/edit")
def edit_form(request: Request, session: Session, who: PageUser, indicator_id: int) -> Response:
    ind = rules.get_visible_indicator(session, who, indicator_id)
    rules.require_edit_indicator(who, ind)
    initial: dict[str, Any] = {name: getattr(ind, name) for name in EDIT_FIELDS}
    initial["tags"] = [t for t in ind.tags or [] if t != ind.rsit]
    form = INDICATOR_EDIT.blank(initial, zone=user_zone(request))
    return _edit_page(request, session, who, indicator_id, form)


@router.post("/indicators/{indicator_id:int}/edit")
async def edit(request: Request, session: Session, who: PageUser, indicator_id: int) -> Response:
    ind = rules.get_visible_indicator(session, who, indicator_id)
    rules.require_edit_indicator(who, ind)
    form = await INDICATOR_EDIT.read(request, zone=user_zone(request))
    values = form.values()
    values.pop("rsit")
    values["tags"] = _tags(form)
    data = form.validate(IndicatorUpdate, values)
    done = form.attempt(session, lambda: service.update(session, who, indicator_id, data) if data else None)
    if done is None or not form.ok:
        return _edit_page(request, session, who, indicator_id, form, status=422)
    return redirect(f"/indicators/{indicator_id}", flash=common.say(request, N_("The indicator is saved.")))


# -- a new indicator ---------------------------------------------------------------------------


def _check_value(form: BoundForm) -> None:
    """The value's type, detected or chosen, checked with the rest of the form (one round of
    errors: the service checks it again)."""
    raw, chosen = form.text("value"), form.optional("kind")
    if not raw or (chosen is not None and chosen not in dict(INDICATOR["kind"].choices or ())):
        return
    kind = chosen or values.detect(raw)
    if kind is None:
        form.fail("value", N_("This is not a recognised indicator type."))
        return
    try:
        values.normalise(kind, raw, "value")
    except AppError as exc:
        form.add_app_error(exc)


def _new_page(request: Request, session: DbSession, who: Subject, form: BoundForm, status: int = 200) -> Response:
    rules.require_share(who)
    return render(
        request,
        "intel/new.html",
        {
            "form": form,
            "collections": common.collection_choices(request, session, who, writable=True),
            "rsit": _rsit_choices(request),
        },
        status_code=status,
    )


@router.get("/indicators/new")
def new_form(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_share(who)
    initial = {"tlp": "amber", "pap": "amber", "confidence": 50, "collection": "national"}
    return _new_page(request, session, who, INDICATOR.blank(initial, zone=user_zone(request)))


@router.post("/indicators/new")
async def create(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_share(who)
    form = await INDICATOR.read(request, zone=user_zone(request))
    values = form.values()
    values.pop("rsit")
    values["tags"] = _tags(form)
    _check_value(form)
    data = form.validate(IndicatorCreate, {k: v for k, v in values.items() if v is not None})
    ind = form.attempt(session, lambda: service.create(session, who, data) if data else None)
    if ind is None or not form.ok:
        return _new_page(request, session, who, form, status=422)
    return redirect(f"/indicators/{ind.id}", flash=common.say(request, N_("The indicator is shared.")))


# -- the pasted list ---------------------------------------------------------------------------


def _bulk_page(
    request: Request,
    session: DbSession,
    who: Subject,
    form: BoundForm,
    *,
    preview: Any = None,
    status: int = 200,
) -> Response:
    rules.require_share(who)
    return render(
        request,
        "intel/bulk.html",
        {
            "form": form,
            "collections": common.collection_choices(request, session, who, writable=True),
            "preview": preview,
        },
        status_code=status,
    )


@router.get("/indicators/bulk")
def bulk_form(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_share(who)
    initial = {"tlp": "amber", "confidence": 50, "collection": "national"}
    return _bulk_page(request, session, who, BULK.blank(initial))


@router.post("/indicators/bulk")
async def bulk(request: Request, session: Session, who: PageUser) -> Response:
    """The preview (each token with its type, warninglist flags and what is wrong with a line),
    then, when the reader confirms the same text, the indicators added. A list with a bad line is
    never added: the preview names every bad line and nothing changes."""
    rules.require_share(who)
    form = await BULK.read(request)
    confirm = (await request.form()).get("confirm") == "1"
    values = form.values()
    values["tags"] = _tags(form)
    data = form.validate(IndicatorBulkAdd, {k: v for k, v in values.items() if v is not None})
    if data is None:
        return _bulk_page(request, session, who, form, status=422)
    dry = data.model_copy(update={"dry_run": True, "skip_invalid": False})
    preview = form.attempt(session, lambda: service.bulk_add(session, who, dry))
    if preview is None or not form.ok:
        return _bulk_page(request, session, who, form, status=422)
    bad = [line for line in preview.lines if line.status == "invalid"]
    if bad:
        form.fail("text", N_("Some lines are not indicators: correct or remove them (see the preview)."))
        return _bulk_page(request, session, who, form, preview=preview, status=422)
    if not confirm:
        return _bulk_page(request, session, who, form, preview=preview)
    real = data.model_copy(update={"dry_run": False, "skip_invalid": False})
    result = form.attempt(session, lambda: service.bulk_add(session, who, real))
    if result is None or not form.ok:
        return _bulk_page(request, session, who, form, status=422)
    message = common.say(
        request,
        N_("%(created)s indicators added, %(updated)s already shared and updated."),
        created=result.created,
        updated=result.updated,
    )
    return redirect("/indicators", flash=message)
