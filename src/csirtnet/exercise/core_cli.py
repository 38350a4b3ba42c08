"""`csirtnet exercise list` and `csirtnet exercise scoreboard ID --format csv|json`: the exercises
one may see, and a scoreboard as rank, team, score (CSV header `rank,team,score`).

Each command acts as the platform unless `--as EMAIL` names the user acting (then that user's
rights apply: the scoreboard they see is the one the pages show them, frozen or live)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.cli_common import AsUser, acting_subject, fail
from csirtnet.exercise.cli_app import app

out = Console(highlight=False, soft_wrap=True)


class BoardFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class Side(StrEnum):
    ALL = "all"
    ATTACKER = "attacker"
    DEFENDER = "defender"


@app.command("list")
def list_exercises(
    kind: Annotated[str | None, typer.Option(help="tabletop, technical, live_fire or external")] = None,
    status: Annotated[str | None, typer.Option(help="draft, published, running, finished or archived")] = None,
    year: Annotated[int | None, typer.Option(help="The year it starts in")] = None,
    as_user: AsUser = None,
) -> None:
    """The exercises, newest first: id, reference, kind, status, start, title."""
    from csirtnet.cli import database
    from csirtnet.exercise import repository
    from csirtnet.models import Exercise

    with database().unit_of_work(write=False) as session:
        who = acting_subject(session, as_user)
        query = repository.search(session, who, kind=kind, status=status, year=year).order_by(Exercise.id.desc())
        table = Table("id", "reference", "kind", "status", "starts", "title", box=None)
        for e in session.scalars(query):
            starts = e.starts_at.isoformat(timespec="minutes") if e.starts_at else "—"
            table.add_row(str(e.id), e.reference, e.kind, e.status, starts, e.title)
        out.print(table)


@app.command("scoreboard")
def print_scoreboard(
    exercise_id: Annotated[int, typer.Argument(help="The exercise's id")],
    format: Annotated[BoardFormat, typer.Option("--format", help="csv or json")] = BoardFormat.CSV,
    side: Annotated[Side, typer.Option(help="A live-fire side alone")] = Side.ALL,
    as_user: AsUser = None,
) -> None:
    """Print the scoreboard as rank, team, score (CSV with the header rank,team,score, or JSON)."""
    from csirtnet.authz import exercise as rules
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.exercise import scoreboard
    from csirtnet.kit.csv_export import BOM, to_csv

    with database().unit_of_work(write=False) as session:
        who = acting_subject(session, as_user)
        try:
            exercise = rules.get_visible(session, who, exercise_id)
        except AppError:
            raise fail(f"no exercise {exercise_id} (or it is not yours to see)") from None
        rows = scoreboard.board_as_rows(scoreboard.board(session, who, exercise, side=side.value))
    if format is BoardFormat.JSON:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    # kit.csv_export writes every CSV of the product (formula-like team names neutralised); a
    # terminal or a pipe gets it without the byte-order mark a spreadsheet needs.
    body = to_csv(["rank", "team", "score"], [[r["rank"], r["team"], r["score"]] for r in rows])
    sys.stdout.write(body.removeprefix(BOM))
