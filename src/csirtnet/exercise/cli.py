"""`csirtnet exercise …`: the commands of every part of the domain, on one Typer app."""

from __future__ import annotations

from csirtnet.exercise import core_cli as _core_cli  # noqa: F401  (registers list and scoreboard)
from csirtnet.exercise.cli_app import app
from csirtnet.exercise.results import cli as _results_cli  # noqa: F401  (registers its commands)
from csirtnet.exercise.technical import cli as _technical_cli  # noqa: F401

__all__ = ["app"]
