"""`csirtnet constituency …`: who owns an address, an AS number or a domain."""

from __future__ import annotations

import typer
from rich.console import Console

from csirtnet.authz import Subject

app = typer.Typer(help="Constituency: IP prefixes, AS numbers and domains of members", no_args_is_help=True)
err = Console(stderr=True)


@app.command("lookup")
def lookup(value: str) -> None:
    """Print the member responsible for VALUE (203.0.113.7, 2001:db8::1, AS64500, mail.example.vn)."""
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.organisation import constituency

    try:
        with database().unit_of_work(write=False) as session:
            result = constituency.lookup(session, Subject.system("cli"), value)
            owner = result.owner
            if owner is None:
                typer.echo(f"{result.query}: no member claims it")
                raise typer.Exit(1)
            matched = f"AS{owner.matched}" if owner.kind == "asn" else owner.matched
            typer.echo(f"{result.query}\t{owner.organisation_name}\t{owner.member_code or '-'}\t{matched}")
    except AppError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
