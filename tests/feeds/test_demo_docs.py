"""docs/feeds.md's event dictionary is the code's: every field of `csirtnet.feeds.event.FIELDS`, in
order, with its type and meaning, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from csirtnet.feeds import event

DOC = Path(__file__).resolve().parents[2] / "docs" / "feeds.md"
START = "<!-- event-dictionary: generated from csirtnet.feeds.event.FIELDS -->"
END = "<!-- /event-dictionary -->"


def dictionary() -> str:
    """The table as docs/feeds.md must print it (paste this when a field changes)."""
    lines = ["| field | type | meaning |", "|---|---|---|"]
    lines += [f"| `{f.name}` | {f.kind} | {f.description} |" for f in event.FIELDS.values()]
    return "\n".join(lines)


def documented() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert START in text and END in text, f"{DOC.name} lost its dictionary markers"
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def test_the_dictionary_in_the_docs_is_the_codes() -> None:
    assert documented() == dictionary(), "docs/feeds.md's event dictionary differs from FIELDS:\n" + dictionary()


def test_every_field_is_documented_once_and_no_other() -> None:
    names = re.findall(r"^\| `([^`]+)` \|", documented(), re.M)
    assert names == list(event.COLUMNS)
    assert len(set(names)) == len(names)


def test_a_changed_field_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a field renamed in the code no longer matches the page."""
    fields = dict(event.FIELDS)
    first = next(iter(fields))
    fields[first] = event.Field("time.renamed", fields[first].kind, fields[first].description)
    monkeypatch.setattr(event, "FIELDS", fields)
    assert documented() != dictionary()
