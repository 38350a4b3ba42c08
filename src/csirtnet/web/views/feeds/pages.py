"""Feed source pages (the coordinating body's): every source with its counts at a glance (runs,
events, matched, duplicates, quarantined, the last run), a new source and its edit (one form), and
one source: its configuration, its runs, its quarantine count and the upload of a report, which is
processed before the page answers (a bigger file goes through `csirtnet feed run`).

A member has no sources to see: /feeds sends them to their own events. Reads are
`csirtnet.feeds.reads`, changes `csirtnet.feeds.service`; what the reader may do is asked of
`authz.feeds`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import feeds as rules
from csirtnet.feeds import reads, service
from csirtnet.feeds.schemas import DEFAULT_DEDUPE, FeedSourceCreate, FeedSourceRead, FeedSourceUpdate
from csirtnet.i18n import N_
from csirtnet.models import ParserName, SourceKind
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render
from csirtnet.web.views.feeds import common, uploads
from csirtnet.web.views.feeds.page_forms import SOURCE, UPLOAD
from csirtnet.web.views.intel.common import say

router = APIRouter(include_in_schema=False)
RUNS_SHOWN = 20


@router.get("/feeds")
def sources(request: Request, session: Session, who: PageUser) -> Response:
    if not rules.can_manage(who):
        rules.require_read(who)
        return redirect("/feeds/events")
    rows = reads.list_sources(session, who)
    return render(request, "feeds/sources.html", {"rows": rows, **common.tabs(who)})


# -- a new source and its edit (one form) ---------------------------------------------------------


def _form_page(
    request: Request,
    session: DbSession,
    who: Subject,
    form: BoundForm,
    *,
    source: FeedSourceRead | None = None,
    status: int = 200,
) -> Response:
    rules.require_manage(who)
    return render(
        request,
        "feeds/source_form.html",
        {
            "form": form,
            "source": source,
            "organisations": common.organisation_choices(session),
            **common.tabs(who),
        },
        status_code=status,
    )


def _values(form: BoundForm, *, editing: bool) -> dict[str, Any]:
    """The form as the schema's input: the mapping's JSON read (its error at the field), the kind
    left out of an edit (a source keeps its kind)."""
    values = form.values()
    text = form.text("mapping")
    values["mapping"] = None
    if text:
        try:
            mapping = json.loads(text)
        except ValueError:
            form.fail("mapping", N_("This is not valid JSON."))
        else:
            if isinstance(mapping, dict):
                values["mapping"] = mapping
            else:
                form.fail("mapping", N_('The mapping is a JSON object: {"columns": {…}}.'))
    if editing:
        values.pop("kind", None)
        if not values.get("url_secret"):  # left empty: the key set stays (unless its header goes)
            values.pop("url_secret", None)
    return values


@router.get("/feeds/new")
def new_form(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_manage(who)
    initial = {
        "kind": SourceKind.FILE.value,
        "parser": ParserName.SHADOWSERVER.value,
        "tlp": "amber",
        "actions": ["digest", "rules"],
        "dedupe_fields": DEFAULT_DEDUPE,
        "dedupe_window_hours": 24,
        "digest_period_hours": 24,
        "enabled": True,
    }
    return _form_page(request, session, who, SOURCE.blank(initial))


@router.post("/feeds/new")
async def create(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_manage(who)
    form = await SOURCE.read(request)
    values = _values(form, editing=False)
    data = form.validate(FeedSourceCreate, values)
    done = form.attempt(session, lambda: service.create_source(session, who, data) if data else None)
    if done is None or not form.ok:
        return _form_page(request, session, who, form, status=422)
    return redirect(f"/feeds/{done.id}", flash=say(request, N_("The source is added.")))


@router.get("/feeds/{source_id:int}/edit")
def edit_form(request: Request, session: Session, who: PageUser, source_id: int) -> Response:
    rules.require_manage(who)
    source = reads.get_source(session, who, source_id)
    initial = {name: getattr(source, name) for name in SOURCE.fields if name != "url_secret"}
    initial["mapping"] = json.dumps(source.mapping, ensure_ascii=False, indent=2) if source.mapping else ""
    initial["submitter_org_ids"] = [str(i) for i in source.submitter_org_ids]
    return _form_page(request, session, who, SOURCE.blank(initial), source=source)


@router.post("/feeds/{source_id:int}/edit")
async def edit(request: Request, session: Session, who: PageUser, source_id: int) -> Response:
    rules.require_manage(who)
    source = reads.get_source(session, who, source_id)
    form = await SOURCE.read(request)
    form.raw["kind"] = source.kind  # shown, not changed
    values = _values(form, editing=True)
    data = form.validate(FeedSourceUpdate, values)
    done = form.attempt(session, lambda: service.update_source(session, who, source_id, data) if data else None)
    if done is None or not form.ok:
        return _form_page(request, session, who, form, source=source, status=422)
    return redirect(f"/feeds/{source_id}", flash=say(request, N_("The source is saved.")))


# -- one source ---------------------------------------------------------------------------------


def _source_page(
    request: Request,
    session: DbSession,
    who: Subject,
    source_id: int,
    *,
    upload: BoundForm | None = None,
    status: int = 200,
) -> Response:
    rules.require_manage(who)
    source = reads.get_source(session, who, source_id)
    runs = reads.list_runs(session, who, source_id=source_id, limit=RUNS_SHOWN)
    return render(
        request,
        "feeds/source.html",
        {
            "source": source,
            "runs": runs,
            "upload": upload or UPLOAD.blank(),
            "submitters": common.organisation_names(session, list(source.submitter_org_ids)),
            **common.tabs(who),
        },
        status_code=status,
    )


@router.get("/feeds/{source_id:int}")
def source_page(request: Request, session: Session, who: PageUser, source_id: int) -> Response:
    return _source_page(request, session, who, source_id)


@router.post("/feeds/{source_id:int}/runs")
async def upload_report(request: Request, session: Session, who: PageUser, source_id: int) -> Response:
    """Process an uploaded report now; its run's page shows the counts and what was quarantined."""
    rules.require_manage(who)
    reads.get_source(session, who, source_id)
    form = await UPLOAD.read(request)
    run_id = await uploads.process(request, session, who, source_id, form)
    if run_id is None or not form.ok:
        return _source_page(request, session, who, source_id, upload=form, status=422)
    return redirect(f"/feeds/runs/{run_id}", flash=say(request, N_("The report is processed.")))
