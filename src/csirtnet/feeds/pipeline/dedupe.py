"""The dedupe key of an event: a 64-bit hash of the source's dedupe fields, the same in every run,
process and version (it is stored in `feed_seen` and compared across runs for the whole window).

The hash, exactly (so another implementation can reproduce it):
- each field's value as text: strings as they are, integers in decimal, times as
  `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC); a null as the single byte 0x00, except a null `source.ip`
  or `destination.ip` where the event has the matching `*.network` (a blocklisted network): the
  network's text stands in, so two networks are two keys;
- the texts joined with the unit separator 0x1F, in the order of `fields`, encoded as UTF-8;
- FNV-1a 64 over those bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3), the unsigned
  result read as a signed 64-bit integer (two's complement), which is what `feed_seen.key` holds.

polars' own row hash is not used: its value may change from one polars version to the next, and
an upgrade would then forget every key in the window. This one is computed with numpy over the
batch's bytes, one step per byte position across all rows at once (no Python per event).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from csirtnet.feeds import event as ev

if TYPE_CHECKING:
    from numpy.typing import NDArray

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
NULL = "\x00"
SEPARATOR = "\x1f"


_NETWORK_OF = {"source.ip": "source.network", "destination.ip": "destination.network"}


def _as_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    dtype = frame.schema[name]
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        text = column.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
    else:
        text = column.cast(pl.String)
    network = _NETWORK_OF.get(name)
    if network is not None and network in frame.columns:
        text = text.fill_null(pl.col(network).cast(pl.String))
    return text.fill_null(NULL)


def key_text(frame: pl.DataFrame, fields: Sequence[str]) -> pl.Series:
    """The text each key is the hash of (see the module's note)."""
    if not fields:
        raise ValueError("dedupe fields: at least one field is needed")
    missing = [f for f in fields if f not in frame.columns]
    if missing:
        raise ValueError(f"dedupe fields: {', '.join(missing)} not in the batch")
    return frame.select(pl.concat_str([_as_text(frame, f) for f in fields], separator=SEPARATOR)).to_series()


def fnv1a64(texts: pl.Series) -> NDArray[np.int64]:
    """FNV-1a 64 of each text's UTF-8 bytes, as signed 64-bit integers (nulls hash as the empty text)."""
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    texts = texts.fill_null("")
    lengths = texts.str.len_bytes().to_numpy().astype(np.int64)
    data = np.frombuffer(texts.str.join("").item().encode("utf-8"), dtype=np.uint8)  # widened per step, not whole
    starts = np.cumsum(lengths) - lengths
    # Longest first: at byte position j the rows still hashing are a prefix of this order.
    order = np.argsort(-lengths, kind="stable")
    sorted_lengths = lengths[order]
    sorted_starts = starts[order]
    hashes = np.full(n, FNV_OFFSET, dtype=np.uint64)
    longest = int(sorted_lengths[0]) if n else 0
    # How many rows are longer than j, for every j (sorted_lengths is descending).
    active_counts = np.searchsorted(-sorted_lengths, -np.arange(longest), side="left")
    with np.errstate(over="ignore"):
        for j in range(longest):
            count = int(active_counts[j])
            part = hashes[:count]
            part ^= data[sorted_starts[:count] + j]
            part *= FNV_PRIME
    out = np.empty(n, dtype=np.uint64)
    out[order] = hashes
    return out.view(np.int64)


def dedupe_key(frame: pl.DataFrame, fields: Sequence[str]) -> pl.Series:
    """The KEY column: the dedupe key of each event of `frame` over `fields`."""
    return pl.Series(ev.KEY, fnv1a64(key_text(frame, fields)), dtype=pl.Int64)
