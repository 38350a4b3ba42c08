"""`csirtnet mobilisation …`: statistics for reports, and the sweeps that catch up on escalations and
deployment ends if a worker was down when their jobs were due (both are idempotent)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Mobilisation: statistics, escalation and release sweeps", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@app.command("stats")
def stats_command(
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (default: 1 January)")] = "",
    date_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (default: 31 December)")] = "",
    period: Annotated[str, typer.Option(help="month, quarter or year")] = "month",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Experts mobilised and organisations that took part, per period (the whole network)."""
    from csirtnet.authz import Subject
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.kit.time import utcnow
    from csirtnet.mobilisation import statistics

    if period not in ("month", "quarter", "year"):
        err.print("[red]error:[/red] --period must be month, quarter or year")
        raise typer.Exit(2)
    try:
        start = date.fromisoformat(date_from) if date_from else date(utcnow().year, 1, 1)
        end = date.fromisoformat(date_to) if date_to else date(start.year, 12, 31)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        with database().unit_of_work(write=False) as session:
            figures = statistics.figures(session, Subject.system("cli"), start, end, cast(statistics.Period, period))
    except AppError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    if as_json:
        console.print_json(json.dumps(figures.model_dump(mode="json")))
        return
    table = Table(title=f"Mobilisation {start} – {end}")
    for column in ("period", "experts mobilised", "organisations", "deployments", "hours"):
        table.add_column(column, justify="right" if column != "period" else "left")
    for b in [*figures.buckets, figures.total]:
        table.add_row(
            b.period, str(b.experts_mobilised), str(b.organisations_taking_part), str(b.deployments), f"{b.hours:g}"
        )
    console.print(table)


@app.command("sweep")
def sweep_command() -> None:
    """Escalate requests whose deadlines passed and release deployments whose end came (catch-up)."""
    from sqlalchemy import select

    from csirtnet.cli import database
    from csirtnet.kit.time import utcnow
    from csirtnet.mobilisation import deployments, repository, service
    from csirtnet.models import Deployment, DeploymentStatus

    now = utcnow()
    with database().unit_of_work() as session:
        requests = repository.open_requests_with_due_targets(session, now)
        for request_id in requests:
            service.escalate(session, request_id, now=now)
        due = session.scalars(
            select(Deployment.id).where(Deployment.status != DeploymentStatus.RELEASED.value, Deployment.ends_at <= now)
        ).all()
        for deployment_id in due:
            deployments.end_due(session, deployment_id, now=now)
    err.print(f"escalated {len(requests)} request(s), released {len(due)} deployment(s)")
