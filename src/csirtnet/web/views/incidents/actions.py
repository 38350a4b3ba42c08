"""The incident page's forms: classification, phase and closing, timeline, tasks (new, log,
reassign), discussion, observables (one, or many pasted), files, participants, links and deadlines.

Each is read and checked on the one form path (csirtnet.web.forms): a change that succeeds goes back
to its tab; one that fails renders the tab again (422) with the form open, each error at its field,
everything typed kept. Removals ask first: with a script the browser's confirmation, without one a
page that asks (a removal posted without `confirmed` removes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import UploadFile

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz.incident import Ability, require_ability
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.incident import (
    deadlines,
    discussion,
    files,
    observables,
    participants,
    task_service,
    timeline,
    triage,
    workflow,
    workspace_reads,
)
from csirtnet.incident.schemas import (
    Classification,
    ClosingReport,
    CommentCreate,
    LinkCreate,
    ObservableCreate,
    ParticipantCreate,
    PhaseChange,
    TaskCreate,
    TaskUpdate,
    TimelineEntryCreate,
)
from csirtnet.vocabulary import TLP
from csirtnet.web.forms import BoundForm, Form
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents import page_forms as pf
from csirtnet.web.views.incidents.common import common
from csirtnet.web.views.incidents.page import render_tab, user_zone

router = APIRouter(include_in_schema=False)

_TAB_PATH = {"summary": "", "tasks": "/tasks", "observables": "/observables", "timeline": "/timeline"}
_TAB_PATH |= {"discussion": "/discussion", "files": "/files"}


def _say(request: Request, message: str) -> str:
    return translate(request_language(request), message)


# What each form needs on the incident (authz.incident abilities): asked before the form is read.
_NEEDS: dict[str, Ability] = {
    pf.CLASSIFY.id: "command",
    pf.PHASE.id: "command",
    pf.CLOSE.id: "command",
    pf.PARTICIPANT.id: "command",
    pf.COMMENT.id: "discuss",
}


async def _read(request: Request, session: DbSession, who: Subject, incident_id: int, form: Form) -> BoundForm:
    require_ability(session, who, incident_id, _NEEDS.get(form.id, "work"))
    return await form.read(request, zone=user_zone(request))


def _done(
    request: Request,
    session: DbSession,
    who: Subject,
    incident_id: int,
    tab: str,
    form: BoundForm,
    done: str,
    *,
    anchor: str = "",
    task_id: int | None = None,
) -> Response:
    """Back to the tab when the form went through; the tab again with the form's errors when not."""
    if not form.ok:
        return render_tab(request, session, who, incident_id, tab, bound=form, status_code=422, task_id=task_id)
    path = f"/tasks/{task_id}" if tab == "task" else _TAB_PATH[tab]
    return redirect(f"/incidents/{incident_id}{path}{anchor}", flash=_say(request, done))


def _submit(
    request: Request,
    session: DbSession,
    who: Subject,
    incident_id: int,
    tab: str,
    form: BoundForm,
    change: Callable[[], object],
    done: str,
    *,
    task_id: int | None = None,
) -> Response:
    form.attempt(session, change)
    return _done(request, session, who, incident_id, tab, form, done, task_id=task_id)


# -- summary: classification, phase, closing, participants, links, deadlines --------------------


@router.post("/incidents/{incident_id}/classify")
async def classify(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.CLASSIFY)
    values = pf.classification_values(form, (await request.form()).keys())
    data = form.validate(Classification, values)
    return _submit(
        request,
        session,
        who,
        incident_id,
        "summary",
        form,
        lambda: triage.update_classification(session, who, incident_id, data) if data else None,
        N_("Classification saved."),
    )


@router.post("/incidents/{incident_id}/phase")
async def phase(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.PHASE)
    data = form.validate(PhaseChange, form.values())
    return _submit(
        request,
        session,
        who,
        incident_id,
        "summary",
        form,
        lambda: workflow.change_phase(session, who, incident_id, data) if data else None,
        N_("Phase changed."),
    )


@router.post("/incidents/{incident_id}/close")
async def close(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.CLOSE)
    data = form.validate(ClosingReport, form.values())
    return _submit(
        request,
        session,
        who,
        incident_id,
        "summary",
        form,
        lambda: workflow.close(session, who, incident_id, data) if data else None,
        N_("The incident is closed with its closing report."),
    )


@router.post("/incidents/{incident_id}/participants")
async def add_participant(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.PARTICIPANT)
    email, code = form.text("email"), form.text("organisation_code")
    values: dict[str, Any] = {
        "role": form.text("role"),
        "evidence_role": form.optional("evidence_role"),
        "ends_at": form.datetime("ends_at"),
    }
    if email:
        values["user_id"] = workspace_reads.user_by_email(session, email)
        if values["user_id"] is None:
            form.fail("email", N_("No active user has this email address."))
    elif code:
        values["organisation_id"] = workspace_reads.organisation_by_code(session, code)
        if values["organisation_id"] is None:
            form.fail("organisation_code", N_("No member organisation has this code."))
    else:
        form.fail("email", N_("Give a user's email or an organisation's member code."))
    data = form.validate(ParticipantCreate, values) if form.ok else None
    return _submit(
        request,
        session,
        who,
        incident_id,
        "summary",
        form,
        lambda: participants.add(session, who, incident_id, data) if data else None,
        N_("Participant added."),
    )


