"""Exercise pages: the technical part. `/exercises/{id}/challenges` is the challenge board by
category (value now, ranked solves, solved ✓, first blood); a challenge's page has its
description, files, hints (unlocked after confirming their cost) and the flag form, with the answer
told in place; the organisers' forms create and edit challenges, add flags (never shown again in
clear), hints and files. `/exercises/import-ctfd` imports a CTFd backup. Every change calls the
technical services through the one form path; a refused one comes back with its errors in place."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import require
from csirtnet.errors import Forbidden, TooManyRequests
from csirtnet.exercise.reads import create_choices
from csirtnet.exercise.technical import challenges, ctfd, play, reads, repository
from csirtnet.exercise.technical.schemas import ChallengeCreate, ChallengeUpdate, FlagCreate, HintCreate
from csirtnet.i18n import N_, translate
from csirtnet.kit.files import download
from csirtnet.models import Exercise
from csirtnet.web.forms import GENERAL, BoundForm, Field, Form
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)

FUNCTIONS = (
    ("static", N_("Static: the same points for every solver")),
    ("linear", N_("Linear decay: fewer points per solve")),
    ("logarithmic", N_("Logarithmic decay: reaches the minimum after the decay's count of solves")),
)
FLAG_KINDS = (("static", N_("Static text (stored hashed)")), ("regex", N_("Regular expression (whole answer)")))
_NUMBER = {"min": "0", "max": "1000000", "inputmode": "numeric"}

CHALLENGE = Form(
    "challenge",
    [
        Field("name", N_("Name"), required=True, attrs={"maxlength": "200"}),
        Field("category", N_("Category"), help=N_("e.g. Web, Forensics, Crypto"), attrs={"maxlength": "100"}),
        Field(
            "description",
            N_("Description"),
            kind="textarea",
            help=N_("Markdown: **bold**, lists, links, code. HTML is shown as text."),
            attrs={"rows": "8", "maxlength": "100000"},
        ),
        Field("function", N_("Scoring"), kind="select", required=True, choices=FUNCTIONS),
        Field("value", N_("Points (the initial value when dynamic)"), kind="number", required=True, attrs=_NUMBER),
        Field(
            "decay",
            N_("Decay"),
            kind="number",
            help=N_(
                "Linear: points lost per solve. Logarithmic: the number of solves after which the value is the minimum."
            ),
            attrs=_NUMBER,
        ),
        Field("minimum", N_("Minimum value"), kind="number", attrs=_NUMBER),
        Field("max_attempts", N_("Attempts per team"), kind="number", help=N_("0 for no limit"), attrs=_NUMBER),
        Field("position", N_("Order in its category"), kind="number", attrs=_NUMBER),
        Field("per_team_flags", N_("Each team has its own flag"), kind="checkbox"),
        Field("hidden", N_("Hidden from the teams"), kind="checkbox"),
        Field(
            "flag",
            N_("Flag"),
            help=N_("Stored hashed: it is never shown again."),
            attrs={"maxlength": "1000", "autocomplete": "off", "spellcheck": "false"},
        ),
        Field("flag_kind", N_("Kind of flag"), kind="select", choices=FLAG_KINDS),
        Field("flag_case_insensitive", N_("Case-insensitive"), kind="checkbox"),
    ],
    locations={"flags.0.content": "flag", "flags.0.kind": "flag_kind"},
)
FLAG = Form(
    "challenge_flag",
    [
        Field(
            "content",
            N_("Flag"),
            required=True,
            help=N_("Stored hashed: it is never shown again."),
            attrs={"maxlength": "1000", "autocomplete": "off", "spellcheck": "false"},
        ),
        Field("kind", N_("Kind of flag"), kind="select", required=True, choices=FLAG_KINDS),
        Field("case_insensitive", N_("Case-insensitive"), kind="checkbox"),
        Field("team_id", N_("Team"), kind="select", blank=N_("Every team")),
    ],
)
HINT = Form(
    "challenge_hint",
    [
        Field("content", N_("Hint"), kind="textarea", required=True, attrs={"rows": "3", "maxlength": "20000"}),
        Field("cost", N_("Cost in points"), kind="number", attrs=_NUMBER),
    ],
)
FILE = Form("challenge_file", [Field("file", N_("File"), kind="file", required=True)])
SUBMIT = Form(
    "flag_submission",
    [
        Field(
            "flag", N_("Flag"), required=True, attrs={"maxlength": "1000", "autocomplete": "off", "spellcheck": "false"}
        ),
        Field("team_id", N_("Team"), kind="select"),
    ],
)
UNLOCK = Form(
    "hint_unlock", [Field("confirm", N_("Take the hint's cost off my team's score"), kind="checkbox", required=True)]
)
IMPORT = Form(
    "ctfd_import",
    [
        Field(
            "file",
            N_("CTFd backup (.zip)"),
            kind="file",
            required=True,
            help=N_("The zip CTFd's admin panel exports (Admin → Config → Backup → Export)."),
            attrs={"accept": ".zip"},
        ),
        Field("title", N_("Title"), help=N_("Leave empty to keep the CTF's name."), attrs={"maxlength": "300"}),
        Field(
            "cluster_id",
            N_("Cluster"),
            kind="select",
            blank=N_("Not a cluster exercise"),
            help=N_("For a cluster's drill; leave empty for a national one."),
        ),
    ],
)


def _say(request: Request, message: str, **values: Any) -> str:
    text = translate(request_language(request), message)
    return text % values if values else text


def _context(exercise: Exercise, **extra: Any) -> dict[str, Any]:
    return {"exercise": exercise, "kind_page": ("challenges", "Challenges"), "html": Markup, **extra}


# -- the board and a challenge --------------------------------------------------------------------


@router.get("/exercises/{exercise_id:int}/challenges")
def board_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    board = reads.board(session, who, exercise_id)
    return render(request, "exercises/technical/board.html", _context(board.exercise, board=board))


def _team_choices(view: reads.BoardView) -> list[tuple[str, str]]:
    return [(str(t), view.team_names[t]) for t in sorted(view.playing_team_ids)]


def _challenge_page(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise_id: int,
    challenge_id: int,
    *,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    view = reads.challenge_page(session, who, exercise_id, challenge_id)
    forms: dict[str, BoundForm] = {
        "submit": bound if bound is not None and bound.form is SUBMIT else SUBMIT.blank(),
        "flag": bound if bound is not None and bound.form is FLAG else FLAG.blank({"kind": "static"}),
        "hint": bound if bound is not None and bound.form is HINT else HINT.blank({"cost": 0}),
        "file": bound if bound is not None and bound.form is FILE else FILE.blank(),
    }
    unlocks = {}
    for h in view.hints:
        if bound is not None and bound.form is UNLOCK and bound.key == str(h.hint.id):
            unlocks[h.hint.id] = bound
        else:
            unlocks[h.hint.id] = UNLOCK.blank(key=str(h.hint.id))
    teams = reads.team_choices(session, who, exercise_id) if view.board.organiser else []
    return render(
        request,
        "exercises/technical/challenge.html",
        _context(
            view.board.exercise,
            view=view,
            forms=forms,
            unlocks=unlocks,
            teams=teams,
            play_teams=_team_choices(view.board),
        ),
        status_code=status,
    )


@router.get("/exercises/{exercise_id:int}/challenges/{challenge_id:int}")
def challenge_page(request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int) -> Response:
    return _challenge_page(request, session, who, exercise_id, challenge_id)


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/submit")
async def submit(request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int) -> Response:
    form = await SUBMIT.read(request)
    form.missing_required()
    team = form.text("team_id")
    raw = form.raw.get("flag", "")
    typed = raw if isinstance(raw, str) else ""  # as typed: the service strips it
    outcome = None
    try:
        outcome = form.attempt(
            session,
            lambda: play.submit(
                session,
                who,
                exercise_id,
                challenge_id,
                typed,
                team_id=int(team) if team.isdigit() else None,
            ),
        )
    except TooManyRequests as exc:  # pragma: no cover - attempt turns it into a form error
        form.fail(GENERAL, exc.message)
    here = f"/exercises/{exercise_id}/challenges/{challenge_id}"
    if outcome is not None and outcome.status == "correct":
        text = _say(
            request,
            N_("Correct! %(challenge)s is solved: %(points)s points."),
            challenge=outcome.challenge.name,
            points=outcome.value,
        )
        if outcome.first_blood:
            text += " " + _say(request, N_("First blood!"))
        return redirect(here, flash=text)
    if outcome is not None and outcome.status == "already_solved":
        return redirect(here, flash=_say(request, N_("Your team has already solved this challenge.")), kind="info")
    if outcome is not None:
        form.fail("flag", N_("Incorrect."))
    return _challenge_page(request, session, who, exercise_id, challenge_id, bound=form, status=422)


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/hints/{hint_id:int}/unlock")
async def unlock(
    request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int, hint_id: int
) -> Response:
    form = await UNLOCK.read(request)
    form.key = str(hint_id)
    form.missing_required()
    done = form.attempt(session, lambda: play.unlock_hint(session, who, exercise_id, hint_id))
    if done is None:
        return _challenge_page(request, session, who, exercise_id, challenge_id, bound=form, status=422)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{challenge_id}#hint-{hint_id}",
        flash=_say(request, N_("The hint is unlocked.")),
    )


@router.get("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/files/{file_id:int}")
def challenge_file(session: Session, who: PageUser, exercise_id: int, challenge_id: int, file_id: int) -> Response:
    exercise = repository.drill(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    return download(repository.file(session, challenge.id, file_id))


# -- the organisers' forms --------------------------------------------------------------------------


def _challenge_form(
    request: Request, exercise: Exercise, form: BoundForm, *, challenge_id: int | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "exercises/technical/challenge_form.html",
        _context(exercise, form=form, challenge_id=challenge_id),
        status_code=status,
    )


@router.get("/exercises/{exercise_id:int}/challenges/new")
def new_challenge(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    exercise = challenges.organised(session, who, exercise_id)
    form = CHALLENGE.blank(
        {
            "function": "static",
            "value": 100,
            "decay": 0,
            "minimum": 0,
            "max_attempts": 0,
            "position": 0,
            "flag_kind": "static",
        }
    )
    return _challenge_form(request, exercise, form)


_CHALLENGE_FIELDS = (
    "name",
    "category",
    "description",
    "function",
    "value",
    "decay",
    "minimum",
    "max_attempts",
    "position",
    "per_team_flags",
    "hidden",
)


@router.post("/exercises/{exercise_id:int}/challenges/new")
async def create_challenge(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    exercise = challenges.organised(session, who, exercise_id)
    form = await CHALLENGE.read(request)
    values = form.values(*_CHALLENGE_FIELDS)
    values = {k: v for k, v in values.items() if v is not None}
    if form.text("flag"):
        values["flags"] = [
            {
                "content": form.raw.get("flag"),
                "kind": form.text("flag_kind") or "static",
                "case_insensitive": form.checked("flag_case_insensitive"),
            }
        ]
    data = form.validate(ChallengeCreate, values)
    made = form.attempt(session, lambda: challenges.create_challenge(session, who, exercise_id, data)) if data else None
    if made is None or not form.ok:
        return _challenge_form(request, exercise, form, status=422)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{made.id}", flash=_say(request, N_("The challenge is saved."))
    )


@router.get("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/edit")
def edit_challenge_form(
    request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int
) -> Response:
    exercise = challenges.organised(session, who, exercise_id)
    c = repository.challenge(session, who, exercise, challenge_id)
    form = CHALLENGE.blank({name: getattr(c, name) for name in _CHALLENGE_FIELDS})
    return _challenge_form(request, exercise, form, challenge_id=c.id)


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/edit")
async def edit_challenge(
    request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int
) -> Response:
    exercise = challenges.organised(session, who, exercise_id)
    form = await CHALLENGE.read(request)
    data = form.validate(ChallengeUpdate, form.values(*_CHALLENGE_FIELDS))
    done = (
        form.attempt(session, lambda: challenges.update_challenge(session, who, exercise_id, challenge_id, data))
        if data
        else None
    )
    if done is None or not form.ok:
        return _challenge_form(request, exercise, form, challenge_id=challenge_id, status=422)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{challenge_id}", flash=_say(request, N_("The challenge is saved."))
    )


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/delete")
def delete_challenge(
    request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int
) -> Response:
    challenges.delete_challenge(session, who, exercise_id, challenge_id)
    return redirect(f"/exercises/{exercise_id}/challenges", flash=_say(request, N_("The challenge is deleted.")))


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/flags")
async def add_flag(request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int) -> Response:
    form = await FLAG.read(request)
    values = form.values()
    values["content"] = form.raw.get("content") or None  # as typed: the service strips it
    data = form.validate(FlagCreate, values)
    done = (
        form.attempt(session, lambda: challenges.add_flag(session, who, exercise_id, challenge_id, data))
        if data
        else None
    )
    if done is None or not form.ok:
        return _challenge_page(request, session, who, exercise_id, challenge_id, bound=form, status=422)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{challenge_id}#flags", flash=_say(request, N_("The flag is added."))
    )


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/flags/{flag_id:int}/delete")
def delete_flag(
    request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int, flag_id: int
) -> Response:
    challenges.delete_flag(session, who, exercise_id, challenge_id, flag_id)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{challenge_id}#flags", flash=_say(request, N_("The flag is removed."))
    )


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/hints")
async def add_hint(request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int) -> Response:
    form = await HINT.read(request)
    values = {k: v for k, v in form.values().items() if v is not None}
    data = form.validate(HintCreate, values)
    done = (
        form.attempt(session, lambda: challenges.add_hint(session, who, exercise_id, challenge_id, data))
        if data
        else None
    )
    if done is None or not form.ok:
        return _challenge_page(request, session, who, exercise_id, challenge_id, bound=form, status=422)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{challenge_id}#hints", flash=_say(request, N_("The hint is added."))
    )


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/hints/{hint_id:int}/delete")
def delete_hint(
    request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int, hint_id: int
) -> Response:
    challenges.delete_hint(session, who, exercise_id, challenge_id, hint_id)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{challenge_id}#hints", flash=_say(request, N_("The hint is removed."))
    )


@router.post("/exercises/{exercise_id:int}/challenges/{challenge_id:int}/files")
async def add_file(request: Request, session: Session, who: PageUser, exercise_id: int, challenge_id: int) -> Response:
    form = await FILE.read(request)
    form.missing_required()
    uploads = form.uploads.get("file", [])
    done = (
        form.attempt(
            session,
            lambda: challenges.attach_file(
                session,
                who,
                exercise_id,
                challenge_id,
                filename=uploads[0].filename,
                content_type=uploads[0].content_type,
                stream=uploads[0].file,
            ),
        )
        if uploads
        else None
    )
    if done is None or not form.ok:
        return _challenge_page(request, session, who, exercise_id, challenge_id, bound=form, status=422)
    return redirect(
        f"/exercises/{exercise_id}/challenges/{challenge_id}#files", flash=_say(request, N_("The file is attached."))
    )


# -- importing a CTFd backup --------------------------------------------------------------------------


def _import_page(request: Request, session: DbSession, who: Subject, form: BoundForm, status: int = 200) -> Response:
    choices = create_choices(session, who)
    if not choices.any:  # the coordinating body, or a cluster's current lead
        raise Forbidden("You may not organise this exercise.")
    clusters = [(str(i), name) for i, name in choices.clusters]
    return render(request, "exercises/technical/import.html", {"form": form, "clusters": clusters}, status_code=status)


@router.get("/exercises/import-ctfd")
def import_page(request: Request, session: Session, who: PageUser) -> Response:
    return _import_page(request, session, who, IMPORT.blank())


@router.post("/exercises/import-ctfd")
async def import_backup(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.EXERCISES_ORGANISE)
    form = await IMPORT.read(request)
    form.missing_required()
    cluster = form.text("cluster_id")
    allowed = {str(i) for i, _name in create_choices(session, who).clusters}
    if cluster and cluster not in allowed:
        form.fail("cluster_id", N_("Choose one of the offered values."))
    uploads = form.uploads.get("file", [])
    report = None
    if uploads and form.ok:
        content = await uploads[0].read()
        report = form.attempt(
            session,
            lambda: ctfd.import_backup(
                session,
                who,
                content,
                filename=uploads[0].filename or "ctfd.zip",
                title=form.optional("title"),
                cluster_id=int(cluster) if cluster else None,
            ),
        )
    if report is None or not form.ok:
        return _import_page(request, session, who, form, status=422)
    text = _say(
        request,
        N_("Imported: %(challenges)s challenges, %(teams)s teams, %(solves)s solves."),
        challenges=report.challenges,
        teams=report.teams,
        solves=report.solves,
    )
    if report.matched:
        text += " " + _say(
            request, N_("Teams matched to members: %(teams)s."), teams=", ".join(m.team for m in report.matched)
        )
    return redirect(f"/exercises/{report.exercise_id}/scoreboard", flash=text)
