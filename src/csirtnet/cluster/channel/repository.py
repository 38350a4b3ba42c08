"""Channel queries. Every message query carries the TLP clause from csirtnet.authz.tlp, so the
channel page, the API, attachments and the digest cannot disagree about who sees what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, exists, false, func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, require, tlp
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound
from csirtnet.kit.pagination import paginate_keyset
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
    require(who, Permission.CHANNELS_READ)
    return select(ChannelMessage).where(visibility(who, where or reach(session, who)))


_KIND_RANK = {ChannelKind.NETWORK.value: 0, ChannelKind.CLUSTER.value: 1, ChannelKind.TOPIC.value: 2}

# The network's channels first, then clusters', then topics'; by name within each kind.
channel_order = (case(_KIND_RANK, value=Channel.kind, else_=9), Channel.name, Channel.id)


def channel_key(channel: Channel) -> tuple[int, str, int]:
    """A channel's values of channel_order."""
    return (_KIND_RANK.get(channel.kind, 9), channel.name, channel.id)


def member_channels_query(session: Session, who: Subject) -> Select[Channel]:
    """The channels the subject belongs to, in channel_order."""
    require(who, Permission.CHANNELS_READ)
    ids = cluster_authz.member_channel_ids(session, who)
    return select(Channel).where(Channel.id.in_(sorted(ids))).order_by(*channel_order)


def member_channels(session: Session, who: Subject) -> list[Channel]:
    return list(session.scalars(member_channels_query(session, who)))


def get_channel(session: Session, who: Subject, channel_id: int) -> Channel:
    """Any logged-in user may open a channel; what they read in it is decided per message."""
    require(who, Permission.CHANNELS_READ)
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


def threads_page(
    session: Session, who: Subject, channel_id: int, *, limit: int = 100, cursor: str | None = None
) -> tuple[list[ThreadRow], str | None]:
    """Threads of a channel with at least one message the subject may see, newest activity first,
    one page at a time."""
    clause = visibility(who, reach(session, who))
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
    rows, next_cursor = paginate_keyset(
        session,
        select(ChannelThread, counts.c.n, counts.c.last_at).join(counts, counts.c.thread_id == ChannelThread.id),
        (counts.c.last_at, ChannelThread.id),
        descending=True,
        limit=limit,
        cursor=cursor,
        entities=False,
        key_of=lambda row: (row.last_at, row.ChannelThread.id),
    )
    opening = set(
        session.scalars(
            select(ChannelMessage.thread_id).where(
                ChannelMessage.thread_id.in_([row.ChannelThread.id for row in rows]),
                ChannelMessage.opens_thread.is_(True),
                clause,
            )
        )
    )
    return [ThreadRow(t, int(n), last, t.id in opening) for t, n, last in rows], next_cursor


def threads(session: Session, who: Subject, channel_id: int, *, limit: int = 100) -> list[ThreadRow]:
    """The first `limit` threads of threads_page."""
    return threads_page(session, who, channel_id, limit=limit)[0]


def thread_row(session: Session, who: Subject, thread: ChannelThread) -> ThreadRow:
    """A thread's figures as the subject sees them; 404 when it may see none of its messages."""
    clause = visibility(who, reach(session, who))
    count, last_at = session.execute(
        select(func.count(ChannelMessage.id), func.max(ChannelMessage.created_at)).where(
            ChannelMessage.thread_id == thread.id, clause
        )
    ).one()
    if not count:
        raise NotFound("thread")
    opening = session.scalar(
        select(ChannelMessage.id).where(
            ChannelMessage.thread_id == thread.id, ChannelMessage.opens_thread.is_(True), clause
        )
    )
    return ThreadRow(thread, int(count), last_at, opening is not None)


def get_thread(session: Session, who: Subject, channel_id: int, thread_id: int) -> ChannelThread:
    require(who, Permission.CHANNELS_READ)
    thread = session.get(ChannelThread, thread_id)
    if thread is None or thread.channel_id != channel_id:
        raise NotFound("thread")
    return thread


def thread_messages_query(session: Session, who: Subject, thread: ChannelThread) -> Select[ChannelMessage]:
    """The messages of a thread the subject may see, oldest first."""
    return visible_messages(session, who).where(ChannelMessage.thread_id == thread.id).order_by(ChannelMessage.id)


def thread_messages(session: Session, who: Subject, thread: ChannelThread) -> list[ChannelMessage]:
    """The messages of a thread the subject may see, oldest first; 404 when it may see none."""
    rows = list(session.scalars(thread_messages_query(session, who, thread)))
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
    require(who, Permission.CHANNELS_READ)
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


def channel_members_query(session: Session, channel: Channel) -> Select[User]:
    """The active users who belong to a channel, by name: its organisations' users and the
    coordinator's staff (nobody once the channel is archived)."""
    if channel.archived_at is not None:
        return select(User).where(false())
    org_ids = cluster_authz.channel_organisation_ids(session, channel)
    overseers = select(UserRole.user_id).where(UserRole.role.in_([Role.COORDINATOR.value, Role.PLATFORM_ADMIN.value]))
    return (
        select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.is_active.is_(True), (User.organisation_id.in_(sorted(org_ids))) | User.id.in_(overseers))
        .order_by(User.name_sort, User.id)
    )


def channel_members(session: Session, channel: Channel) -> list[User]:
    """The active users who belong to a channel (channel_members_query)."""
    return list(session.scalars(channel_members_query(session, channel)))


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