@router.post("/incidents/{incident_id}/participants/{participant_id}/end")
async def end_participant(
    request: Request, session: Session, who: PageUser, incident_id: int, participant_id: int
) -> Response:
    return await _removal(
        request,
        session,
        who,
        incident_id,
        "summary",
        N_("End this participation? The person or organisation loses access to the incident."),
        lambda: participants.end(session, who, incident_id, participant_id),
        N_("Participation ended."),
    )


@router.post("/incidents/{incident_id}/links")
async def add_link(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.LINK)
    other = workspace_reads.incident_by_reference(session, who, form.text("other")) if form.text("other") else None
    if form.text("other") and other is None:
        form.fail("other", N_("No incident you may see has this reference."))
    data = form.validate(LinkCreate, {"other_incident_id": other, "note": form.optional("note")}) if form.ok else None
    return _submit(
        request,
        session,
        who,
        incident_id,
        "summary",
        form,
        lambda: triage.link_incidents(session, who, incident_id, data.other_incident_id, data.note) if data else None,
        N_("Incidents linked."),
    )


@router.post("/incidents/{incident_id}/deadlines/{rule_key}/met")
def deadline_met(request: Request, session: Session, who: PageUser, incident_id: int, rule_key: str) -> Response:
    refused = _refused(session, lambda: deadlines.mark_met_on(session, who, incident_id, rule_key))
    if refused is not None:
        return redirect(f"/incidents/{incident_id}#deadlines", flash=_refusal(request, refused), kind="error")
    return redirect(f"/incidents/{incident_id}#deadlines", flash=_say(request, N_("Deadline marked as met.")))


# -- timeline and discussion ----------------------------------------------------------------------


@router.post("/incidents/{incident_id}/timeline")
async def add_timeline(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.TIMELINE)
    values = {
        "occurred_at": form.datetime("occurred_at"),
        "timezone": form.zone_of("occurred_at"),
        "text": form.text("text"),
    }
    data = form.validate(TimelineEntryCreate, values)
    return _submit(
        request,
        session,
        who,
        incident_id,
        "timeline",
        form,
        lambda: timeline.add_entry(session, who, incident_id, data) if data else None,
        N_("Timeline entry added."),
    )


@router.post("/incidents/{incident_id}/comments")
async def post_comment(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.COMMENT)
    data = form.validate(CommentCreate, {"body": form.text("body")})
    return _submit(
        request,
        session,
        who,
        incident_id,
        "discussion",
        form,
        lambda: discussion.post(session, who, incident_id, data.body) if data else None,
        N_("Message posted."),
    )


# -- tasks -----------------------------------------------------------------------------------------


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _owner(form: BoundForm) -> int | str | None:
    raw = form.text("owner_id")
    return int(raw) if raw.isdigit() else (raw or None)


@router.post("/incidents/{incident_id}/tasks")
async def add_task(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.TASK_NEW)
    values = {
        "title": form.text("title"),
        "description": form.optional("description"),
        "owner_id": _owner(form),
        "assignee_ids": _ids(form.chosen("assignee_ids")),
        "due_at": form.datetime("due_at"),
    }
    data = form.validate(TaskCreate, values)
    return _submit(
        request,
        session,
        who,
        incident_id,
        "tasks",
        form,
        lambda: task_service.create(session, who, incident_id, data) if data else None,
        N_("Task created."),
    )


@router.post("/incidents/{incident_id}/tasks/{task_id}")
async def update_task(request: Request, session: Session, who: PageUser, incident_id: int, task_id: int) -> Response:
    """The task's log: a note of what was done, and/or a new status."""
    form = await _read(request, session, who, incident_id, pf.TASK_UPDATE)
    data = form.validate(TaskUpdate, {"status": form.text("status") or None, "note": form.text("note")})
    return _submit(
        request,
        session,
        who,
        incident_id,
        "task",
        form,
        lambda: task_service.update(session, who, incident_id, task_id, data) if data else None,
        N_("Task updated."),
        task_id=task_id,
    )


@router.post("/incidents/{incident_id}/tasks/{task_id}/assign")
async def assign_task(request: Request, session: Session, who: PageUser, incident_id: int, task_id: int) -> Response:
    """Reassign the task (owner, assignees) or change its due date."""
    form = await _read(request, session, who, incident_id, pf.TASK_ASSIGN)
    values = {
        "owner_id": _owner(form),
        "assignee_ids": _ids(form.chosen("assignee_ids")),
        "due_at": form.datetime("due_at"),
        "note": form.optional("note"),
    }
    data = form.validate(TaskUpdate, values)
    return _submit(
        request,
        session,
        who,
        incident_id,
        "task",
        form,
        lambda: task_service.update(session, who, incident_id, task_id, data) if data else None,
        N_("Task reassigned."),
        task_id=task_id,
    )


