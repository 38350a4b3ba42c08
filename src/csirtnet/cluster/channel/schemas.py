"""API shapes of channels, threads and messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from csirtnet.cluster.schemas import FileRead, OrgRef
from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema


class ChannelCreate(InputSchema):
    kind: str = Field(default="topic", max_length=20, pattern="^(network|topic)$", description="network or topic")
    name: str = Field(min_length=2, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    cluster_id: int | None = Field(default=None, description="A topic channel of one cluster")
    organisation_ids: list[int] = Field(default_factory=list, max_length=500, description="Topic channels only")


class ChannelUpdate(UpdateSchema):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    name_en: Clearable[str] = Field(default=None, max_length=200)
    description: Clearable[str] = Field(default=None, max_length=5000)
    organisation_ids: list[int] | None = Field(default=None, max_length=500)
    archived: bool | None = None


class ChannelRead(BaseModel):
    id: int
    kind: str
    cluster_id: int | None
    name: str
    name_en: str | None
    description: str | None
    archived: bool
    member: bool = Field(description="Whether the caller is a member (may post, sees GREEN and AMBER)")
    can_manage: bool
    organisations: list[OrgRef] | None = Field(description="Topic and cluster channels; None for the network")


class UserRef(BaseModel):
    id: int
    full_name: str
    email: str | None = Field(description="Only where the member directory shows the organisation's contacts")
    organisation: str


class MessageCreate(InputSchema):
    body: str = Field(min_length=1, max_length=20_000, description="@email or @Full Name mentions notify")
    tlp: str = Field(default="green", max_length=20, description="red, amber+strict, amber, green or clear")
    recipient_ids: list[int] = Field(default_factory=list, max_length=200, description="Named recipients")
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)


class ThreadCreate(MessageCreate):
    title: str = Field(min_length=2, max_length=300)


class MessageRead(BaseModel):
    id: int
    thread_id: int
    channel_id: int
    author: UserRef | None
    body: str
    tlp: str
    opens_thread: bool
    created_at: datetime
    recipients: list[UserRef]
    mentions: list[UserRef]
    attachments: list[FileRead]


class ThreadRead(BaseModel):
    id: int
    channel_id: int
    title: str | None = Field(description="None when the opening message is not for you")
    message_count: int = Field(description="Messages you may see")
    last_message_at: datetime | None


class ThreadDetail(ThreadRead):
    messages: list[MessageRead] = Field(description="The first messages you may see, oldest first")
    next_cursor: str | None = Field(
        default=None, description="More messages: GET …/threads/{id}/messages?cursor= (null: that was all)"
    )
