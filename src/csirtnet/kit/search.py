"""Word search that answers the same on SQLite and PostgreSQL (docs/adr/0013-word-search.md).

A text is folded (`kit.text.fold`: lower case, no accents, đ → d) and cut into words at white
space; punctuation around a word is dropped. A word with punctuation inside it (a domain, an
address, a URL, an IP, a reference) is also kept from each point after that punctuation, so
"mail.evil.example" is found by "evil.example" and by "example", and "srv-04217" by "04217".

A query is cut the same way. Every query word must match a stored word: a word of three or more
characters matches the stored words it begins ("ransom" finds "ransomware", "10.0.0" finds
"10.0.0.15"); a word of one or two characters matches whole words only ("da" finds "Đà" but not
"dang"), which keeps a two-letter Vietnamese syllable from matching half the dictionary.

The stored form (`words`) is one string, " w1 w2 … " (sorted, unique, a space on both sides),
kept in a plain text column on both databases. On SQLite a query word is `LIKE '% word%'` (or
`'% word %'` for a whole word) over it. On PostgreSQL a GIN index covers
`csirtnet_search_lexemes(column)` (migration 0009: an immutable SQL function), a tsvector that
holds each word and, marked with a leading "~", each of its beginnings of 3 to PREFIX_MAX
characters. A query word is then one exact lexeme (`'~ransom'`), which GIN intersects by
skipping through the posting lists, where a prefix match (`'ransom':*`) first collects every
posting of every word it begins (229 ms against 25 ms for "cổng thông tin Đà Nẵng" at 1,000,000
incidents, docs/benchmarks.md). A query word longer than PREFIX_MAX is
`'~<first PREFIX_MAX>' & 'word':*`: few words begin with so long a string. The same LIKE
conditions follow the index condition, so a row the index did not choose (a member's few
hundred incidents, the newest-first window) is tested on the short text, never by building its
tsvector. Both databases select the same rows: tests/kit/test_search.py checks that on random
texts against `Term.matches`, the rule in Python.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Index, Text, bindparam, func, text, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType
from sqlalchemy.types import Boolean

from csirtnet.errors import ValidationFailed
from csirtnet.kit.text import fold

MAX_WORD = 64  # characters kept of a word: a SHA-256 in hex; longer query words are cut the same way
MAX_SUFFIXES = 16  # tails kept of one word with inner punctuation (a long URL has many)
MAX_WORDS = 5000  # distinct words kept of one text (a tsvector holds at most 1 MB)
MAX_QUERY = 200  # characters of a query
MAX_TERMS = 10  # words of a query
WHOLE_BELOW = 3  # query words shorter than this match whole words only
PREFIX_MAX = 16  # the longest beginning of a word kept as its own lexeme on PostgreSQL
PREFIX_MARK = "~"  # marks a beginning; a word never starts with punctuation
LEXEMES_FUNCTION = "csirtnet_search_lexemes"  # created by migration 0009 on PostgreSQL


def _strip(chunk: str) -> str:
    start, end = 0, len(chunk)
    while start < end and not chunk[start].isalnum():
        start += 1
    while end > start and not chunk[end - 1].isalnum():
        end -= 1
    return chunk[start:end]


def _chunk_words(chunk: str) -> list[str]:
    """The word itself and its tails after inner punctuation, each cut to MAX_WORD."""
    word = _strip(chunk)
    if not word:
        return []
    out = [word[:MAX_WORD]]
    for i in range(1, len(word)):
        if len(out) > MAX_SUFFIXES:
            break
        if word[i].isalnum() and not word[i - 1].isalnum():
            out.append(word[i : i + MAX_WORD])
    return out


def word_list(text: str) -> list[str]:
    """The distinct words of a text, sorted (at most MAX_WORDS: the first ones in the text)."""
    seen: dict[str, None] = {}
    for chunk in fold(text).split():
        for word in _chunk_words(chunk):
            seen.setdefault(word, None)
            if len(seen) >= MAX_WORDS:
                return sorted(seen)
    return sorted(seen)


def words(text: str) -> str:
    """The stored form of a text's words: " w1 w2 … ", or "" when it has none."""
    found = word_list(text)
    return f" {' '.join(found)} " if found else ""


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool  # True: matches the stored words it begins; False: the whole word only

    def matches(self, stored: str) -> bool:
        """The rule in plain Python, which the SQL of both databases follows (for the tests)."""
        return any(w.startswith(self.word) if self.prefix else w == self.word for w in stored.split())


def terms(q: str | None, *, field: str = "q") -> list[Term]:
    """The query's words as terms, in order, without repeats; [] for an empty query."""
    if not q:
        return []
    if len(q) > MAX_QUERY:
        raise ValidationFailed(field, f"at most {MAX_QUERY} characters")
    out: dict[Term, None] = {}
    for chunk in fold(q).split():
        word = _strip(chunk)[:MAX_WORD]
        if word:
            out.setdefault(Term(word, prefix=len(word) >= WHOLE_BELOW), None)
    return list(out)[:MAX_TERMS]


