"""The JSON API of exercises: the exercise, its lifecycle, its staff and teams, the scoreboard
(/api/v1/exercises). Every route reads through authz.exercise: an exercise the caller may not see
is a 404, a change the caller may not make a 403."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import require
from csirtnet.exercise import reads, scoreboard, service
from csirtnet.exercise.schemas import (
    Allowed,
    BoardRead,
    ContactConfirm,
    ExerciseCreate,
    ExerciseDetail,
    ExerciseRead,
    ExerciseUpdate,
    MemberIn,
    MemberRead,
    ScoreboardRead,
    StaffIn,
    StaffRead,
    StandingRead,
    TeamCreate,
    TeamRead,
    TeamUpdate,
)
from csirtnet.kit.csv_export import to_csv
from csirtnet.kit.pagination import Page
from csirtnet.models import ExerciseKind, ExerciseStatus, ExerciseTeam

router = APIRouter(prefix="/exercises", tags=["exercises"])

KindParam = Literal["tabletop", "technical", "live_fire", "external"]
StatusParam = Literal["draft", "published", "running", "finished", "archived"]
# The query parameters list the stored codes; keep them in step with the models.
assert {k.value for k in ExerciseKind} == set(get_args(KindParam))
assert {s.value for s in ExerciseStatus} == set(get_args(StatusParam))


def _reader(who: ApiUser) -> Subject:
    """Every exercise route reads exercises first (EXERCISES_READ); changes are then asked of
    authz.exercise (organiser, team admin), as the services do."""
    require(who, Permission.EXERCISES_READ)
    return who


Reader = Annotated[Subject, Depends(_reader)]


def _team_read(team: ExerciseTeam, organisation_name: str | None, members: list[MemberRead]) -> TeamRead:
    return TeamRead(
        id=team.id,
        name=team.name,
        organisation_id=team.organisation_id,
        organisation_name=organisation_name,
        side=team.side,
        hidden=team.hidden,
        contact_confirmed_at=team.contact_confirmed_at,
        contact_note=team.contact_note,
        members=members,
    )


def _detail(session: Session, who: Subject, exercise_id: int) -> ExerciseDetail:
    view = reads.overview(session, who, exercise_id)
    base = ExerciseRead.model_validate(view.exercise)
    return ExerciseDetail(
        **base.model_dump(),
        staff=[StaffRead(id=s.id, user_id=u.id, name=u.full_name, role=s.role) for s, u in view.staff],
        teams=[
            _team_read(
                t.team,
                t.organisation_name,
                [MemberRead(id=m.id, user_id=m.user_id, name=m.name, captain=m.captain) for m in t.members],
            )
            for t in view.teams
        ],
        my_team_ids=sorted(view.my_team_ids),
        allowed=Allowed(
            organise=view.allowed.organise,
            control=view.allowed.control,
            judge=view.allowed.judge,
            see_all_work=view.allowed.see_all_work,
        ),
    )


@router.get("", response_model=Page[ExerciseRead])
def list_exercises(
    session: Session,
    who: Reader,
    q: str | None = Query(default=None, max_length=200),
    kind: KindParam | None = None,
    status: StatusParam | None = None,
    year: int | None = Query(default=None, ge=1990, le=2100),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[ExerciseRead]:
    """Exercises you may see, newest first."""
    rows, next_cursor = reads.exercises_page(
        session, who, q=q, kind=kind, status=status, year=year, cursor=cursor, limit=limit
    )
    return Page[ExerciseRead](items=[ExerciseRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("", response_model=ExerciseDetail, status_code=201)
def create_exercise(body: ExerciseCreate, session: Session, who: Reader) -> ExerciseDetail:
    """Create an exercise (a draft); the coordinator for the network, a cluster's lead for its cluster."""
    exercise = service.create(session, who, body)
    return _detail(session, who, exercise.id)


@router.get("/{exercise_id}", response_model=ExerciseDetail)
def get_exercise(exercise_id: int, session: Session, who: Reader) -> ExerciseDetail:
    """One exercise: its schedule, staff, teams with their people, your teams and what you may do."""
    return _detail(session, who, exercise_id)


@router.patch("/{exercise_id}", response_model=ExerciseDetail)
def update_exercise(exercise_id: int, body: ExerciseUpdate, session: Session, who: Reader) -> ExerciseDetail:
    """Change an exercise's settings (its organisers)."""
    service.update(session, who, exercise_id, body)
    return _detail(session, who, exercise_id)


@router.post("/{exercise_id}/publish", response_model=ExerciseDetail)
def publish_exercise(exercise_id: int, session: Session, who: Reader) -> ExerciseDetail:
    """Publish a draft: its audience and teams see it."""
    service.publish(session, who, exercise_id)
    return _detail(session, who, exercise_id)


@router.post("/{exercise_id}/start", response_model=ExerciseDetail)
def start_exercise(exercise_id: int, session: Session, who: Reader) -> ExerciseDetail:
    """Start a published exercise: submissions, answers and findings are accepted."""
    service.start(session, who, exercise_id)
    return _detail(session, who, exercise_id)


