"""Exercise pages, the core part: the list (with its filters and, for who may organise, "New
exercise"), the new and edit forms, an exercise's overview (its schedule in its own time zone,
rules, staff, teams with their people, the reader's teams, the links to the kind's pages, the
lifecycle buttons and the staff, team, roster and contact forms the reader's rights allow), and
the scoreboard: the page with its chart, the live fragment `static/live-fragment.js` swaps in every few
seconds, and the projector view (full screen, no navigation).

Every change calls `csirtnet.exercise.service`; a refused one comes back on the same page with its
errors at their fields (the one form path, `web.forms`). What the reader may do is asked of
`authz.exercise` through `exercise.reads`, the same rules the services enforce."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.exercise import reads, scoreboard, service
from csirtnet.exercise.schemas import ContactConfirm, ExerciseCreate, ExerciseUpdate, MemberIn, StaffIn, TeamCreate
from csirtnet.exercise.scoring import Board
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.kit import dates
from csirtnet.kit.markdown import render as markdown_html
from csirtnet.kit.time import COMMON_TIMEZONES, as_utc, utcnow
from csirtnet.models import Exercise, ExerciseKind, ExerciseScope
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm, Field, Form
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents.page import user_zone
from csirtnet.web.views.incidents.page_forms import TLP_CHOICES

router = APIRouter(include_in_schema=False)
PAGE = 50
REFRESH_SECONDS = 5

# -- the forms ---------------------------------------------------------------------------------

_ZONES = tuple((z, z) for z in COMMON_TIMEZONES)
SCOPE_CHOICES = tuple(labels.EXERCISE_SCOPES.items())

EXERCISE = Form(
    "exercise",
    [
        Field("kind", N_("Kind"), kind="select", widget="radios", choices=tuple(labels.EXERCISE_KINDS.items())),
        Field("scope", N_("Scope"), kind="select", choices=SCOPE_CHOICES),  # not on the edit form
        Field("cluster_id", N_("Cluster"), kind="select", blank=N_("Not a cluster exercise")),
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        Field(
            "description",
            N_("Description"),
            kind="textarea",
            help=N_("Markdown: **bold**, lists, links. HTML is shown as text."),
            attrs={"maxlength": "20000", "rows": "5"},
        ),
        Field(
            "rules",
            N_("Rules"),
            kind="textarea",
            help=N_("For a live-fire exercise, the rules of engagement."),
            attrs={"maxlength": "20000", "rows": "5"},
        ),
        Field(
            "timezone",
            N_("Time zone of the exercise"),
            kind="select",
            required=True,
            choices=_ZONES,
            help=N_("The schedule is shown in this time zone."),
        ),
        Field("starts_at", N_("Starts"), kind="datetime"),
        Field("ends_at", N_("Ends"), kind="datetime"),
        Field(
            "freeze_at",
            N_("Scoreboard freeze"),
            kind="datetime",
            help=N_("From then on, teams see the scoreboard as it stood; the staff see it live."),
        ),
        Field(
            "attempts_per_minute",
            N_("Flag attempts per team and minute"),
            kind="number",
            attrs={"min": "1", "max": "600"},
        ),
        Field(
            "late_factor",
            N_("Share of points a late answer keeps"),
            kind="number",
            help=N_("Between 0 and 1: 0.5 keeps half."),
            attrs={"min": "0", "max": "1", "step": "0.05"},
        ),
        Field("tlp", "TLP", kind="select", required=True, choices=TLP_CHOICES),
        Field("external_name", N_("Name of the outside drill"), attrs={"maxlength": "200"}),
    ],
)
UPDATE_FIELDS = (
    "title",
    "description",
    "rules",
    "timezone",
    "starts_at",
    "ends_at",
    "freeze_at",
    "attempts_per_minute",
    "late_factor",
    "tlp",
    "external_name",
)
FILTERS = Form(
    "exercise_filters",
    [
        Field("q", N_("Search")),
        Field("kind", N_("Kind"), kind="select", blank=N_("Any"), choices=tuple(labels.EXERCISE_KINDS.items())),
        Field("status", N_("Status"), kind="select", blank=N_("Any"), choices=tuple(labels.EXERCISE_STATUSES.items())),
        Field("year", N_("Year"), kind="number", attrs={"min": "1990", "max": "2100"}),
    ],
)
STAFF = Form(
    "exercise_staff",
    [
        Field("email", N_("Email"), kind="email", required=True),
        Field("role", N_("Role"), kind="select", required=True, choices=tuple(labels.EXERCISE_STAFF_ROLES.items())),
    ],
    locations={"user_id": "email"},
)
TEAM = Form(
    "exercise_team",
    [
        Field("name", N_("Team name"), required=True, attrs={"maxlength": "200"}),
        Field("organisation_id", N_("Organisation"), kind="select", blank=N_("None (an outside team)")),
        Field("side", N_("Side"), kind="select", choices=tuple(labels.EXERCISE_SIDES.items())),
        Field("hidden", N_("Not ranked"), kind="checkbox"),
    ],
)
MEMBER = Form(
    "exercise_member",
    [
        Field("email", N_("Email"), kind="email", help=N_("A person of the team's organisation.")),
        Field(
            "name", N_("Name"), help=N_("Or a name only, for a player without an account."), attrs={"maxlength": "200"}
        ),
        Field("captain", N_("Captain"), kind="checkbox"),
    ],
    locations={"user_id": "email"},
)
CONTACT = Form(
    "exercise_contact",
    [
        Field(
            "note",
            N_("Contact points"),
            kind="textarea",
            help=N_("Who answers for the team, and how to reach them; or what changed."),
            attrs={"maxlength": "2000", "rows": "2"},
        )
    ],
)

# -- helpers -----------------------------------------------------------------------------------


def _say(request: Request, message: str, **values: str) -> str:
    text = translate(request_language(request), message)
    return text % values if values else text


def _markdown(text: str | None) -> Markup:
    """Markdown a person wrote: kit.markdown renders no raw HTML and no unsafe link, so its output
    (and only its output) is marked safe."""
    return Markup(markdown_html(text))  # noqa: S704 - kit.markdown's output escapes raw HTML


def _in_zone(request: Request, zone: str) -> Callable[[datetime | None], str]:
    """A moment written in the exercise's own time zone, with its offset."""
    language = request_language(request)
    return lambda value: dates.format_datetime(value, language, zone, with_zone=True)


