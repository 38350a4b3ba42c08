"""The `csirtnet exercise` Typer app; each part of the domain adds its commands in its own cli module."""

from __future__ import annotations

import typer

app = typer.Typer(help="Drills and exercises: CTFd import, scoreboards, results", no_args_is_help=True)
