"""A finished exercise's results go into its members' readiness records: one drill per
participating organisation in that year's record (created when missing), "3rd of 63", written once
however often it runs, and shown by the readiness service and page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.cluster.readiness import service as readiness_service
from csirtnet.cluster.readiness.schemas import DrillIn, ReadinessUpdate
from csirtnet.errors import Conflict, Forbidden
from csirtnet.exercise.results import readiness
from csirtnet.models import ReadinessDrill, ReadinessRecord
from tests.exercise.results.helpers import finished_drill, make_world
from tests.helpers import login
from tests.incident.helpers import who


def _drills(db: Session, exercise_id: int) -> list[ReadinessDrill]:
    return list(db.scalars(select(ReadinessDrill).where(ReadinessDrill.exercise_id == exercise_id)))


def test_results_become_readiness_drills_once(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=63, third=2)
    year = readiness.held_on(drill).year
    assert readiness_service.record(db, w.provinces[2].id, year) is None
    first = readiness.record_results(db, who(w.coordinator), drill)
    assert (first.organisations, first.written, first.removed) == (63, 63, 0)
    again = readiness.record_results(db, who(w.coordinator), drill)
    assert (again.written, again.removed) == (0, 0)
    assert len(_drills(db, drill.id)) == 63
    record = readiness_service.read(db, who(w.admins[2]), w.provinces[2].id, year)
    assert record.recorded and record.meets["drills"]
    assert [(d.name, d.rank, d.participants, d.result) for d in record.drills] == [
        ("Diễn tập quốc gia kỹ thuật", 3, 63, "980")
    ]


def test_a_record_saved_again_by_hand_is_not_given_a_second_drill(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=5, third=2)
    readiness.record_results(db, who(w.coordinator), drill)
    year = readiness.held_on(drill).year
    mine = readiness_service.read(db, who(w.admins[2]), w.provinces[2].id, year)
    # the member's admin saves the record with its drills list: the rows are rewritten
    readiness_service.save(
        db,
        who(w.admins[2]),
        w.provinces[2].id,
        year,
        ReadinessUpdate(
            drills=[
                DrillIn(name=d.name, held_on=d.held_on, result=d.result, rank=d.rank, participants=d.participants)
                for d in mine.drills
            ]
            + [DrillIn(name="APCERT Drill", held_on=mine.drills[0].held_on)]
        ),
    )
    readiness.record_results(db, who(w.coordinator), drill)
    record = db.scalar(
        select(ReadinessRecord).where(
            ReadinessRecord.organisation_id == w.provinces[2].id, ReadinessRecord.year == year
        )
    )
    assert record is not None
    names = db.scalars(select(ReadinessDrill.name).where(ReadinessDrill.record_id == record.id)).all()
    assert sorted(names) == ["APCERT Drill", "Diễn tập quốc gia kỹ thuật"]
    assert (
        db.scalar(select(func.count()).select_from(ReadinessDrill).where(ReadinessDrill.exercise_id == drill.id)) == 5
    )


def test_only_organisers_and_only_finished_exercises(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=3)
    with pytest.raises(Forbidden):
        readiness.record_results(db, who(w.admins[0]), drill)
    running = finished_drill(db, w, teams=3, status="running")
    with pytest.raises(Conflict):
        readiness.record_results(db, who(w.coordinator), running)


def test_the_readiness_page_shows_the_exercise_drill(client: Any, db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=63, third=2)
    readiness.record_results(db, who(w.coordinator), drill)
    year = readiness.held_on(drill).year
    login(client, w.admins[2].email, totp_secret=w.admins[2].totp_secret)
    page = client.get(f"/readiness/{w.provinces[2].id}/{year}?lang=en")
    assert page.status_code == 200
    assert 'data-testid="exercise-drill"' in page.text and "3rd of 63" in page.text
    vi = client.get(f"/readiness/{w.provinces[2].id}/{year}?lang=vi")
    assert "hạng 3 trên 63" in vi.text
