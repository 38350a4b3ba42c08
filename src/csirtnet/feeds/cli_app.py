"""The `csirtnet feed` Typer app; each part of the domain adds its commands to it."""

from __future__ import annotations

import typer

app = typer.Typer(help="Security feeds: run reports, sources, rules, digests, the ASN table.", no_args_is_help=True)
