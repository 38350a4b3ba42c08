"""`score_events` over a large drill: 500 teams, 100 challenges, 20,000 submissions (6,000 solves)
read in four column-only statements, the values computed in Python; the events agree with a direct
count. (Its speed at 100,000 submissions is measured by benchmarks/exercise_scoreboard.py.)"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet.exercise import common, scoring
from csirtnet.exercise.technical.scores import score_events
from csirtnet.exercise.technical.values import current_value
from csirtnet.kit.bulk import insert_rows
from csirtnet.models import Challenge, ExerciseTeam, Solve, Submission
from tests.exercise.technical.helpers import make_drill
from tests.helpers import sql_statements

TEAMS, CHALLENGES, SUBMISSIONS, SOLVES = 500, 100, 20_000, 6_000


def test_the_board_of_a_large_drill_agrees_with_a_direct_count(db: Session) -> None:
    d = make_drill(db)
    eid = d.exercise.id
    rng = random.Random(16)
    start = datetime(2026, 10, 10, 1, tzinfo=UTC)
    insert_rows(db, ExerciseTeam.__table__, [
        {"exercise_id": eid, "name": f"Đội {n}", "side": "player", "hidden": n % 50 == 0,
         "created_at": start} for n in range(TEAMS)
    ])  # fmt: skip
    insert_rows(db, Challenge.__table__, [
        {"exercise_id": eid, "name": f"C{n}", "category": "Web", "description": "", "value": 500,
         "function": ("static", "linear", "logarithmic")[n % 3], "decay": 10 if n % 3 == 1 else 300, "minimum": 50,
         "per_team_flags": False, "max_attempts": 0, "hidden": False, "position": n} for n in range(CHALLENGES)
    ])  # fmt: skip
    teams = [t.id for t in db.query(ExerciseTeam).filter(ExerciseTeam.exercise_id == eid)]
    hidden = {t.id for t in db.query(ExerciseTeam).filter(ExerciseTeam.exercise_id == eid, ExerciseTeam.hidden)}
    challenges = {c.id: c for c in db.query(Challenge).filter(Challenge.exercise_id == eid)}
    pairs = rng.sample([(c, t) for c in challenges for t in teams], SOLVES)
    solves = [
        {"exercise_id": eid, "challenge_id": c, "team_id": t, "solved_at": start + timedelta(seconds=n)}
        for n, (c, t) in enumerate(pairs)
    ]
    insert_rows(db, Solve.__table__, solves)
    wrong = [
        {"exercise_id": eid, "challenge_id": rng.choice(list(challenges)), "team_id": rng.choice(teams),
         "correct": False, "provided_digest": "0" * 64, "submitted_at": start}
        for _ in range(SUBMISSIONS - SOLVES)
    ]  # fmt: skip
    insert_rows(db, Submission.__table__, wrong)
    db.flush()

    with sql_statements(db) as statements:
        events = score_events(db, d.exercise)
    board = scoring.rank(common.team_rows(db, eid), events)
    assert len(statements) == 4
    counted = Counter(c for c, t in pairs if t not in hidden)
    worth = {c: current_value(ch.function, ch.value, ch.decay, ch.minimum, counted[c]) for c, ch in challenges.items()}
    expected: Counter[int] = Counter()
    for c, t in pairs:
        expected[t] += worth[c]
    assert {s.team_id: s.score for s in board.standings} == {t: expected[t] for t in teams if t not in hidden}


def test_a_player_sees_values_and_score_as_they_stood_at_the_freeze(db: Session) -> None:
    """After the freeze a player's board shows each challenge's value from the solves before the
    freeze (and its own): 500 − 100 × (solves − 1) by the linear decay; the staff see the value now."""
    from csirtnet.exercise.technical import play, reads
    from tests.exercise.technical.helpers import make_challenge

    now = datetime.now(UTC)
    d = make_drill(db, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=1))
    challenge = make_challenge(db, d, value=500, function="linear", decay=100, minimum=100)
    play.submit(db, d.who(d.players[0]), d.exercise.id, challenge.id, "CSIRT{0r_1=1}", now=now - timedelta(hours=1))
    d.exercise.freeze_at = now - timedelta(minutes=30)
    play.submit(db, d.who(d.players[1]), d.exercise.id, challenge.id, "CSIRT{0r_1=1}", now=now - timedelta(minutes=10))
    db.flush()

    def row(user: object) -> tuple[int, int, int | None]:
        view = reads.board(db, d.who(user), d.exercise.id)  # type: ignore[arg-type]
        r = next(r for _, rows in view.categories for r in rows if r.challenge.id == challenge.id)
        return r.value, r.solves, view.my_score

    # Bắc Kạn solved before the freeze: it sees one solve, the value at one solve, and 500 points.
    assert row(d.players[0]) == (500, 1, 500)
    # Cao Bằng solved after the freeze: it sees its own solve too, and its score as the frozen board has it (0).
    assert row(d.players[1]) == (400, 2, 0)
    # The organiser sees the board live: two solves, 400 each.
    assert row(d.organiser)[:2] == (400, 2)
