"""`csirtnet org …`: import members from CSV, remind stale members, list who has not confirmed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.authz import Subject
from csirtnet.db import Database

app = typer.Typer(help="Member organisations", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _database() -> Database:
    from csirtnet.cli import database

    return database()


@app.command("import")
def import_csv(
    file: Path,
    apply_valid: Annotated[
        bool, typer.Option("--apply-valid", help="Apply the valid rows even if others are bad")
    ] = False,
) -> None:
    """Import organisations, contacts, constituency and cluster membership from a CSV file (docs/members.md).

    The whole file is checked first; nothing is applied unless it is clean (or --apply-valid)."""
    from csirtnet.organisation import importer

    if not file.is_file():
        err.print(f"[red]error:[/red] no file {file}")
        raise typer.Exit(2)
    with _database().unit_of_work() as session:
        report = importer.run(session, Subject.system("cli:org-import"), file.read_bytes(), apply_valid=apply_valid)
    for e in report.errors:
        err.print(f"{file}:{e.line}: {e.field}: {e.message}")
    if report.applied:
        console.print(
            f"imported {report.valid} of {report.rows} row(s): {report.organisations_created} organisation(s) created, "
            f"{report.organisations_updated} updated, {report.contacts_added} contact(s), {report.claims_added} "
            f"claim(s), {report.cluster_memberships_added} cluster membership(s), {report.unchanged} unchanged"
            + (f"; {report.overlaps} overlapping claim(s) to resolve" if report.overlaps else "")
        )
    elif report.errors:
        err.print(f"[red]nothing imported:[/red] {len(report.errors)} problem(s) in {report.rows} row(s)")
    else:
        console.print("nothing to import")
    if report.errors and not report.applied:
        raise typer.Exit(1)


@app.command("remind-stale")
def remind_stale(
    schedule: Annotated[
        int | None, typer.Option(help="Instead of reminding now, queue the job to run every N hours")
    ] = None,
) -> None:
    """Remind the admins of members whose contacts and constituency are not confirmed (cron-able)."""
    from csirtnet.organisation import stale, tasks

    with _database().unit_of_work() as session:
        if schedule:
            queued = tasks.schedule(session, schedule)
            console.print("scheduled" if queued else "already scheduled")
            return
        count = stale.remind(session, Subject.system("cli:remind-stale"))
    console.print(f"reminded {count} member(s)")


@app.command("stale")
def list_stale(days: Annotated[int | None, typer.Option(help="Override the age limit")] = None) -> None:
    """List members who have not confirmed their data within the limit."""
    from csirtnet.organisation import stale

    table = Table()
    for col in ("id", "member", "code", "days", "last reminder"):
        table.add_column(col)
    with _database().unit_of_work(write=False) as session:
        for e in stale.stale(session, Subject.system("cli"), max_age_days=days):
            o = e.organisation
            reminded = o.stale_reminded_at.isoformat(timespec="minutes") if o.stale_reminded_at else "-"
            table.add_row(str(o.id), o.name, o.member_code or "-", str(e.days), reminded)
    console.print(table)
