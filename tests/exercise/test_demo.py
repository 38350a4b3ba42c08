"""The demo's exercises: cluster no. 1's technical drill, tabletop and 14-day live-fire exercise,
a finished national drill with its after-action report, and the ASEAN ACID 2026 results."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.demo import load_demo
from csirtnet.exercise import demo as exercise_demo
from csirtnet.exercise import scoreboard
from csirtnet.exercise.livefire import remediation, summary
from csirtnet.exercise.results import rankings, reads
from csirtnet.identity.service import subject_for
from csirtnet.models import (
    Exercise,
    ExerciseLesson,
    Finding,
    InjectAnswer,
    KnowledgeDocument,
    Organisation,
    ReadinessDrill,
    User,
)


def _user(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _exercise(db: Session, title: str) -> Exercise:
    exercise = db.scalar(select(Exercise).where(Exercise.title == title))
    assert exercise is not None, title
    return exercise


def _ranked(standings: list) -> None:  # type: ignore[type-arg]
    assert standings, "an empty scoreboard"
    assert [s.rank for s in standings] == list(range(1, len(standings) + 1))
    scores = [s.score for s in standings]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0


def test_the_demo_exercises(db: Session) -> None:
    began = time.monotonic()
    load_demo(db)
    assert time.monotonic() - began < 60  # the whole demo network, exercises included
    coordinator = subject_for(_user(db, "dieuphoi@csirtnet.local"))
    backan = subject_for(_user(db, "quantri@backan.demo"))

    # The technical drill: six provinces ranked live for the staff; the players see the freeze.
    drill = _exercise(db, exercise_demo.TECHNICAL_TITLE)
    assert drill.status == "running" and drill.cluster_id is not None
    live = scoreboard.board(db, coordinator, drill)
    _ranked(live.standings)
    assert len(live.standings) == 6
    frozen = scoreboard.board(db, backan, drill)
    assert sum(s.score for s in frozen.standings) < sum(s.score for s in live.standings)

    # The tabletop: answers from every team, some graded, one late at the late factor.
    tabletop = _exercise(db, exercise_demo.TABLETOP_TITLE)
    _ranked(scoreboard.board(db, coordinator, tabletop).standings)
    late = db.scalars(select(InjectAnswer).where(InjectAnswer.late.is_(True))).all()
    assert len(late) == 1 and late[0].points == (9 + 9) * tabletop.late_factor

    # The live-fire exercise: validated, merged and rejected findings, fixed and overdue tasks.
    live_fire = _exercise(db, exercise_demo.LIVE_FIRE_TITLE)
    rows = db.scalars(select(Finding).where(Finding.exercise_id == live_fire.id)).all()
    statuses = [f.status for f in rows]
    assert statuses.count("valid") == 5 and statuses.count("duplicate") == 1 and statuses.count("invalid") == 1
    assert statuses.count("submitted") == 1  # waiting for the judge
    merged = next(f for f in rows if f.status == "duplicate")
    first = next(f for f in rows if f.id == merged.duplicate_of_id)
    assert first.team_id != merged.team_id and first.points == 100 and merged.points == 0
    langson = subject_for(_user(db, exercise_demo.player_email("Lạng Sơn")))
    tasks = remediation.tasks(db, langson, live_fire)
    assert any(t.overdue for t in tasks) and any(t.finding.remediation_status == "fixed" for t in tasks)
    days = summary.days_of(db, live_fire)
    assert len(days) >= 9 and sum(1 for d in days if d.submitted) >= 5
    boards = dict(scoreboard.boards(db, coordinator, live_fire))
    _ranked(boards["attacker"].standings)
    _ranked(boards["defender"].standings)

    # The finished national drill: its results in the readiness records, its lessons published.
    national = _exercise(db, exercise_demo.NATIONAL_TITLE)
    assert national.status == "finished"
    _ranked(reads.results(db, coordinator, national.id).standings)
    assert db.scalar(select(ReadinessDrill.id).where(ReadinessDrill.exercise_id == national.id)) is not None
    lessons = db.scalars(select(ExerciseLesson).where(ExerciseLesson.exercise_id == national.id)).all()
    assert len(lessons) == 3 and all(lesson.knowledge_document_id for lesson in lessons)
    document = db.get(KnowledgeDocument, lessons[0].knowledge_document_id)
    assert document is not None and document.title_vi == lessons[0].title

    # ASEAN ACID 2026: Bắc Kạn 3rd of 63, on its profile's results.
    acid = _exercise(db, exercise_demo.ACID)
    placements = {s.team: s.placement for s in reads.results(db, coordinator, acid.id).standings}
    bkn = db.scalar(select(Organisation).where(Organisation.province == "Bắc Kạn"))
    assert bkn is not None
    assert placements[bkn.name] == "3rd of 63"
    mine = {r.exercise.id: r for r in rankings.member_results(db, backan, bkn.id)}
    assert acid.id in mine and national.id in mine

    # Loading again adds nothing.
    assert load_demo(db) == []
    assert len(db.scalars(select(Exercise.id)).all()) == 5
