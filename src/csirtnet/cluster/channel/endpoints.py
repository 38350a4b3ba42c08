"""The channels API: channels, threads, TLP-marked messages, attachments."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from csirtnet.auth.deps import ApiUser, Session
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

router = APIRouter(prefix="/channels", tags=["channels"])


@router.get("", response_model=list[ChannelRead])
def list_channels(session: Session, who: ApiUser) -> list[ChannelRead]:
    """The channels you belong to: the network's, your clusters', your topics'."""
    return [service.channel_read(session, who, c) for c in repository.member_channels(session, who)]


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


@router.get("/{channel_id}/members", response_model=list[UserRef])
def list_members(channel_id: int, session: Session, who: ApiUser) -> list[UserRef]:
    """Who belongs to the channel now (to name recipients and mention)."""
    channel = repository.get_channel(session, who, channel_id)
    refs = (service.user_ref(u) for u in repository.channel_members(session, channel))
    return [r for r in refs if r is not None]


@router.get("/{channel_id}/threads", response_model=list[ThreadRead])
def list_threads(channel_id: int, session: Session, who: ApiUser) -> list[ThreadRead]:
    """Threads with messages you may see, latest activity first."""
    repository.get_channel(session, who, channel_id)
    return [
        ThreadRead(
            id=row.thread.id,
            channel_id=channel_id,
            title=row.thread.title if row.opening_visible else None,
            message_count=row.message_count,
            last_message_at=row.last_message_at,
        )
        for row in repository.threads(session, who, channel_id)
    ]


@router.post("/{channel_id}/threads", response_model=ThreadDetail, status_code=201)
def start_thread(channel_id: int, body: ThreadCreate, session: Session, who: ApiUser) -> ThreadDetail:
    """Open a thread: a title and its first message, under a TLP marking."""
    message = service.start_thread(session, who, channel_id, body)
    return _thread(session, who, channel_id, message.thread_id)


@router.get("/{channel_id}/threads/{thread_id}", response_model=ThreadDetail)
def get_thread(channel_id: int, thread_id: int, session: Session, who: ApiUser) -> ThreadDetail:
    """A thread's messages you may see (reading TLP:RED is audited)."""
    return _thread(session, who, channel_id, thread_id)


@router.post("/{channel_id}/threads/{thread_id}/messages", response_model=MessageRead, status_code=201)
def reply(channel_id: int, thread_id: int, body: MessageCreate, session: Session, who: ApiUser) -> MessageRead:
    """Reply in a thread; @mentions notify, named recipients reach TLP:RED."""
    message = service.reply(session, who, channel_id, thread_id, body)
    return service.message_reads(session, who, [message])[0]


@router.get("/{channel_id}/messages/{message_id}/attachments/{file_id}")
def attachment(channel_id: int, message_id: int, file_id: int, session: Session, who: ApiUser) -> StreamingResponse:
    """Download an attachment of a message you may see."""
    return files.download(repository.attachment(session, who, channel_id, message_id, file_id))


def _thread(session: Session, who: ApiUser, channel_id: int, thread_id: int) -> ThreadDetail:
    thread = repository.get_thread(session, who, channel_id, thread_id)
    messages = repository.thread_messages(session, who, thread)
    opening_visible = any(m.opens_thread for m in messages)
    return ThreadDetail(
        id=thread.id,
        channel_id=channel_id,
        title=thread.title if opening_visible else None,
        message_count=len(messages),
        last_message_at=messages[-1].created_at,
        messages=service.message_reads(session, who, messages),
    )
