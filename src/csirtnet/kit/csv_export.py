"""The one way the product writes a CSV file: UTF-8 with a byte-order mark (so spreadsheet
programs read Vietnamese), CRLF lines, and every text cell neutralised against formula injection.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and a tab or
a carriage return can hide such a start), so a member's name `=HYPERLINK("http://evil", "x")` in
an export would become a live link on the reader's machine. Following OWASP's advice on CSV
injection, such a cell gets a leading apostrophe, which spreadsheet programs show as text. Numbers
are written as numbers (a negative number is not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def safe_cell(value: Cell) -> str:
    """A cell as written: text that a spreadsheet would run as a formula is quoted with `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(header: Iterable[Cell], rows: Iterable[Iterable[Cell]]) -> str:
    """The whole file as text (starting with the byte-order mark); encode it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return BOM + out.getvalue()


def to_machine_csv(rows: Iterable[Iterable[str]]) -> str:
    """A CSV file for machines, not spreadsheets (a CSAF provider's changes.csv, whose format the
    standard fixes): every cell quoted, LF lines, no byte-order mark and no formula neutralising —
    its readers parse the cells, they do not run them."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows([list(row) for row in rows])
    return out.getvalue()
