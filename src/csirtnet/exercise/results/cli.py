"""Commands of the results part, on `csirtnet exercise`:

- `import-results ID FILE.csv` replaces an outside drill's results with the file's (`team,rank,score`;
  all rows or none, each bad row named by line and column on standard error, exit 1);
- `record-results ID` writes a finished exercise's results into its members' readiness records
  (idempotent: a second run changes nothing).

Each acts as the platform unless `--as EMAIL` names the user acting."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from csirtnet.cli_common import AsUser, acting_subject, err, fail
from csirtnet.exercise.cli_app import app


@app.command("import-results")
def import_results(
    exercise_id: Annotated[int, typer.Argument(help="The outside drill's id")],
    file: Annotated[Path, typer.Argument(help="CSV, UTF-8, header team,rank,score", exists=True, dir_okay=False)],
    as_user: AsUser = None,
) -> None:
    """Import an outside drill's results (APCERT, ACID) from CSV: team (a member's name or short name), rank, score."""
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.exercise.results import external

    try:
        with database().unit_of_work() as session:
            summary = external.import_csv(session, acting_subject(session, as_user), exercise_id, file.read_bytes())
    except AppError as exc:
        err.print(f"[red]{file}[/red]: refused, nothing imported", markup=True)
        for problem in exc.errors or []:
            err.print(f"  {problem.field}: {problem.message}", markup=False)
        raise fail(exc.message) from None
    sys.stdout.write(f"{summary.imported} result(s) imported, {summary.removed} removed\n")


@app.command("record-results")
def record_results(
    exercise_id: Annotated[int, typer.Argument(help="The finished exercise's id")],
    as_user: AsUser = None,
) -> None:
    """Write a finished exercise's results into its members' readiness records (safe to run again)."""
    from csirtnet.authz import exercise as rules
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.exercise.results import readiness

    try:
        with database().unit_of_work() as session:
            who = acting_subject(session, as_user)
            summary = readiness.record_results(session, who, rules.get_visible(session, who, exercise_id))
    except AppError as exc:
        raise fail(exc.message) from None
    sys.stdout.write(
        f"{summary.organisations} organisation(s): {summary.written} drill(s) written, {summary.removed} removed\n"
    )
