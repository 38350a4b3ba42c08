"""`csirtnet feed run PATH… [--source NAME] [--as EMAIL]`: process report files (directories are
walked) as one run of a source in this process, with a progress bar of the bytes read on standard
error, then exactly one line on standard output:

    <N> events, <M> matched, <D> duplicates, <Q> quarantined

N counts every parsed event, duplicates included. Without `--source`, Shadowserver reports (the
report type recognised from the file name or header) go to the source named `shadowserver`
(provider Shadowserver, TLP:AMBER), created on first use; any other file needs `--source`.
A run that fails prints its error and exits with 1 (what was committed before stays, counted)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

from csirtnet.cli_common import AsUser, acting_subject, err, fail, refusal
from csirtnet.errors import AppError
from csirtnet.feeds.cli_app import app

if TYPE_CHECKING:
    from csirtnet.authz import Subject
    from csirtnet.db import Database
    from csirtnet.feeds.pipeline.runner import RunSummary

ReportPaths = Annotated[list[Path], typer.Argument(help="Report files or directories (walked, sorted)")]
SourceName = Annotated[
    str | None, typer.Option("--source", help="The source's name (default: shadowserver, for its reports)")
]


def is_shadowserver(path: Path) -> bool:
    """Whether the file is a Shadowserver report (its name or header recognised)."""
    from csirtnet.feeds import parsers

    with path.open("rb") as handle:
        first = handle.readline(65536).decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    header = [cell.strip().strip('"') for cell in first.split(",")] if first else []
    return parsers.detect_report(path.name, header) is not None


def input_files(paths: list[Path]) -> list[Path]:
    """The files to process (directories walked); refuses a missing path or nothing to process."""
    from csirtnet.feeds.pipeline.runner import expand

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"PATH: {', '.join(missing)} does not exist")
    files = expand(paths)
    if not files:
        raise fail("PATH: no files to process")
    return files


def source_for(db: Database, who: Subject, files: list[Path], source: str | None) -> str:
    """The source named, or for Shadowserver reports `shadowserver` (created on first use); any
    other file needs `--source`."""
    from csirtnet.feeds.pipeline.runner import default_source

    if source is not None:
        return source
    others = [f.name for f in files if not is_shadowserver(f)]
    if others:
        raise fail(f"--source: name the source for {', '.join(others[:5])} (not a Shadowserver report)")
    return default_source(db, who)


def acting_and_source(db: Database, as_user: str | None, files: list[Path], source: str | None) -> tuple[Subject, str]:
    """Who acts (`--as`) and the source the files go to (`source_for`)."""
    with db.unit_of_work(write=False) as session:
        who = acting_subject(session, as_user)
    return who, source_for(db, who, files, source)


def print_summary(summary: RunSummary) -> None:
    """The run's summary line on standard output; a failed run's error first, then exit 1."""
    if summary.error:
        err.print(f"[red]error:[/red] run {summary.run_id} failed: {summary.error}", markup=True, highlight=False)
        typer.echo(summary.line())
        raise typer.Exit(1)
    typer.echo(summary.line())


@app.command("run")
def run(
    paths: ReportPaths,
    source: SourceName = None,
    as_user: AsUser = None,
) -> None:
    """Process report files as one run of a source; prints the run's summary line."""
    from csirtnet.cli import database
    from csirtnet.feeds.pipeline.runner import run_paths

    files = input_files(paths)
    db = database()
    try:
        who, source = acting_and_source(db, as_user, files, source)
        total = sum(f.stat().st_size for f in files)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        ) as bar:
            task = bar.add_task(f"feed {source}", total=total)
            summary = run_paths(
                db,
                source,
                files,
                who=who,
                origin="cli",
                progress=lambda done: bar.update(task, completed=done),
            )
            bar.update(task, completed=total)
    except AppError as exc:
        raise refusal(exc) from None
    print_summary(summary)
