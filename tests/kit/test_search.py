"""Word search (kit.search): the words kept of a text, the terms of a query, and the same answer
from SQLite's LIKE, PostgreSQL's tsvector and the rule written in Python."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, Table, Text, func, insert, select

from csirtnet.errors import ValidationFailed
from csirtnet.kit.search import MAX_WORD, Term, lexemes, lexemes_index, matches, terms, word_list, words


def test_words_are_folded_stripped_and_split_at_inner_punctuation() -> None:
    assert word_list("Mã độc (tống tiền), Đà Nẵng!") == ["da", "doc", "ma", "nang", "tien", "tong"]
    assert word_list("mail.evil.example") == ["evil.example", "example", "mail.evil.example"]
    assert word_list("SRV-04217 10.0.0.15") == ["0.0.15", "0.15", "04217", "10.0.0.15", "15", "srv-04217"]
    assert word_list("user@bank.example.vn") == ["bank.example.vn", "example.vn", "user@bank.example.vn", "vn"]
    assert word_list("-- ... !!") == []
    assert words("b a b") == " a b "
    assert words("") == ""


def test_long_words_are_cut_and_tails_bounded() -> None:
    digest = "a" * 128
    assert word_list(digest) == ["a" * MAX_WORD]
    url = "http://x.example/" + "/".join(f"p{i}" for i in range(100))
    assert len(word_list(url)) == 17  # the word and 16 tails


def test_query_terms() -> None:
    assert terms("Mã độc, Đà Nẵng") == [
        Term("ma", prefix=False),
        Term("doc", prefix=True),
        Term("da", prefix=False),
        Term("nang", prefix=True),
    ]
    assert terms("  ") == []
    assert terms(None) == []
    assert terms("tong TONG tống") == [Term("tong", prefix=True)]
    assert terms("(srv-04217).") == [Term("srv-04217", prefix=True)]
    assert len(terms(" ".join(f"w{i}x" for i in range(30)))) == 10
    with pytest.raises(ValidationFailed) as error:
        terms("x" * 201, field="q")
    assert str(error.value).startswith("q: ")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ransom", True),  # the start of a word
        ("somware", False),  # not the inside of one
        ("evil.example", True),  # a domain's tail
        ("10.0.0", True),  # an address's start
        ("04217", True),
        ("da", True),  # a two-letter word, whole
        ("d", False),  # not the start of "da" or "doc"
        ("da nang ransom", True),
        ("da nang hue", False),  # every word must be found
    ],
)
def test_the_rule(query: str, found: bool) -> None:
    stored = words("Ransomware Đà Nẵng srv-04217 mail.evil.example 10.0.0.15")
    assert all(t.matches(stored) for t in terms(query)) is found


def _probe_table() -> tuple[MetaData, Table]:
    metadata = MetaData()
    table = Table("search_probe", metadata, Column("id", Integer, primary_key=True), Column("words", Text))
    lexemes_index("ix_search_probe_words", table.c.words)
    return metadata, table


def _tsvector_lexemes(value: str) -> list[str]:
    """The lexemes of a tsvector's text form ('a' 'b''c'), unquoted."""
    return [m.group(1).replace("''", "'").replace("\\\\", "\\") for m in re.finditer(r"'((?:[^']|'')*)'", value)]


# Mostly letters and digits, so that words of three and more characters are common.
ALPHABET = st.sampled_from(list("abcdđeêoơuư1áàạ" * 4 + "0.-_'\\%:/@  "))
texts = st.text(alphabet=ALPHABET, max_size=60)
queries = st.text(alphabet=ALPHABET, min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(texts, min_size=1, max_size=8), query_parts=st.lists(queries, max_size=1), data=st.data())
def test_both_databases_agree_with_the_rule(
    backend: tuple[str, Engine], docs: list[str], query_parts: list[str], data: st.DataObject
) -> None:
    _kind, engine = backend
    metadata, table = _probe_table()
    # Pieces of the texts too (starts, insides, ends of words), so that matches and near misses happen.
    for doc in data.draw(st.lists(st.sampled_from(docs), min_size=1, max_size=3)):
        start = data.draw(st.integers(0, len(doc)))
        query_parts.append(doc[start : data.draw(st.integers(start, len(doc)))])
    query = " ".join(query_parts)
    found = terms(query)
    expected = [i for i, d in enumerate(docs, 1) if all(t.matches(words(d)) for t in found)]
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            metadata.create_all(conn)
            conn.execute(insert(table), [{"id": i, "words": words(d)} for i, d in enumerate(docs, 1)])
            if conn.dialect.name == "postgresql":  # the SQL function builds the lexemes as kit.search says
                built = conn.scalars(select(func.csirtnet_search_lexemes(table.c.words)).order_by(table.c.id))
                assert [sorted(_tsvector_lexemes(v)) for v in built] == [lexemes(words(d)) for d in docs]
            got = conn.scalars(select(table.c.id).where(matches(table.c.words, found)).order_by(table.c.id)).all()
            assert got == expected, (docs, query, found)
        finally:
            trans.rollback()


def test_long_words_and_marked_beginnings_on_both_databases(backend: tuple[str, Engine]) -> None:
    _kind, engine = backend
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    docs = [digest, digest[:20] + "ffff", "~abc", "abcdefghijklmnopqrstu"]
    metadata, table = _probe_table()
    cases = {
        digest[:12]: [1, 2],  # a beginning of up to 16 characters: one marked lexeme
        digest[:16]: [1, 2],
        digest[:17]: [1, 2],  # longer: the marked 16 and a prefix match
        digest[:21]: [1],
        digest: [1],
        "abc": [3, 4],  # "~abc" was stored as "abc"; the mark never reaches a word
        "~abc": [3, 4],
        "abcdefghijklmnopq": [4],
        "abcdefghijklmnopx": [],
    }
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            metadata.create_all(conn)
            conn.execute(insert(table), [{"id": i, "words": words(d)} for i, d in enumerate(docs, 1)])
            for query, expected in cases.items():
                found = terms(query)
                got = conn.scalars(select(table.c.id).where(matches(table.c.words, found)).order_by(table.c.id)).all()
                assert got == expected, query
                assert expected == [i for i, d in enumerate(docs, 1) if all(t.matches(words(d)) for t in found)]
        finally:
            trans.rollback()
