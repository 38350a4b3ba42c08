"""Searching the newest incidents first (repository.page) gives exactly the pages the plain query
gives, for any window: a window that holds a whole page answers it, any other falls through."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from csirtnet.incident import repository
from csirtnet.kit import search
from csirtnet.kit.pagination import paginate
from csirtnet.kit.search import words
from csirtnet.models import Incident
from tests.factories import make_organisation
from tests.incident.helpers import coordinator, who
from tests.mobilisation.helpers import make_incident

WORDS = ["ro ri du lieu", "ma doc tong tien", "gia mao cong thong tin", "ddos", "lua dao truc tuyen"]


def _walk(fetch) -> list[list[int]]:  # type: ignore[no-untyped-def]
    pages, cursor = [], None
    while True:
        rows, cursor = fetch(cursor)
        pages.append([r.id for r in rows])
        if cursor is None:
            return pages


def _analyze(db) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL's word statistics, which decide whether the window is tried."""
    db.flush()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ANALYZE incident"))
    search.forget_word_shares()


@pytest.mark.parametrize("q", ["ro ri du lieu", "tong tien", "ddos", "lua", "khong co"])
def test_the_window_never_changes_a_page(db, q) -> None:
    rng = random.Random(7)
    org = make_organisation(db)
    for _ in range(60):
        # Common phrases first and rare ones later, so both outcomes of the window are exercised.
        text = rng.choice(WORDS[:2] if rng.random() < 0.7 else WORDS)
        make_incident(
            db, org, search_words=words(f"{text} {rng.randrange(1000)}"), tlp=rng.choice(["amber", "red", "green"])
        )
    boss = who(coordinator(db))
    filters = repository.IncidentFilters(q=q)
    _analyze(db)
    for limit in (1, 3, 7):
        expected = _walk(
            lambda c, limit=limit: paginate(db, repository.incidents(boss, filters), Incident.id, limit=limit, cursor=c)
        )
        assert sum(len(p) for p in expected) == len(db.scalars(repository.incidents(boss, filters)).all()), (
            "the plain walk sees every match once"
        )
        for window in (1, 2, 5, 13, 1000):
            got = _walk(
                lambda c, limit=limit, window=window: repository.page(
                    db, boss, filters, limit=limit, cursor=c, search_window=window
                )
            )
            assert got == expected, (q, limit, window)


def test_the_window_is_tried_when_every_word_is_common_enough(db, monkeypatch) -> None:
    org = make_organisation(db)
    for n in range(40):
        make_incident(db, org, search_words=words(f"ddos cong thong tin srv-{n:05d}"))
    _analyze(db)
    tried: list[str] = []
    real = repository.paginate_within_newest

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append("window")
        return real(*args, **kwargs)

    monkeypatch.setattr(repository, "paginate_within_newest", spy)
    boss = who(coordinator(db))
    postgresql = db.get_bind().dialect.name == "postgresql"
    for q, common in (("ddos thong", True), ("ddos srv-00007", False), ("ddos nothing", False)):
        tried.clear()
        rows, _ = repository.page(db, boss, repository.IncidentFilters(q=q), limit=5, cursor=None, search_window=20)
        # PostgreSQL: only when the statistics say each word is in a page's worth of the window;
        # SQLite has no such statistics and always looks at the newest first.
        assert tried == (["window"] if common or not postgresql else []), q
        assert len(rows) == (5 if q == "ddos thong" else 1 if "srv" in q else 0)


def test_without_statistics_the_window_is_tried(db, monkeypatch) -> None:
    """No statistics (never analysed, or a role that may not read an index's): unknown is not rare."""
    org = make_organisation(db)
    for n in range(8):
        make_incident(db, org, search_words=words(f"ddos srv-{n:05d}"))
    db.flush()
    monkeypatch.setattr(repository.search, "common_word_shares", lambda *args: None)
    tried: list[int] = []
    real = repository.paginate_within_newest
    monkeypatch.setattr(repository, "paginate_within_newest", lambda *a, **k: tried.append(1) or real(*a, **k))
    boss = who(coordinator(db))
    rows, _ = repository.page(db, boss, repository.IncidentFilters(q="srv-00003"), limit=5, cursor=None)
    assert tried == [1]
    assert len(rows) == 1