def _refusal(request: Request, exc: AppError) -> str:
    language = request_language(request)
    if exc.errors:
        return " ".join(translate_message(language, e.message) for e in exc.errors)
    return translate_message(language, exc.message)


# -- the list ----------------------------------------------------------------------------------


@router.get("/exercises")
def exercise_list(
    request: Request, session: Session, who: PageUser, cursor: str | None = Query(default=None, max_length=200)
) -> Response:
    form = FILTERS.from_data(FormData([(k, v) for k, v in request.query_params.multi_items()]))
    if len(form.text("q")) > 200:
        form.fail("q", N_("This is too long."))
    for name in ("kind", "status"):
        if form.text(name) and form.text(name) not in dict(FILTERS[name].choices or ()):
            form.fail(name, N_("Choose one of the offered values."))
    year: int | None = None
    if form.text("year"):
        if form.text("year").isdigit() and 1990 <= int(form.text("year")) <= 2100:
            year = int(form.text("year"))
        else:
            form.fail("year", N_("Enter a year between 1990 and 2100."))
    rows: list[Exercise] = []
    next_cursor: str | None = None
    if form.ok:
        rows, next_cursor = reads.exercises_page(
            session,
            who,
            q=form.optional("q"),
            kind=form.optional("kind"),
            status=form.optional("status"),
            year=year,
            cursor=cursor,
            limit=PAGE,
        )
    return render(
        request,
        "exercises/list.html",
        {
            "form": form,
            "rows": rows,
            "next_cursor": next_cursor,
            "may_create": reads.create_choices(session, who).any,
        },
        status_code=200 if form.ok else 422,
    )


