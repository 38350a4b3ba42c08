"""The advisory list (a member's inbox with its own answers and what is overdue; everything a
coordinator or publisher may see) and writing a new draft. Fixed paths: listed in PAGE_MODULES
before /advisories/{advisory_id}."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.advisory import page_reads, reads, service
from csirtnet.advisory.schemas import AdvisoryCreate
from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import advisory as advisory_authz
from csirtnet.errors import Forbidden
from csirtnet.i18n import N_
from csirtnet.kit.time import utcnow
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render
from csirtnet.web.views.advisories import common, draft
from csirtnet.web.views.advisories import page_forms as pf

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/advisories")
def advisory_list(
    request: Request,
    session: Session,
    who: PageUser,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    form = pf.FILTERS.from_data(FormData([(k, v) for k, v in request.query_params.multi_items()]))
    writer = advisory_authz.can_write(who)
    # A member reads its organisation's inbox first; a writer everything it may see.
    show = form.text("show") or ("all" if writer else "told")
    form.raw["show"] = show
    if len(form.text("q")) > 200:
        form.fail("q", N_("This is too long."))
    for name, choices in (("status", pf.FILTERS["status"].choices), ("kind", pf.FILTERS["kind"].choices)):
        if form.text(name) and form.text(name) not in dict(choices or ()):
            form.fail(name, N_("Choose one of the offered values."))
    rows: list[reads.ListRow] = []
    next_cursor: str | None = None
    if form.ok:
        rows, next_cursor = reads.advisories_page(
            session,
            who,
            q=form.optional("q"),
            status=form.optional("status"),
            kind=form.optional("kind"),
            told=show == "told",
            cursor=cursor,
            limit=PAGE,
        )
    return render(
        request,
        "advisories/list.html",
        {
            "form": form,
            "rows": rows,
            "next_cursor": next_cursor,
            "writer": writer,
            "csaf": advisory_authz.can_read_csaf_documents(who),
            "now": utcnow(),
        },
        status_code=200 if form.ok else 422,
    )


# -- a new draft -------------------------------------------------------------------------------


def form_page(
    request: Request,
    session: DbSession,
    who: Subject,
    form: BoundForm,
    *,
    advisory: object | None = None,
    status: int = 200,
) -> Response:
    """The draft form (new or edit) with the audience `who` may address."""
    return render(
        request,
        "advisories/form.html",
        {
            "form": form,
            "advisory": advisory,
            "published": advisory is not None and draft.is_published(advisory),
            "choices": page_reads.audience_choices(session, who),
        },
        status_code=status,
    )


def _require_writer(who: Subject) -> None:
    if not advisory_authz.can_write(who):
        raise Forbidden("You may not write advisories")


@router.get("/advisories/new")
def new_form(request: Request, session: Session, who: PageUser) -> Response:
    _require_writer(who)
    initial = {"kind": "advisory", "severity": "medium", "tlp": "amber", "pap": "amber"}
    return form_page(request, session, who, pf.ADVISORY.blank(initial, zone=common.user_zone(request)))


@router.post("/advisories")
async def create(request: Request, session: Session, who: PageUser) -> Response:
    _require_writer(who)
    form = await pf.ADVISORY.read(request, zone=common.user_zone(request))
    values, locations = draft.draft_values(
        form, common.language(request), lambda emails: page_reads.user_ids_by_email(session, emails)
    )
    values = {k: v for k, v in values.items() if v is not None}
    data = form.validate(AdvisoryCreate, values, locations=locations)
    advisory = form.attempt(session, lambda: service.create(session, who, data) if data is not None else None)
    if advisory is None or not form.ok:
        return form_page(request, session, who, form, status=422)
    message = common.say(
        request, N_("Draft %(reference)s saved; publish it when it is ready."), reference=advisory.reference
    )
    return redirect(f"/advisories/{advisory.id}", flash=message)
