"""Cursor pagination: every list is keyset-paginated on a unique, ordered key.

A cursor is the key of the last row served, so a page never repeats or skips a row when rows
are added or removed between requests (an offset would). Three helpers:

- `paginate`: one integer id, newest first by default (`?cursor=` holds the id);
  `paginate_within_newest` answers the same page from the newest rows only, when they hold it;
- `paginate_keyset`: a query ordered by several NOT NULL columns whose last one is unique,
  e.g. (name_sort, id) or (occurred_at, id); each column ascending or descending;
- `paginate_items`: a list only Python can compute (constituency overlaps, found by comparing
  every claim), paged by a unique key of each item in the same way.

`page_of(Schema, paginate(...))` turns what any of them found into the API's `Page[Schema]`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, QueryableAttribute, Session

from csirtnet.errors import ValidationFailed

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)
MAX_LIMIT = 200

# A key value in a cursor: JSON scalars as they are, dates and datetimes tagged.
KeyValue = str | int | float | bool | datetime | date


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def page_of(schema: type[S], found: tuple[Sequence[Any], str | None]) -> Page[S]:
    """An API page from what a paginate helper found: each row read into `schema`."""
    rows, next_cursor = found
    page_type: Any = Page[schema]  # type: ignore[valid-type]
    return cast("Page[S]", page_type(items=[schema.model_validate(r) for r in rows], next_cursor=next_cursor))


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor", "not a cursor this API issued") from exc


def _check_limit(limit: int) -> None:
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_LIMIT}")


def paginate(
    session: Session,
    query: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = True,
    ids_first: bool = False,
) -> tuple[Sequence[Any], str | None]:
    """Return one page of rows ordered by `key` and the cursor of the next page (or None).

    `ids_first`: the query (of one entity) finds the page's keys, and only those rows are read
    whole, in the same statement; for a query that weighs many more rows than it returns."""
    _check_limit(limit)
    if cursor:
        last = decode_cursor(cursor)
        if not isinstance(last, int) or isinstance(last, bool):
            raise ValidationFailed("cursor", "not a cursor this API issued")
        query = query.where(key < last if descending else key > last)
    rows = session.scalars(first_rows(query, key, limit + 1, descending=descending, ids_first=ids_first)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], key.key)) if more and rows else None
    return rows, next_cursor


def first_rows(
    query: Select[Any], key: InstrumentedAttribute[int], count: int, *, descending: bool = True, ids_first: bool = False
) -> Select[Any]:
    """The query's first `count` rows by `key` (see `paginate` for `ids_first`)."""
    order = key.desc() if descending else key.asc()
    query = query.order_by(order).limit(count)
    if not ids_first:
        return query
    entity = query.column_descriptions[0]["entity"]
    return select(entity).where(key.in_(query.with_only_columns(key).scalar_subquery())).order_by(order)


def paginate_within_newest(
    session: Session,
    query: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    window: int,
) -> tuple[Sequence[Any], str | None] | None:
    """`paginate`'s page (newest first), looked for only among the `window` newest rows of the
    table below the cursor; None when those do not hold a whole page and one more row.

    The window's lower bound is read first and given to the query as a value, so the planner
    knows the range holds about `window` rows and walks the key's index over just those (as a
    subquery, its value unknown, the planner guessed a third of the table and sometimes scanned
    another index whole). A page found there is exactly `paginate`'s: every row newer than the
    bound was looked at."""
    bound = select(key).order_by(key.desc()).offset(window - 1).limit(1)
    if cursor:
        last = decode_cursor(cursor)
        if isinstance(last, int) and not isinstance(last, bool):
            bound = bound.where(key < last)
    floor = session.scalar(bound)
    if floor is None:  # fewer rows than the window below the cursor: the plain query is as cheap
        return None
    rows, next_cursor = paginate(session, query.where(key >= floor), key, limit=limit, cursor=cursor)
    return (rows, next_cursor) if next_cursor is not None else None


def _encode_key(values: Sequence[Any]) -> str:
    out: list[Any] = []
    for value in values:
        if isinstance(value, datetime):
            out.append({"t": value.isoformat()})
        elif isinstance(value, date):
            out.append({"d": value.isoformat()})
        elif value is None or not isinstance(value, str | int | float | bool):
            raise TypeError(f"a keyset column holds {value!r}: page on NOT NULL scalar columns only")
        else:
            out.append(value)
    return encode_cursor(out)