# -- new and edit ------------------------------------------------------------------------------


def _form_page(
    request: Request,
    session: DbSession,
    who: Subject,
    form: BoundForm,
    *,
    exercise: Exercise | None = None,
    status: int = 200,
) -> Response:
    choices = reads.create_choices(session, who)
    scopes = [
        (code, name)
        for code, name in SCOPE_CHOICES
        if (code == ExerciseScope.CLUSTER.value and choices.clusters)
        or (code != ExerciseScope.CLUSTER.value and choices.network)
    ]
    return render(
        request,
        "exercises/form.html",
        {
            "form": form,
            "exercise": exercise,
            "scopes": scopes,
            "clusters": [(str(i), n) for i, n in choices.clusters],
        },
        status_code=status,
    )


def _require_creator(session: DbSession, who: Subject) -> None:
    if not reads.create_choices(session, who).any:
        raise Forbidden("You may not organise exercises.")


@router.get("/exercises/new")
def new_form(request: Request, session: Session, who: PageUser) -> Response:
    _require_creator(session, who)
    choices = reads.create_choices(session, who)
    initial = {
        "kind": ExerciseKind.TECHNICAL.value,
        "scope": ExerciseScope.NATIONAL.value if choices.network else ExerciseScope.CLUSTER.value,
        "cluster_id": choices.clusters[0][0] if len(choices.clusters) == 1 and not choices.network else None,
        "timezone": "Asia/Ho_Chi_Minh",
        "attempts_per_minute": 10,
        "late_factor": 0.5,
        "tlp": "amber",
    }
    return _form_page(request, session, who, EXERCISE.blank(initial, zone=user_zone(request)))


@router.post("/exercises/new")
async def create(request: Request, session: Session, who: PageUser) -> Response:
    _require_creator(session, who)
    form = await EXERCISE.read(request, zone=user_zone(request))
    values = form.values()
    if values.get("scope") != ExerciseScope.CLUSTER.value:
        values["cluster_id"] = None  # the cluster chooser counts only for a cluster exercise
    data = form.validate(ExerciseCreate, {k: v for k, v in values.items() if v is not None})
    exercise = form.attempt(session, lambda: service.create(session, who, data) if data is not None else None)
    if exercise is None or not form.ok:
        return _form_page(request, session, who, form, status=422)
    message = _say(request, N_("Exercise %(reference)s is saved as a draft."), reference=exercise.reference)
    return redirect(f"/exercises/{exercise.id}", flash=message)


def _organised(session: DbSession, who: Subject, exercise_id: int) -> Exercise:
    exercise = rules.get_visible(session, who, exercise_id)
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the exercise's organisers may do this.")
    return exercise


