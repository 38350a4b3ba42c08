"""Commands of the technical part, on `csirtnet exercise`:

- `import-ctfd FILE.zip [--title T] [--cluster N]` makes a finished technical drill of a CTFd admin
  backup (exercise.technical.ctfd), in one transaction: progress on standard error, what was
  imported on standard output, and the new exercise's id alone on the LAST line (scripts read it
  with `tail -n1`). A backup that cannot be read prints why (the file and the entry) and imports
  nothing; the command exits 1.

It acts as the platform unless `--as EMAIL` names the user acting (then their right to organise a
national exercise, or the cluster's, applies)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from csirtnet.cli_common import AsUser, acting_subject, err, fail
from csirtnet.exercise.cli_app import app


@app.command("import-ctfd")
def import_ctfd(
    file: Annotated[Path, typer.Argument(help="A CTFd admin backup (.zip)", exists=True, dir_okay=False)],
    title: Annotated[str | None, typer.Option("--title", help="The exercise's title (default: the CTF's name)")] = None,
    cluster: Annotated[int | None, typer.Option("--cluster", help="A cluster exercise of this cluster id")] = None,
    as_user: AsUser = None,
) -> None:
    """Import a CTFd admin backup as a finished technical drill; prints the new exercise's id last."""
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.exercise.technical import ctfd

    def progress(line: str) -> None:
        err.print(line, markup=False)

    try:
        with database().unit_of_work() as session:
            report = ctfd.import_backup(
                session,
                acting_subject(session, as_user),
                file.read_bytes(),
                filename=file.name,
                title=title,
                cluster_id=cluster,
                progress=progress,
            )
    except AppError as exc:
        err.print(f"[red]{file}[/red]: refused, nothing imported", markup=True)
        raise fail(exc.message) from None
    out = sys.stdout
    out.write(f"imported {report.reference} {report.title}\n")
    out.write(
        f"{report.challenges} challenges, {report.teams} teams ({report.members} members), {report.solves} solves, "
        f"{report.wrong_submissions} wrong submissions, {report.awards} awards, {report.unlocks} unlocks\n"
    )
    for team in report.matched:
        out.write(f"team {team.team} matched to organisation {team.organisation_id}\n")
    for line in report.skipped:
        out.write(f"left out: {line}\n")
    out.write(f"{report.exercise_id}\n")
