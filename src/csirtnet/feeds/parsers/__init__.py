"""Feed parsers: a report or a stream in, batches of harmonised events out (docs/feeds.md).

    parse_path(path, source) / parse_stream(stream, name, source) -> Iterator[Parsed]

`source.parser` chooses: "shadowserver" (CSV reports, `parsers.shadowserver`), "csv" and "jsonl"
(driven by `source.mapping`, `parsers.mapping`). Every batch holds at most `batch_rows` events and is
`feeds.event.conform`-ed; memory stays bounded whatever the input's size. A row that cannot be read
(wrong number of columns, bad address, time, port…) is quarantined with its file, 1-based line (the
header is line 1) and reason, never dropped silently and never failing the run; a file the parser
cannot read at all (no header it knows) gives ONE quarantine entry saying why. A `.gz` name is read
through gzip. `time.observation` is left null: the store sets it to the run's time.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import polars as pl

from csirtnet.feeds import event
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.parsers import jsonl
from csirtnet.feeds.parsers.convert import apply_plan
from csirtnet.feeds.parsers.csvread import CsvChunks
from csirtnet.feeds.parsers.mapping import harmonised_columns, plan_from_mapping, validate_mapping
from csirtnet.feeds.parsers.shadowserver import detect_report, plan_for
from csirtnet.feeds.parsers.types import Parsed, Plan, Quarantined, clip

PIECE_ROWS = 16_384  # CSV lines read and harmonised at once (see _csv_batches)

__all__ = ["Parsed", "Quarantined", "detect_report", "parse_path", "parse_stream", "validate_mapping"]


def parse_path(
    path: Path, source: SourceConfig, *, batch_rows: int = 50_000, name: str | None = None
) -> Iterator[Parsed]:
    """Parse the file at `path` (reported under `name`, default its file name)."""
    with path.open("rb") as stream:
        yield from parse_stream(stream, name or path.name, source, batch_rows=batch_rows)


def parse_stream(stream: IO[bytes], name: str, source: SourceConfig, *, batch_rows: int = 50_000) -> Iterator[Parsed]:
    """Parse `stream` (named `name`: the file name quarantine entries and `_file` carry)."""
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    if name.lower().endswith(".gz"):
        with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
            yield from _dispatch(unzipped, name[:-3], source, batch_rows)  # type: ignore[arg-type]
        return
    yield from _dispatch(stream, name, source, batch_rows)


def _refuse(name: str, reason: str, text: str, report_type: str | None = None) -> Parsed:
    return Parsed(event.empty_frame(), [Quarantined(name, 1, reason, clip(text))], report_type)


def _dispatch(stream: IO[bytes], name: str, source: SourceConfig, batch_rows: int) -> Iterator[Parsed]:
    if source.parser in ("csv", "jsonl") and source.mapping:
        errors = validate_mapping(source.mapping)
        if errors:
            yield _refuse(name, f"the source's mapping is invalid: {'; '.join(errors)}", "")
            return
    if source.parser == "shadowserver":
        yield from _shadowserver(stream, name, source, batch_rows)
    elif source.parser == "csv":
        yield from _csv(stream, name, source, plan_from_mapping(source.mapping), batch_rows)
    elif source.parser == "jsonl":
        yield from _jsonl(stream, name, source, batch_rows)
    else:
        yield _refuse(name, f"unknown parser {source.parser!r} (shadowserver, csv, jsonl)", "")


def _shadowserver(stream: IO[bytes], name: str, source: SourceConfig, batch_rows: int) -> Iterator[Parsed]:
    chunks = CsvChunks(stream, batch_rows=min(batch_rows, PIECE_ROWS))
    header = [h.lower() for h in chunks.header]
    chunks.header = header
    report_type = detect_report(name, header)
    plan = plan_for(report_type) if report_type else None
    if plan is None:
        why = "not a known Shadowserver report: its file name names no report type and its header matches none"
        yield _refuse(name, why, chunks.header_text)
        return
    yield from _csv_batches(chunks, name, source, plan, batch_rows)


def _csv(stream: IO[bytes], name: str, source: SourceConfig, plan: Plan, batch_rows: int) -> Iterator[Parsed]:
    chunks = CsvChunks(
        stream, delimiter=plan.delimiter, skip_lines=plan.skip_lines, batch_rows=min(batch_rows, PIECE_ROWS)
    )
    if not plan.columns:
        plan = Plan(columns=harmonised_columns(chunks.header), constants=plan.constants, time_formats=plan.time_formats)
    yield from _csv_batches(chunks, name, source, plan, batch_rows)


def _csv_batches(chunks: CsvChunks, name: str, source: SourceConfig, plan: Plan, batch_rows: int) -> Iterator[Parsed]:
    header = set(chunks.header)
    if not chunks.header_text.strip() and chunks.eof and not chunks.buffer:
        yield _refuse(name, "the file is empty (no header)", "", plan.report_type)
        return
    if not header & plan.mapped():
        expected = ", ".join(sorted(plan.mapped())[:8])
        yield _refuse(name, f"the header names none of the mapped columns ({expected})", chunks.header_text)
        return
    missing = sorted(
        f
        for f in plan.required
        if f not in plan.constants and not any(c.field == f and c.source in header for c in plan.columns)
    )
    if missing:
        yield _refuse(name, f"the header has no column for {', '.join(missing)}", chunks.header_text, plan.report_type)
        return
    # The lines are read and harmonised a piece at a time (PIECE_ROWS) and the pieces put together
    # into batches of `batch_rows`: reading and converting allocate several times a piece's size for
    # a moment, and a run's peak memory follows the largest such moment, not the batch. A piece is
    # asked for the lines that complete its batch (at most an even share of it), so a batch is made
    # of whole pieces: a batch cut out of a piece would keep the whole piece's columns alive, with
    # the next batch's rows, and how much it kept would vary from batch to batch (ADR 0028).
    share = -(-batch_rows // -(-batch_rows // PIECE_ROWS))
    pieces: list[pl.DataFrame] = []
    held = 0
    waiting: list[Quarantined] = []
    while (chunk := chunks.take(min(share, batch_rows - held))) is not None:
        problems = [Quarantined(name, line, reason, text) for line, reason, text in chunk.problems]
        frame, bad = apply_plan(
            chunk.frame, plan, file=name, feed_name=source.name, feed_provider=source.provider, text_of=chunk.text_of
        )
        del chunk
        pieces.append(frame)
        held += frame.height
        waiting.extend(sorted([*problems, *bad], key=lambda q: q.line))
        while held >= batch_rows:
            whole = pl.concat(pieces, rechunk=False) if len(pieces) > 1 else pieces[0]
            yield Parsed(whole.slice(0, batch_rows), waiting, plan.report_type)
            rest = whole.slice(batch_rows)
            pieces, held, waiting = [rest], rest.height, []
    if held or waiting:
        yield Parsed(pl.concat(pieces, rechunk=False) if len(pieces) > 1 else pieces[0], waiting, plan.report_type)


def _jsonl(stream: IO[bytes], name: str, source: SourceConfig, batch_rows: int) -> Iterator[Parsed]:
    base = plan_from_mapping(source.mapping)
    for frame, problems, texts in jsonl.read_chunks(stream, batch_rows, name):
        plan = base
        if not base.columns:
            keys = [c for c in frame.columns if c != event.LINE]
            plan = Plan(columns=harmonised_columns(keys), constants=base.constants, time_formats=base.time_formats)
        quarantined = [Quarantined(name, line, reason, text) for line, reason, text in problems]
        events, bad = apply_plan(
            frame,
            plan,
            file=name,
            feed_name=source.name,
            feed_provider=source.provider,
            text_of=functools.partial(_text_of, texts),
        )
        yield from _split(events, sorted([*quarantined, *bad], key=lambda q: q.line), None, batch_rows)


def _text_of(texts: dict[int, str], line: int) -> str:
    return texts.get(line, "")


def _split(
    frame: pl.DataFrame, quarantined: list[Quarantined], report_type: str | None, batch_rows: int
) -> Iterator[Parsed]:
    if frame.height <= batch_rows:
        yield Parsed(frame, quarantined, report_type)
        return
    for start in range(0, frame.height, batch_rows):
        yield Parsed(frame.slice(start, batch_rows), quarantined if start == 0 else [], report_type)
