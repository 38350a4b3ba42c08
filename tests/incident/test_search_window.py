"""Searching the newest incidents first (repository.page) gives exactly the pages the plain query
gives, for any window: a window that holds a whole page answers it, any other falls through."""

from __future__ import annotations

import random

import pytest

from csirtnet.incident import repository
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