def _quote(word: str) -> str:
    """A lexeme in tsvector/tsquery input syntax: quoted, with ' and \\ escaped."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def lexemes(stored: str) -> list[str]:
    """What csirtnet_search_lexemes() makes of a stored word string on PostgreSQL (for the tests)."""
    out = set(stored.split())
    for word in stored.split():
        out.update(PREFIX_MARK + word[:k] for k in range(WHOLE_BELOW, min(len(word), PREFIX_MAX) + 1))
    return sorted(out)


def _tsquery_term(term: Term) -> str:
    if not term.prefix:
        return _quote(term.word)
    if len(term.word) <= PREFIX_MAX:
        return _quote(PREFIX_MARK + term.word)
    return f"{_quote(PREFIX_MARK + term.word[:PREFIX_MAX])} & {_quote(term.word)}:*"


def tsquery_literal(found: list[Term]) -> str:
    return " & ".join(_tsquery_term(t) for t in found)


def lexeme(term: Term) -> str:
    """The lexeme that stands for a term on PostgreSQL (for a long word, the one it begins with)."""
    return PREFIX_MARK + term.word[:PREFIX_MAX] if term.prefix else term.word


# PostgreSQL's statistics of a words column, per (table, column): (read at, {lexeme: share}).
_SHARES: dict[tuple[str, str], tuple[float, dict[str, float] | None]] = {}
SHARES_TTL = 300.0  # seconds; ANALYZE (autovacuum) refreshes the statistics far less often


def forget_word_shares() -> None:
    """Read the statistics again at the next search (tests; after a bulk load and ANALYZE)."""
    _SHARES.clear()


def common_word_shares(session: Session, table: str, column: str) -> dict[str, float] | None:
    """The share of rows that hold each of the column's most common lexemes, from pg_stats
    (statistics target × 10 of them); a lexeme not listed is rarer than every one listed. None
    when there are no such statistics (SQLite; a table never analysed; a role that may not read
    them)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    now = time.monotonic()
    cached = _SHARES.get((table, column))
    if cached and now - cached[0] < SHARES_TTL:
        return cached[1]
    row = session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = :table AND attname = :column"
        ),
        {"table": table, "column": column},
    ).first()
    # No row: never analysed, or statistics this role may not read (pg_stats shows an index's
    # statistics to its owner only). Then nothing is known, which is not "every word is rare".
    shares = dict(zip(row[0], row[1], strict=False)) if row and row[0] and row[1] else None
    _SHARES[(table, column)] = (now, shares)
    return shares


def _like_pattern(term: Term) -> str:
    escaped = term.word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped}%" if term.prefix else f"% {escaped} %"


class _WordsMatch(ColumnElement[bool]):
    """`column` holds every term; compiled per database below. The words travel as bound
    parameters, so a statement's compiled form is cached like any other."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012 (SQLAlchemy declares it a list)
        ("column", InternalTraversal.dp_clauseelement),
        ("tsquery", InternalTraversal.dp_clauseelement),
        ("patterns", InternalTraversal.dp_clauseelement_tuple),
    ]

    def __init__(self, column: Any, found: list[Term]) -> None:
        self.column = column
        self.tsquery = bindparam(None, tsquery_literal(found), type_=Text(), unique=True)
        self.patterns = tuple(bindparam(None, _like_pattern(t), type_=Text(), unique=True) for t in found)


def _likes(element: _WordsMatch, compiler: SQLCompiler, **kw: Any) -> list[str]:
    column = compiler.process(element.column, **kw)
    return [f"{column} LIKE {compiler.process(p, **kw)} ESCAPE '\\'" for p in element.patterns]


@compiles(_WordsMatch)
def _compile_like(element: _WordsMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return "(" + " AND ".join(_likes(element, compiler, **kw)) + ")"


@compiles(_WordsMatch, "postgresql")
def _compile_tsquery(element: _WordsMatch, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    indexed = f"{LEXEMES_FUNCTION}({column}) @@ CAST({compiler.process(element.tsquery, **kw)} AS tsquery)"
    # On a row the index did not choose, PostgreSQL tests the cheap LIKEs first (the function is
    # declared costly) and builds the tsvector only for a row that matches them.
    return "(" + " AND ".join([indexed, *_likes(element, compiler, **kw)]) + ")"


class _WordsLike(_WordsMatch):
    """The same test by LIKE alone, on PostgreSQL too: for a scan of a few rows already chosen
    (the newest-first window), where the index would intersect whole posting lists."""

    inherit_cache = True


@compiles(_WordsLike)
def _compile_like_only(element: _WordsLike, compiler: SQLCompiler, **kw: Any) -> str:
    return "(" + " AND ".join(_likes(element, compiler, **kw)) + ")"


def lexemes_index(name: str, column: Any) -> Index:
    """The GIN index of a words column, on PostgreSQL only (SQLite scans the short text)."""
    return Index(name, getattr(func, LEXEMES_FUNCTION)(column), postgresql_using="gin").ddl_if(dialect="postgresql")


def matches(column: Any, found: list[Term], *, use_index: bool = True) -> ColumnElement[bool]:
    """A WHERE clause: the column of stored words holds every term (true for no terms).
    `use_index=False` for a query that reads a few rows by another index (same rows)."""
    if not found:
        return true()
    return _WordsMatch(column, found) if use_index else _WordsLike(column, found)
