"""Rows of the technical drill's pages (issue 16; web/views/exercises/technical.py): the challenge
board, a challenge with its files, hints and the flag form, the organisers' forms (challenges,
flags, hints, files) and the CTFd import. The same rules as the API's rows
(tests/security/table/exercises_technical.py)."""

from __future__ import annotations

from tests.security import rules as R
from tests.security.runner import Body, Variant
from tests.security.seed_exercises import flag_of, readers
from tests.security.table.exercises import HIDDEN, by_key, shows_marked
from tests.security.table.exercises_technical import (
    DRILL,
    ORGANISERS,
    challenge_seers,
    challenges,
    ctfd_backup,
    drill_players,
    solves_since_freeze,
)
from tests.security.table.vocabulary import Table, form
from tests.security.world import World

TABLE = Table()
row = TABLE.row

P = "/exercises/{exercise_id:int}"
C = f"{P}/challenges/{{challenge_id:int}}"
WEB = challenges("web")
CHALLENGE_FORM = {
    "name": "Thử thách mới",
    "category": "web",
    "description": "Mô tả",
    "function": "static",
    "value": "100",
    "decay": "0",
    "minimum": "0",
    "max_attempts": "0",
    "position": "0",
}


def importers(w: World, v: Variant) -> frozenset[str]:
    """Importing a CTFd backup makes a national drill (the coordinating body) or a cluster's (its
    current lead too): the form is theirs."""
    return R.STAFF | (R.lead_admins("1") if v.label != "national" else frozenset())


def import_form(w: World, s: str, v: Variant) -> Body:
    values = {"title": "Diễn tập CTFd nhập vào"}
    if v.label == "cluster-1":
        values["cluster_id"] = str(w.id("cluster:1"))
    return Body(files={"file": ("backup.zip", ctfd_backup(), "application/zip")}, form=values)


row(
    "GET",
    f"{P}/challenges",
    by_key(readers),
    variants=DRILL,
    hidden=HIDDEN,
    shows=lambda w, v: frozenset(w.markers.text(f"challenge technical {n} name") for n in ("web", "hidden")),
    withholds=solves_since_freeze,
)
row("GET", f"{P}/challenges/new", ORGANISERS, variants=DRILL, hidden=HIDDEN)
row(
    "POST",
    f"{P}/challenges/new",
    ORGANISERS,
    variants=DRILL,
    body=form(**CHALLENGE_FORM, flag="CSN{thu-thach-moi}", flag_kind="static"),
    hidden=HIDDEN,
)
row(
    "GET",
    C,
    challenge_seers,
    variants=challenges("web", "hidden"),
    hidden=HIDDEN,
    shows=shows_marked("challenge {label} description", "hint {label} content"),
    withholds=solves_since_freeze,
)
row("GET", f"{C}/edit", ORGANISERS, variants=challenges("web", "hidden"), hidden=HIDDEN)
row(
    "POST",
    f"{C}/edit",
    ORGANISERS,
    variants=WEB,
    body=form(**{**CHALLENGE_FORM, "name": "Thử thách đã sửa", "function": "linear", "value": "500", "decay": "50"}),
    hidden=HIDDEN,
)
row("POST", f"{C}/delete", ORGANISERS, variants=WEB, hidden=HIDDEN)
row("POST", f"{C}/flags", ORGANISERS, variants=WEB, body=form(content="CSN{co-them}", kind="static"), hidden=HIDDEN)
row(
    "POST",
    f"{C}/flags/{{flag_id:int}}/delete",
    ORGANISERS,
    variants=challenges("web", flag_id=lambda w, label: w.id(f"flag:{label}")),
    hidden=HIDDEN,
)
row("POST", f"{C}/hints", ORGANISERS, variants=WEB, body=form(content="Gợi ý mới", cost="10"), hidden=HIDDEN)
row(
    "POST",
    f"{C}/hints/{{hint_id:int}}/delete",
    ORGANISERS,
    variants=challenges("web", hint_id=lambda w, label: w.id(f"hint:{label}")),
    hidden=HIDDEN,
)
row(
    "POST",
    f"{C}/hints/{{hint_id:int}}/unlock",
    drill_players,
    variants=challenges("web", hint_id=lambda w, label: w.id(f"hint:{label}-free")),
    body=form(confirm="on"),
    hidden=HIDDEN,
    grants=lambda w, v: frozenset({w.markers.text("hint technical web free")}),
)
# The right flag: team B solves it (recorded), team A has already (a redirect that records nothing).
row(
    "POST",
    f"{C}/submit",
    drill_players,
    variants=WEB,
    body=lambda w, s, v: Body(form={"flag": flag_of("technical-web")}),
    hidden=HIDDEN,
    audited=False,
    grants=lambda w, v: frozenset({flag_of("technical-web")}),  # what the player typed
)
row(
    "POST",
    f"{C}/files",
    ORGANISERS,
    variants=WEB,
    body=lambda w, s, v: Body(
        files={"file": ("goi-tin.pcap", b"\xd4\xc3\xb2\xa1 capture", "application/octet-stream")}
    ),
    hidden=HIDDEN,
)
row(
    "GET",
    f"{C}/files/{{file_id:int}}",
    challenge_seers,
    variants=challenges("web", "hidden", file_id=lambda w, label: w.id(f"challenge-file:{label}")),
    hidden=HIDDEN,
    shows=shows_marked("challenge {label} file"),
)
row("GET", "/exercises/import-ctfd", importers, variants=lambda w: [Variant("any")])
row(
    "POST",
    "/exercises/import-ctfd",
    importers,
    variants=lambda w: [Variant("national"), Variant("cluster-1")],
    body=import_form,
)

ROWS = TABLE.rows
