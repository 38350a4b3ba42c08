"""Cursor pagination: every list is keyset-paginated on a unique, ordered key."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from csirtnet.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor", "not a cursor this API issued") from exc


def paginate(
    session: Session,
    query: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = True,
) -> tuple[Sequence[Any], str | None]:
    """Return one page of rows ordered by `key` and the cursor of the next page (or None)."""
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_LIMIT}")
    if cursor:
        last = decode_cursor(cursor)
        if not isinstance(last, int):
            raise ValidationFailed("cursor", "not a cursor this API issued")
        query = query.where(key < last if descending else key > last)
    query = query.order_by(key.desc() if descending else key.asc()).limit(limit + 1)
    rows = session.scalars(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], key.key)) if more and rows else None
    return rows, next_cursor


def paginate_keyset(
    session: Session,
    query: Select[Any],
    keys: tuple[InstrumentedAttribute[Any], InstrumentedAttribute[int]],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Any], str | None]:
    """One page ordered ascending by (sort key, unique id), e.g. (User.name_sort, User.id)."""
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_LIMIT}")
    first, unique = keys
    if cursor:
        last = decode_cursor(cursor)
        if not (isinstance(last, list) and len(last) == 2 and isinstance(last[0], str) and isinstance(last[1], int)):
            raise ValidationFailed("cursor", "not a cursor this API issued")
        query = query.where(or_(first > last[0], and_(first == last[0], unique > last[1])))
    query = query.order_by(first.asc(), unique.asc()).limit(limit + 1)
    rows = session.scalars(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        next_cursor = encode_cursor([getattr(rows[-1], first.key), getattr(rows[-1], unique.key)])
    return rows, next_cursor
