"""What the results pages and endpoints read: an exercise's final ranking ("3rd of 63"), the
network's rankings, the after-action report with its lessons and timeline. No changes here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.exercise.results import after_action, rankings
from csirtnet.exercise.results.schemas import (
    AfterActionRead,
    LessonRead,
    RankingEntry,
    RankingRow,
    RankingsRead,
    ResultsRead,
    StandingRead,
    TimelineEntryRead,
)
from csirtnet.exercise.results.standings import Placed, placed, placement
from csirtnet.models import Exercise, ExerciseKind, ExerciseLesson, ExerciseTeam, Organisation, ReadinessAction
from csirtnet.models.organisation import OrganisationStatus


def standing_reads(rows: list[Placed], language: str = "en") -> list[StandingRead]:
    return [
        StandingRead(
            rank=p.rank,
            total=p.total,
            placement=placement(p.rank, p.total, language),
            team_id=p.standing.team_id,
            team=p.standing.team,
            organisation_id=p.standing.organisation_id,
            organisation=p.organisation,
            score=p.standing.score,
        )
        for p in rows
    ]


def results(session: Session, who: Subject, exercise_id: int, language: str = "en") -> ResultsRead:
    """The exercise's ranking; empty until it is finished (the live board is the scoreboard's)."""
    exercise = rules.get_visible(session, who, exercise_id)
    final = rules.results_final(exercise)
    return ResultsRead(
        exercise_id=exercise.id,
        reference=exercise.reference,
        title=exercise.external_name or exercise.title,
        kind=exercise.kind,
        final=final,
        standings=standing_reads(placed(session, who, exercise), language) if final else [],
    )


@dataclass(frozen=True)
class ResultsPage:
    exercise: Exercise
    final: bool
    rows: list[Placed]
    certificates: set[int]  # the teams whose certificate the reader may download
    organiser: bool
    staff: bool  # may read the after-action report
    external: bool


def results_page(session: Session, who: Subject, exercise_id: int) -> ResultsPage:
    exercise = rules.get_visible(session, who, exercise_id)
    final = rules.results_final(exercise)
    rows = placed(session, who, exercise) if final else []
    teams = {t.id: t for t in session.scalars(select(ExerciseTeam).where(ExerciseTeam.exercise_id == exercise.id))}
    certificates = (
        {
            p.standing.team_id
            for p in rows
            if rules.can_read_certificate(session, who, exercise, teams[p.standing.team_id])
        }
        if final
        else set()
    )
    return ResultsPage(
        exercise=exercise,
        final=final,
        rows=rows,
        certificates=certificates,
        organiser=rules.is_organiser(session, who, exercise),
        staff=rules.can_read_after_action(session, who, exercise),
        external=exercise.kind == ExerciseKind.EXTERNAL.value,
    )


def rankings_read(
    session: Session, who: Subject, year: int, *, kind: str | None = None, cluster_id: int | None = None
) -> RankingsRead:
    rows = rankings.network_ranking(session, who, year, kind=kind, cluster_id=cluster_id)
    return RankingsRead(
        year=year,
        kind=kind,
        cluster_id=cluster_id,
        rows=[
            RankingRow(
                organisation_id=m.organisation_id,
                organisation=m.organisation,
                participations=m.participations,
                best_rank=m.best.rank if m.best else None,
                best_total=m.best.total if m.best else None,
                results=[
                    RankingEntry(
                        exercise_id=r.exercise.id,
                        exercise=r.name,
                        kind=r.exercise.kind,
                        held_on=r.held_on,
                        rank=r.rank,
                        total=r.total,
                        score=r.score,
                    )
                    for r in m.results
                ],
            )
            for m in rows
        ],
    )


def lesson_reads(session: Session, lessons: list[ExerciseLesson]) -> list[LessonRead]:
    names = after_action.organisation_names(session, {x.organisation_id for x in lessons if x.organisation_id})
    return [
        LessonRead(
            id=x.id,
            title=x.title,
            body=x.body,
            organisation_id=x.organisation_id,
            organisation=names.get(x.organisation_id) if x.organisation_id else None,
            knowledge_document_id=x.knowledge_document_id,
            readiness_action_id=x.readiness_item_id,
            published=x.knowledge_document_id is not None,
        )
        for x in lessons
    ]


def after_action_read(session: Session, who: Subject, exercise_id: int, language: str = "en") -> AfterActionRead:
    """The report, its lessons, its timeline and the results per team (organisers and staff)."""
    exercise = after_action.get_readable(session, who, exercise_id)
    report = after_action.report_of(session, exercise)
    return AfterActionRead(
        exercise_id=exercise.id,
        summary=report.summary if report else "",
        strengths=report.strengths if report else "",
        weaknesses=report.weaknesses if report else "",
        published_at=report.published_at if report else None,
        updated_at=report.updated_at if report else None,
        timeline=[
            TimelineEntryRead(at=e.at, kind=e.kind, text=e.text)
            for e in after_action.timeline(session, who, exercise, language)
        ],
        results=standing_reads(placed(session, who, exercise), language) if rules.results_final(exercise) else [],
        lessons=lesson_reads(session, after_action.lessons_of(session, exercise)),
    )


def lessons(session: Session, who: Subject, exercise_id: int) -> list[LessonRead]:
    exercise = after_action.get_readable(session, who, exercise_id)
    return lesson_reads(session, after_action.lessons_of(session, exercise))


def member_choices(session: Session, exercise: Exercise) -> list[tuple[str, str]]:
    """The organisations a lesson may name: the exercise's teams' organisations."""
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(ExerciseTeam.organisation_id).where(ExerciseTeam.exercise_id == exercise.id)))
        .order_by(Organisation.name)
    )
    return [(str(i), name) for i, name in rows]


def organisation_choices(session: Session) -> list[tuple[str, str]]:
    """Every member organisation, by name (an outside drill's result names one)."""
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.status == OrganisationStatus.ACTIVE.value)
        .order_by(Organisation.name)
    )
    return [(str(i), name) for i, name in rows]


@dataclass(frozen=True)
class MemberResultRow:
    exercise_id: int
    name: str
    kind: str
    held_on: date
    placement: str
    score: float


def member_results_rows(session: Session, who: Subject, organisation_id: int, language: str) -> list[MemberResultRow]:
    """A member's results across exercises and years, as its profile shows them, newest first."""
    return [
        MemberResultRow(
            r.exercise.id, r.name, r.exercise.kind, r.held_on, placement(r.rank, r.total, language), r.score
        )
        for r in rankings.member_results(session, who, organisation_id)
    ]


@dataclass(frozen=True)
class ReadinessDrillRow:
    exercise_id: int
    name: str
    held_on: date
    placement: str | None


@dataclass(frozen=True)
class ReadinessView:
    drills: list[ReadinessDrillRow]
    actions: list[ReadinessAction]


def readiness_view(session: Session, who: Subject, organisation_id: int, year: int, language: str) -> ReadinessView:
    """What exercises wrote into a member's readiness record for a year, as its page shows it."""
    items = rankings.readiness_items(session, who, organisation_id, year)
    return ReadinessView(
        drills=[
            ReadinessDrillRow(
                d.exercise_id or 0,
                d.name,
                d.held_on,
                placement(d.rank, d.participants, language) if d.rank and d.participants else None,
            )
            for d in items.drills
        ],
        actions=items.actions,
    )
