"""Channel queries. Every message query carries the TLP clause from csirtnet.authz.tlp, so the
channel page, the API, attachments and the digest cannot disagree about who sees what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, require, tlp
from csirtnet.authz import cluster as cluster_authz
from csirtnet.errors import NotFound
from csirtnet.models import (
    Channel,
    ChannelKind,
    ChannelMessage,
    ChannelMessageAttachment,
    ChannelMessageMention,
    ChannelMessageRecipient,
    ChannelThread,
    Organisation,
    StoredFile,
    User,
    UserRole,
)
from csirtnet.vocabulary import Role


@dataclass(frozen=True)
class Reach:
    """The channels a subject belongs to and those addressed to its organisation."""

    member: frozenset[int]
    recipient: frozenset[int]


def reach(session: Session, who: Subject) -> Reach:
    return Reach(
        frozenset(cluster_authz.member_channel_ids(session, who)),
        frozenset(cluster_authz.recipient_channel_ids(session, who)),
    )


def visibility(who: Subject, where: Reach) -> ColumnElement[bool]:
    """The TLP decision for channel messages, as SQL."""
    named = exists(
        select(ChannelMessageRecipient.message_id).where(
            ChannelMessageRecipient.message_id == ChannelMessage.id,
            ChannelMessageRecipient.user_id == (who.user_id or 0),
        )
    )
    return tlp.visible_clause(
        who,
        tlp=ChannelMessage.tlp,
        author_user_id=ChannelMessage.author_id,
        author_organisation_id=ChannelMessage.author_organisation_id,
        named=named,
        in_community=ChannelMessage.channel_id.in_(sorted(where.member)),
        recipient_organisation=ChannelMessage.channel_id.in_(sorted(where.recipient)),
    )


def may_see(session: Session, who: Subject, message: ChannelMessage, where: Reach | None = None) -> bool:
    """The same decision for one message, in Python."""
    where = where or reach(session, who)
    named = frozenset(
        session.scalars(select(ChannelMessageRecipient.user_id).where(ChannelMessageRecipient.message_id == message.id))
    )
    audience = tlp.Audience(
        author_user_id=message.author_id,
        author_organisation_id=message.author_organisation_id,
        named_user_ids=named,
        in_community=message.channel_id in where.member,
        recipient_organisation=message.channel_id in where.recipient,
    )
    return tlp.may_see(who, message.tlp, audience)


def visible_messages(session: Session, who: Subject, where: Reach | None = None) -> Select[ChannelMessage]:
    """Every message the subject may see, in any channel."""
    require(who, "channels:read")
    return select(ChannelMessage).where(visibility(who, where or reach(session, who)))


def member_channels(session: Session, who: Subject) -> list[Channel]:
    require(who, "channels:read")
    ids = cluster_authz.member_channel_ids(session, who)
    if not ids:
        return []
    kind_order = {ChannelKind.NETWORK.value: 0, ChannelKind.CLUSTER.value: 1, ChannelKind.TOPIC.value: 2}
    rows = list(session.scalars(select(Channel).where(Channel.id.in_(sorted(ids)))))
    return sorted(rows, key=lambda c: (kind_order.get(c.kind, 9), c.name))


def get_channel(session: Session, who: Subject, channel_id: int) -> Channel:
    """Any logged-in user may open a channel; what they read in it is decided per message."""
    require(who, "channels:read")
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("channel")
    return channel


def cluster_channel(session: Session, cluster_id: int) -> Channel | None:
    return session.scalar(
        select(Channel).where(Channel.kind == ChannelKind.CLUSTER.value, Channel.cluster_id == cluster_id)
    )


@dataclass(frozen=True)
class ThreadRow:
    thread: ChannelThread
    message_count: int
    last_message_at: datetime | None
    opening_visible: bool


def threads(session: Session, who: Subject, channel_id: int, *, limit: int = 100) -> list[ThreadRow]:
    """Threads of a channel with at least one message the subject may see, newest activity first."""
    where = reach(session, who)
    clause = visibility(who, where)
    counts = (
        select(
            ChannelMessage.thread_id.label("thread_id"),
            func.count(ChannelMessage.id).label("n"),
            func.max(ChannelMessage.created_at).label("last_at"),
        )
        .where(ChannelMessage.channel_id == channel_id, clause)
        .group_by(ChannelMessage.thread_id)
        .subquery()
    )
    opening = set(
        session.scalars(
            select(ChannelMessage.thread_id).where(
                ChannelMessage.channel_id == channel_id, ChannelMessage.opens_thread.is_(True), clause
            )
        )
    )
    rows = session.execute(
        select(ChannelThread, counts.c.n, counts.c.last_at)
        .join(counts, counts.c.thread_id == ChannelThread.id)
        .order_by(counts.c.last_at.desc(), ChannelThread.id.desc())
        .limit(limit)
    )
    return [ThreadRow(t, int(n), last, t.id in opening) for t, n, last in rows]


def get_thread(session: Session, who: Subject, channel_id: int, thread_id: int) -> ChannelThread:
    require(who, "channels:read")
    thread = session.get(ChannelThread, thread_id)
    if thread is None or thread.channel_id != channel_id:
        raise NotFound("thread")
    return thread


def thread_messages(session: Session, who: Subject, thread: ChannelThread) -> list[ChannelMessage]:
    """The messages of a thread the subject may see, oldest first; 404 when it may see none."""
    rows = list(
        session.scalars(
            visible_messages(session, who).where(ChannelMessage.thread_id == thread.id).order_by(ChannelMessage.id)
        )
    )
    if not rows:
        raise NotFound("thread")
    return rows


def users_by_message(
    session: Session, model: type[ChannelMessageRecipient] | type[ChannelMessageMention], message_ids: Sequence[int]
) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {i: [] for i in message_ids}
    if not message_ids:
        return out
    rows = session.execute(
        select(model.message_id, User)
        .join(User, User.id == model.user_id)
        .where(model.message_id.in_(list(message_ids)))
        .order_by(User.name_sort)
    )
    for message_id, user in rows:
        out[int(message_id)].append(user)
    return out


def attachments(session: Session, message_ids: Sequence[int]) -> dict[int, list[StoredFile]]:
    out: dict[int, list[StoredFile]] = {i: [] for i in message_ids}
    if not message_ids:
        return out
    rows = session.execute(
        select(ChannelMessageAttachment.message_id, StoredFile)
        .join(StoredFile, StoredFile.id == ChannelMessageAttachment.stored_file_id)
        .where(ChannelMessageAttachment.message_id.in_(list(message_ids)))
        .order_by(StoredFile.id)
    )
    for message_id, stored in rows:
        out[int(message_id)].append(stored)
    return out


def attachment(session: Session, who: Subject, channel_id: int, message_id: int, file_id: int) -> StoredFile:
    """An attachment, for those who may see its message."""
    require(who, "channels:read")
    message = session.get(ChannelMessage, message_id)
    if message is None or message.channel_id != channel_id or not may_see(session, who, message):
        raise NotFound("attachment")
    row = session.scalar(
        select(StoredFile)
        .join(ChannelMessageAttachment, ChannelMessageAttachment.stored_file_id == StoredFile.id)
        .where(ChannelMessageAttachment.message_id == message_id, StoredFile.id == file_id)
    )
    if row is None:
        raise NotFound("attachment")
    return row


def channel_members(session: Session, channel: Channel) -> list[User]:
    """The active users who belong to a channel: its organisations' users and the coordinator's staff."""
    if channel.archived_at is not None:
        return []
    org_ids = cluster_authz.channel_organisation_ids(session, channel)
    overseers = select(UserRole.user_id).where(UserRole.role.in_([Role.COORDINATOR.value, Role.PLATFORM_ADMIN.value]))
    query = (
        select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.is_active.is_(True), (User.organisation_id.in_(sorted(org_ids))) | User.id.in_(overseers))
        .order_by(User.name_sort)
    )
    return list(session.scalars(query))


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
