"""JSON lines: one JSON object a line, read in bounded chunks of lines.

Each line is decoded on its own (orjson), so a bad line is quarantined by its number and the others
go on; scalar values become text for `convert.apply_plan` (numbers as written, booleans as
true/false), objects and arrays their JSON text. A key `extra` holding an object is spread into
`extra.<key>` entries, so harmonised events round-trip. Without a mapping the keys are event fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson
import polars as pl

from csirtnet.feeds import event
from csirtnet.feeds.parsers.types import clip

_BLOCK = 1 << 20


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


def _lines(stream: IO[bytes], batch_rows: int) -> Iterator[list[bytes]]:
    rest = b""
    lines: list[bytes] = []
    while True:
        block = stream.read(_BLOCK)
        if not block:
            if rest:
                lines.append(rest)
            if lines:
                yield lines
            return
        parts = (rest + block).split(b"\n")
        rest = parts.pop()
        lines.extend(parts)
        while len(lines) >= batch_rows:
            yield lines[:batch_rows]
            lines = lines[batch_rows:]


def read_chunks(
    stream: IO[bytes], batch_rows: int, file: str
) -> Iterator[tuple[pl.DataFrame, list[tuple[int, str, str]], dict[int, str]]]:
    """(text columns by key + `_line`, problems as (line, reason, text), line -> text of the rows)."""
    line = 0
    for lines in _lines(stream, batch_rows):
        records: list[dict[str, str | None]] = []
        numbers: list[int] = []
        texts: dict[int, str] = {}
        problems: list[tuple[int, str, str]] = []
        for raw in lines:
            line += 1
            if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                problems.append((line, f"invalid JSON: {exc}", clip(raw.decode("utf-8", "replace"))))
                continue
            if not isinstance(value, dict):
                problems.append((line, "not a JSON object", clip(raw.decode("utf-8", "replace"))))
                continue
            record: dict[str, str | None] = {}
            for key, item in value.items():
                if key == event.EXTRA and isinstance(item, dict):
                    record.update({f"extra.{k}": _text(v) for k, v in item.items()})
                else:  # `_line` and the parser's `__` columns are taken
                    record[f"column{key}" if str(key).startswith("_") else str(key)] = _text(item)
            records.append(record)
            numbers.append(line)
            texts[line] = raw.decode("utf-8", "replace")
        keys = list(dict.fromkeys(k for r in records for k in r))
        frame = pl.DataFrame(
            {k: [r.get(k) for r in records] for k in keys}, schema=dict.fromkeys(keys, pl.String())
        ).with_columns(pl.Series(event.LINE, numbers, dtype=pl.Int64()))
        yield frame, problems, texts
