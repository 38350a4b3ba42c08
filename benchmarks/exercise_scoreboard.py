"""A technical drill's scoreboard and its flag submissions under load (issue 16).

Targets: the scoreboard of 500 teams with 100,000 submissions is recomputed in under 200 ms, and the
platform takes 200 concurrent submitting users with p95 under 200 ms per submission.

Run by hand, never by the test suite (docs/benchmarks.md, section "Exercises"):

    .venv/bin/python benchmarks/exercise_scoreboard.py                  # SQLite: the recomputation only
    .venv/bin/python benchmarks/exercise_scoreboard.py --postgresql     # PostgreSQL: both parts

It builds a fresh database with the migrations and bulk-loads a running technical drill: 500 teams
(the first 200 with one player each, in 200 member organisations), 50 challenges (20 static, 15
linear and 15 logarithmic dynamic ones), and 100,000 submissions of which one in four is right
(25,000 solves, at most one per team and challenge), spread over eight hours, plus hint unlocks
and awards.

1. Recomputation: `exercise.scoreboard.board` — every scoring fact read, the dynamic values worked
   out from the solve counts, the teams ranked — `--rounds` times after a warm-up; then the same
   through the API (GET /api/v1/exercises/{id}/scoreboard with an API token: authentication,
   authz, JSON). p50/p95/max.
2. Submissions (PostgreSQL): `csirtnet serve --workers 2` on 127.0.0.1, and 200 players, each on its
   own connection with its own API token, submitting flags to POST
   /api/v1/exercises/{id}/challenges/{cid}/submissions for `--seconds`: a player types a flag every
   `--think` seconds on average (uniform between half and one and a half times it; 0 means no
   pause at all, which measures the saturated server rather than players). Latency of each
   submission from send to answer, as the player's client sees it, leaving out each player's
   first (it opens the connection and records the token's first use).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/csirtnet_bench_ex"
FLAG = "CSN{benchmark}"


def fresh_url(postgresql: bool, work: Path) -> str:
    if not postgresql:
        path = work / "exercise_bench.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS csirtnet_bench_ex WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE csirtnet_bench_ex"))
    admin.dispose()
    return PG_URL


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(label: str, ms: list[float]) -> str:
    return (
        f"{label}: n={len(ms)} p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"max {max(ms):.1f} ms"
    )


def load(database: Any, *, teams: int, players: int, challenges: int, submissions: int) -> dict[str, Any]:
    """The drill, its teams, players and history; returns the ids the runs need."""
    from csirtnet.auth.passwords import hash_password
    from csirtnet.bootstrap import coordinator_organisation
    from csirtnet.exercise.technical import flags
    from csirtnet.kit.time import utcnow
    from csirtnet.models import (
        Award,
        Challenge,
        ChallengeFlag,
        ChallengeHint,
        Exercise,
        ExerciseStaff,
        ExerciseTeam,
        ExerciseTeamMember,
        HintUnlock,
        Organisation,
        Solve,
        Submission,
        User,
        UserRole,
    )
    from csirtnet.vocabulary import Role

    rng = random.Random(16)
    now = utcnow()
    start = now - timedelta(hours=8)
    password = hash_password("benchmark password")
    with database.unit_of_work() as session:
        coord_org = coordinator_organisation(session)
        coord = User(
            email="coordinator@bench.vn",
            full_name="Điều phối viên",
            organisation_id=coord_org.id,
            password_hash=password,
            password_changed_at=now,
            totp_secret="JBSWY3DPEHPK3PXP",  # a coordinator's second factor is required (not used here)
            totp_enabled_at=now,
        )
        coord.role_rows = [UserRole(role=Role.COORDINATOR.value)]
        session.add(coord)
        session.flush()
        exercise = Exercise(
            reference="CSN-EX-BENCH-0001",
            title="Diễn tập kỹ thuật quốc gia (benchmark)",
            kind="technical",
            scope="national",
            status="running",
            organiser_organisation_id=coord_org.id,
            starts_at=start,
            ends_at=now + timedelta(hours=4),
            attempts_per_minute=100_000,  # the players here are machines: no rate limit in the way
            created_by_id=coord.id,
        )
        session.add(exercise)
        session.flush()
        session.add(ExerciseStaff(exercise_id=exercise.id, user_id=coord.id, role="organiser"))
        session.execute(
            insert(Organisation),
            [
                {
                    "name": f"Sở Thông tin và Truyền thông {n:03d}",
                    "short_name": f"STTTT{n:03d}",
                    "member_code": f"EX{n:03d}",
                    "kind": "province",
                    "province": f"Tỉnh {n:03d}",
                    "sector": "government",
                    "status": "active",
                    "is_coordinator": False,
                    "name_fold": f"so thong tin va truyen thong {n:03d}",
                    "name_sort": f"so thong tin va truyen thong {n:03d}",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(players)
            ],
        )
        org_ids = list(
            session.scalars(
                select(Organisation.id).where(Organisation.member_code.like("EX%")).order_by(Organisation.id)
            )
        )
        session.execute(
            insert(User),
            [
                {
                    "email": f"player{n:03d}@bench.vn",
                    "full_name": f"Người chơi {n:03d}",
                    "organisation_id": org,
                    "password_hash": password,
                    "language": "vi",
                    "timezone": "Asia/Ho_Chi_Minh",
                    "is_active": True,
                    "failed_logins": 0,
                    "name_fold": f"nguoi choi {n:03d}",
                    "name_sort": f"nguoi choi {n:03d}",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, org in enumerate(org_ids)
            ],
        )
        player_ids = list(
            session.scalars(select(User.id).where(User.email.like("player%@bench.vn")).order_by(User.email))
        )
        session.execute(insert(UserRole), [{"user_id": u, "role": Role.RESPONDER.value} for u in player_ids])
        session.execute(
            insert(ExerciseTeam),
            [
                {
                    "exercise_id": exercise.id,
                    "name": f"Đội {n:03d}",
                    "organisation_id": org_ids[n] if n < players else None,
                    "side": "player",
                    "hidden": n % 100 == 99,  # a few hidden teams, as CTFd's banned ones
                    "created_at": now,
                }
                for n in range(teams)
            ],
        )
        team_ids = list(
            session.scalars(
                select(ExerciseTeam.id).where(ExerciseTeam.exercise_id == exercise.id).order_by(ExerciseTeam.id)
            )
        )
        session.execute(
            insert(ExerciseTeamMember),
            [
                {"team_id": team_ids[n], "user_id": player_ids[n], "name": f"Người chơi {n:03d}", "captain": True}
                for n in range(players)
            ],
        )
        functions = ["static"] * 20 + ["linear"] * 15 + ["logarithmic"] * 15
        session.execute(
            insert(Challenge),
            [
                {
                    "exercise_id": exercise.id,
                    "name": f"Thử thách {n:02d}",
                    "category": ("web", "forensics", "crypto", "pwn", "misc")[n % 5],
                    "description": "",
                    "function": functions[n % len(functions)],
                    "value": 100 * (1 + n % 5),
                    "decay": 0 if functions[n % len(functions)] == "static" else 5 + n % 40,
                    "minimum": 0 if functions[n % len(functions)] == "static" else 50,
                    "per_team_flags": False,
                    "max_attempts": 0,
                    "hidden": False,
                    "position": n,
                }
                for n in range(challenges)
            ],
        )
        challenge_ids = list(
            session.scalars(select(Challenge.id).where(Challenge.exercise_id == exercise.id).order_by(Challenge.id))
        )
        salt = "benchsalt"
        session.execute(
            insert(ChallengeFlag),
            [
                {
                    "challenge_id": c,
                    "kind": "static",
                    "case_insensitive": False,
                    "salt": salt,
                    "digest": flags.digest(salt, FLAG),
                }
                for c in challenge_ids
            ],
        )
        # The history: one right answer in four; a team solves a challenge once.
        solved: set[tuple[int, int]] = set()
        subs: list[dict[str, Any]] = []
        solves: list[dict[str, Any]] = []
        seconds = 8 * 3600
        for n in range(submissions):
            team = team_ids[rng.randrange(teams)]
            challenge = challenge_ids[int(rng.triangular(0, challenges, 0))]  # easy ones more often
            at = start + timedelta(seconds=seconds * n / submissions)
            right = rng.random() < 0.25 and (team, challenge) not in solved
            subs.append(
                {
                    "exercise_id": exercise.id,
                    "challenge_id": challenge,
                    "team_id": team,
                    "correct": right,
                    "provided_digest": "0" * 64,
                    "submitted_at": at,
                }
            )
            if right:
                solved.add((team, challenge))
                solves.append({"exercise_id": exercise.id, "challenge_id": challenge, "team_id": team, "solved_at": at})
        for chunk in range(0, len(subs), 20_000):
            session.execute(insert(Submission), subs[chunk : chunk + 20_000])
        session.execute(insert(Solve), solves)
        session.execute(
            insert(ChallengeHint),
            [{"challenge_id": c, "content": "Gợi ý", "cost": 10, "position": 0} for c in challenge_ids[:10]],
        )
        hint_ids = list(session.scalars(select(ChallengeHint.id).order_by(ChallengeHint.id)))
        unlocks = [(h, t) for h in hint_ids for t in team_ids[:200:3]]
        session.execute(
            insert(HintUnlock),
            [{"hint_id": h, "team_id": t, "unlocked_at": start + timedelta(minutes=30)} for h, t in unlocks],
        )
        unlock_ids = dict(
            ((h, t), i) for i, h, t in session.execute(select(HintUnlock.id, HintUnlock.hint_id, HintUnlock.team_id))
        )
        session.execute(
            insert(Award),
            [
                {
                    "exercise_id": exercise.id,
                    "team_id": t,
                    "name": f"Hint {h}",
                    "value": -10,
                    "category": "hints",
                    "hint_unlock_id": unlock_ids[(h, t)],
                    "awarded_at": start + timedelta(minutes=30),
                }
                for h, t in unlocks
            ],
        )
        session.flush()
        return {
            "exercise": exercise.id,
            "coordinator": coord.id,
            "players": player_ids,
            "teams": team_ids[:players],
            "challenges": challenge_ids,
            "solves": len(solves),
            "awards": len(unlocks),
        }


def recompute(database: Any, ids: dict[str, Any], rounds: int) -> None:
    from fastapi.testclient import TestClient

    from csirtnet.app import create_app
    from csirtnet.authz import Subject
    from csirtnet.exercise import scoreboard
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token
    from csirtnet.models import Exercise, User

    with database.unit_of_work() as session:
        coord = session.get(User, ids["coordinator"])
        who = subject_for(coord)
        token = create_token(session, who, coord, name="bench", scopes=["exercises:read"], expires_in_days=1).token
    from csirtnet.serving import freeze_startup_heap

    client = TestClient(create_app())
    freeze_startup_heap()  # as `csirtnet serve` does once the app has started (ADR 0024)
    timings: list[float] = []
    with database.unit_of_work() as session:
        exercise = session.get(Exercise, ids["exercise"])
        assert exercise is not None
        viewer = Subject.system("benchmark")
        for n in range(rounds + 3):
            started = time.perf_counter()
            result = scoreboard.board(session, viewer, exercise)
            elapsed = (time.perf_counter() - started) * 1000
            if n >= 3:
                timings.append(elapsed)
        top = result.standings[:3]
    print(summary("scoreboard.board (recomputed from the facts)", timings))
    print("  top three: " + "; ".join(f"{s.rank}. {s.team} {s.score}" for s in top))
    print(f"  {len(result.standings)} ranked teams (hidden ones left out)")
    api: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    for n in range(rounds + 3):
        started = time.perf_counter()
        r = client.get(f"/api/v1/exercises/{ids['exercise']}/scoreboard", headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert r.status_code == 200, r.text[:300]
        if n >= 3:
            api.append(elapsed)
    print(summary("GET /api/v1/exercises/{id}/scoreboard (whole app, JSON)", api))


def serve(url: str, port: int, work: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CSIRTNET_DATABASE_URL": url,
        "CSIRTNET_DATA_DIR": str(work / "data"),
        "CSIRTNET_SECRET_KEY": "benchmark-secret-key-not-for-production",
        "CSIRTNET_IN_PROCESS_WORKER": "false",
        "CSIRTNET_LOG_LEVEL": "WARNING",
        "CSIRTNET_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        str(Path(sys.executable).parent / "csirtnet"), "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    log = (work / "serve.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603 - our own interpreter and arguments
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"csirtnet serve exited; see {work / 'serve.log'}")
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("csirtnet serve did not answer /healthz within 60 s")


async def drive(
    base: str, tokens: list[str], exercise_id: int, challenges: list[int], *, seconds: float, think: float
) -> tuple[list[float], dict[str, int], float]:
    timings: list[float] = []
    answers: dict[str, int] = {}
    by_answer: dict[str, list[float]] = {}
    firsts: list[float] = []
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    async def player(index: int, token: str) -> None:
        rng = random.Random(index)
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        warm = False
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            await asyncio.sleep(rng.uniform(0, think or 0.1))  # players do not start in step
            while time.monotonic() < deadline:
                challenge = rng.choice(challenges)
                flag = FLAG if rng.random() < 0.2 else f"CSN{{guess-{rng.randrange(10**6)}}}"
                t = time.perf_counter()
                r = await client.post(
                    f"/api/v1/exercises/{exercise_id}/challenges/{challenge}/submissions",
                    json={"flag": flag},
                    headers=headers,
                )
                elapsed = (time.perf_counter() - t) * 1000
                key = r.json().get("status", str(r.status_code)) if r.status_code == 200 else str(r.status_code)
                answers[key] = answers.get(key, 0) + 1
                if warm:  # a player's first flag opens its connection and its token's first use
                    timings.append(elapsed)
                    by_answer.setdefault(key, []).append(elapsed)
                else:
                    firsts.append(elapsed)
                warm = True
                if think > 0:
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(player(i, t) for i, t in enumerate(tokens)))
    for key, ms in sorted(by_answer.items()):
        print("  " + summary(f"answered {key}", ms))
    print("  " + summary("each player's first flag (connection opened, token's first use)", firsts))
    return timings, answers, time.monotonic() - started


def submissions_under_load(
    database: Any, url: str, ids: dict[str, Any], work: Path, *, seconds: float, think: float, workers: int
) -> None:
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token
    from csirtnet.models import User

    tokens: list[str] = []
    with database.unit_of_work() as session:
        for uid in ids["players"]:
            user = session.get(User, uid)
            who = subject_for(user)
            tokens.append(
                create_token(
                    session, who, user, name="bench", scopes=["exercises:read", "exercises:play"], expires_in_days=1
                ).token
            )
    port = 18000 + os.getpid() % 1000
    server = serve(url, port, work, workers)
    try:
        timings, answers, wall = asyncio.run(
            drive(f"http://127.0.0.1:{port}", tokens, ids["exercise"], ids["challenges"], seconds=seconds, think=think)
        )
    finally:
        server.terminate()
        server.wait(timeout=40)
    print(
        summary(f"POST …/submissions, {len(tokens)} players, think {think:g} s, {workers} web processes", timings)
        + f"; {len(timings) / wall:.0f} submissions/s"
    )
    print(f"  answers: {answers}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--players", type=int, default=200)
    parser.add_argument("--challenges", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, action="append", help="seconds between a player's flags (repeatable)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrent", type=int, help="players submitting at once (default: every player)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="csirtnet-exercise-bench-"))
    os.environ["CSIRTNET_DATA_DIR"] = str(work)
    url = fresh_url(args.postgresql, work)
    os.environ["CSIRTNET_DATABASE_URL"] = url
    os.environ["CSIRTNET_MAIL_ENABLED"] = "false"
    os.environ["CSIRTNET_IN_PROCESS_WORKER"] = "false"

    from csirtnet import migrate
    from csirtnet.db import Database, make_engine, set_database

    engine = make_engine(url)
    migrate.upgrade(engine)
    database = Database(engine)
    set_database(database)
    started = time.perf_counter()
    ids = load(
        database, teams=args.teams, players=args.players, challenges=args.challenges, submissions=args.submissions
    )
    print(
        f"loaded {args.teams} teams, {args.challenges} challenges, {args.submissions:,} submissions "
        f"({ids['solves']:,} solves), {ids['awards']:,} hint costs in {time.perf_counter() - started:.1f} s "
        f"({'PostgreSQL' if args.postgresql else 'SQLite'}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
    )
    if args.postgresql:
        with database.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    recompute(database, ids, args.rounds)
    if args.postgresql:
        for think in args.think or [1.0, 0.0]:
            submissions_under_load(database, url, ids, work, seconds=args.seconds, think=think, workers=args.workers)
    else:
        print("(the submissions under load run on PostgreSQL only: --postgresql)")


if __name__ == "__main__":
    main()
