"""The one CSV reader refuses malformed files and names the line of every problem."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from csirtnet.kit.csvfile import read_table

COLUMNS = ("record", "name", "value")


def _problems(data: bytes) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in read_table(data, columns=COLUMNS, required=("record",)).problems]


def test_a_clean_file_gives_its_rows_with_their_lines() -> None:
    data = b'\xef\xbb\xbfrecord,name,value\na,"two\nlines",1\n\nb,x,2\n'
    table = read_table(data, columns=COLUMNS, multiline=("name",))
    assert table.ok
    assert [(r.line, r.values["name"]) for r in table.rows] == [(2, "two\nlines"), (5, "x")]


def test_an_unterminated_quote_names_its_line_and_gives_no_rows() -> None:
    table = read_table(b'record,name,value\na,A,1\nb,"B,2\nc,C,3\nd,D,4\n', columns=COLUMNS)
    assert not table.rows
    assert [(p.line, p.column) for p in table.problems] == [(3, "file")]
    assert "never closed" in table.problems[0].message


def test_a_quote_closed_lines_later_is_a_row_of_the_wrong_width() -> None:
    table = read_table(b'record,name,value\na,"A,1\nb,B,2\nc",3\n', columns=COLUMNS)
    assert [(p.line, p.column) for p in table.problems] == [(2, "name")] and not table.rows
    assert "lines 2–4" in table.problems[0].message
    table = read_table(b'record,name,value\na,"A,1\nb,B,2\nc,3\nd",4,5\n', columns=COLUMNS)
    assert [(p.line, p.column) for p in table.problems] == [(2, "file")]
    assert "lines 2–5" in table.problems[0].message


def test_a_stray_quote_and_wrong_widths_are_each_reported() -> None:
    data = b'record,name,value\na,"A"x,1\nb,B\nc,C,3,4\nd,D,4\n'
    assert _problems(data) == [(2, "file"), (3, "file"), (4, "file")]


def test_header_problems() -> None:
    assert _problems(b"record,name,name\na,b,c\n") == [(1, "name")]
    assert _problems(b"record,colour\na,b\n") == [(1, "colour")]
    assert _problems(b"name,value\na,b\n") == [(1, "record")]
    assert _problems(b"record,,value\na,b,c\n") == [(1, "column 2")]
    assert _problems(b"") == [(1, "file")]


def test_encoding_and_nul_bytes_name_every_bad_line() -> None:
    assert _problems(b"record,name\na,\xff\nb,ok\nc,\xfe\n") == [(2, "file"), (4, "file")]
    assert _problems(b"record,name\na,b\x00c\n") == [(2, "file")]
    assert _problems("record,name\na,b\n".encode("utf-16"))[:2] == [(1, "file"), (2, "file")]


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=8)


@given(st.lists(st.tuples(_cell, _cell, _cell), max_size=6))
def test_what_a_csv_writer_writes_is_read_back_exactly(rows: list[tuple[str, str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    table = read_table(buf.getvalue().encode(), columns=COLUMNS, multiline=COLUMNS)
    assert table.ok, table.problems
    kept = [r for r in rows if any(c.strip() for c in r)]
    assert [tuple(row.values[c] for c in COLUMNS) for row in table.rows] == [tuple(c.strip() for c in r) for r in kept]


@given(st.binary(max_size=200))
def test_any_bytes_give_rows_or_problems_never_an_exception(data: bytes) -> None:
    table = read_table(data, columns=COLUMNS)
    assert table.ok or not table.rows
    assert all(p.line >= 1 for p in table.problems)


def test_no_module_but_the_kit_reads_csv_itself() -> None:
    """Every CSV import goes through kit.csvfile: a module that calls csv.reader or csv.DictReader
    itself would bring back the lenient reading (rows swallowed by an open quote, padded rows)."""
    import ast
    from importlib import resources
    from pathlib import Path

    root = Path(str(resources.files("csirtnet")))
    readers = {"reader", "DictReader", "Sniffer"}
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == root / "kit" / "csvfile.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            direct = (
                isinstance(node, ast.Attribute) and node.attr in readers and getattr(node.value, "id", None) == "csv"
            )
            imported = (
                isinstance(node, ast.ImportFrom)
                and node.module == "csv"
                and any(alias.name in readers for alias in node.names)
            )
            if direct or imported:
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
