"""The incident page's forms: classification, phase and closing, timeline, tasks, discussion,
observables, participants, links and deadlines. Each posts, then comes back to its section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz.incident import get_visible
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import N_
from csirtnet.incident import (
    deadlines,
    discussion,
    observables,
    participants,
    task_service,
    timeline,
    triage,
    workflow,
)
from csirtnet.incident.schemas import (
    Classification,
    ClosingReport,
    ObservableCreate,
    ParticipantCreate,
    PhaseChange,
    TaskCreate,
    TaskUpdate,
    TimelineEntryCreate,
)
from csirtnet.models import Incident, Organisation, User
from csirtnet.web import incident_forms as forms
from csirtnet.web.render import redirect
from csirtnet.web.views.incidents.common import attempt, classification_values, fail, tr

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)


def _incident_action(
    request: Request, session: DbSession, incident_id: int, change: Callable[[], object], done: str, anchor: str = ""
) -> Response:
    url = f"/incidents/{incident_id}"
    try:
        attempt(session, change)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return fail(request, url + anchor, exc)
    return redirect(url + anchor, flash=tr(request)(done))


def _parse_or_fail(request: Request, url: str, model: type[M], values: dict[str, Any]) -> M | Response:
    errors: forms.Errors = {}
    data = forms.parse(model, values, errors)
    if data is None:
        say = tr(request)
        detail = "; ".join(f"{k}: {say(v)}" for k, v in errors.items())
        return redirect(url, flash=f"{say('Not saved')}: {detail}", kind="error")
    return data


def _submit(
    request: Request,
    session: DbSession,
    incident_id: int,
    anchor: str,
    model: type[M],
    values: dict[str, Any],
    act: Callable[[M], object],
    done: str,
) -> Response:
    """Validate the form into `model`, then run `act` with it; errors go back to the `anchor` section."""
    data = _parse_or_fail(request, f"/incidents/{incident_id}{anchor}", model, values)
    if isinstance(data, Response):
        return data
    return _incident_action(request, session, incident_id, lambda: act(data), done, anchor)


def _closing_report_values(form: Any) -> dict[str, str]:
    return {key: forms.text(form, key) or "" for key in ("result", "root_cause", "actions_taken", "lessons_learned")}


@router.post("/incidents/{incident_id}/classify")
async def classify(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values = classification_values(form)
    return _submit(
        request,
        session,
        incident_id,
        "#classification",
        Classification,
        values,
        lambda data: triage.update_classification(session, who, incident_id, data),
        N_("Classification saved."),
    )


@router.post("/incidents/{incident_id}/phase")
async def phase(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values: dict[str, Any] = {"phase": forms.text(form, "phase") or "", "note": forms.text(form, "note")}
    if values["phase"] == "closed" and "result" in form:
        values["closing_report"] = _closing_report_values(form)
    return _submit(
        request,
        session,
        incident_id,
        "#workflow",
        PhaseChange,
        values,
        lambda data: workflow.change_phase(session, who, incident_id, data),
        N_("Phase changed."),
    )


@router.post("/incidents/{incident_id}/close")
async def close(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values: dict[str, Any] = dict(_closing_report_values(form))
    return _submit(
        request,
        session,
        incident_id,
        "#workflow",
        ClosingReport,
        values,
        lambda data: workflow.close(session, who, incident_id, data),
        N_("The incident is closed with its closing report."),
    )


@router.post("/incidents/{incident_id}/timeline")
async def add_timeline(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    zone = forms.text(form, "timezone") or "Asia/Ho_Chi_Minh"
    values = {"occurred_at": forms.text(form, "occurred_at"), "timezone": zone, "text": forms.text(form, "text") or ""}
    return _submit(
        request,
        session,
        incident_id,
        "#timeline",
        TimelineEntryCreate,
        values,
        lambda data: timeline.add_entry(session, who, incident_id, data),
        N_("Timeline entry added."),
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


@router.post("/incidents/{incident_id}/tasks")
async def add_task(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    due = forms.local_datetime(forms.text(form, "due_at"), forms.text(form, "timezone") or "Asia/Ho_Chi_Minh")
    values = {
        "title": forms.text(form, "title") or "",
        "description": forms.text(form, "description"),
        "owner_id": _int(form.get("owner_id")),
        "assignee_ids": [i for i in (_int(v) for v in form.getlist("assignee_ids")) if i is not None],
        "due_at": due,
    }
    return _submit(
        request,
        session,
        incident_id,
        "#tasks",
        TaskCreate,
        values,
        lambda data: task_service.create(session, who, incident_id, data),
        N_("Task created."),
    )


@router.post("/incidents/{incident_id}/tasks/{task_id}")
async def update_task(request: Request, session: Session, who: PageUser, incident_id: int, task_id: int) -> Response:
    form = await request.form()
    return _submit(
        request,
        session,
        incident_id,
        "#tasks",
        TaskUpdate,
        {"status": forms.text(form, "status")},
        lambda data: task_service.update(session, who, incident_id, task_id, data),
        N_("Task updated."),
    )


@router.post("/incidents/{incident_id}/comments")
async def post_comment(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    body = forms.text(form, "body") or ""
    if not body:
        say = tr(request)
        return redirect(
            f"/incidents/{incident_id}#discussion",
            flash=f"{say('Not saved')}: {say('Write a message first.')}",
            kind="error",
        )
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: discussion.post(session, who, incident_id, body),
        N_("Message posted."),
        "#discussion",
    )


@router.post("/incidents/{incident_id}/observables")
async def add_observable(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values = {
        "kind": forms.text(form, "kind") or "",
        "value": forms.text(form, "value") or "",
        "tlp": forms.text(form, "tlp") or "amber",
        "note": forms.text(form, "note"),
    }
    return _submit(
        request,
        session,
        incident_id,
        "#observables",
        ObservableCreate,
        values,
        lambda data: observables.add(session, who, incident_id, data),
        N_("Observable added."),
    )


@router.post("/incidents/{incident_id}/observables/{observable_id}/delete")
def remove_observable(
    request: Request, session: Session, who: PageUser, incident_id: int, observable_id: int
) -> Response:
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: observables.remove(session, who, incident_id, observable_id),
        N_("Observable removed."),
        "#observables",
    )


@router.post("/incidents/{incident_id}/participants")
async def add_participant(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    email = (forms.text(form, "email") or "").lower()
    code = forms.text(form, "organisation_code")
    values: dict[str, Any] = {"role": forms.text(form, "role") or "responder", "note": forms.text(form, "note")}
    if email:
        values["user_id"] = session.scalar(select(User.id).where(User.email == email)) or -1
    elif code:
        values["organisation_id"] = (
            session.scalar(
                select(Organisation.id).where(or_(Organisation.member_code == code, Organisation.short_name == code))
            )
            or -1
        )
    ends = forms.local_datetime(forms.text(form, "ends_at"), forms.text(form, "timezone") or "Asia/Ho_Chi_Minh")
    if ends is not None:
        values["ends_at"] = ends
    return _submit(
        request,
        session,
        incident_id,
        "#participants",
        ParticipantCreate,
        values,
        lambda data: participants.add(session, who, incident_id, data),
        N_("Participant added."),
    )


@router.post("/incidents/{incident_id}/participants/{participant_id}/end")
def end_participant(
    request: Request, session: Session, who: PageUser, incident_id: int, participant_id: int
) -> Response:
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: participants.end(session, who, incident_id, participant_id),
        N_("Participation ended."),
        "#participants",
    )


@router.post("/incidents/{incident_id}/links")
async def add_link(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    raw = (forms.text(form, "other") or "").upper()
    other = int(raw) if raw.isdigit() else session.scalar(select(Incident.id).where(Incident.reference == raw))
    note = forms.text(form, "note")
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: triage.link_incidents(session, who, incident_id, other if other is not None else -1, note),
        N_("Incidents linked."),
        "#links",
    )


@router.post("/incidents/{incident_id}/deadlines/{rule_key}/met")
def deadline_met(request: Request, session: Session, who: PageUser, incident_id: int, rule_key: str) -> Response:
    from csirtnet.authz.incident import require_work

    def change() -> object:
        incident = get_visible(session, who, incident_id, audit_read=False)
        require_work(session, who, incident)
        return deadlines.mark_met(session, who, incident, rule_key)

    return _incident_action(request, session, incident_id, change, N_("Deadline marked as met."), "#deadlines")
