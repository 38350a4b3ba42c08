"""`csirtnet feed …`: the commands of every part of the domain, on one Typer app."""

from __future__ import annotations

from csirtnet.feeds import cli_digests as _cli_digests  # noqa: F401  (digests)
from csirtnet.feeds import cli_sources as _cli_sources  # noqa: F401  (source, rule, asn-table, digest)
from csirtnet.feeds.cli_app import app
from csirtnet.feeds.nats import cli as _nats_cli  # noqa: F401  (submit)
from csirtnet.feeds.pipeline import cli as _pipeline_cli  # noqa: F401  (run)

__all__ = ["app"]
