"""`csirtnet intake quarantine list|show|release|discard`: email the intake could not file."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.authz import Subject
from csirtnet.errors import AppError

app = typer.Typer(help="Email intake", no_args_is_help=True)
quarantine_app = typer.Typer(help="Email the intake could not file, kept whole", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
console = Console()
err = Console(stderr=True)

OPERATOR = "cli:intake"


def _fail(exc: AppError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.message}")
    for e in getattr(exc, "errors", None) or []:
        err.print(f"  {e.field}: {e.message}")
    return typer.Exit(1)


@quarantine_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="pending, released or discarded")] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """The quarantined messages (pending ones by default), newest first."""
    from csirtnet.cli import database
    from csirtnet.incident import quarantine_reads
    from csirtnet.kit.time import utcnow

    try:
        with database().unit_of_work(write=False) as session:
            rows, _ = quarantine_reads.messages_page(
                session, Subject.system(OPERATOR), status=status or None, cursor=None, limit=limit
            )
            now = utcnow()
            table = Table("id", "received", "age (h)", "status", "reason", "from", "subject")
            for r in rows:
                age = f"{(now - r.received_at).total_seconds() / 3600:.1f}"
                table.add_row(
                    f"Q-{r.id}",
                    r.received_at.isoformat(timespec="minutes"),
                    age,
                    r.status,
                    r.reason,
                    r.sender or "",
                    r.subject or "",
                )
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(table)
    console.print(f"{len(rows)} message(s)")


def _ident(value: str) -> int:
    try:
        return int(value.upper().removeprefix("Q-"))
    except ValueError:
        err.print(f"[red]error:[/red] not a quarantined message id: {value}")
        raise typer.Exit(2) from None


@quarantine_app.command("show")
def show_command(
    ident: Annotated[str, typer.Argument(help="Q-12 or 12")],
    raw: Annotated[bool, typer.Option("--raw", help="Write the message as it arrived to stdout")] = False,
) -> None:
    """One quarantined message: why it was not filed (or its raw bytes with --raw)."""
    from csirtnet.cli import database
    from csirtnet.incident import quarantine, quarantine_reads

    try:
        with database().unit_of_work(write=False) as session:
            found = quarantine_reads.detail(session, Subject.system(OPERATOR), _ident(ident))
            row = found.message
            if raw:
                sys.stdout.buffer.write(quarantine.raw_bytes(row))
                return
            lines = [
                f"Q-{row.id} ({row.status}), received {row.received_at.isoformat(timespec='seconds')} by {row.source}",
                f"reason: {row.reason}: {row.detail}",
                f"from: {row.sender or '?'}",
                f"subject: {row.subject or '?'}",
                f"size: {row.raw_size} bytes",
            ]
            if found.report is not None:
                lines.append(f"filed as: {found.report.reference}")
            if row.discard_reason:
                lines.append(f"discarded: {row.discard_reason}")
    except AppError as exc:
        raise _fail(exc) from exc
    for line in lines:
        console.print(line, markup=False, highlight=False)


@quarantine_app.command("release")
def release_command(ident: Annotated[str, typer.Argument(help="Q-12 or 12")]) -> None:
    """File a quarantined message as a report, accepting it as it is."""
    from csirtnet.cli import database
    from csirtnet.incident import quarantine

    try:
        with database().unit_of_work() as session:
            reference = quarantine.release(session, Subject.system(OPERATOR), _ident(ident)).reference
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(f"released {ident} as report {reference}")


@quarantine_app.command("discard")
def discard_command(
    ident: Annotated[str, typer.Argument(help="Q-12 or 12")],
    reason: Annotated[str, typer.Option(help="Why it is discarded (kept with the message)")],
) -> None:
    """Discard a quarantined message, with the reason."""
    from csirtnet.cli import database
    from csirtnet.incident import quarantine

    try:
        with database().unit_of_work() as session:
            quarantine.discard(session, Subject.system(OPERATOR), _ident(ident), reason)
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(f"discarded {ident}")
