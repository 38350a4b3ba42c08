"""Rankings: a finished national drill ranks each team "Nth of M" (M: the ranked teams, hidden ones
left out), in English and Vietnamese; the network's ranking for a year gathers each member's
results (best rank, participations) and filters by kind and cluster; a member's results across
exercises; nothing of an unfinished exercise counts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.exercise.results import rankings, reads
from csirtnet.exercise.results.standings import placement
from tests.exercise.results.helpers import finished_drill, held_at, make_world
from tests.incident.helpers import who


def test_a_known_board_places_the_third_team_3rd_of_63(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=63, third=2, hidden=1)
    ranking = reads.results(db, who(w.admins[2]), drill.id)
    assert ranking.final and len(ranking.standings) == 63  # the hidden team is not ranked
    mine = [s for s in ranking.standings if s.organisation_id == w.provinces[2].id]
    assert [(s.rank, s.total, s.score, s.placement) for s in mine] == [(3, 63, 980, "3rd of 63")]
    assert [s.placement for s in ranking.standings[:4]] == ["1st of 63", "2nd of 63", "3rd of 63", "4th of 63"]
    assert ranking.standings[10].placement == "11th of 63" and ranking.standings[21].placement == "22nd of 63"


def test_placement_words_in_both_languages() -> None:
    assert placement(3, 63, "en") == "3rd of 63"
    assert placement(3, 63, "vi") == "hạng 3 trên 63"
    assert placement(12, 100, "en") == "12th of 100"


def test_an_unfinished_exercise_has_no_final_ranking(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=5, status="running")
    ranking = reads.results(db, who(w.coordinator), drill.id)
    assert not ranking.final and ranking.standings == []
    assert rankings.network_ranking(db, who(w.coordinator), held_at().year) == []


def test_the_network_ranking_gathers_each_members_results(db: Session) -> None:
    w = make_world(db)
    first = finished_drill(db, w, teams=10, third=2, title="Diễn tập kỹ thuật 1", starts_at=held_at(12))
    second = finished_drill(db, w, teams=6, third=0, title="Diễn tập kỹ thuật 2", starts_at=held_at(10))
    year = held_at(10).year
    rows = rankings.network_ranking(db, who(w.responders[4]), year)
    by_org = {m.organisation_id: m for m in rows}
    bac_ninh = by_org[w.provinces[2].id]
    assert bac_ninh.participations == 2
    assert [(r.exercise.id, r.rank, r.total) for r in bac_ninh.results] == [(first.id, 3, 10), (second.id, 2, 6)]
    assert bac_ninh.best is not None and (bac_ninh.best.rank, bac_ninh.best.total) == (2, 6)
    assert rows[0].best is not None and rows[0].best.rank == 1
    in_cluster = rankings.network_ranking(db, who(w.coordinator), year, cluster_id=w.cluster.id)
    assert {m.organisation_id for m in in_cluster} == {p.id for p in w.provinces}
    assert rankings.network_ranking(db, who(w.coordinator), year, kind="tabletop") == []
    assert rankings.network_ranking(db, who(w.coordinator), year - 5) == []


def test_a_members_results_across_exercises(db: Session) -> None:
    w = make_world(db)
    finished_drill(db, w, teams=10, third=2, title="Diễn tập A", starts_at=held_at(400))
    finished_drill(db, w, teams=8, third=2, title="Diễn tập B", starts_at=held_at(20))
    results = rankings.member_results(db, who(w.outsider), w.provinces[2].id)
    assert [(r.name, r.rank, r.total) for r in results] == [("Diễn tập B", 3, 8), ("Diễn tập A", 3, 10)]
    assert rankings.member_results(db, who(w.outsider), w.outsider_org.id) == []