def _decode_key(cursor: str, size: int) -> list[KeyValue]:
    raw = decode_cursor(cursor)
    if not isinstance(raw, list) or len(raw) != size:
        raise ValidationFailed("cursor", "not a cursor this API issued")
    out: list[KeyValue] = []
    try:
        for value in raw:
            if isinstance(value, dict) and set(value) == {"t"}:
                moment = datetime.fromisoformat(value["t"])
                if moment.tzinfo is None:
                    raise ValueError("naive")
                out.append(moment)
            elif isinstance(value, dict) and set(value) == {"d"}:
                out.append(date.fromisoformat(value["d"]))
            elif isinstance(value, str | int | float | bool):
                out.append(value)
            else:
                raise ValueError("not a key value")
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("cursor", "not a cursor this API issued") from exc
    return out


def _directions(descending: bool | Sequence[bool], size: int) -> list[bool]:
    if isinstance(descending, bool):
        return [descending] * size
    if len(descending) != size:
        raise TypeError("one direction per key")
    return list(descending)


def paginate_keyset(
    session: Session,
    query: Select[*tuple[Any, ...]],
    keys: Sequence[QueryableAttribute[Any] | ColumnElement[Any]],
    *,
    limit: int,
    cursor: str | None,
    descending: bool | Sequence[bool] = False,
    entities: bool = True,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
) -> tuple[Sequence[Any], str | None]:
    """One page of `query` ordered by `keys` (the last one unique) and the next page's cursor.

    The page holds the query's entities (`session.scalars`), or its result rows with
    `entities=False` (a query selecting several things). The cursor is the last row's key,
    read as the attributes named like the keys, or by `key_of(row)` (needed for expressions
    and for rows). Any ordering the query had is replaced: the page order is the key order.
    """
    _check_limit(limit)
    directions = _directions(descending, len(keys))
    if cursor:
        last = _decode_key(cursor, len(keys))
        for key, value in zip(keys, last, strict=True):
            _check_type(key, value)
        # (k1, k2, …) after (v1, v2, …): k1 past v1, or k1 = v1 and k2 past v2, …
        branches = []
        for i, (key, desc) in enumerate(zip(keys, directions, strict=True)):
            equal = [keys[j] == last[j] for j in range(i)]
            branches.append(and_(*equal, key < last[i] if desc else key > last[i]))
        query = query.where(or_(*branches))
    query = query.order_by(None).order_by(
        *(key.desc() if desc else key.asc() for key, desc in zip(keys, directions, strict=True))
    )
    query = query.limit(limit + 1)
    found: Sequence[Any] = session.scalars(query).all() if entities else session.execute(query).all()
    more = len(found) > limit
    found = found[:limit]
    next_cursor = None
    if more and found:
        last_row = found[-1]
        values = key_of(last_row) if key_of else [getattr(last_row, _name(key)) for key in keys]
        next_cursor = _encode_key(values)
    return found, next_cursor


def _check_type(key: QueryableAttribute[Any] | ColumnElement[Any], value: KeyValue) -> None:
    """A cursor value must be of its column's type: the database would fail on a string compared
    with a number, which is the caller's mistake (a tampered cursor), not the server's."""
    column_type = key.type
    if isinstance(column_type, TypeDecorator):  # e.g. models.base.UTCDateTime: its stored type
        column_type = column_type.impl_instance
    try:
        expected: type = column_type.python_type
    except NotImplementedError:
        return
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is date:
        ok = isinstance(value, date) and not isinstance(value, datetime)
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise ValidationFailed("cursor", "not a cursor this API issued")


def _name(key: QueryableAttribute[Any] | ColumnElement[Any]) -> str:
    name = key.key
    if not isinstance(name, str):
        raise TypeError(f"{key!r} has no name to read from a row; pass key_of=")
    return name


def paginate_items(
    items: Sequence[T],
    key: Callable[[T], Sequence[Any]],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of a list computed in Python, ordered by `key` (unique per item)."""
    _check_limit(limit)
    ordered = sorted(items, key=lambda item: tuple(key(item)), reverse=descending)
    if cursor:
        raw = decode_cursor(cursor)
        last = tuple(_decode_key(cursor, len(raw) if isinstance(raw, list) else -1))
        if ordered and len(key(ordered[0])) != len(last):
            raise ValidationFailed("cursor", "not a cursor this API issued")
        try:
            ordered = [i for i in ordered if (tuple(key(i)) < last if descending else tuple(key(i)) > last)]
        except TypeError as exc:  # a key of another shape than this list's
            raise ValidationFailed("cursor", "not a cursor this API issued") from exc
    page = ordered[:limit]
    next_cursor = _encode_key(key(page[-1])) if len(ordered) > limit else None
    return page, next_cursor
