"""`csirtnet intel export --format stix|misp-feed|csv|rpz|suricata|blocklist… --out PATH`: write what
the acting user may see (the platform: everything, unless `--as EMAIL` names the user) to a file or,
for `misp-feed` and `blocklist`, a directory. The STIX bundle comes from intel.stix.export; every
other format from intel.exports (one audit record per export)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csirtnet.cli_common import AsUser, acting_subject, fail, problem_text
from csirtnet.errors import AppError
from csirtnet.intel.cli_app import app

FORMAT_HELP = "stix, misp-feed, csv, rpz, suricata, blocklist (a directory), blocklist-ips|networks|domains|urls|hashes"


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)],
    out: Annotated[Path, typer.Option("--out", help="The file (or directory) to write")],
    collection: Annotated[
        str | None, typer.Option(help="national, cluster:<id>, outbox:<org id>, custom:<uuid> (default: all)")
    ] = None,
    include_warninglisted: Annotated[
        bool, typer.Option("--include-warninglisted", help="Also values on a warninglist (likely false positives)")
    ] = False,
    sid_start: Annotated[int, typer.Option(help="Suricata: the first sid of the range used")] = 1_000_000,
    as_user: AsUser = None,
) -> None:
    """Export indicators for defenders or partners; prints how many were written."""
    from csirtnet.cli import database
    from csirtnet.intel import exports

    try:
        with database().unit_of_work() as session:
            who = acting_subject(session, as_user)
            if fmt == "stix":
                from csirtnet.intel.stix import export as stix_export

                out.parent.mkdir(parents=True, exist_ok=True)
                with out.open("wb") as handle:
                    for piece in stix_export.bundle(session, who, collection=collection):
                        handle.write(piece)
                typer.echo(f"Wrote a STIX 2.1 bundle to {out}.")
                return
            options = exports.ExportOptions(include_warninglisted=include_warninglisted, sid_start=sid_start)
            summary = exports.write(session, who, fmt, out, collection=collection, options=options)
    except AppError as exc:
        raise fail(f"Export failed: {problem_text(exc)}") from None
    typer.echo(f"Exported {summary.count} indicators as {fmt} to {out}.")
