"""The `csirtnet intel` Typer app; each part of the domain adds its commands in its own cli module."""

from __future__ import annotations

import typer

app = typer.Typer(help="Indicators: import, export, collections, subscriptions", no_args_is_help=True)
