"""The daily email digest: each user who opted in gets the new messages they may see.

Idempotent: a user's high-water mark (ChannelDigestState) moves in the same transaction as the
email is queued, so a second run, or a retried one, finds nothing new.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import tlp
from csirtnet.cluster.channel import repository
from csirtnet.cluster.events import CHANNEL_DIGEST
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    Channel,
    ChannelDigestState,
    ChannelMessage,
    ChannelThread,
    NotificationPreference,
    User,
)
from csirtnet.notification import service as notification_service
from csirtnet.vocabulary import TLP

MAX_ITEMS = 50
EXCERPT = 280


def subscribers(session: Session) -> list[User]:
    """Active users who turned the digest on (by email or in-app)."""
    ids = select(NotificationPreference.user_id).where(
        NotificationPreference.event_type == CHANNEL_DIGEST.key, NotificationPreference.enabled.is_(True)
    )
    return list(session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True)).order_by(User.id)))


def run(session: Session, now: datetime | None = None) -> int:
    """Send every subscriber their digest; returns how many digests were sent."""
    from csirtnet.identity.service import subject_for

    now = now or utcnow()
    high_water = session.scalar(select(func.max(ChannelMessage.id))) or 0
    day_ago = session.scalar(
        select(func.max(ChannelMessage.id)).where(ChannelMessage.created_at < now - timedelta(days=1))
    )
    sent = 0
    for user in subscribers(session):
        state = session.get(ChannelDigestState, user.id)
        since = state.last_message_id if state is not None else (day_ago or 0)
        subject = subject_for(user)
        where = repository.reach(session, subject)
        news = (
            select(ChannelMessage, ChannelThread, Channel)
            .join(ChannelThread, ChannelThread.id == ChannelMessage.thread_id)
            .join(Channel, Channel.id == ChannelMessage.channel_id)
            .where(
                repository.visibility(subject, where),
                ChannelMessage.id > since,
                ChannelMessage.id <= high_water,
                ChannelMessage.author_id != user.id,
            )
        )
        rows = list(session.execute(news.order_by(ChannelMessage.id).limit(MAX_ITEMS)))
        if rows:
            total = session.scalar(select(func.count()).select_from(news.subquery())) or len(rows)
            thread_ids = {t.id for _m, t, _c in rows}
            readable_titles = set(
                session.scalars(
                    select(ChannelMessage.thread_id).where(
                        ChannelMessage.thread_id.in_(sorted(thread_ids)),
                        ChannelMessage.opens_thread.is_(True),
                        repository.visibility(subject, where),
                    )
                )
            )
            authors = repository.users_by_id(session, (m.author_id for m, _t, _c in rows))
            items = [_item(m, t, c, authors, readable_titles) for m, t, c in rows]
            strictest = min((TLP(m.tlp) for m, _t, _c in rows), key=tlp.ORDER.index)
            params: dict[str, Any] = {
                "count": total,
                "items": items,
                "more": total - len(items),
                "tlp": strictest.label,
            }
            notification_service.notify(session, CHANNEL_DIGEST.key, [user], params, link="/channels", guard=None)
            sent += 1
        if state is None:
            state = ChannelDigestState(user_id=user.id, last_message_id=0)
            session.add(state)
        state.last_message_id = max(state.last_message_id, high_water)
        if rows:
            state.sent_at = now
    session.flush()
    return sent


def _item(
    message: ChannelMessage,
    thread: ChannelThread,
    channel: Channel,
    authors: dict[int, User],
    readable_titles: set[int],
) -> dict[str, str]:
    author = authors.get(message.author_id)
    excerpt = " ".join(message.body.split())
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[: EXCERPT - 1] + "…"
    return {
        "channel": channel.name,
        "thread": thread.title if thread.id in readable_titles else f"#{thread.id}",
        "author": author.full_name if author else "?",
        "tlp": TLP(message.tlp).label,
        "at": as_utc(message.created_at).isoformat(timespec="minutes"),  # written by the template's `moment`
        "excerpt": excerpt,
        "link": f"/channels/{channel.id}/threads/{thread.id}#m{message.id}",
    }
