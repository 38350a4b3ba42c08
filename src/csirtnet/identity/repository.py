"""Queries of the identity domain, scoped through authz."""

from __future__ import annotations

from sqlalchemy import Select, select

from csirtnet.authz import Subject, can_manage_organisation, require, visible_organisation_ids
from csirtnet.authz.permissions import Permission
from csirtnet.kit.text import fold
from csirtnet.models import Organisation, User


def users(
    who: Subject, *, q: str | None = None, organisation_id: int | None = None, active: bool | None = None
) -> Select[User]:
    """The users a subject may list; `q` matches name or email, accents ignored."""
    require(who, Permission.USERS_READ)
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


def assignable_organisations(who: Subject) -> Select[Organisation]:
    """The organisations the subject may add users to, in Vietnamese name order."""
    require(who, Permission.USERS_WRITE)
    query = select(Organisation).order_by(Organisation.name_sort, Organisation.id)
    if not can_manage_organisation(who, -1):  # not allowed everywhere: only the subject's own
        query = query.where(Organisation.id == (who.organisation_id or -1))
    return query


def listable_organisations(who: Subject) -> Select[Organisation]:
    """The organisations whose users the subject may list (a filter's choices), in name order."""
    require(who, Permission.USERS_READ)
    query = select(Organisation).order_by(Organisation.name_sort, Organisation.id)
    visible = visible_organisation_ids(who)
    if visible is not None:
        query = query.where(Organisation.id.in_(visible))
    return query
