"""Exercise pages of the results part: the network's rankings, an exercise's final ranking with its
certificates and results PDF, the after-action report (its form, lessons, publishing, PDF), and the
outside drills (recorded by the coordinating body, results entered by hand or from CSV).

Mounted before core's `/exercises/{exercise_id}` pages: the fixed paths (`/exercises/rankings`,
`/exercises/external/new`) are this module's. Every change calls the results services; a refused
form comes back in place with its errors (the one form path, web.forms)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.authz.cluster import today
from csirtnet.cluster import reads as cluster_reads
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.results import after_action, external, rankings, reads
from csirtnet.exercise.results import readiness as results_readiness
from csirtnet.exercise.results.schemas import (
    AfterActionUpdate,
    ExternalExerciseCreate,
    ExternalResultIn,
    LessonCreate,
)
from csirtnet.exercise.results.standings import placement
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.models import ExerciseScope
from csirtnet.web import forms
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)

KIND_CHOICES = [
    ("technical", N_("Technical drills")),
    ("tabletop", N_("Tabletop exercises")),
    ("live_fire", N_("Live-fire exercises")),
    ("external", N_("Outside drills")),
]
SCOPE_CHOICES = [("international", N_("International drill")), ("national", N_("National drill"))]
TLP_CHOICES = [("green", "TLP:GREEN"), ("clear", "TLP:CLEAR"), ("amber", "TLP:AMBER")]

RANKING_FILTERS = forms.Form(
    "exercise_rankings",
    [
        forms.Field("year", N_("Year"), kind="number", attrs={"min": "1990", "max": "2100"}),
        forms.Field("kind", N_("Kind of exercise"), kind="select", choices=KIND_CHOICES, blank=N_("Every kind")),
        forms.Field("cluster_id", N_("Cluster"), kind="select", blank=N_("The whole network")),
    ],
)
EXTERNAL_DRILL = forms.Form(
    "exercise_external",
    [
        forms.Field("external_name", N_("Name of the drill"), required=True, help=N_('e.g. "ASEAN ACID 2026"')),
        forms.Field("scope", N_("Scope"), kind="select", choices=SCOPE_CHOICES, required=True),
        forms.Field("held_on", N_("Held on"), kind="date", required=True),
        forms.Field("tlp", N_("Marking"), kind="select", choices=TLP_CHOICES, required=True),
        forms.Field("description", N_("Description"), kind="textarea"),
    ],
)
EXTERNAL_RESULT = forms.Form(
    "exercise_external_result",
    [
        forms.Field("organisation_id", N_("Member organisation"), kind="select", required=True, blank=N_("Choose…")),
        forms.Field("rank", N_("Rank"), kind="number", required=True, attrs={"min": "1"}),
        forms.Field("score", N_("Score"), kind="number", attrs={"step": "any"}),
    ],
)
RESULTS_CSV = forms.Form(
    "exercise_results_csv",
    [forms.Field("file", N_("Results file (CSV)"), kind="file", required=True, help=N_("Header: team,rank,score"))],
)
AFTER_ACTION = forms.Form(
    "exercise_after_action",
    [
        forms.Field("summary", N_("Summary"), kind="textarea"),
        forms.Field("strengths", N_("Strengths"), kind="textarea"),
        forms.Field("weaknesses", N_("Weaknesses"), kind="textarea"),
    ],
)
LESSON = forms.Form(
    "exercise_lesson",
    [
        forms.Field("title", N_("Lesson"), required=True),
        forms.Field("body", N_("What to do about it"), kind="textarea"),
        forms.Field(
            "organisation_id",
            N_("For the member"),
            kind="select",
            blank=N_("The whole network"),
            help=N_("A lesson for one member becomes an item of its readiness record."),
        ),
    ],
)


def _say(request: Request, message: str) -> str:
    return translate(request_language(request), message)


def _refusal(request: Request, exc: AppError) -> str:
    language = request_language(request)
    if exc.errors:
        lines = [f"{e.field}: {e.message}" for e in exc.errors]
        return "; ".join(translate_message(language, line) for line in lines)
    return translate_message(language, exc.message)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


# -- rankings --------------------------------------------------------------------------------------


@router.get("/exercises/rankings")
def rankings_page(request: Request, session: Session, who: PageUser) -> Response:
    form = RANKING_FILTERS.from_data(FormData(list(request.query_params.multi_items())))
    year_text, kind, cluster = form.text("year"), form.text("kind"), form.text("cluster_id")
    year = today().year
    if year_text:
        if year_text.isdigit() and 1990 <= int(year_text) <= 2100:
            year = int(year_text)
        else:
            form.fail("year", N_("Enter a year between 1990 and 2100."))
    else:
        form.raw["year"] = str(year)
    if kind and kind not in {k for k, _ in KIND_CHOICES}:
        form.fail("kind", N_("Choose one of the offered values."))
    if cluster and not cluster.isdigit():
        form.fail("cluster_id", N_("Choose one of the offered values."))
    rows = rankings.network_ranking(
        session,
        who,
        year,
        kind=kind if form.ok and kind else None,
        cluster_id=int(cluster) if form.ok and cluster else None,
    )
    language = request_language(request)
    return render(
        request,
        "exercises/results/rankings.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "cluster_choices": [(str(c.id), c.name) for c in cluster_reads.clusters_among(session, None)],
            "place": lambda rank, total: placement(rank, total, language),
            "kinds": dict(KIND_CHOICES),
        },
        status_code=200 if form.ok else 422,
    )


# -- an exercise's results -------------------------------------------------------------------------


@router.get("/exercises/{exercise_id:int}/results")
def results_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    page = reads.results_page(session, who, exercise_id)
    language = request_language(request)
    return render(
        request,
        "exercises/results/results.html",
        {"page": page, "e": page.exercise, "place": lambda rank, total: placement(rank, total, language)},
    )


@router.post("/exercises/{exercise_id:int}/record-results")
def record_results(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    back = f"/exercises/{exercise_id}/results"
    exercise = rules.get_visible(session, who, exercise_id)
    try:
        with savepoint(session):
            summary = results_readiness.record_results(session, who, exercise)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=_refusal(request, exc), kind="error")
    message = _say(request, N_("Written into %(count)s readiness record(s).")) % {"count": summary.organisations}
    return redirect(back, flash=message)


@router.get("/exercises/{exercise_id:int}/results.pdf")
def results_pdf(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    from csirtnet.exercise.results import pdfs

    name, body = pdfs.results_pdf(session, who, exercise_id, request_language(request))
    return Response(body, media_type="application/pdf", headers=_attachment(name))


@router.get("/exercises/{exercise_id:int}/certificates/{team_id:int}.pdf")
def certificate_pdf(request: Request, session: Session, who: PageUser, exercise_id: int, team_id: int) -> Response:
    from csirtnet.exercise.results import pdfs

    name, body = pdfs.certificate_pdf(session, who, exercise_id, team_id, request_language(request))
    return Response(body, media_type="application/pdf", headers=_attachment(name))


# -- after-action ----------------------------------------------------------------------------------


def _after_action_page(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise_id: int,
    *,
    report_form: BoundForm | None = None,
    lesson_form: BoundForm | None = None,
    status: int = 200,
) -> Response:
    language = request_language(request)
    data = reads.after_action_read(session, who, exercise_id, language)
    exercise = after_action.get_readable(session, who, exercise_id)
    organiser = rules.is_organiser(session, who, exercise)
    initial = {"summary": data.summary, "strengths": data.strengths, "weaknesses": data.weaknesses}
    return render(
        request,
        "exercises/results/after_action.html",
        {
            "e": exercise,
            "report": data,
            "organiser": organiser,
            "report_form": report_form or AFTER_ACTION.blank(initial),
            "lesson_form": lesson_form or LESSON.blank(),
            "member_choices": reads.member_choices(session, exercise),
            "unpublished": [x for x in data.lessons if not x.published],
        },
        status_code=status,
    )


@router.get("/exercises/{exercise_id:int}/after-action")
def after_action_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _after_action_page(request, session, who, exercise_id)


@router.post("/exercises/{exercise_id:int}/after-action")
async def after_action_save(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    after_action.get_organised(session, who, exercise_id)
    form = await AFTER_ACTION.read(request)
    values = {name: form.text(name) for name in ("summary", "strengths", "weaknesses")}
    data = form.validate(AfterActionUpdate, values)
    if data is not None:
        form.attempt(session, lambda: after_action.save_report(session, who, exercise_id, data))
    if not form.ok:
        return _after_action_page(request, session, who, exercise_id, report_form=form, status=422)
    return redirect(f"/exercises/{exercise_id}/after-action", flash=_say(request, N_("The report is saved.")))


@router.post("/exercises/{exercise_id:int}/after-action/lessons")
async def lesson_add(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    after_action.get_organised(session, who, exercise_id)
    form = await LESSON.read(request)
    data = form.validate(LessonCreate, {**form.values(), "body": form.text("body")})
    if data is not None:
        form.attempt(session, lambda: after_action.add_lesson(session, who, exercise_id, data))
    if not form.ok:
        return _after_action_page(request, session, who, exercise_id, lesson_form=form, status=422)
    return redirect(f"/exercises/{exercise_id}/after-action#lessons", flash=_say(request, N_("The lesson is added.")))


@router.post("/exercises/{exercise_id:int}/after-action/lessons/{lesson_id:int}/delete")
def lesson_remove(request: Request, session: Session, who: PageUser, exercise_id: int, lesson_id: int) -> Response:
    back = f"/exercises/{exercise_id}/after-action#lessons"
    try:
        with savepoint(session):
            after_action.remove_lesson(session, who, exercise_id, lesson_id)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=_refusal(request, exc), kind="error")
    return redirect(back, flash=_say(request, N_("The lesson is removed.")))


@router.post("/exercises/{exercise_id:int}/after-action/publish")
def lessons_publish(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    back = f"/exercises/{exercise_id}/after-action#lessons"
    try:
        with savepoint(session):
            summary = after_action.publish(session, who, exercise_id)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=_refusal(request, exc), kind="error")
    message = _say(request, N_("%(count)s lesson(s) published to the knowledge base.")) % {"count": summary.published}
    return redirect(back, flash=message)


@router.get("/exercises/{exercise_id:int}/after-action.pdf")
def after_action_pdf(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    from csirtnet.exercise.results import pdfs

    name, body = pdfs.after_action_pdf(session, who, exercise_id, request_language(request))
    return Response(body, media_type="application/pdf", headers=_attachment(name))


# -- outside drills --------------------------------------------------------------------------------


def _new_external_page(request: Request, form: BoundForm, status: int = 200) -> Response:
    return render(request, "exercises/results/external_new.html", {"form": form}, status_code=status)


@router.get("/exercises/external/new")
def external_new(request: Request, session: Session, who: PageUser) -> Response:
    if not rules.can_create(session, who, ExerciseScope.INTERNATIONAL, None):
        raise Forbidden("Outside drills are recorded by the coordinating body")
    return _new_external_page(request, EXTERNAL_DRILL.blank({"scope": "international", "tlp": "green"}))


@router.post("/exercises/external/new")
async def external_create(request: Request, session: Session, who: PageUser) -> Response:
    if not rules.can_create(session, who, ExerciseScope.INTERNATIONAL, None):
        raise Forbidden("Outside drills are recorded by the coordinating body")
    form = await EXTERNAL_DRILL.read(request)
    data = form.validate(ExternalExerciseCreate, {**form.values(), "description": form.text("description")})
    exercise = form.attempt(session, lambda: external.create(session, who, data)) if data is not None else None
    if exercise is None or not form.ok:
        return _new_external_page(request, form, 422)
    return redirect(
        f"/exercises/{exercise.id}/external-results",
        flash=_say(request, N_("The drill is recorded: enter its results.")),
    )


def _external_page(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise_id: int,
    *,
    result_form: BoundForm | None = None,
    csv_form: BoundForm | None = None,
    csv_problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    exercise = external.get_external(session, who, exercise_id, organise=True)
    page = reads.results_page(session, who, exercise_id)
    language = request_language(request)
    return render(
        request,
        "exercises/results/external_results.html",
        {
            "e": exercise,
            "page": page,
            "result_form": result_form or EXTERNAL_RESULT.blank(),
            "csv_form": csv_form or RESULTS_CSV.blank(),
            "csv_problems": csv_problems or [],
            "organisation_choices": reads.organisation_choices(session),
            "place": lambda rank, total: placement(rank, total, language),
        },
        status_code=status,
    )


@router.get("/exercises/{exercise_id:int}/external-results")
def external_results(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _external_page(request, session, who, exercise_id)


@router.post("/exercises/{exercise_id:int}/external-results")
async def external_result_enter(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    external.get_external(session, who, exercise_id, organise=True)
    form = await EXTERNAL_RESULT.read(request)
    values: dict[str, Any] = form.values()
    values["score"] = values.get("score") or 0
    data = form.validate(ExternalResultIn, values)
    if data is not None:
        form.attempt(session, lambda: external.set_result(session, who, exercise_id, data))
    if not form.ok:
        return _external_page(request, session, who, exercise_id, result_form=form, status=422)
    return redirect(f"/exercises/{exercise_id}/external-results", flash=_say(request, N_("The result is saved.")))


@router.post("/exercises/{exercise_id:int}/external-results/import")
async def external_results_import(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    external.get_external(session, who, exercise_id, organise=True)
    form = await RESULTS_CSV.read(request)
    form.missing_required()
    uploads = form.uploads.get("file") or []
    summary = None
    problems: list[str] = []
    if form.ok and uploads:
        content = await uploads[0].read()
        try:
            with savepoint(session):
                summary = external.import_csv(session, who, exercise_id, content)
        except ValidationFailed as exc:  # every bad row, each named by its line and column
            language = request_language(request)
            lines = [f"{e.field}: {e.message}" for e in exc.errors]
            problems = [translate_message(language, line) for line in lines]
            form.fail("file", N_("The file has errors; nothing was imported."))
    if summary is None or not form.ok:
        return _external_page(request, session, who, exercise_id, csv_form=form, csv_problems=problems, status=422)
    message = _say(request, N_("%(count)s result(s) imported.")) % {"count": summary.imported}
    return redirect(f"/exercises/{exercise_id}/external-results", flash=message)


@router.post("/exercises/{exercise_id:int}/external-results/{organisation_id:int}/delete")
def external_result_remove(
    request: Request, session: Session, who: PageUser, exercise_id: int, organisation_id: int
) -> Response:
    external.remove_result(session, who, exercise_id, organisation_id)
    return redirect(f"/exercises/{exercise_id}/external-results", flash=_say(request, N_("The result is removed.")))
