"""`csirtnet feed submit PATH… [--source NAME] [--as EMAIL] [--wait]`: process report files as one
run of a source on the scaled pipeline (the `csirtnet worker --stage parse|enrich|store` processes
reached through CSIRTNET_NATS_URL). The paths must be readable by the parse workers (they are sent
absolute). Prints `run <id> submitted (<n> files)`; with `--wait`, follows the run to its end and
prints the same summary line as `csirtnet feed run`:

    <N> events, <M> matched, <D> duplicates, <Q> quarantined

Without `--source`, Shadowserver reports go to the source named `shadowserver`, as with `feed run`."""

from __future__ import annotations

from typing import Annotated

import typer

from csirtnet.cli_common import AsUser, err, fail, refusal
from csirtnet.errors import AppError
from csirtnet.feeds.cli_app import app
from csirtnet.feeds.pipeline.cli import ReportPaths, SourceName, acting_and_source, input_files, print_summary


@app.command("submit")
def submit(
    paths: ReportPaths,
    source: SourceName = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the workers to finish the run; print its summary")
    ] = False,
    timeout: Annotated[float | None, typer.Option(help="With --wait: give up waiting after this many seconds")] = None,
    as_user: AsUser = None,
) -> None:
    """Process report files as one run on the NATS pipeline (`csirtnet worker --stage …`)."""
    from csirtnet.cli import database
    from csirtnet.config import get_settings
    from csirtnet.feeds.nats import submit as submitting

    settings = get_settings()
    if not settings.nats_url:
        raise fail("CSIRTNET_NATS_URL: not set (the NATS server the stage workers use)")
    files = input_files(paths)
    db = database()
    try:
        who, source = acting_and_source(db, as_user, files, source)
        run_id = submitting.submit_paths(db, source, files, who=who, nats_url=settings.nats_url)
    except AppError as exc:
        raise refusal(exc) from None
    except OSError as exc:
        raise fail(f"CSIRTNET_NATS_URL: cannot reach {settings.nats_url}: {exc}") from None
    err.print(f"run {run_id} submitted ({len(files)} file{'s' if len(files) != 1 else ''})")
    if not wait:
        typer.echo(f"run {run_id}")
        return
    try:
        summary = submitting.wait(db, run_id, timeout=timeout)
    except TimeoutError as exc:
        raise fail(str(exc)) from None
    print_summary(summary)
