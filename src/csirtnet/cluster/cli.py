"""`csirtnet cluster …`: list and show clusters, plan a lead rotation, coverage, the channel digest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.db import Database
from csirtnet.errors import AppError
from csirtnet.models import Cluster, Organisation

app = typer.Typer(help="Clusters: lead terms and rotation, coverage, channel digests", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
WHO = Subject.system("cli:cluster")


def _database() -> Database:
    from csirtnet.cli import database

    return database()


def _cluster(session: Session, ref: str) -> Cluster:
    """A cluster by number (e.g. 1) or by name ("Cụm số 1", accents optional)."""
    from csirtnet.kit.text import fold

    found = None
    if ref.isdigit():
        found = session.scalar(select(Cluster).where(Cluster.number == int(ref)))
    if found is None:
        for cluster in session.scalars(select(Cluster)):
            if fold(cluster.name) == fold(ref) or (cluster.name_en and fold(cluster.name_en) == fold(ref)):
                found = cluster
    if found is None:
        err.print(f"[red]error:[/red] no cluster {ref!r} (give its number or name)")
        raise typer.Exit(2)
    return found


def _organisation(session: Session, ref: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.member_code == ref))
    if org is None and ref.isdigit():
        org = session.get(Organisation, int(ref))
    if org is None:
        err.print(f"[red]error:[/red] no organisation {ref!r} (give its member code or id)")
        raise typer.Exit(2)
    return org


def _fail(exc: AppError) -> typer.Exit:
    for problem in exc.errors or []:
        err.print(f"[red]error:[/red] {problem.field}: {problem.message}")
    if not exc.errors:
        err.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(1)


@app.command("list")
def list_clusters() -> None:
    """Every cluster with its member count and the lead of today."""
    from csirtnet.cluster import repository, service

    table = Table()
    for col in ("number", "name", "decision", "members", "current lead", "term"):
        table.add_column(col)
    with _database().unit_of_work(write=False) as session:
        for c in service.summaries(session, WHO, list(session.scalars(repository.clusters(WHO)))):
            lead = c.current_lead
            table.add_row(
                str(c.number or ""),
                c.name,
                c.decision_number or "",
                str(c.member_count),
                (lead.organisation.short_name or lead.organisation.name) if lead else "—",
                f"{lead.starts_on} – {lead.ends_on}" if lead else "",
            )
    console.print(table)


@app.command("show")
def show(cluster: Annotated[str, typer.Argument(help="Number or name")]) -> None:
    """Members, the current lead, the term history and handovers of a cluster."""
    from csirtnet.cluster import service

    with _database().unit_of_work(write=False) as session:
        detail = service.detail(session, WHO, _cluster(session, cluster).id)
    console.print(f"[bold]{detail.name}[/bold]  {detail.decision_number or ''} {detail.decision_date or ''}")
    lead = detail.current_lead
    console.print(
        f"current lead: {lead.organisation.name} ({lead.starts_on} – {lead.ends_on})" if lead else "no current lead"
    )
    members = Table(title="members")
    for col in ("code", "organisation", "joined", "left"):
        members.add_column(col)
    for m in detail.members:
        members.add_row(m.organisation.member_code or "", m.organisation.name, str(m.joined_on), str(m.left_on or ""))
    console.print(members)
    terms = Table(title="lead terms")
    for col in ("lead", "from", "to", "status"):
        terms.add_column(col)
    for t in detail.terms:
        terms.add_row(t.organisation.name, str(t.starts_on), str(t.ends_on), t.status)
    console.print(terms)
    for h in detail.handovers:
        console.print(
            f"handover {h.handed_over_on}: {h.from_organisation.short_name or h.from_organisation.name} → "
            f"{h.to_organisation.short_name or h.to_organisation.name}"
        )


@app.command("plan-rotation")
def plan_rotation(
    cluster: Annotated[str, typer.Argument(help="Number or name")],
    order: Annotated[list[str], typer.Option("--org", help="Member codes (or ids) in rotation order; repeat")],
    start_year: Annotated[int, typer.Option(help="The first organisation leads this year")],
    years: Annotated[int | None, typer.Option(help="How many yearly terms (default: one full rotation)")] = None,
) -> None:
    """Plan yearly lead terms (1 January – 31 December) from an ordered list of member organisations."""
    from csirtnet.cluster import service
    from csirtnet.cluster.schemas import RotationPlan

    try:
        with _database().unit_of_work() as session:
            target = _cluster(session, cluster)
            ids = [_organisation(session, ref).id for ref in order]
            terms = service.plan_rotation(
                session, WHO, target.id, RotationPlan(organisation_ids=ids, start_year=start_year, years=years)
            )
            names = {o.id: o.short_name or o.name for o in session.scalars(select(Organisation))}
            for t in terms:
                console.print(f"{t.starts_on.year}: {names[t.organisation_id]} ({t.starts_on} – {t.ends_on})")
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(f"planned {len(terms)} term(s)")


@app.command("coverage")
def show_coverage(
    year: Annotated[int, typer.Option(help="Calendar year")],
    group_by: Annotated[str, typer.Option(help="cluster, sector or province")] = "cluster",
    cluster: Annotated[str | None, typer.Option(help="Only this cluster (number or name)")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the coverage table to this CSV file")] = None,
    gaps_csv: Annotated[Path | None, typer.Option(help="Write the gaps to this CSV file")] = None,
    language: Annotated[str, typer.Option(help="vi or en, for CSV headers")] = "vi",
) -> None:
    """Readiness coverage: % of members meeting each criterion per group, and the gaps."""
    from csirtnet.cluster.readiness import coverage

    try:
        with _database().unit_of_work(write=False) as session:
            cluster_id = _cluster(session, cluster).id if cluster else None
            report = coverage.coverage(session, WHO, year, group_by, cluster_id)
    except AppError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"readiness coverage {year} (judged on {report.reference_date})")
    table.add_column(group_by)
    table.add_column("members")
    for cell in report.overall.cells:
        table.add_column(cell.criterion)
    for group in [*report.groups, report.overall]:
        table.add_row(
            group.label,
            str(group.total),
            *(f"{c.percent}% ({c.met})" if c.percent is not None else "—" for c in group.cells),
        )
    console.print(table)
    for path, kind in ((csv, "coverage"), (gaps_csv, "gaps")):
        if path is not None:
            path.write_bytes(coverage.to_csv(report, language, kind).encode("utf-8"))
            console.print(f"wrote {path}")


@app.command("digest")
def digest_now() -> None:
    """Send the daily channel digests now (normally the 07:00 job does)."""
    from csirtnet.cluster.channel import digest

    with _database().unit_of_work() as session:
        sent = digest.run(session)
    console.print(f"{sent} digest(s) queued for sending")
