"""`csirtnet intel …`: the commands of every part of the domain, on one Typer app."""

from __future__ import annotations

from csirtnet.intel.cli_app import app

__all__ = ["app"]
