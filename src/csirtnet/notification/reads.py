"""What the pages read of a user's notifications, and the network's size for the welcome panel."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.kit.pagination import paginate
from csirtnet.models import Notification, Organisation, User
from csirtnet.notification.service import notifications_of


def recent(session: Session, who: Subject, limit: int = 5) -> list[Notification]:
    """The subject's latest notifications, newest first."""
    if who.user_id is None:
        return []
    return list(session.scalars(notifications_of(who.user_id).order_by(Notification.id.desc()).limit(limit)))


def network_size(session: Session) -> tuple[int, int]:
    """(organisations, active users) on the platform: the counts every member's home page shows."""
    organisations = session.scalar(select(func.count(Organisation.id))) or 0
    users = session.scalar(select(func.count(User.id)).where(User.is_active.is_(True))) or 0
    return organisations, users


def page(
    session: Session, user_id: int, *, unread: bool, cursor: str | None, limit: int
) -> tuple[list[Notification], str | None]:
    """One page of a user's notifications, newest first, and the next page's cursor."""
    rows, next_cursor = paginate(
        session, notifications_of(user_id, unread=unread), Notification.id, limit=limit, cursor=cursor
    )
    return list(rows), next_cursor
