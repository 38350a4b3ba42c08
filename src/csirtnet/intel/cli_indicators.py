"""`csirtnet intel add VALUE…`, `csirtnet intel search [Q]` and `csirtnet intel warninglists
load DIR | list`: share indicators from the shell, find them, and manage the warninglists.

`add` and `search` act as the platform unless `--as EMAIL` names the user acting (then that user's
organisation is the source and their rights decide what they may share and see). `warninglists
load` checks MISP warninglist files and copies them into the operator's directory
(`CSIRTNET_INTEL_WARNINGLISTS_DIR`); every process picks them up on its next check."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.cli_common import AsUser, acting_subject, fail, problem_text, refusal
from csirtnet.errors import AppError
from csirtnet.intel.cli_app import app

out = Console(highlight=False, soft_wrap=True)
warninglists_app = typer.Typer(help="Warninglists: values that are likely false positives", no_args_is_help=True)
app.add_typer(warninglists_app, name="warninglists")


@app.command("add")
def add(
    values: Annotated[list[str], typer.Argument(help="Values to share (types detected; defanged is fine)")],
    tlp: Annotated[str, typer.Option(help="clear, green, amber, amber+strict or red")] = "amber",
    collection: Annotated[
        str, typer.Option(help="national, cluster:<id>, outbox:<org id>, custom:<uuid>")
    ] = "national",
    kind: Annotated[str | None, typer.Option(help="The type of every value (default: detected)")] = None,
    confidence: Annotated[int, typer.Option(min=0, max=100)] = 50,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable)")] = None,
    as_user: AsUser = None,
) -> None:
    """Share values as indicators (the same value again updates it): id, kind, value, warninglists."""
    from pydantic import ValidationError

    from csirtnet.cli import database
    from csirtnet.intel import service
    from csirtnet.intel.schemas import IndicatorBulkAdd, IndicatorCreate

    try:
        with database().unit_of_work() as session:
            who = acting_subject(session, as_user)
            table = Table("id", "kind", "value", "status", "warninglists", box=None)
            if kind is None:
                result = service.bulk_add(
                    session,
                    who,
                    IndicatorBulkAdd.model_validate(
                        {
                            "text": "\n".join(values),
                            "tlp": tlp,
                            "collection": collection,
                            "confidence": confidence,
                            "tags": tag or [],
                        }
                    ),
                )
                for line in result.lines:
                    table.add_row(
                        str(line.indicator_id or ""),
                        line.kind or "",
                        line.value or line.raw,
                        line.status,
                        ", ".join(line.warninglists),
                    )
            else:
                for value in values:
                    body = IndicatorCreate.model_validate(
                        {
                            "value": value,
                            "kind": kind,
                            "tlp": tlp,
                            "collection": collection,
                            "confidence": confidence,
                            "tags": tag or [],
                        }
                    )
                    ind = service.create(session, who, body)
                    table.add_row(str(ind.id), ind.kind, ind.value, "shared", ", ".join(ind.warninglists))
    except (ValidationError, AppError) as exc:
        raise refusal(exc) from None
    out.print(table)


@app.command("search")
def search(
    q: Annotated[str | None, typer.Argument(help="A value (defanged is fine) or its prefix")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this type")] = None,
    tlp: Annotated[str | None, typer.Option(help="Only this TLP")] = None,
    collection: Annotated[str | None, typer.Option(help="Only this collection")] = None,
    tag: Annotated[str | None, typer.Option(help="Only with this tag")] = None,
    include_expired: Annotated[bool, typer.Option("--include-expired", help="Revoked, past or decayed too")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    as_user: AsUser = None,
) -> None:
    """Indicators one may see: id, kind, value, TLP, collection, score, expired."""
    from csirtnet.cli import database
    from csirtnet.intel import reads

    try:
        with database().unit_of_work(write=False) as session:
            who = acting_subject(session, as_user)
            rows, _ = reads.search(
                session,
                who,
                q,
                kind=kind,
                tlp=tlp,
                collection=collection,
                tag=tag,
                include_expired=include_expired,
                limit=limit,
            )
            table = Table("id", "kind", "value", "tlp", "collection", "score", "expired", box=None)
            for r in rows:
                i = r.indicator
                table.add_row(
                    str(i.id),
                    i.kind,
                    i.value,
                    i.tlp,
                    i.collection,
                    f"{r.decay.score:.1f}",
                    "yes" if r.decay.expired else "no",
                )
    except AppError as exc:
        raise refusal(exc) from None
    out.print(table)


@warninglists_app.command("load")
def load(directory: Annotated[Path, typer.Argument(help="A directory of MISP warninglist JSON files")]) -> None:
    """Check every *.json in DIRECTORY and copy those that are warninglists into the operator's directory."""
    from csirtnet.config import get_settings
    from csirtnet.intel import warninglists

    if not directory.is_dir():
        raise fail(f"{directory} is not a directory")
    files = sorted(directory.glob("*.json"))
    if not files:
        raise fail(f"{directory} holds no .json file")
    checked = []
    problems = []
    for path in files:
        try:
            checked.append((path, warninglists.read_file(path)))
        except AppError as exc:
            problems.append(problem_text(exc))
    if problems:
        for problem in problems:
            out.print(f"refused: {problem}")
        raise fail(f"{len(problems)} of {len(files)} files are not warninglists; nothing was loaded")
    target = warninglists.operator_dir(get_settings())
    target.mkdir(parents=True, exist_ok=True)
    for path, wl in checked:
        shutil.copyfile(path, target / path.name)
        out.print(f"loaded {wl.name} ({wl.type}, {len(wl.entries)} entries) from {path.name}")
    out.print(f"{len(checked)} warninglists in {target}")


@warninglists_app.command("list")
def list_lists() -> None:
    """The warninglists in force: name, type, entries, where from; files that could not be read."""
    from csirtnet.config import get_settings
    from csirtnet.intel import warninglists

    lists = warninglists.matcher(get_settings())
    table = Table("name", "type", "entries", "source", box=None)
    for wl in lists.lists:
        table.add_row(wl.name, wl.type, str(len(wl.entries)), wl.source)
    out.print(table)
    for problem in lists.problems:
        out.print(f"not read: {problem}")
