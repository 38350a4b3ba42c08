"""What the parsers hand back (`Parsed`, `Quarantined`) and what drives them (`Plan`, `Column`).

Every parser builds a `Plan` (from a Shadowserver report's data file or a source's mapping) and hands
a frame of text columns to `feeds.parsers.convert.apply_plan`, so the Shadowserver, CSV and JSON-lines
parsers validate and normalise values in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

# A quarantined line keeps at most this much of its text (FeedQuarantine.text's documented cut).
TEXT_LIMIT = 4000

# Conversion kinds of a mapped column. Most are the event field's own kind (feeds.event); "text" also
# fits a country-code field, "address" an IP field (an address, or a network in CIDR notation, which
# goes to the matching `*.network` field instead: blocklists list both), and an `extra.*` field takes
# any of them.
KINDS = ("ip", "address", "int", "text", "time", "fqdn", "url", "cc")

# Set by csirtnet itself, never taken from the input (not even into `extra`): the source names the
# feed, the store stamps the time it processed the event.
OWN_FIELDS = frozenset({"time.observation", "feed.name", "feed.provider"})

# Time formats tried in order for Shadowserver reports and already-harmonised JSON lines (polars/chrono
# syntax: `%.f` optional fraction, `%#z` an offset or `Z`).
ISO_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
)


@dataclass(frozen=True)
class Quarantined:
    """A line that could not be read: the file's name, its 1-based line (a header is line 1), why."""

    file: str
    line: int
    reason: str
    text: str


@dataclass
class Parsed:
    """One batch: `frame` is `feeds.event.conform`-ed (with `_file`/`_line`), the lines set aside
    while reading it, and the Shadowserver report type when there is one (e.g. "scan_smb")."""

    frame: pl.DataFrame
    quarantined: list[Quarantined]
    report_type: str | None


@dataclass(frozen=True)
class Column:
    """Input column `source` feeds event field `field` (or `extra.<name>`), converted as `kind`.
    `host`: for a URL column, the input column holding the host a bare path is joined to."""

    source: str
    field: str
    kind: str
    host: str | None = None


@dataclass(frozen=True)
class Plan:
    columns: tuple[Column, ...]
    constants: dict[str, Any] = field(default_factory=dict)
    required: frozenset[str] = frozenset()  # event fields a row must have, else it is quarantined
    time_formats: tuple[str, ...] = ISO_FORMATS
    report_type: str | None = None
    delimiter: str = ","
    skip_lines: int = 0

    def mapped(self) -> set[str]:
        return {c.source for c in self.columns}


def clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT]