@router.get("/exercises/{exercise_id:int}/edit")
def edit_form(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    exercise = _organised(session, who, exercise_id)
    initial: dict[str, Any] = {name: getattr(exercise, name) for name in UPDATE_FIELDS}
    initial["tlp"] = exercise.tlp.removeprefix("TLP:").lower()
    form = EXERCISE.blank(initial, zone=exercise.timezone)
    return _form_page(request, session, who, form, exercise=exercise)


@router.post("/exercises/{exercise_id:int}/edit")
async def edit(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    exercise = _organised(session, who, exercise_id)
    form = await EXERCISE.read(request, zone=exercise.timezone)
    data = form.validate(ExerciseUpdate, form.values(*UPDATE_FIELDS))
    done = form.attempt(session, lambda: service.update(session, who, exercise_id, data) if data else None)
    if done is None or not form.ok:
        return _form_page(request, session, who, form, exercise=exercise, status=422)
    return redirect(f"/exercises/{exercise_id}", flash=_say(request, N_("The exercise is saved.")))


# -- the overview ------------------------------------------------------------------------------

# The kind's own page, built by its part (web/views/exercises/<part>.py).
KIND_PAGES = {
    ExerciseKind.TECHNICAL.value: ("challenges", N_("Challenges")),
    ExerciseKind.TABLETOP.value: ("injects", N_("Injects")),
    ExerciseKind.LIVE_FIRE.value: ("findings", N_("Findings")),
}


def _overview(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise_id: int,
    *,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    view = reads.overview(session, who, exercise_id)
    exercise = view.exercise
    allowed = view.allowed
    forms: dict[str, BoundForm] = {}
    member_forms: dict[int, BoundForm] = {}
    contact_forms: dict[int, BoundForm] = {}
    if allowed.organise:
        forms["staff"] = STAFF.blank({"role": "judge"})
        forms["team"] = TEAM.blank({"side": "player"})
    for team in view.teams:
        if team.team.id in allowed.manage_team_ids:
            member_forms[team.team.id] = MEMBER.blank(key=str(team.team.id))
            contact_forms[team.team.id] = CONTACT.blank({"note": team.team.contact_note}, key=str(team.team.id))
    if bound is not None:
        if bound.form is MEMBER and bound.key.isdigit():
            member_forms[int(bound.key)] = bound
        elif bound.form is CONTACT and bound.key.isdigit():
            contact_forms[int(bound.key)] = bound
        else:
            forms[{STAFF.id: "staff", TEAM.id: "team"}.get(bound.form.id, bound.form.id)] = bound
    organisations = (
        [(str(i), n) for i, n in reads.team_organisation_choices(session, exercise)] if allowed.organise else []
    )
    return render(
        request,
        "exercises/detail.html",
        {
            "view": view,
            "exercise": exercise,
            "allowed": allowed,
            "forms": forms,
            "member_forms": member_forms,
            "contact_forms": contact_forms,
            "organisations": organisations,
            "kind_page": KIND_PAGES.get(exercise.kind),
            "in_zone": _in_zone(request, exercise.timezone),
            "markdown": _markdown,
            # The form shown open: the one that came back with errors, or the one a link asks for.
            "open_form": bound.form.id if bound is not None else request.query_params.get("open"),
            "open_by_link": bound is None,
        },
        status_code=status,
    )


@router.get("/exercises/{exercise_id:int}")
def exercise_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _overview(request, session, who, exercise_id)


def _step(request: Request, session: DbSession, who: Subject, exercise_id: int, step: str) -> Response:
    """A lifecycle button: the step done, or its refusal (out of order, no schedule) as a flash."""
    change, done = _STEPS[step]
    return _simple(request, session, f"/exercises/{exercise_id}", lambda: change(session, who, exercise_id), done)


_STEPS: dict[str, tuple[Callable[..., Exercise], str]] = {
    "publish": (service.publish, N_("The exercise is published: its teams and audience see it.")),
    "start": (service.start, N_("The exercise is running: answers, flags and findings are accepted.")),
    "finish": (service.finish, N_("The exercise is finished: its results are final.")),
    "archive": (service.archive, N_("The exercise is archived.")),
}


@router.post("/exercises/{exercise_id:int}/publish")
def publish(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _step(request, session, who, exercise_id, "publish")


@router.post("/exercises/{exercise_id:int}/start")
def start(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _step(request, session, who, exercise_id, "start")


@router.post("/exercises/{exercise_id:int}/finish")
def finish(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _step(request, session, who, exercise_id, "finish")


@router.post("/exercises/{exercise_id:int}/archive")
def archive(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _step(request, session, who, exercise_id, "archive")


# -- staff, teams, rosters, contact points -------------------------------------------------------


async def _add(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise_id: int,
    spec: Form,
    add: Callable[[Any], object],
    schema: type[BaseModel],
    anchor: str,
    done_message: str,
) -> Response:
    """An organiser's form on the overview that adds one row (staff, a team): the overview again
    with the form's errors, or back to its section."""
    _organised(session, who, exercise_id)
    form = await spec.read(request)
    data = form.validate(schema)
    done = form.attempt(session, lambda: add(data) if data else None)
    if done is None or not form.ok:
        return _overview(request, session, who, exercise_id, bound=form, status=422)
    return redirect(f"/exercises/{exercise_id}#{anchor}", flash=_say(request, done_message))


@router.post("/exercises/{exercise_id:int}/staff")
async def add_staff(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return await _add(
        request,
        session,
        who,
        exercise_id,
        STAFF,
        lambda data: service.add_staff(session, who, exercise_id, data),
        StaffIn,
        "staff",
        N_("Added to the staff."),
    )


@router.post("/exercises/{exercise_id:int}/staff/{staff_id:int}/remove")
def remove_staff(request: Request, session: Session, who: PageUser, exercise_id: int, staff_id: int) -> Response:
    return _simple(
        request,
        session,
        f"/exercises/{exercise_id}#staff",
        lambda: service.remove_staff(session, who, exercise_id, staff_id),
        N_("Taken off the staff."),
    )


@router.post("/exercises/{exercise_id:int}/teams")
async def add_team(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return await _add(
        request,
        session,
        who,
        exercise_id,
        TEAM,
        lambda data: service.add_team(session, who, exercise_id, data),
        TeamCreate,
        "teams",
        N_("The team is added."),
    )


@router.post("/exercises/{exercise_id:int}/teams/{team_id:int}/remove")
def remove_team(request: Request, session: Session, who: PageUser, exercise_id: int, team_id: int) -> Response:
    return _simple(
        request,
        session,
        f"/exercises/{exercise_id}#teams",
        lambda: service.remove_team(session, who, exercise_id, team_id),
        N_("The team is removed."),
    )


def _team_form(form: Form, data: FormData, team_id: int) -> BoundForm:
    bound = form.from_data(data)
    bound.key = str(team_id)
    return bound


@router.post("/exercises/{exercise_id:int}/teams/{team_id:int}/members")
async def add_member(request: Request, session: Session, who: PageUser, exercise_id: int, team_id: int) -> Response:
    rules.get_visible(session, who, exercise_id)
    form = _team_form(MEMBER, await request.form(), team_id)
    data = form.validate(MemberIn)
    done = form.attempt(session, lambda: service.add_member(session, who, exercise_id, team_id, data) if data else None)
    if done is None or not form.ok:
        return _overview(request, session, who, exercise_id, bound=form, status=422)
    return redirect(f"/exercises/{exercise_id}#team-{team_id}", flash=_say(request, N_("Added to the team.")))


@router.post("/exercises/{exercise_id:int}/teams/{team_id:int}/members/{member_id:int}/remove")
def remove_member(
    request: Request, session: Session, who: PageUser, exercise_id: int, team_id: int, member_id: int
) -> Response:
    return _simple(
        request,
        session,
        f"/exercises/{exercise_id}#team-{team_id}",
        lambda: service.remove_member(session, who, exercise_id, team_id, member_id),
        N_("Taken off the team."),
    )


@router.post("/exercises/{exercise_id:int}/teams/{team_id:int}/contact")
async def confirm_contact(
    request: Request, session: Session, who: PageUser, exercise_id: int, team_id: int
) -> Response:
    rules.get_visible(session, who, exercise_id)
    form = _team_form(CONTACT, await request.form(), team_id)
    data = form.validate(ContactConfirm)
    done = form.attempt(
        session, lambda: service.confirm_contact(session, who, exercise_id, team_id, data) if data else None
    )
    if done is None or not form.ok:
        return _overview(request, session, who, exercise_id, bound=form, status=422)
    return redirect(
        f"/exercises/{exercise_id}#team-{team_id}", flash=_say(request, N_("The contact points are confirmed."))
    )


def _simple(request: Request, session: DbSession, back: str, change: Callable[[], object], done: str) -> Response:
    """A change with nothing to fill in (a remove button): done, or its refusal as a flash."""
    try:
        with savepoint(session):
            change()
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return redirect(back, flash=_refusal(request, exc), kind="error")
    return redirect(back, flash=_say(request, done))


# -- the scoreboard ----------------------------------------------------------------------------

_COLOURS = (
    "#1f6feb",
    "#d1242f",
    "#1a7f37",
    "#bf8700",
    "#8250df",
    "#0a7ea4",
    "#cf222e",
    "#6e7781",
    "#953800",
    "#116329",
)


@dataclass(frozen=True)
class Line:
    team: str
    colour: str
    points: str  # SVG polyline points


@dataclass(frozen=True)
class Chart:
    """The score history as an inline SVG line chart (drawn on the server: no script, no CDN)."""

    width: int
    height: int
    top: float
    lines: list[Line]
    start: datetime
    end: datetime


def chart(board: Board, start: datetime | None, end: datetime) -> Chart | None:
    """The leaders' cumulative scores over time, as steps from the start (or first score) to `end`."""
    series = scoreboard.history_series(board)
    if not series:
        return None
    first = min(p[0] for s in series for p in s.points)
    origin = as_utc(start) if start is not None and as_utc(start) < as_utc(first) else as_utc(first)
    last = max(as_utc(end), max(as_utc(p[0]) for s in series for p in s.points))
    span = max((last - origin).total_seconds(), 1.0)
    top = max(max(p[1] for p in s.points) for s in series) or 1.0
    width, height, pad = 800, 300, 10

    def x(at: datetime) -> float:
        return round(pad + (as_utc(at) - origin).total_seconds() / span * (width - 2 * pad), 1)

    def y(score: float) -> float:
        return round(height - pad - max(score, 0) / top * (height - 2 * pad), 1)

    lines: list[Line] = []
    for i, s in enumerate(series):
        coords = [(x(origin), y(0))]
        score = 0.0
        for at, value in s.points:
            coords.append((x(at), y(score)))
            score = value
            coords.append((x(at), y(score)))
        coords.append((x(last), y(score)))
        lines.append(Line(s.team, _COLOURS[i % len(_COLOURS)], " ".join(f"{a},{b}" for a, b in coords)))
    return Chart(width, height, float(top), lines, origin, last)


def _scoreboard(request: Request, session: DbSession, who: Subject, exercise_id: int, template: str) -> Response:
    exercise = rules.get_visible(session, who, exercise_id)
    now = utcnow()
    shown = scoreboard.boards(session, who, exercise, history=True, now=now)
    frozen = next((b.until for _, b in shown if b.until is not None), None)
    return render(
        request,
        template,
        {
            "exercise": exercise,
            "boards": [(side, b, chart(b, exercise.starts_at, frozen or now)) for side, b in shown],
            "frozen_at": frozen,
            "staff_view": rules.sees_all_work(session, who, exercise),
            "live_url": f"/exercises/{exercise.id}/scoreboard/live",
            "projector": template == "exercises/projector.html",
            "refresh_seconds": REFRESH_SECONDS,
            "updated_at": now,
            "in_zone": _in_zone(request, exercise.timezone),
            "kind_page": KIND_PAGES.get(exercise.kind),
        },
    )


@router.get("/exercises/{exercise_id:int}/scoreboard")
def scoreboard_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _scoreboard(request, session, who, exercise_id, "exercises/scoreboard.html")


@router.get("/exercises/{exercise_id:int}/scoreboard/live")
def scoreboard_live(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    """The live part of the scoreboard alone (what the page's script swaps in)."""
    return _scoreboard(request, session, who, exercise_id, "exercises/scoreboard_fragment.html")


@router.get("/exercises/{exercise_id:int}/scoreboard/projector")
def scoreboard_projector(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    """The scoreboard for a projector: full screen, big type, refreshed, no navigation."""
    return _scoreboard(request, session, who, exercise_id, "exercises/projector.html")
