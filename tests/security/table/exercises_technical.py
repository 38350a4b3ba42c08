"""Rows of the technical drills' API (issue 16): challenges, their flags, hints and files, flag
submissions, hint unlocks, solves, and the CTFd import. The module page of authz/exercise.py says a
team's work (flag submissions, hint unlocks) is its people's, the exercise's staff's and the
coordinating body's; the challenges themselves follow the docstring of `sees_challenges` (the staff
always, hidden ones too; whoever sees the exercise once it runs, the visible ones); a flag is never
shown in clear (the seeded flags are registered as secrets nobody may see); a hint's text is for the
teams that paid for it. Seeded by tests/security/seed_exercises.py."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from tests.exercise.ctfd_fixture import build_ctfd_zip
from tests.security import rules as R
from tests.security.runner import Body, Variant, Variants
from tests.security.seed_exercises import (
    all_work_readers,
    organisers,
    players,
    readers,
    work_readers,
)
from tests.security.table.exercises import EX, HIDDEN, by_key, exercises, part, shows_marked, within
from tests.security.table.exercises_work import LISTS_OF_WORK, OTHERS_EITHER
from tests.security.table.vocabulary import Table, js
from tests.security.world import World

TABLE = Table()
row = TABLE.row

DRILL = exercises(("technical",))
ORGANISERS = by_key(organisers)


def challenges(*names: str, **more: Callable[[World, str], object]) -> Variants:
    return within("challenge_id", "challenge", [f"technical:{n}" for n in names], **more)


def challenge_seers(w: World, v: Variant) -> frozenset[str]:
    """A visible challenge of the running drill: whoever sees it; a hidden one: its staff."""
    return all_work_readers("technical") if part(v) == "hidden" else readers("technical")


def drill_players(w: World, v: Variant) -> frozenset[str]:
    """The listed players holding EXERCISES_PLAY (the viewer listed in team A does not play)."""
    return players("technical", "A") | players("technical", "B")


def solves_since_freeze(w: World, v: Variant, s: str) -> list[str]:
    """Team A solved `web` after the freeze: only the staff see the board move, and team A's people
    their own work; nobody else learns who solved it since."""
    return [] if s in work_readers("technical", "A") else ["Đội A technical"]


@cache
def ctfd_backup() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return build_ctfd_zip(Path(folder) / "backup.zip").read_bytes()


def import_body(w: World, s: str, v: Variant) -> Body:
    form = {"title": "Diễn tập CTFd nhập vào"}
    if v.label == "cluster-1":
        form["cluster_id"] = str(w.id("cluster:1"))
    return Body(files={"file": ("backup.zip", ctfd_backup(), "application/zip")}, form=form)


row(
    "POST",
    f"{EX}/import-ctfd",
    lambda w, v: R.STAFF | (R.lead_admins("1") if v.label == "cluster-1" else frozenset()),
    variants=lambda w: [Variant("national"), Variant("cluster-1")],
    body=import_body,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/challenges",
    by_key(readers),
    variants=DRILL,
    hidden=HIDDEN,
    shows=lambda w, v: frozenset(w.markers.text(f"challenge technical {n} name") for n in ("web", "hidden")),
    withholds=solves_since_freeze,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/challenges",
    ORGANISERS,
    variants=DRILL,
    body=js(name="Thử thách mới", value=100, flags=[{"content": "CSN{thu-thach-moi}"}]),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}",
    challenge_seers,
    variants=challenges("web", "hidden"),
    hidden=HIDDEN,
    shows=shows_marked("challenge {label} description", "hint {label} content"),
    withholds=solves_since_freeze,
)
row(
    "PATCH",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}",
    ORGANISERS,
    variants=challenges("web", "hidden"),
    body=js(category="pwn"),
    hidden=HIDDEN,
)
row(
    "DELETE", f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}", ORGANISERS, variants=challenges("web"), hidden=HIDDEN
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/flags",
    ORGANISERS,
    variants=challenges("web"),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/flags",
    ORGANISERS,
    variants=challenges("web"),
    body=js(content="CSN{co-them}"),
    hidden=HIDDEN,
)
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/flags/{{flag_id}}",
    ORGANISERS,
    variants=challenges("web", flag_id=lambda w, label: w.id(f"flag:{label}")),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/hints",
    ORGANISERS,
    variants=challenges("web"),
    body=js(content="Gợi ý mới", cost=10),
    hidden=HIDDEN,
)
row(
    "PATCH",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/hints/{{hint_id}}",
    ORGANISERS,
    variants=challenges("web", hint_id=lambda w, label: w.id(f"hint:{label}")),
    body=js(cost=40),
    hidden=HIDDEN,
)
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/hints/{{hint_id}}",
    ORGANISERS,
    variants=challenges("web", hint_id=lambda w, label: w.id(f"hint:{label}")),
    hidden=HIDDEN,
)
# A free hint nobody unlocked yet: each player unlocks it for its team (and then reads its text).
row(
    "POST",
    f"{EX}/{{exercise_id}}/hints/{{hint_id}}/unlock",
    drill_players,
    variants=within("hint_id", "hint", ["technical:web-free"]),
    body=js(),
    hidden=HIDDEN,
    grants=lambda w, v: frozenset({w.markers.text("hint technical web free")}),
)
row(
    "POST",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/files",
    ORGANISERS,
    variants=challenges("web"),
    body=lambda w, s, v: Body(
        files={"file": ("goi-tin.pcap", b"\xd4\xc3\xb2\xa1 capture", "application/octet-stream")}
    ),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/files/{{file_id}}",
    challenge_seers,
    variants=challenges("web", "hidden", file_id=lambda w, label: w.id(f"challenge-file:{label}")),
    hidden=HIDDEN,
    shows=shows_marked("challenge {label} file"),
)
row(
    "DELETE",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/files/{{file_id}}",
    ORGANISERS,
    variants=challenges("web", file_id=lambda w, label: w.id(f"challenge-file:{label}")),
    hidden=HIDDEN,
)
# A wrong flag changes the submissions, not the audit log (a solve is recorded; team A solved `web`).
row(
    "POST",
    f"{EX}/{{exercise_id}}/challenges/{{challenge_id}}/submissions",
    lambda w, v: drill_players(w, v) if part(v) == "web" else frozenset(),
    variants=challenges("web", "hidden"),
    body=js(flag="CSN{doan-thu}"),
    hidden=HIDDEN,
    audited=False,
)
row(
    "GET",
    f"{EX}/{{exercise_id}}/submissions",
    LISTS_OF_WORK,
    variants=DRILL,
    hidden=HIDDEN,
    either=OTHERS_EITHER,
)


row(
    "GET", f"{EX}/{{exercise_id}}/solves", by_key(readers), variants=DRILL, hidden=HIDDEN, withholds=solves_since_freeze
)

ROWS = TABLE.rows
