"""`csirtnet intel …`: the commands of every part of the domain, on one Typer app."""

from __future__ import annotations

from csirtnet.intel import cli_exchange as _cli_exchange  # noqa: F401  (import)
from csirtnet.intel import cli_indicators as _cli_indicators  # noqa: F401  (add, search, warninglists)
from csirtnet.intel import exports_cli as _exports_cli  # noqa: F401  (export)
from csirtnet.intel.cli_app import app
from csirtnet.intel.federation import cli as _federation_cli  # noqa: F401  (subscription, collection)

__all__ = ["app"]
