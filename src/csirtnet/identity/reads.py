"""What the identity pages read: the organisations a subject lists or adds users to, and a user's
own settings, through the scoped queries of identity.repository."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.identity import repository
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.models import Organisation, User


def listable_organisations(session: Session, who: Subject) -> list[Organisation]:
    """The organisations whose users the subject may list, in Vietnamese name order."""
    return list(session.scalars(repository.listable_organisations(who)))


def assignable_organisations(session: Session, who: Subject) -> list[Organisation]:
    """The organisations the subject may add users to, in Vietnamese name order."""
    return list(session.scalars(repository.assignable_organisations(who)))


def own_timezone(session: Session, who: Subject) -> str | None:
    """The time zone the subject's user chose, if any."""
    user = session.get(User, who.user_id) if who.user_id is not None else None
    return user.timezone if user is not None and user.timezone else None


def users_page(
    session: Session,
    who: Subject,
    *,
    q: str | None,
    organisation_id: int | None,
    active: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[User], str | None]:
    """One page of the users the subject may list, in Vietnamese name order."""
    query = repository.users(who, q=q, organisation_id=organisation_id, active=active)
    rows, next_cursor = paginate_keyset(session, query, (User.name_sort, User.id), limit=limit, cursor=cursor)
    return list(rows), next_cursor
