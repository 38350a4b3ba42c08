"""Read a CSV stream in bounded chunks of whole lines, as text columns numbered by physical line.

Fast path: polars parses a chunk whose every line was given a sentinel last field (`<delim>\\x02`),
so a row with too few or too many fields shows as a misplaced sentinel and its line number is its
row number (rows == lines). When a chunk does not parse that way (a quoted field spanning lines, a
stray quote, a byte that is not UTF-8), Python's csv module reads that chunk alone: slower, but exact
about lines and lengths. Memory: one chunk (about `batch_rows` lines) plus its parsed frame.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import polars as pl

from csirtnet.feeds import event
from csirtnet.feeds.parsers.types import clip
from csirtnet.kit.csvfile import split_fields, strict_reader

_SENTINEL = "\x02"
_SENT = "__sentinel"
_OVER = "__overflow"
_PROBE = 1 << 20
_MAX_CHUNK = 256 << 20


@dataclass
class RawChunk:
    """Text columns by header name plus `_line`; `problems` are (line, reason, text) of rows that were
    set aside; `text_of(line)` gives any line of the chunk as read."""

    frame: pl.DataFrame
    problems: list[tuple[int, str, str]]
    data: bytes
    first_line: int
    _ends: np.ndarray | None = field(default=None, repr=False)

    def text_of(self, line: int) -> str:
        if self._ends is None:
            self._ends = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) == 10)
        ends, index = self._ends, line - self.first_line
        start = 0 if index == 0 else int(ends[index - 1]) + 1
        end = int(ends[index]) if index < len(ends) else len(self.data)
        return self.data[start:end].decode("utf-8", errors="replace").rstrip("\r")


def _count(data: bytes, byte: int, end: int | None = None) -> int:
    """How many times `byte` occurs in data[:end] (numpy: several times faster than bytes.count)."""
    view = np.frombuffer(data, dtype=np.uint8, count=len(data) if end is None else end)
    return int(np.count_nonzero(view == byte))


class CsvChunks:
    """`header`/`header_line`/`header_text` after construction; iterating yields `RawChunk`s."""

    probe = _PROBE  # the first chunk's size in bytes, before lines have a known length
    min_chunk = 1 << 16  # tests shrink both to cross many chunk boundaries

    def __init__(self, stream: IO[bytes], *, delimiter: str = ",", skip_lines: int = 0, batch_rows: int = 50_000):
        self.stream = stream
        self.delimiter = delimiter
        self.batch_rows = batch_rows
        self.buffer = b""
        self.eof = False
        self.header: list[str] = []
        self.header_text = ""
        self.header_line = skip_lines + 1
        self.next_line = self.header_line + 1
        self._line_bytes = 0.0  # the mean length of the lines read so far
        self._read_header(skip_lines)

    def _fill(self, size: int) -> None:
        while not self.eof and len(self.buffer) < size:
            block = self.stream.read(max(size - len(self.buffer), 1 << 16))
            if not block:
                self.eof = True
            else:
                self.buffer += block

    def _read_header(self, skip_lines: int) -> None:
        wanted = skip_lines + 1
        self._fill(self.probe)
        while self.buffer.count(b"\n") < wanted and not self.eof:
            self._fill(len(self.buffer) * 2)
        if self.buffer.startswith(b"\xef\xbb\xbf"):
            self.buffer = self.buffer[3:]
        pos = 0
        for _ in range(skip_lines):
            nl = self.buffer.find(b"\n", pos)
            pos = len(self.buffer) if nl < 0 else nl + 1
        nl = self.buffer.find(b"\n", pos)
        end = len(self.buffer) if nl < 0 else nl
        self.header_text = self.buffer[pos:end].decode("utf-8", errors="replace").rstrip("\r")
        self.buffer = self.buffer[end + 1 :] if nl >= 0 else b""
        fields = split_fields(self.header_text, self.delimiter)
        names: list[str] = []
        for raw in fields:
            name = raw.strip() or f"column_{len(names) + 1}"
            if name.startswith("_"):  # `_line` and the parser's `__` columns are taken
                name = f"column{name}"
            while name in names:
                name += "_"
            names.append(name)
        self.header = names

    def _next_data(self, target: int, lines: int) -> bytes | None:
        """The next run of whole lines (about `target` bytes and at most `lines` lines; never a cut
        inside a quoted field unless the quotes never balance), or None at the end."""
        self._fill(target)
        if not self.buffer:
            return None
        end = len(self.buffer)
        if not self.eof or len(self.buffer) > target:
            while True:
                cut = self.buffer.rfind(b"\n", 0, max(target, 1))
                while cut >= 0 and _count(self.buffer, 34, cut) % 2:
                    cut = self.buffer.rfind(b"\n", 0, cut)
                if cut >= 0 or self.eof or len(self.buffer) >= _MAX_CHUNK:
                    break
                target = len(self.buffer) * 2
                self._fill(target)
            if cut < 0:
                cut = self.buffer.rfind(b"\n")
            end = cut + 1 if cut >= 0 else len(self.buffer)
        end = self._at_most(end, lines)
        data, self.buffer = self.buffer[:end], self.buffer[end:]
        return data if data.endswith(b"\n") else data + b"\n"

    def _at_most(self, end: int, lines: int) -> int:
        """`end`, or an earlier end of a line so that buffer[:end] holds at most `lines` lines. A cut
        is never inside a quoted value: it moves back to the line before, or, when the value began
        on the first line, forward to the line that closes it."""
        ends = np.flatnonzero(np.frombuffer(self.buffer, dtype=np.uint8, count=end) == 10)
        if len(ends) + (self.buffer[end - 1 : end] != b"\n") <= lines:
            return end
        k = lines - 1  # the line end that makes `lines` lines; outside a quoted value when even
        while k >= 0 and _count(self.buffer, 34, int(ends[k])) % 2:
            k -= 1
        if k < 0:
            k = lines
            while k < len(ends) and _count(self.buffer, 34, int(ends[k])) % 2:
                k += 1
            if k == len(ends):
                return end
        return int(ends[k]) + 1

    def take(self, lines: int) -> RawChunk | None:
        """The next chunk: at most `lines` lines (fewer at the end of the stream, or when its lines
        are longer than the ones before), or None at the end. The parser asks for what completes its
        batch, so a batch is made of whole chunks."""
        if lines < 1:
            raise ValueError("lines must be at least 1")
        target = self.probe
        if self._line_bytes:  # a little over `lines` lines of the length seen so far: `lines` cuts
            target = min(max(int(self._line_bytes * lines * 17 / 16), self.min_chunk), _MAX_CHUNK)
        data = self._next_data(target, lines)
        if data is None:
            return None
        count = _count(data, 10)
        first = self.next_line
        self.next_line += count
        self._line_bytes = len(data) / count
        return self._fast(data, count, first) or self._slow(data, first)

    def __iter__(self) -> Iterator[RawChunk]:
        while (chunk := self.take(self.batch_rows)) is not None:
            yield chunk

    def _fast(self, data: bytes, lines: int, first: int) -> RawChunk | None:
        body = data
        if b"\r" in data:
            body = data.replace(b"\r\n", b"\n")
            if b"\r" in body:  # a lone CR (inside a value): the careful reader keeps it as it is
                return None
        body = body.replace(b"\n", f"{self.delimiter}{_SENTINEL}\n".encode())
        names = [*self.header, _SENT, _OVER]
        try:
            frame = pl.read_csv(
                body,
                has_header=False,
                separator=self.delimiter,
                schema=dict.fromkeys(names, pl.String()),
                missing_columns="insert",
                null_values=[""],  # quoted "" too: Shadowserver quotes every value, empty ones included
                truncate_ragged_lines=True,
                raise_if_empty=False,
            )
        except (pl.exceptions.PolarsError, UnicodeDecodeError):
            return None
        if frame.height != lines:
            return None
        frame = frame.with_columns(pl.int_range(first, first + lines, dtype=pl.Int64()).alias(event.LINE))
        ragged = (pl.col(_SENT) != _SENTINEL).fill_null(True) | pl.col(_OVER).is_not_null()
        problems: list[tuple[int, str, str]] = []
        if frame.select(ragged.any()).item():
            chunk = RawChunk(frame, problems, data, first)
            for line in frame.filter(ragged)[event.LINE].to_list():
                text = chunk.text_of(line)
                if text.strip():
                    problems.append((line, self._count_reason(text), clip(text)))
            frame = frame.filter(~ragged)
        return RawChunk(frame.drop(_SENT, _OVER), problems, data, first)

    def _count_reason(self, text: str) -> str:
        found = len(split_fields(text, self.delimiter))
        return f"expected {len(self.header)} columns, found {found}"

    def _slow(self, data: bytes, first: int) -> RawChunk:
        text = data.decode("utf-8", errors="replace")
        # Lines end at LF only (a CR inside a quoted value is no line break), as in the fast path.
        reader = strict_reader(text, self.delimiter)
        rows: list[list[str]] = []
        numbers: list[int] = []
        problems: list[tuple[int, str, str]] = []
        chunk = RawChunk(pl.DataFrame(), problems, data, first)
        width = len(self.header)
        done = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line = first + done
                problems.append((line, f"unreadable CSV: {exc}", clip(chunk.text_of(line))))
                done = reader.line_num
                continue
            line = first + done
            done = reader.line_num
            if not row:
                continue
            if len(row) != width:
                problems.append((line, f"expected {width} columns, found {len(row)}", clip(chunk.text_of(line))))
            elif any("\ufffd" in value for value in row):
                problems.append((line, "not valid UTF-8", clip(chunk.text_of(line))))
            else:
                rows.append(row)
                numbers.append(line)
        columns = {name: [r[i] or None for r in rows] for i, name in enumerate(self.header)}
        frame = pl.DataFrame(columns, schema=dict.fromkeys(self.header, pl.String()))
        chunk.frame = frame.with_columns(pl.Series(event.LINE, numbers, dtype=pl.Int64()))
        return chunk
