"""Exercise pages: the tabletop part. `/exercises/{id}/injects` is the team's view (its released
injects in order, with deadlines, its own answers, grades and feedback) or, for the exercise's
staff, the control view (the scenario with its timeline, "release now", who answered what, the late
marks, and the judges' grading queue). Beside it: the inject form (organisers), the answer form in
the inject's kind (text, a file, an incident report, a contact check), and the grading form. Every
change calls the tabletop services; a refused one comes back with its errors in place."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.exercise.tabletop import answers, injects, reads
from csirtnet.exercise.tabletop.schemas import GradeIn, InjectAnswerIn, InjectCreate, InjectUpdate
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.kit.files import download
from csirtnet.kit.markdown import render as markdown_html
from csirtnet.models import AnswerKind, Exercise, InjectKind
from csirtnet.web.forms import BoundForm, Form
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.exercises import tabletop_forms as tf
from csirtnet.web.views.incidents.page import user_zone

router = APIRouter(include_in_schema=False)


def _say(request: Request, message: str, **values: Any) -> str:
    text = translate(request_language(request), message)
    return text % values if values else text


def _markdown(text: str | None) -> Markup:
    return Markup(markdown_html(text))  # noqa: S704 - kit.markdown's output escapes raw HTML


def _context(request: Request, exercise: Exercise, **extra: Any) -> dict[str, Any]:
    return {"exercise": exercise, "markdown": _markdown, "kind_page": ("injects", N_("Injects")), **extra}


# -- the injects page ----------------------------------------------------------------------------


@router.get("/exercises/{exercise_id:int}/injects")
def injects_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    exercise = injects.tabletop(session, who, exercise_id)
    team = request.query_params.get("team", "")
    page = reads.injects_page(session, who, exercise, int(team) if team.isdigit() else None)
    return render(request, "exercises/tabletop/injects.html", _context(request, exercise, page=page))


@router.post("/exercises/{exercise_id:int}/injects/{inject_id:int}/release")
def release(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    back = f"/exercises/{exercise_id}/injects"
    try:
        with savepoint(session):
            inject = injects.release(session, who, exercise_id, inject_id)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=translate_message(request_language(request), exc.message), kind="error")
    return redirect(back, flash=_say(request, N_("“%(title)s” is released: the teams are told."), title=inject.title))


def _move(request: Request, session: DbSession, who: Subject, exercise_id: int, inject_id: int, step: int) -> Response:
    injects.move_inject(session, who, exercise_id, inject_id, step)
    return redirect(f"/exercises/{exercise_id}/injects#inject-{inject_id}")


@router.post("/exercises/{exercise_id:int}/injects/{inject_id:int}/up")
def move_up(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    return _move(request, session, who, exercise_id, inject_id, -1)


@router.post("/exercises/{exercise_id:int}/injects/{inject_id:int}/down")
def move_down(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    return _move(request, session, who, exercise_id, inject_id, 1)


@router.post("/exercises/{exercise_id:int}/injects/{inject_id:int}/delete")
def delete(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    back = f"/exercises/{exercise_id}/injects"
    try:
        with savepoint(session):
            injects.delete_inject(session, who, exercise_id, inject_id)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=translate_message(request_language(request), exc.message), kind="error")
    return redirect(back, flash=_say(request, N_("The inject is removed.")))


@router.get("/exercises/{exercise_id:int}/injects/{inject_id:int}/files/{file_id:int}")
def inject_file(session: Session, who: PageUser, exercise_id: int, inject_id: int, file_id: int) -> Response:
    return download(injects.inject_file(session, who, exercise_id, inject_id, file_id))


@router.get("/exercises/{exercise_id:int}/answers/{answer_id:int}/file")
def answer_file(session: Session, who: PageUser, exercise_id: int, answer_id: int) -> Response:
    return download(answers.answer_file_of(session, who, exercise_id, answer_id))


# -- the inject form -------------------------------------------------------------------------------


def _organised(session: DbSession, who: Subject, exercise_id: int) -> Exercise:
    exercise = injects.tabletop(session, who, exercise_id)
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the exercise's organisers change its injects.")
    return exercise


def _inject_form(
    request: Request,
    exercise: Exercise,
    form: BoundForm,
    *,
    view: reads.InjectView | None = None,
    status: int = 200,
) -> Response:
    files = [(str(f.id), f.filename) for f in view.files] if view else []
    return render(
        request,
        "exercises/tabletop/inject_form.html",
        _context(request, exercise, form=form, view=view, files=files),
        status_code=status,
    )


def _save_uploads(session: DbSession, who: Subject, form: BoundForm, exercise_id: int, inject_id: int) -> None:
    for upload in form.uploads.get("attachments", []):
        injects.attach_file(
            session,
            who,
            exercise_id,
            inject_id,
            filename=upload.filename,
            content_type=upload.content_type,
            stream=upload.file,
        )


@router.get("/exercises/{exercise_id:int}/injects/new")
def new_inject(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    exercise = _organised(session, who, exercise_id)
    form = tf.INJECT.blank({"kind": "text", "answer_kind": "text", "answer_minutes": 60})
    return _inject_form(request, exercise, form)


@router.post("/exercises/{exercise_id:int}/injects/new")
async def create_inject(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    exercise = _organised(session, who, exercise_id)
    form = await tf.INJECT.read(request)
    values, locations = tf.inject_values(form, request_language(request))
    data = form.validate(InjectCreate, values, locations=locations)

    def change() -> Any:
        if data is None:
            return None
        inject = injects.create_inject(session, who, exercise_id, data)
        _save_uploads(session, who, form, exercise_id, inject.id)
        return inject

    inject = form.attempt(session, change)
    if inject is None or not form.ok:
        return _inject_form(request, exercise, form, status=422)
    return redirect(
        f"/exercises/{exercise_id}/injects#inject-{inject.id}", flash=_say(request, N_("The inject is saved."))
    )


@router.get("/exercises/{exercise_id:int}/injects/{inject_id:int}/edit")
def edit_inject_form(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    exercise = _organised(session, who, exercise_id)
    view = reads.inject_view(session, who, exercise, inject_id)
    i = view.inject
    form = tf.INJECT.blank(
        {
            "title": i.title,
            "kind": i.kind,
            "headers": tf.headers_text(view.headers),
            "body": view.text,
            "answer_kind": i.answer_kind,
            "release_offset_minutes": i.release_offset_minutes,
            "answer_minutes": i.answer_minutes,
            "rubric": tf.rubric_text(list(i.rubric or [])),
        }
    )
    return _inject_form(request, exercise, form, view=view)


@router.post("/exercises/{exercise_id:int}/injects/{inject_id:int}/edit")
async def edit_inject(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    exercise = _organised(session, who, exercise_id)
    view = reads.inject_view(session, who, exercise, inject_id)
    form = await tf.INJECT.read(request)
    values, locations = tf.inject_values(form, request_language(request))
    if view.inject.released_at is not None:  # these no longer change (the form shows them read-only)
        for name in ("kind", "answer_kind", "release_offset_minutes"):
            values.pop(name, None)
    data = form.validate(InjectUpdate, values, locations=locations)

    def change() -> Any:
        if data is None:
            return None
        inject = injects.update_inject(session, who, exercise_id, inject_id, data)
        for file_id in form.chosen("remove_files"):
            if file_id.isdigit():
                injects.detach_file(session, who, exercise_id, inject_id, int(file_id))
        _save_uploads(session, who, form, exercise_id, inject_id)
        return inject

    done = form.attempt(session, change)
    if done is None or not form.ok:
        return _inject_form(request, exercise, form, view=view, status=422)
    return redirect(
        f"/exercises/{exercise_id}/injects#inject-{inject_id}", flash=_say(request, N_("The inject is saved."))
    )


# -- the team's answer -----------------------------------------------------------------------------


def _answer_form_of(view: reads.InjectView) -> Form:
    if view.inject.kind == InjectKind.CONTACT_CHECK.value:
        return tf.CONTACT
    return tf.ANSWER_FORMS[view.inject.answer_kind]


def _answer_page(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise: Exercise,
    inject_id: int,
    *,
    form: BoundForm | None = None,
    status: int = 200,
) -> Response:
    view = reads.inject_view(session, who, exercise, inject_id)
    if view.inject.released_at is None:
        raise NotFound("inject")
    team_id = answers.answering_team(session, who, exercise, _team_param(request, form))
    rules.require_play(session, who, exercise, team_id)
    previous = reads.answer_views(session, who, exercise, inject_id=inject_id, team_ids=[team_id])
    answer = previous[0] if previous else None
    if form is None:
        blank = _answer_form_of(view)
        form = blank.blank(_initial(answer, team_id, set(blank.fields)), zone=user_zone(request))
    return render(
        request,
        "exercises/tabletop/answer.html",
        _context(request, exercise, view=view, form=form, answer=answer, team_id=team_id),
        status_code=status,
    )


def _team_param(request: Request, form: BoundForm | None) -> int | None:
    typed = form.text("team_id") if form is not None else request.query_params.get("team", "")
    return int(typed) if typed and typed.isdigit() and len(typed) < 10 else None


def _initial(answer: reads.AnswerView | None, team_id: int, fields: set[str]) -> dict[str, Any]:
    """The team's answer so far, in the fields of the form that amends it (a text answer's body is
    a file answer's note; a report answer's fields are the report's)."""
    values: dict[str, Any] = {"team_id": team_id}
    if answer is None:
        return values
    a = answer.answer
    values["body"] = a.body
    values["note"] = a.body
    for name, value in (a.report or {}).items():
        values[name] = "\n".join(value) if isinstance(value, list) else value
    return {name: value for name, value in values.items() if name in fields}


