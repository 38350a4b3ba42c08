"""`csirtnet feed digests [--send]`: the digests (a member's own with `--as`), and sending those whose
period has ended (what the `feed.send_digests` job does every few minutes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from csirtnet.cli_common import AsUser, acting, fail
from csirtnet.feeds.cli_app import app

out = Console(highlight=False, soft_wrap=True)


@app.command("digests")
def digests_command(
    send: Annotated[bool, typer.Option("--send", help="Close and send every digest whose period has ended")] = False,
    organisation: Annotated[int | None, typer.Option("--org", help="Only this organisation's digests (id)")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many to list (newest first)")] = 50,
    now: Annotated[
        str | None, typer.Option("--now", help="Send as of this moment (ISO 8601 with its zone; default: now)")
    ] = None,
    as_user: AsUser = None,
) -> None:
    """List the digests; with --send, first send those that are due (the platform only)."""
    from csirtnet.authz.feeds import require_manage
    from csirtnet.feeds import digest_reads, digests
    from csirtnet.kit.time import as_utc, utcnow

    moment = utcnow()
    if now is not None:
        try:
            parsed = datetime.fromisoformat(now)
        except ValueError:
            raise fail(f"--now: {now!r} is not an ISO 8601 moment") from None
        if parsed.tzinfo is None:
            raise fail("--now: give the time zone (e.g. 2026-12-06T00:00:00+00:00)")
        moment = as_utc(parsed)
    # One unit of work (each `acting` opens the database anew).
    with acting(as_user, write=send) as (session, who):
        if send:
            require_manage(who)
            sent = digests.send_due(session, moment)
        rows = digest_reads.list_digests(session, who, organisation_id=organisation, limit=limit)
    if send:
        out.print(f"{sent} digests sent")
    table = Table("id", "organisation", "source", "period start", "events", "tlp", "status")
    for row in rows:
        table.add_row(
            str(row.id),
            row.organisation,
            row.source,
            row.period_start.isoformat(timespec="minutes"),
            str(row.events),
            f"TLP:{row.tlp.upper()}",
            row.status,
        )
    out.print(table)
