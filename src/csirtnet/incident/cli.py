"""`csirtnet incident …`: export, the SMTP intake service, the Maildir poller, the deadline sweep."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Incidents: export, email intake, deadlines", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _incident_id(session: object, ident: str) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from csirtnet.models import Incident

    assert isinstance(session, Session)
    if ident.isdigit():
        return int(ident)
    found = session.scalar(select(Incident.id).where(Incident.reference == ident.upper()))
    if found is None:
        err.print(f"[red]error:[/red] no incident {ident}")
        raise typer.Exit(1)
    return found


@app.command("export")
def export_command(
    incident: Annotated[str, typer.Argument(help="Incident id or reference (SC-2026-000123)")],
    format: Annotated[str, typer.Option("--format", help="pdf or json")] = "pdf",
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: standard output for json)")] = None,
    form: Annotated[str, typer.Option(help="pdf: initial (form 03), closing (form 04) or both")] = "both",
    lang: Annotated[str, typer.Option(help="pdf: vi or en")] = "vi",
) -> None:
    """Export one incident as PDF (Circular 20 forms 03/04) or JSON."""
    import sys

    from csirtnet.authz import Subject
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.incident import export, export_pdf

    if format not in ("pdf", "json"):
        err.print("[red]error:[/red] --format must be pdf or json")
        raise typer.Exit(2)
    if format == "pdf" and out is None:
        err.print("[red]error:[/red] --out is needed for a PDF")
        raise typer.Exit(2)
    who = Subject.system("cli")
    try:
        with database().unit_of_work() as session:
            ident = _incident_id(session, incident)
            if format == "pdf":
                data = export_pdf.export_pdf(session, who, ident, form=form, lang=lang)
            else:
                data = export.export_json(session, who, ident).model_dump_json(indent=2).encode()
    except AppError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    if out is None:
        sys.stdout.write(data.decode())
        return
    out.write_bytes(data)
    err.print(f"wrote {out} ({len(data)} bytes)")


@app.command("smtp-intake")
def smtp_intake(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 2525,
) -> None:
    """Receive incident reports by email (SMTP); "[TBSC]" subjects are formal notifications."""
    from csirtnet.cli import database, ensure_schema
    from csirtnet.incident.email_intake import start_smtp

    db = database()
    ensure_schema(db)
    controller = start_smtp(db, host, port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    err.print(f"SMTP intake listening on {host}:{port} (Ctrl-C stops it)")
    stop.wait()
    controller.stop()


@app.command("maildir-poll")
def maildir_poll(path: Annotated[Path, typer.Argument(help="A Maildir another MTA delivers reports to")]) -> None:
    """File every new message of a Maildir as a report (run it from cron or a timer).

    A message that cannot be filed is kept in the intake's quarantine with the reason (`csirtnet
    intake quarantine list`) and the run goes on; every message handled leaves new/. The exit
    status is 1 only when a message could not be stored at all (it stays in new/ for the next run)."""
    from csirtnet.cli import database
    from csirtnet.incident.email_intake import poll_maildir

    summary = poll_maildir(database(), path)
    quarantined = ", ".join(f"Q-{i}" for i in summary.quarantine_ids)
    console.print(
        f"filed {summary.filed} report(s), quarantined {summary.quarantined}"
        + (f" ({quarantined}: see `csirtnet intake quarantine list`)" if quarantined else "")
        + (f", {summary.failed} left in new/ (could not be stored; see the log)" if summary.failed else "")
    )
    if summary.failed:
        raise typer.Exit(1)


@app.command("deadlines")
def deadlines_command() -> None:
    """Run the deadline sweep now: remind before, escalate after."""
    from csirtnet.cli import database
    from csirtnet.incident.deadlines import sweep

    with database().unit_of_work() as session:
        reminded, escalated = sweep(session)
    console.print(f"reminded {reminded}, escalated {escalated}")