@router.post("/{exercise_id}/finish", response_model=ExerciseDetail)
def finish_exercise(exercise_id: int, session: Session, who: Reader) -> ExerciseDetail:
    """Finish a running exercise: the results are final."""
    service.finish(session, who, exercise_id)
    return _detail(session, who, exercise_id)


@router.post("/{exercise_id}/archive", response_model=ExerciseDetail)
def archive_exercise(exercise_id: int, session: Session, who: Reader) -> ExerciseDetail:
    """Archive a finished exercise."""
    service.archive(session, who, exercise_id)
    return _detail(session, who, exercise_id)


@router.post("/{exercise_id}/staff", response_model=StaffRead, status_code=201)
def add_staff(exercise_id: int, body: StaffIn, session: Session, who: Reader) -> StaffRead:
    """Name an organiser, controller or judge (by user id or email)."""
    staff = service.add_staff(session, who, exercise_id, body)
    detail = _detail(session, who, exercise_id)
    return next(s for s in detail.staff if s.id == staff.id)


@router.delete("/{exercise_id}/staff/{staff_id}", status_code=204)
def remove_staff(exercise_id: int, staff_id: int, session: Session, who: Reader) -> Response:
    """Take a person off the staff."""
    service.remove_staff(session, who, exercise_id, staff_id)
    return Response(status_code=204)


def _team(session: Session, who: Subject, exercise_id: int, team_id: int) -> TeamRead:
    return next(t for t in _detail(session, who, exercise_id).teams if t.id == team_id)


@router.post("/{exercise_id}/teams", response_model=TeamRead, status_code=201)
def add_team(exercise_id: int, body: TeamCreate, session: Session, who: Reader) -> TeamRead:
    """Add a team from a member organisation."""
    team = service.add_team(session, who, exercise_id, body)
    return _team(session, who, exercise_id, team.id)


@router.patch("/{exercise_id}/teams/{team_id}", response_model=TeamRead)
def update_team(exercise_id: int, team_id: int, body: TeamUpdate, session: Session, who: Reader) -> TeamRead:
    """Rename a team, change its organisation, side or whether it is ranked."""
    service.update_team(session, who, exercise_id, team_id, body)
    return _team(session, who, exercise_id, team_id)


@router.delete("/{exercise_id}/teams/{team_id}", status_code=204)
def remove_team(exercise_id: int, team_id: int, session: Session, who: Reader) -> Response:
    """Remove a team before the exercise starts."""
    service.remove_team(session, who, exercise_id, team_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/teams/{team_id}/members", response_model=MemberRead, status_code=201)
def add_member(exercise_id: int, team_id: int, body: MemberIn, session: Session, who: Reader) -> MemberRead:
    """Add a person to a team: a user of its organisation, or a name only."""
    member = service.add_member(session, who, exercise_id, team_id, body)
    return MemberRead(id=member.id, user_id=member.user_id, name=member.name, captain=member.captain)


@router.delete("/{exercise_id}/teams/{team_id}/members/{member_id}", status_code=204)
def remove_member(exercise_id: int, team_id: int, member_id: int, session: Session, who: Reader) -> Response:
    """Take a person off a team."""
    service.remove_member(session, who, exercise_id, team_id, member_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/teams/{team_id}/contact", response_model=TeamRead)
def confirm_contact(exercise_id: int, team_id: int, body: ContactConfirm, session: Session, who: Reader) -> TeamRead:
    """The team's admin confirms its contact points."""
    service.confirm_contact(session, who, exercise_id, team_id, body)
    return _team(session, who, exercise_id, team_id)


SideParam = Literal["all", "attacker", "defender"]


@router.get(
    "/{exercise_id}/scoreboard",
    response_model=ScoreboardRead,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_scoreboard(
    exercise_id: int,
    session: Session,
    who: Reader,
    format: Literal["json", "csv"] = "json",
    side: SideParam | None = Query(default=None, description="A live-fire side alone (CSV: the whole board)"),
) -> Any:
    """The scoreboard as you see it (frozen after freeze_at unless you are staff); `format=csv`
    gives rank,team,score."""
    exercise = rules.get_visible(session, who, exercise_id)
    if format == "csv":
        board = scoreboard.board(session, who, exercise, side=side or scoreboard.ALL)
        rows = scoreboard.board_as_rows(board)
        body = to_csv(["rank", "team", "score"], [[r["rank"], r["team"], r["score"]] for r in rows])
        name = f"{exercise.reference}-scoreboard.csv"
        return Response(
            body.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    shown = scoreboard.boards(session, who, exercise)
    if side is not None and side != scoreboard.ALL:
        shown = [(s, b) for s, b in shown if s == side] or [(side, scoreboard.board(session, who, exercise, side=side))]
    frozen = next((b.until for _, b in shown if b.until is not None), None)
    return ScoreboardRead(
        exercise_id=exercise.id,
        frozen_at=frozen,
        boards=[
            BoardRead(
                side=s,
                standings=[
                    StandingRead(rank=x.rank, team_id=x.team_id, team=x.team, score=x.score, last_at=x.last_at)
                    for x in b.standings
                ],
            )
            for s, b in shown
        ],
    )
