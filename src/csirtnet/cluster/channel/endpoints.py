"""The channels API: channels, threads, TLP-marked messages, attachments."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz.cluster import may_list_members
from csirtnet.authz.organisation import ContactRule
from csirtnet.cluster import files
from csirtnet.cluster.channel import repository, service
from csirtnet.cluster.channel.schemas import (
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    MessageCreate,
    MessageRead,
    ThreadCreate,
    ThreadDetail,
    ThreadRead,
    UserRef,
)
from csirtnet.errors import Forbidden
from csirtnet.kit import downloads
from csirtnet.kit.pagination import Page, paginate, paginate_keyset
from csirtnet.models import ChannelMessage, User

router = APIRouter(prefix="/channels", tags=["channels"])

# Messages a thread's detail carries; the rest are paged at …/threads/{id}/messages.
THREAD_PAGE = 50


@router.get("", response_model=Page[ChannelRead])
def list_channels(
    session: Session,
    who: ApiUser,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[ChannelRead]:
    """The channels you belong to: the network's, your clusters', your topics'."""
    rows, next_cursor = paginate_keyset(
        session,
        repository.member_channels_query(session, who),
        repository.channel_order,
        limit=limit,
        cursor=cursor,
        key_of=repository.channel_key,
    )
    return Page[ChannelRead](items=[service.channel_read(session, who, c) for c in rows], next_cursor=next_cursor)


@router.post("", response_model=ChannelRead, status_code=201)
def create_channel(body: ChannelCreate, session: Session, who: ApiUser) -> ChannelRead:
    """Open a network channel (coordinator) or a topic channel (coordinator, a cluster's lead)."""
    return service.channel_read(session, who, service.create_channel(session, who, body))


@router.get("/{channel_id}", response_model=ChannelRead)
def get_channel(channel_id: int, session: Session, who: ApiUser) -> ChannelRead:
    """One channel."""
    return service.channel_read(session, who, repository.get_channel(session, who, channel_id))


@router.patch("/{channel_id}", response_model=ChannelRead)
def update_channel(channel_id: int, body: ChannelUpdate, session: Session, who: ApiUser) -> ChannelRead:
    """Rename, change a topic channel's organisations, archive."""
    return service.channel_read(session, who, service.update_channel(session, who, channel_id, body))


@router.get("/{channel_id}/members", response_model=Page[UserRef])
def list_members(
    channel_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[UserRef]:
    """Who belongs to the channel now, by name (to name recipients and mention); for its members."""
    channel = repository.get_channel(session, who, channel_id)
    if not may_list_members(session, who, channel.id):
        raise Forbidden("Only the channel's members see who belongs to it")
    rows, next_cursor = paginate_keyset(
        session,
        repository.channel_members_query(session, channel),
        (User.name_sort, User.id),
        limit=limit,
        cursor=cursor,
    )
    contacts = ContactRule(session, who)
    refs = (service.user_ref(u, contacts) for u in rows)
    return Page[UserRef](items=[r for r in refs if r is not None], next_cursor=next_cursor)


@router.get("/{channel_id}/threads", response_model=Page[ThreadRead])
def list_threads(
    channel_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[ThreadRead]:
    """Threads with messages you may see, latest activity first."""
    repository.get_channel(session, who, channel_id)
    rows, next_cursor = repository.threads_page(session, who, channel_id, limit=limit, cursor=cursor)
    return Page[ThreadRead](items=[_thread_read(row) for row in rows], next_cursor=next_cursor)


def _thread_read(row: repository.ThreadRow) -> ThreadRead:
    return ThreadRead(
        id=row.thread.id,
        channel_id=row.thread.channel_id,
        title=row.thread.title if row.opening_visible else None,
        message_count=row.message_count,
        last_message_at=row.last_message_at,
    )


@router.post("/{channel_id}/threads", response_model=ThreadDetail, status_code=201)
def start_thread(channel_id: int, body: ThreadCreate, session: Session, who: ApiUser) -> ThreadDetail:
    """Open a thread: a title and its first message, under a TLP marking."""
    message = service.start_thread(session, who, channel_id, body)
    return _thread(session, who, channel_id, message.thread_id)


@router.get("/{channel_id}/threads/{thread_id}", response_model=ThreadDetail)
def get_thread(channel_id: int, thread_id: int, session: Session, who: ApiUser) -> ThreadDetail:
    """A thread's messages you may see (reading TLP:RED is audited)."""
    return _thread(session, who, channel_id, thread_id)


@router.get("/{channel_id}/threads/{thread_id}/messages", response_model=Page[MessageRead])
def list_messages(
    channel_id: int,
    thread_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=THREAD_PAGE, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[MessageRead]:
    """A thread's messages you may see, oldest first (reading TLP:RED is audited)."""
    thread = repository.get_thread(session, who, channel_id, thread_id)
    repository.thread_row(session, who, thread)  # 404 unless the caller sees some of it
    rows, next_cursor = paginate(
        session,
        repository.thread_messages_query(session, who, thread),
        ChannelMessage.id,
        limit=limit,
        cursor=cursor,
        descending=False,
    )
    return Page[MessageRead](items=service.message_reads(session, who, rows), next_cursor=next_cursor)


@router.post("/{channel_id}/threads/{thread_id}/messages", response_model=MessageRead, status_code=201)
def reply(channel_id: int, thread_id: int, body: MessageCreate, session: Session, who: ApiUser) -> MessageRead:
    """Reply in a thread; @mentions notify, named recipients reach TLP:RED."""
    message = service.reply(session, who, channel_id, thread_id, body)
    return service.message_reads(session, who, [message])[0]


@router.get("/{channel_id}/messages/{message_id}/attachments/{file_id}", **downloads.FILE)
def attachment(channel_id: int, message_id: int, file_id: int, session: Session, who: ApiUser) -> StreamingResponse:
    """Download an attachment of a message you may see."""
    return files.download(repository.attachment(session, who, channel_id, message_id, file_id))


def _thread(session: Session, who: ApiUser, channel_id: int, thread_id: int) -> ThreadDetail:
    thread = repository.get_thread(session, who, channel_id, thread_id)
    row = repository.thread_row(session, who, thread)
    messages, next_cursor = paginate(
        session,
        repository.thread_messages_query(session, who, thread),
        ChannelMessage.id,
        limit=THREAD_PAGE,
        cursor=None,
        descending=False,
    )
    return ThreadDetail(
        **_thread_read(row).model_dump(),
        messages=service.message_reads(session, who, messages),
        next_cursor=next_cursor,
    )
