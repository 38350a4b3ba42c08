"""Keyset pages of a list computed in Python: every item once, in key order, whatever the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csirtnet.errors import ValidationFailed
from csirtnet.kit.pagination import encode_cursor, paginate_items

START = datetime(2026, 1, 1, tzinfo=UTC)


def _all_pages(items: list[tuple[str, datetime, int]], limit: int, descending: bool) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(len(items) + 2):
        page, cursor = paginate_items(items, lambda i: i, limit=limit, cursor=cursor, descending=descending)
        assert len(page) <= limit
        seen += [i[2] for i in page]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


@given(
    st.lists(st.tuples(st.sampled_from(["Đông", "An", "Ăn", ""]), st.integers(0, 3)), max_size=30),
    st.integers(1, 7),
    st.booleans(),
)
def test_pages_hold_every_item_once_in_key_order(raw: list[tuple[str, int]], limit: int, descending: bool) -> None:
    # Names and times repeat; the id (last) makes each key unique.
    items = [(name, START + timedelta(hours=hours), n) for n, (name, hours) in enumerate(raw)]
    expected = [i[2] for i in sorted(items, reverse=descending)]
    assert _all_pages(items, limit, descending) == expected


def test_a_cursor_of_another_shape_is_refused() -> None:
    items = [("a", START, 1), ("b", START, 2)]
    for cursor in ("not-ours", encode_cursor(5), encode_cursor(["a", 1]), encode_cursor([1, {"t": "x"}, 2])):
        with pytest.raises(ValidationFailed) as refused:
            paginate_items(items, lambda i: i, limit=1, cursor=cursor)
        assert [e.field for e in refused.value.errors] == ["cursor"]
    with pytest.raises(ValidationFailed):
        paginate_items(items, lambda i: i, limit=0, cursor=None)
