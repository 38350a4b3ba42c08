"""`csirtnet advisory …`: import vulnerability catalogues and vendor advisories, manage CSAF sources.

`import FILE…` reads each file as JSON and finds what it is: a CSAF 2.0 document, the CISA KEV
catalogue, or CVE JSON 5 records (one record or a list). Each file is imported in its own
transaction: a file with errors prints them (the file, then each field and message) and imports
nothing of itself; the others are imported, and the command exits 1.

Each command acts as the platform unless `--as EMAIL` names the user acting (then that user's
rights apply and the audit log names them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.cli_common import AsUser, acting_subject, err, fail, progress_bar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from csirtnet.authz import Subject
    from csirtnet.errors import AppError

app = typer.Typer(
    help="Advisories: vulnerability catalogues (KEV, CVE), vendor CSAF documents and sources", no_args_is_help=True
)
sources_app = typer.Typer(help="CSAF providers polled for vendor advisories", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
out = Console(highlight=False, soft_wrap=True)


def _problems(exc: AppError) -> list[str]:
    """An error as lines "field: message" (every field an import names)."""
    if exc.errors:
        return [f"{e.field}: {e.message}" for e in exc.errors]
    return [exc.message]


def _import_one(session: Session, who: Subject, path: Path, data: Any) -> str:
    """Import one parsed file; what was imported, in words."""
    from csirtnet.advisory import catalogue, csaf_store

    kind = catalogue.detect_format(data)
    if kind == "csaf":
        row, created = csaf_store.import_csaf(session, who, data)
        what = f"CSAF {row.tracking_id} version {row.version} ({row.publisher_name})"
        return f"imported {what}" if created else f"{what} was imported before: nothing to do"
    result = (
        catalogue.import_kev(session, who, data) if kind == "kev" else catalogue.import_cve_records(session, who, data)
    )
    name = f"KEV catalogue {result.catalog_version or ''}".strip() if kind == "kev" else "CVE records"
    return f"{name}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged"


@app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(help="JSON files", exists=True, dir_okay=False, readable=True)],
    as_user: AsUser = None,
) -> None:
    """Import CSAF 2.0 documents, the CISA KEV catalogue and CVE JSON 5 records (the kind found per file).

    Prints one line per file, "FILE: what was imported"; a file with errors prints each (field:
    message) on standard error, imports nothing of itself, and the command exits 1."""
    from csirtnet.cli import database
    from csirtnet.errors import AppError

    db = database()
    failed = 0
    with progress_bar() as bar:
        task = bar.add_task("importing", total=len(files))
        for path in files:
            bar.update(task, description=path.name[:40])
            try:
                data = json.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                failed += 1
                bar.console.print(f"[red]{path}[/red]: not JSON: {exc}", markup=True)
                bar.advance(task)
                continue
            try:
                with db.unit_of_work() as session:
                    line = _import_one(session, acting_subject(session, as_user), path, data)
            except AppError as exc:
                failed += 1
                bar.console.print(f"[red]{path}[/red]: refused, nothing imported", markup=True)
                for problem in _problems(exc):
                    bar.console.print(f"  {problem}", markup=False)
            else:
                sys.stdout.write(f"{path}: {line}\n")
            bar.advance(task)
    if failed:
        err.print(f"{len(files) - failed} file(s) imported, {failed} refused")
        raise typer.Exit(1)


# -- export -----------------------------------------------------------------------------------


@app.command("export")
def export_command(
    advisory_id: Annotated[int, typer.Argument(help="The advisory's id")],
    out: Annotated[Path, typer.Option("--out", help="The file to write", dir_okay=False, writable=True)],
    format_: Annotated[str, typer.Option("--format", help="csaf (CSAF 2.0 JSON) or pdf")] = "csaf",
    language: Annotated[str, typer.Option("--lang", help="vi or en")] = "",
    as_user: AsUser = None,
) -> None:
    """Export an advisory as a CSAF 2.0 document or a PDF (the TLP marked on every page).

    Prints the file written and its SHA-256; a CSAF document is checked against the CSAF 2.0 schema
    before it is written."""
    import hashlib

    from csirtnet.advisory import export
    from csirtnet.advisory.csaf.validate import schema_errors
    from csirtnet.cli import database
    from csirtnet.errors import AppError

    if format_ not in ("csaf", "pdf"):
        raise fail(f"--format: {format_!r} is neither csaf nor pdf", 2)
    lang = language or "vi"
    if lang not in ("vi", "en"):
        raise fail(f"--lang: {lang!r} is neither vi nor en", 2)
    try:
        with database().unit_of_work() as session:
            who = acting_subject(session, as_user)
            if format_ == "csaf":
                _name, body = export.export_csaf(session, who, advisory_id, lang)
                problems = schema_errors(json.loads(body))
                if problems:
                    raise fail("; ".join(f"{p.path}: {p.message}" for p in problems))
            else:
                _name, body = export.advisory_pdf(session, who, advisory_id, lang)
    except AppError as exc:
        raise fail("; ".join(_problems(exc))) from None
    out.write_bytes(body)
    sys.stdout.write(f"{out}: {len(body):,} bytes, sha256 {hashlib.sha256(body).hexdigest()}\n")


# -- sources ----------------------------------------------------------------------------------


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="The provider's name, e.g. 'Siemens ProductCERT'")],
    metadata_url: Annotated[str, typer.Argument(help="https://…/.well-known/csaf/provider-metadata.json")],
    interval: Annotated[int, typer.Option("--interval", help="Hours between polls")] = 6,
    as_user: AsUser = None,
) -> None:
    """Register a CSAF provider to poll; prints its id."""
    from csirtnet.advisory import csaf_store
    from csirtnet.cli import database
    from csirtnet.errors import AppError

    try:
        with database().unit_of_work() as session:
            source = csaf_store.add_source(session, acting_subject(session, as_user), name, metadata_url, interval)
            ident = source.id
    except AppError as exc:
        raise fail("; ".join(_problems(exc)), 2) from exc
    out.print(f"source {ident} added: polled every {interval} hour(s)")


@sources_app.command("list")
def sources_list() -> None:
    """Every source: id, name, address, interval, last poll and its outcome, documents imported."""
    from csirtnet.advisory import csaf_store
    from csirtnet.cli import database

    table = Table()
    for column in ("id", "name", "metadata URL", "every", "enabled", "last polled", "status", "imported", "last error"):
        table.add_column(column)
    with database().unit_of_work(write=False) as session:
        for s in csaf_store.sources(session):
            table.add_row(
                str(s.id),
                s.name,
                s.metadata_url,
                f"{s.interval_hours} h",
                "yes" if s.enabled else "no",
                s.last_polled_at.isoformat(timespec="minutes") if s.last_polled_at else "never",
                s.last_status or "-",
                str(s.documents_imported),
                (s.last_error or "").splitlines()[0][:80] if s.last_error else "",
            )
    out.print(table)


@sources_app.command("poll")
def sources_poll(
    ids: Annotated[list[int] | None, typer.Argument(help="Source ids (or --due, or --all)")] = None,
    due: Annotated[bool, typer.Option("--due", help="The sources due for a poll")] = False,
    every: Annotated[bool, typer.Option("--all", help="Every enabled source")] = False,
) -> None:
    """Poll sources now: fetch each provider's new documents and import them. One line per source;
    exit 1 when a provider could not be read or a document was refused."""
    from csirtnet.advisory import csaf_store
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.kit.time import utcnow

    if not ids and not due and not every:
        raise fail("name the sources to poll, or --due, or --all", 2)
    db = database()
    # What to fetch is read first; nothing holds the database while the providers answer.
    try:
        with db.unit_of_work(write=False) as session:
            if ids:
                chosen = list(ids)
            elif due:
                chosen = [s.id for s in csaf_store.due_sources(session, utcnow())]
            else:
                chosen = [s.id for s in csaf_store.sources(session) if s.enabled]
            targets = [csaf_store.poll_target(session, ident) for ident in chosen]
    except AppError as exc:
        raise fail(exc.message) from exc
    bad = 0
    with progress_bar() as bar:
        task = bar.add_task("polling", total=len(targets))
        for target in targets:
            bar.update(task, description=target.metadata_url[-40:])
            started = utcnow()
            fetched = csaf_store.fetch(target)
            with db.unit_of_work() as session:
                result = csaf_store.record_poll(session, target, fetched, polled_at=started)
            bar.advance(task)
            bad += result.status != "ok"
            sys.stdout.write(
                f"{target.source_id}\t{result.status}\t{result.imported} imported, {result.unchanged} already kept, "
                f"{len(result.problems)} problem(s)\n"
            )
            for url, reason in result.problems[:20]:
                bar.console.print(f"  {url}: {reason}", markup=False)
    if bad:
        raise typer.Exit(1)