@router.get("/exercises/{exercise_id:int}/injects/{inject_id:int}/answer")
def answer_form(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    exercise = injects.tabletop(session, who, exercise_id)
    return _answer_page(request, session, who, exercise, inject_id)


@router.post("/exercises/{exercise_id:int}/injects/{inject_id:int}/answer")
async def answer(request: Request, session: Session, who: PageUser, exercise_id: int, inject_id: int) -> Response:
    exercise = injects.tabletop(session, who, exercise_id)
    view = reads.inject_view(session, who, exercise, inject_id)
    form = await _answer_form_of(view).read(request, zone=user_zone(request))
    team_id = _team_param(request, form)
    done: Any = None
    if form.form is tf.ANSWER_FILE:
        form.missing_required()
        note = form.text("note")
        uploads = form.uploads.get("file", [])
        if form.ok and uploads:
            upload = uploads[0]
            done = form.attempt(
                session,
                lambda: answers.answer_file(
                    session,
                    who,
                    exercise_id,
                    inject_id,
                    team_id=team_id,
                    filename=upload.filename,
                    content_type=upload.content_type,
                    stream=upload.file,
                    note=note,
                ),
            )
    else:
        if form.form is tf.ANSWER_REPORT:
            report = form.values(*(n for n in tf.ANSWER_REPORT.fields if n != "team_id"))
            report["system_ips"] = [line.strip() for line in form.text("system_ips").splitlines() if line.strip()]
            report = {k: v for k, v in report.items() if v is not None}
            values: dict[str, Any] = {"team_id": team_id, "report": report}
            locations = {f"report.{n}": n for n in tf.ANSWER_REPORT.fields}
            locations |= {f"report.system_ips.{i}": "system_ips" for i in range(100)}
        else:
            values = {"team_id": team_id, "body": form.text("body")}
            locations = {}
        data = form.validate(InjectAnswerIn, values, locations=locations)
        if data is not None:
            done = form.attempt(session, lambda: answers.answer(session, who, exercise_id, inject_id, data))
    if done is None or not form.ok:
        return _answer_page(request, session, who, exercise, inject_id, form=form, status=422)
    if done.late:
        message = _say(request, N_("Your team's answer is recorded, after the deadline: it counts as late."))
    elif view.inject.kind == InjectKind.CONTACT_CHECK.value:
        message = _say(request, N_("Your team's contact points are reconfirmed."))
    else:
        message = _say(request, N_("Your team's answer is recorded. You may change it until the deadline."))
    return redirect(f"/exercises/{exercise_id}/injects?team={done.team_id}#inject-{inject_id}", flash=message)


# -- grading -----------------------------------------------------------------------------------


def _grade_page(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise: Exercise,
    answer_id: int,
    *,
    form: BoundForm | None = None,
    status: int = 200,
) -> Response:
    answer = reads.answer_view(session, who, exercise, answer_id)  # another team's answer: not found
    if not rules.can_judge(session, who, exercise):
        raise Forbidden("Only the exercise's judges grade answers.")
    view = reads.inject_view(session, who, exercise, answer.answer.inject_id)
    rubric = list(view.inject.rubric or [])
    if form is None:
        given = {str(g["criterion"]): g["points"] for g in answer.answer.grade or []}
        initial: dict[str, Any] = {"feedback": answer.answer.feedback}
        for n, c in enumerate(rubric, start=1):
            if c["criterion"] in given:
                initial[f"points_{n}"] = tf.number_text(given[c["criterion"]])
        form = tf.GRADE.blank(initial)
    return render(
        request,
        "exercises/tabletop/grade.html",
        _context(
            request,
            exercise,
            view=view,
            answer=answer,
            form=form,
            rubric=[(f"points_{n}", c) for n, c in enumerate(rubric, start=1)],
            answer_kinds=AnswerKind,
        ),
        status_code=status,
    )


@router.get("/exercises/{exercise_id:int}/answers/{answer_id:int}/grade")
def grade_form(request: Request, session: Session, who: PageUser, exercise_id: int, answer_id: int) -> Response:
    exercise = injects.tabletop(session, who, exercise_id)
    return _grade_page(request, session, who, exercise, answer_id)


@router.post("/exercises/{exercise_id:int}/answers/{answer_id:int}/grade")
async def grade(request: Request, session: Session, who: PageUser, exercise_id: int, answer_id: int) -> Response:
    exercise = injects.tabletop(session, who, exercise_id)
    answer = reads.answer_view(session, who, exercise, answer_id)  # NotFound before the form is read
    view = reads.inject_view(session, who, exercise, answer.answer.inject_id)
    form = await tf.GRADE.read(request)
    criteria: list[dict[str, Any]] = []
    locations: dict[str, str] = {}
    for n, c in enumerate(view.inject.rubric or [], start=1):
        typed = form.text(f"points_{n}").replace(",", ".")
        if not typed:
            form.fail(f"points_{n}", N_("This field is required."))
        locations[f"criteria.{len(criteria)}.points"] = f"points_{n}"
        locations[f"criteria.{len(criteria)}.criterion"] = f"points_{n}"
        criteria.append({"criterion": c["criterion"], "points": typed or None})
    data = form.validate(GradeIn, {"criteria": criteria, "feedback": form.text("feedback")}, locations=locations)
    done = form.attempt(session, lambda: answers.grade(session, who, exercise_id, answer_id, data) if data else None)
    if done is None or not form.ok:
        return _grade_page(request, session, who, exercise, answer_id, form=form, status=422)
    message = _say(request, N_("Graded: %(points)s points for %(team)s."), points=f"{done.points:g}", team=answer.team)
    return redirect(f"/exercises/{exercise_id}/injects#grading", flash=message)
