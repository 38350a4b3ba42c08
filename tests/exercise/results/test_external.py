"""Outside drills: the coordinating body records one and its members' results, by hand or from a
CSV file `team,rank,score` (a member's name or short name, accents and case ignored); a file with
any bad row applies nothing and names every bad row by line and column; a province cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz.cluster import today
from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.exercise.results import external, reads
from csirtnet.exercise.results.schemas import ExternalExerciseCreate, ExternalResultIn
from csirtnet.models import AuditRecord, Exercise, ExternalResult
from tests.exercise.results.helpers import World, make_world
from tests.incident.helpers import who


def acid(db: Session, w: World, **overrides: object) -> Exercise:
    values: dict[str, object] = {
        "external_name": "ASEAN ACID 2026",
        "scope": "international",
        "held_on": today() - timedelta(days=3),
    }
    values.update(overrides)
    return external.create(db, who(w.coordinator), ExternalExerciseCreate.model_validate(values))


def csv_of(*lines: str) -> bytes:
    return ("team,rank,score\n" + "\n".join(lines) + "\n").encode()


def test_the_coordinator_records_a_drill_and_imports_its_results(db: Session) -> None:
    w = make_world(db)
    drill = acid(db, w)
    assert (drill.kind, drill.status, drill.scope, drill.tlp) == ("external", "finished", "international", "TLP:GREEN")
    data = csv_of(
        f"{w.provinces[0].name},5,880",
        "stttt-bắc giang,3,910.5",  # a short name, whatever its case
        "Sở TT&TT Bac Ninh,12,640",  # accents left out
    )
    summary = external.import_csv(db, who(w.coordinator), drill.id, data)
    assert (summary.imported, summary.removed) == (3, 0)
    ranking = reads.results(db, who(w.admins[0]), drill.id)
    assert [(s.organisation_id, s.rank, s.score, s.placement) for s in ranking.standings] == [
        (w.provinces[1].id, 3, 910.5, "3rd of 12"),
        (w.provinces[0].id, 5, 880, "5th of 12"),
        (w.provinces[2].id, 12, 640, "12th of 12"),
    ]
    # a second file replaces the results: a member left out loses its result
    again = external.import_csv(db, who(w.coordinator), drill.id, csv_of(f"{w.provinces[0].name},1,999"))
    assert (again.imported, again.removed) == (1, 2)
    assert [s.organisation_id for s in reads.results(db, who(w.coordinator), drill.id).standings] == [w.provinces[0].id]


def test_a_bad_file_names_every_bad_row_and_applies_nothing(db: Session) -> None:
    w = make_world(db)
    drill = acid(db, w)
    external.import_csv(db, who(w.coordinator), drill.id, csv_of(f"{w.provinces[0].name},5,880"))
    before = db.scalar(select(func.count()).select_from(AuditRecord))
    bad = csv_of(
        f"{w.provinces[1].name},2,700",  # line 2: fine
        "Sở không tồn tại,3,600",  # line 3: no such member
        f"{w.provinces[2].name},ba,500",  # line 4: rank not a number
        f"{w.provinces[3].name},4,nhiều",  # line 5: score not a number
        f"{w.provinces[1].name},6,100",  # line 6: the same member twice
        f"{w.provinces[4].name},0,100",  # line 7: rank 0
    )
    with pytest.raises(ValidationFailed) as refused:
        external.import_csv(db, who(w.coordinator), drill.id, bad)
    assert [e.field for e in refused.value.errors] == [
        "line 3: team",
        "line 4: rank",
        "line 5: score",
        "line 6: team",
        "line 7: rank",
    ]
    assert "line 2" in refused.value.errors[3].message
    db.expire_all()
    rows = db.scalars(select(ExternalResult).where(ExternalResult.exercise_id == drill.id)).all()
    assert [(r.rank, r.score) for r in rows] == [(5, 880)]  # the earlier results stand
    assert db.scalar(select(func.count()).select_from(AuditRecord)) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"team,rank\nX,1\n", "line 1: score"),  # a column missing
        (b"team,rank,score,extra\nX,1,2,3\n", "line 1: extra"),
        (b"", "line 1: file"),
        (b"team,rank,score\n", "line 2: team"),  # no result
        (b'team,rank,score\n"X,1,2\n', "line 2: file"),  # a quote never closed
    ],
)
def test_a_malformed_file_is_named(db: Session, data: bytes, field: str) -> None:
    w = make_world(db)
    drill = acid(db, w)
    with pytest.raises(ValidationFailed) as refused:
        external.import_csv(db, who(w.coordinator), drill.id, data)
    assert field in [e.field for e in refused.value.errors]


def test_results_entered_by_hand_and_removed(db: Session) -> None:
    w = make_world(db)
    drill = acid(db, w)
    coord = who(w.coordinator)
    external.set_result(db, coord, drill.id, ExternalResultIn(organisation_id=w.provinces[2].id, rank=3, score=77))
    external.set_result(db, coord, drill.id, ExternalResultIn(organisation_id=w.provinces[2].id, rank=2, score=80))
    assert [(s.rank, s.score) for s in reads.results(db, coord, drill.id).standings] == [(2, 80)]
    with pytest.raises(ValidationFailed) as refused:
        external.set_result(db, coord, drill.id, ExternalResultIn(organisation_id=999_999, rank=1))
    assert refused.value.errors[0].field == "organisation_id"
    external.remove_result(db, coord, drill.id, w.provinces[2].id)
    assert reads.results(db, coord, drill.id).standings == []


def test_only_the_coordinating_body_records_outside_drills(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(Forbidden):
        external.create(
            db,
            who(w.admins[0]),
            ExternalExerciseCreate(external_name="APCERT Drill", held_on=today() - timedelta(days=1)),
        )
    drill = acid(db, w)
    with pytest.raises(Forbidden):
        external.import_csv(db, who(w.admins[0]), drill.id, csv_of(f"{w.provinces[0].name},1,1"))
    with pytest.raises(Forbidden):
        external.set_result(db, who(w.admins[0]), drill.id, ExternalResultIn(organisation_id=w.provinces[0].id, rank=1))


def test_a_drill_in_the_future_or_red_is_refused(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(ValidationFailed) as refused:
        acid(db, w, held_on=today() + timedelta(days=30), tlp="red")
    assert {e.field for e in refused.value.errors} == {"held_on", "tlp"}
