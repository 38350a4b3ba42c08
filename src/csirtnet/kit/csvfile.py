"""The one reader of CSV files people upload: it refuses a malformed file and names the line.

Python's `csv` module is lenient: an unterminated quote swallows the rest of the file into one
cell, a row with fewer cells is padded by whoever reads it, a header that names a column twice
lets the last one win. Each of these silently lost data in imports. `read_table` reads the whole
file and reports, with its line number, every:

- line that is not UTF-8 (a byte order mark is allowed) or holds a NUL byte;
- quote opened and never closed, and quote in the middle of a cell;
- header column that has no name, appears twice, is unknown, or is required and missing;
- row whose number of cells differs from the header's (a row read across several lines says so:
  that is how a quote left open shows when a later quote closes it);
- cell that runs over several lines in a column that may not hold line breaks (`multiline` names
  those that may, such as an address): a quote left open and closed by a later one.

Every import of the product goes through it; the caller then validates each row with the API's
schemas and applies nothing unless the file and every row are clean. A file with any problem
gives no rows at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

FILE = "file"  # the column named by a problem of the file rather than of a cell


@dataclass(frozen=True)
class CsvProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}"


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line the row starts on (1 is the header)
    values: dict[str, str]  # column -> the cell, stripped


@dataclass
class CsvTable:
    columns: list[str] = field(default_factory=list)
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decode(data: bytes, table: CsvTable) -> str:
    """The text, with a problem for every line that is not UTF-8 or holds a NUL byte (the rest is
    still read, so that its problems are listed too; a file with problems gives no rows)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    for number, line in enumerate(body.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            table.problems.append(CsvProblem(number, FILE, "not UTF-8 text; save the file as CSV UTF-8"))
            continue
        if b"\x00" in line:
            table.problems.append(CsvProblem(number, FILE, "the line holds a NUL byte"))
    return body.decode("utf-8", errors="replace").replace("\x00", "")


def _records(text: str, table: CsvTable) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of every record; quoting errors become problems."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out: list[tuple[int, int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                table.problems.append(
                    CsvProblem(
                        start,
                        FILE,
                        "a quote opened in this row is never closed (the rest of the file would be one cell)",
                    )
                )
                break
            table.problems.append(
                CsvProblem(
                    reader.line_num,
                    FILE,
                    "a quote in the middle of a cell: quote the whole cell and double the quotes inside it",
                )
            )
            continue
        out.append((start, reader.line_num, cells))
    return out


def read_table(
    data: bytes,
    *,
    columns: Sequence[str],
    required: Sequence[str] = (),
    max_rows: int | None = None,
    multiline: Collection[str] = (),
) -> CsvTable:
    """Read an uploaded CSV file against the columns it may have; see the module's docstring."""
    table = CsvTable()
    text = _decode(data, table)
    records = _records(text, table)
    if not records:
        if not table.problems:
            table.problems.append(CsvProblem(1, FILE, "the file is empty"))
        return table
    _, _, header = records[0]
    names = [h.strip().lower() for h in header]
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            table.problems.append(CsvProblem(1, f"column {position}", "the column has no name"))
        elif name in seen:
            table.problems.append(
                CsvProblem(1, name, f"the column appears twice (columns {seen[name]} and {position})")
            )
        else:
            seen[name] = position
            if name not in columns:
                table.problems.append(CsvProblem(1, name, "unknown column"))
    for name in required:
        if name not in seen:
            table.problems.append(CsvProblem(1, name, "required column missing"))
    table.columns = names
    if any(p.line == 1 for p in table.problems):
        return table
    for first, last, cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            where = f" (lines {first}–{last} were read as one row: is a quote left open?)" if last > first else ""
            table.problems.append(
                CsvProblem(first, FILE, f"{len(cells)} cells but the header has {len(names)} columns{where}")
            )
            continue
        broken = [n for n, cell in zip(names, cells, strict=True) if "\n" in cell.strip() and n not in multiline]
        if broken:
            span = f"lines {first}–{last}"
            table.problems.append(
                CsvProblem(first, broken[0], f"the cell runs over {span}, where it may not: is a quote left open?")
            )
            continue
        table.rows.append(CsvRow(first, {n: cell.strip() for n, cell in zip(names, cells, strict=True)}))
        if max_rows is not None and len(table.rows) > max_rows:
            table.problems.append(CsvProblem(first, FILE, f"more than {max_rows} rows; split the file"))
            table.rows.clear()
            break
    table.problems.sort(key=lambda p: p.line)
    if table.problems:
        table.rows.clear()  # the rows of a malformed file cannot be trusted: none is given
    return table


def read_rows(text: str) -> list[tuple[int, list[str]]]:
    """The rows of a machine-written CSV file without a header (a CSAF provider's changes.csv),
    each with its line number; ValueError naming the line at the first malformed one (csv's strict
    mode: a quote opened and never closed, or one in the middle of a cell)."""
    reader = csv.reader(io.StringIO(text), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if row:
                rows.append((reader.line_num, row))
    except csv.Error as problem:
        raise ValueError(f"line {reader.line_num}: {problem}") from None
    return rows


def split_fields(line: str, delimiter: str = ",") -> list[str]:
    """The cells of one CSV line already split off its file (a header, or a row being counted for
    a refusal's message): a quote left open ends with the line."""
    return next(csv.reader([line], delimiter=delimiter), [])


def strict_reader(text: str, delimiter: str = ",") -> Any:
    """A strict csv reader over `text` whose lines end at LF only (a CR inside a quoted value is no
    line break): the feeds' exact path for chunks the columnar reader cannot take (feeds.parsers)."""
    return csv.reader(io.StringIO(text, newline="\n"), delimiter=delimiter, strict=True)
