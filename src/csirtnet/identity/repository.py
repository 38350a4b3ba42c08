"""Queries of the identity domain, scoped through authz."""

from __future__ import annotations

from sqlalchemy import Select, select

from csirtnet.authz import Subject, require, visible_organisation_ids
from csirtnet.kit.text import fold
from csirtnet.models import User


def users(
    who: Subject, *, q: str | None = None, organisation_id: int | None = None, active: bool | None = None
) -> Select[User]:
    """The users a subject may list; `q` matches name or email, accents ignored."""
    require(who, "users:read")
    query = select(User)
    visible = visible_organisation_ids(who)
    if visible is not None:
        query = query.where(User.organisation_id.in_(visible))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    if active is not None:
        query = query.where(User.is_active.is_(active))
    if q:
        query = query.where(User.name_fold.contains(fold(q), autoescape=True))
    return query