# -- observables and files ------------------------------------------------------------------------


@router.post("/incidents/{incident_id}/observables")
async def add_observable(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.OBSERVABLE)
    data = form.validate(ObservableCreate)
    return _submit(
        request,
        session,
        who,
        incident_id,
        "observables",
        form,
        lambda: observables.add(session, who, incident_id, data) if data else None,
        N_("Observable added."),
    )


@router.post("/incidents/{incident_id}/observables/paste")
async def paste_observables(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    """Pasted observables: `preview` shows what would be added (changing nothing), `add` adds them
    all or none."""
    form = await _read(request, session, who, incident_id, pf.OBSERVABLES_PASTE)
    form.missing_required()
    tlp = _tlp(form)
    adding = (await request.form()).get("action") == "add"
    text = str(form.raw.get("text") or "")
    if not form.ok:
        return _done(request, session, who, incident_id, "observables", form, "")
    if adding:
        added = form.attempt(
            session,
            lambda: observables.add_pasted(session, who, incident_id, text, tlp=tlp, note=form.optional("note")),
        )
        if added is not None:
            count = len(added.new)
            message = _say(request, N_("%(count)s observables added; %(merged)s were already there.")) % {
                "count": count,
                "merged": len(added.merged),
            }
            return redirect(f"/incidents/{incident_id}/observables", flash=message)
    preview = form.attempt(session, lambda: observables.preview_paste(session, who, incident_id, text))
    return render_tab(
        request,
        session,
        who,
        incident_id,
        "observables",
        bound=form,
        status_code=200 if form.ok else 422,
        extra={"paste_preview": preview},
    )


def _tlp(form: BoundForm) -> TLP:
    try:
        return TLP(form.text("tlp"))
    except ValueError:
        form.fail("tlp", N_("Choose one of the offered values."))
        return TLP.AMBER


@router.post("/incidents/{incident_id}/observables/{observable_id}/delete")
async def remove_observable(
    request: Request, session: Session, who: PageUser, incident_id: int, observable_id: int
) -> Response:
    return await _removal(
        request,
        session,
        who,
        incident_id,
        "observables",
        N_("Remove this observable from the incident?"),
        lambda: observables.remove(session, who, incident_id, observable_id),
        N_("Observable removed."),
    )


@router.post("/incidents/{incident_id}/files")
async def add_file(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await _read(request, session, who, incident_id, pf.ATTACHMENT)
    form.missing_required()
    tlp = _tlp(form)
    uploads = form.uploads.get("file") or []

    def change() -> object:
        upload = uploads[0]
        return files.add(
            session,
            who,
            incident_id,
            filename=upload.filename,
            content_type=upload.content_type,
            stream=upload.file,
            size=upload.size,
            tlp=tlp,
            note=form.optional("note"),
        )

    try:
        form.attempt(session, change)
    finally:
        # Every part the browser sent, the empty one of a file input left blank included.
        for item in (await request.form()).getlist("file"):
            if isinstance(item, UploadFile):
                await item.close()
    return _done(request, session, who, incident_id, "files", form, N_("File attached."))


@router.post("/incidents/{incident_id}/files/{attachment_id}/delete")
async def remove_file(
    request: Request, session: Session, who: PageUser, incident_id: int, attachment_id: int
) -> Response:
    return await _removal(
        request,
        session,
        who,
        incident_id,
        "files",
        N_("Remove this file from the incident?"),
        lambda: files.remove(session, who, incident_id, attachment_id),
        N_("File removed."),
    )


# -- removals ask first ---------------------------------------------------------------------------


async def _removal(
    request: Request,
    session: DbSession,
    who: Subject,
    incident_id: int,
    tab: str,
    question: str,
    change: Callable[[], object],
    done: str,
) -> Response:
    """Remove when the removal is confirmed (the browser's dialog adds `confirmed`); otherwise ask
    on a page of its own, which posts the same removal confirmed. Only those who may remove are asked."""
    require_ability(session, who, incident_id, "command" if tab == "summary" else "work")
    posted = await request.form()
    back = f"/incidents/{incident_id}{_TAB_PATH[tab]}"
    if posted.get("confirmed") != "1":
        page = workspace_reads.incident_page(session, who, incident_id)
        return render(
            request,
            "incidents/confirm.html",
            {
                **common(request),
                "incident": page.incident,
                "question": question,
                "action": request.url.path,
                "back": back,
            },
        )
    refused = _refused(session, change)
    if refused is not None:
        return redirect(back, flash=_refusal(request, refused), kind="error")
    return redirect(back, flash=_say(request, done))


def _refused(session: DbSession, change: Callable[[], object]) -> AppError | None:
    """Run a change that has no form (a button) in a savepoint; its refusal, if any."""
    try:
        with savepoint(session):
            change()
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return exc
    return None


def _refusal(request: Request, exc: AppError) -> str:
    """A button's refusal in words (its field is the button's own object: not named)."""
    message = exc.errors[0].message if exc.errors else exc.message
    text = translate_message(request_language(request), message)
    return text[:1].upper() + text[1:]
