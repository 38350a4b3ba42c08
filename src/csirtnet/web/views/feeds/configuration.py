"""The coordinating body's feed configuration beyond the sources: the rules that turn events into
actions (the list, a new rule, removing one) and the prefix-to-ASN table (how many prefixes, the
first of them, and the upload of a new file, which replaces the table whole or not at all: a bad
line is named and nothing changes).

Reads are `csirtnet.feeds.reads`, changes `csirtnet.feeds.service`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import feeds as rules
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.feeds import reads, service
from csirtnet.feeds.schemas import FeedRuleCreate
from csirtnet.feeds.service import AsnTableLoad
from csirtnet.i18n import N_
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render
from csirtnet.web.views.feeds import common
from csirtnet.web.views.feeds.page_forms import ASN_TABLE, RULE
from csirtnet.web.views.intel.common import say, simple

router = APIRouter(include_in_schema=False)
MAX_ASN_FILE = 64 * 1024 * 1024


# -- rules --------------------------------------------------------------------------------------


def _rules_page(request: Request, session: DbSession, who: Subject, form: BoundForm, status: int = 200) -> Response:
    rules.require_manage(who)
    sources = [(str(s.id), s.name) for s in reads.list_sources(session, who)]
    return render(
        request,
        "feeds/rules.html",
        {
            "rows": reads.list_rules(session, who),
            "form": form,
            "sources": sources,
            "source_names": dict(sources),
            "taxonomies": common.taxonomy_choices(request),
            "types": common.type_choices(request),
            **common.tabs(who),
        },
        status_code=status,
    )


@router.get("/feeds/rules")
def rule_list(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_manage(who)
    initial = {"action": "open_incident", "window_hours": 168, "enabled": True, "severity": "normal"}
    return _rules_page(request, session, who, RULE.blank(initial))


@router.post("/feeds/rules")
async def add_rule(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_manage(who)
    form = await RULE.read(request)
    offered = {
        "source_id": [(str(s.id), s.name) for s in reads.list_sources(session, who)],
        "taxonomy": common.taxonomy_choices(request),
    }
    for name, choices in offered.items():
        if form.text(name) and form.text(name) not in dict(choices):
            form.fail(name, N_("Choose one of the offered values."))
    known_types = dict(common.type_choices(request))
    if any(t not in known_types for t in form.chosen("types")):
        form.fail("types", N_("Choose one of the offered values."))
    data = form.validate(FeedRuleCreate, {k: v for k, v in form.values().items() if v is not None})
    done = form.attempt(session, lambda: service.create_rule(session, who, data) if data else None)
    if done is None or not form.ok:
        return _rules_page(request, session, who, form, status=422)
    return redirect("/feeds/rules", flash=say(request, N_("The rule is added.")))


@router.post("/feeds/rules/{rule_id:int}/remove")
def remove_rule(request: Request, session: Session, who: PageUser, rule_id: int) -> Response:
    rules.require_manage(who)
    return simple(
        request, session, "/feeds/rules", lambda: service.delete_rule(session, who, rule_id), N_("The rule is removed.")
    )


# -- the prefix-to-ASN table ---------------------------------------------------------------------


def _asn_page(
    request: Request,
    session: DbSession,
    who: Subject,
    form: BoundForm,
    *,
    line_errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    rules.require_manage(who)
    return render(
        request,
        "feeds/asn_table.html",
        {"table": reads.asn_table(session, who), "form": form, "line_errors": line_errors or [], **common.tabs(who)},
        status_code=status,
    )


@router.get("/feeds/asn-table")
def asn_table(request: Request, session: Session, who: PageUser) -> Response:
    return _asn_page(request, session, who, ASN_TABLE.blank())


@router.post("/feeds/asn-table")
async def load_asn_table(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_manage(who)
    form = await ASN_TABLE.read(request)
    form.missing_required()
    text: str | None = None
    for upload in form.uploads.get("file") or []:
        raw = await upload.read(MAX_ASN_FILE + 1)
        await upload.close()
        if len(raw) > MAX_ASN_FILE:
            form.fail("file", N_("The file is too big for a page upload; load it with csirtnet feed asn-table."))
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.fail("file", N_("The file is not UTF-8 text."))
    done: AsnTableLoad | None = None
    line_errors: list[tuple[str, str]] = []
    if form.ok and text is not None:
        try:
            with savepoint(session):
                done = service.load_asn_table(session, who, text)
        except (Forbidden, NotFound):
            raise
        except AppError as exc:
            line_errors = [(e.field, e.message) for e in exc.errors if e.field.startswith("line ")]
            if line_errors:
                form.fail("file", N_("Some lines are not a prefix and an AS number; nothing was loaded."))
            else:
                form.fail("file", exc.errors[0].message if exc.errors else exc.message)
    if done is None or not form.ok:
        return _asn_page(request, session, who, form, line_errors=line_errors, status=422)
    message = say(request, N_("The table holds %(prefixes)s prefixes now."), prefixes=done.prefixes)
    return redirect("/feeds/asn-table", flash=message)
