"""`csirtnet intel import PATH…`: import STIX 2.1 bundles, MISP event files and MISP feed directories
(the format of each is detected: intel.importing) into a collection, with a progress bar, then a
summary per path. Each path is one transaction: a path that fails leaves nothing behind and the
others still import; the command exits with 1 when any failed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csirtnet.cli_common import AsUser, acting_subject, err, fail, problem_text, progress_bar
from csirtnet.errors import AppError
from csirtnet.intel.cli_app import app
from csirtnet.models import IntelImport
from csirtnet.vocabulary.enums import TLP

SHOWN_FAILURES = 20


def summary_lines(path: Path, row: IntelImport, fmt: str) -> list[str]:
    """What an import brought, in English sentences (the CLI's output)."""
    lines = [
        f"{path}: {fmt}, {row.total} objects into {row.collection} (import {row.uuid})",
        f"  created: {row.created}, new versions: {row.versions}, unchanged: {row.unchanged}, "
        f"skipped: {row.skipped}, typed indicators: {row.indicators}",
    ]
    for failure in (row.failures or [])[:SHOWN_FAILURES]:
        lines.append(f"  skipped {failure.get('message') or failure.get('id')}")
    if row.skipped > SHOWN_FAILURES and len(row.failures or []) >= SHOWN_FAILURES:
        lines.append(f"  … and {row.skipped - SHOWN_FAILURES} more skipped (see the import's page)")
    return lines


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="STIX 2.1 bundles, MISP event files, MISP feed directories")],
    collection: Annotated[
        str, typer.Option(help="national, cluster:<id>, outbox:<org id>, custom:<uuid>")
    ] = "national",
    tlp: Annotated[
        TLP, typer.Option(help="TLP of objects that carry no TLP marking", case_sensitive=False)
    ] = TLP.AMBER,
    as_user: AsUser = None,
) -> None:
    """Import indicators and STIX objects; prints what each path brought and what was skipped, and why."""
    from csirtnet.cli import database
    from csirtnet.intel import importing

    db = database()  # one engine for every path
    failed = 0
    for path in paths:
        try:
            fmt = importing.detect_format(path)
            with progress_bar() as bar:
                task = bar.add_task(f"Importing {path.name}", total=None)
                with db.unit_of_work() as session:
                    who = acting_subject(session, as_user)
                    row = importing.import_path(
                        session,
                        who,
                        path,
                        collection=collection,
                        default_tlp=tlp,
                        progress=lambda n, task=task: bar.advance(task, n),  # type: ignore[misc]
                        on_total=lambda total, task=task: bar.update(task, total=total),  # type: ignore[misc]
                    )
                    lines = summary_lines(path, row, fmt)
                bar.update(task, total=row.total, completed=row.total)
        except AppError as exc:
            failed += 1
            err.print(f"[red]error:[/red] {path}: nothing imported: {problem_text(exc)}", markup=True, highlight=False)
            continue
        for line in lines:
            typer.echo(line)
    if failed:
        raise fail(f"{failed} of {len(paths)} paths could not be imported")
