"""An advisory's page (badges, the rendered body, CVEs with the known-exploited marker, products,
indicators, actions, references, vendor CSAF, versions with what changed, the reader's
organisation's answer, and the buttons the reader's abilities allow), its edit form, and the
actions: publish, review, withdraw, answer. Every change calls the advisory services; a refused one
comes back with its errors (or, for publishing, a flash that names the field)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.advisory import answers, page_reads, reads, service
from csirtnet.advisory.schemas import AdvisoryUpdate, AnswerIn, ReviewDecision, WithdrawBody
from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import advisory as advisory_authz
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import N_
from csirtnet.models import AckStatus, AdvisoryStatus
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render
from csirtnet.web.views.advisories import common, draft
from csirtnet.web.views.advisories import page_forms as pf
from csirtnet.web.views.advisories.lists import form_page

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: DbSession,
    who: Subject,
    advisory_id: int,
    *,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    page = reads.advisory_page(session, who, advisory_id)
    answer = page.my_answer
    current = answer.status if answer is not None and answer.status != AckStatus.PENDING.value else None
    forms = {
        "answer": pf.ANSWER.blank({"status": current}),
        "review": pf.REVIEW.blank(),
        "withdraw": pf.WITHDRAW.blank(),
    }
    if bound is not None:
        for key, blank in forms.items():
            if blank.form is bound.form:
                forms[key] = bound
    return render(
        request,
        "advisories/detail.html",
        {
            **common.context(request),
            "page": page,
            "advisory": page.advisory,
            "forms": forms,
            # The form shown open: the one that came back with errors, or the one a link asks for.
            "open_form": bound.form.id if bound is not None else request.query_params.get("open"),
            "csaf_pages": advisory_authz.can_read_csaf_documents(who),
            "needs_review": page.needs_review,
        },
        status_code=status,
    )


@router.get("/advisories/{advisory_id}")
def advisory_page(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    return _page(request, session, who, advisory_id)


# -- editing ---------------------------------------------------------------------------------------


def _editable(session: DbSession, who: Subject, advisory_id: int) -> Any:
    page = reads.advisory_page(session, who, advisory_id)
    if not page.can.edit:
        raise Forbidden("Only its publisher may change this advisory")
    return page.advisory


@router.get("/advisories/{advisory_id}/edit")
def edit_form(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    advisory = _editable(session, who, advisory_id)
    people = page_reads.emails_of(session, (advisory.audience or {}).get("user_ids") or [])
    form = pf.ADVISORY.blank(draft.initial_of(advisory, people), zone=common.user_zone(request))
    return form_page(request, session, who, form, advisory=advisory)


@router.post("/advisories/{advisory_id}/edit")
async def edit(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    advisory = _editable(session, who, advisory_id)
    published = draft.is_published(advisory)
    form = await pf.ADVISORY.read(request, zone=common.user_zone(request))
    values, locations = draft.draft_values(
        form, common.language(request), lambda emails: page_reads.user_ids_by_email(session, emails)
    )
    update = draft.update_values(
        form,
        values,
        published=published,
        stored_audience=dict(advisory.audience or {}),
        stored_deadline=advisory.deadline_at,
    )
    data = form.validate(AdvisoryUpdate, update, locations=locations)
    changed = form.attempt(session, lambda: service.update(session, who, advisory_id, data) if data else None)
    if changed is None or not form.ok:
        return form_page(request, session, who, form, advisory=advisory, status=422)
    if published:
        message = common.say(
            request, N_("Version %(version)s is published; the recipients are told."), version=changed.version
        )
    else:
        message = common.say(request, N_("The draft is saved."))
    return redirect(f"/advisories/{advisory_id}", flash=message)


# -- publishing, review, withdrawal ----------------------------------------------------------------


@router.post("/advisories/{advisory_id}/publish")
def publish(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    back = f"/advisories/{advisory_id}"
    try:
        with savepoint(session):
            advisory = service.publish(session, who, advisory_id)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=common.refusal(common.language(request), exc), kind="error")
    if advisory.status == AdvisoryStatus.IN_REVIEW.value:
        message = common.say(request, N_("Sent for review: a second coordinator approves it before it goes out."))
    else:
        message = common.say(request, N_("Published: the recipients are being told by email and in the app."))
    return redirect(back, flash=message)


@router.post("/advisories/{advisory_id}/review")
async def review(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    advisory_authz.get_visible(session, who, advisory_id)  # NotFound before the form is read
    form = await pf.REVIEW.read(request)
    approve = form.text("decision") == "approve"
    if form.text("decision") == "return" and not form.text("note"):
        form.fail("note", N_("Say why the advisory goes back to its author."))
    data = form.validate(ReviewDecision, {"approve": approve, "note": form.optional("note")})
    done = form.attempt(session, lambda: service.review(session, who, advisory_id, data) if data else None)
    if done is None or not form.ok:
        return _page(request, session, who, advisory_id, bound=form, status=422)
    if approve:
        message = common.say(request, N_("Approved and published: the recipients are being told."))
    else:
        message = common.say(request, N_("Returned to its author with your note."))
    return redirect(f"/advisories/{advisory_id}", flash=message)


@router.post("/advisories/{advisory_id}/withdraw")
async def withdraw(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    advisory_authz.get_visible(session, who, advisory_id)
    form = await pf.WITHDRAW.read(request)
    data = form.validate(WithdrawBody)
    done = form.attempt(session, lambda: service.withdraw(session, who, advisory_id, data.reason) if data else None)
    if done is None or not form.ok:
        return _page(request, session, who, advisory_id, bound=form, status=422)
    return redirect(f"/advisories/{advisory_id}", flash=common.say(request, N_("The advisory is withdrawn.")))


# -- the recipient's answer ------------------------------------------------------------------------


@router.post("/advisories/{advisory_id}/answer")
async def answer(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    advisory_authz.get_visible(session, who, advisory_id)
    form = await pf.ANSWER.read(request)
    data = form.validate(AnswerIn)
    recipient = form.attempt(
        session, lambda: answers.answer(session, who, advisory_id, data.status, data.note) if data else None
    )
    if recipient is None or not form.ok:
        return _page(request, session, who, advisory_id, bound=form, status=422)
    if recipient.support_request_id is not None and recipient.status == AckStatus.NEEDS_HELP.value:
        message = common.say(request, N_("Your answer is recorded and a support request is open: help is on its way."))
    else:
        message = common.say(request, N_("Your organisation's answer is recorded."))
    return redirect(f"/advisories/{advisory_id}#answer", flash=message)
