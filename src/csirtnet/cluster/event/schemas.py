"""API shapes of events and registrations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from csirtnet.cluster.channel.schemas import UserRef
from csirtnet.cluster.knowledge.schemas import DocumentCreate, DocumentRead
from csirtnet.cluster.schemas import OrgRef
from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models.event import EventKind


class EventCreate(InputSchema):
    cluster_id: int | None = Field(default=None, description="Empty: an event of the whole network")
    kind: EventKind = EventKind.WORKSHOP
    title: str = Field(min_length=2, max_length=300)
    title_en: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    starts_at: datetime = Field(description="Without a zone, read in the network's time zone")
    ends_at: datetime
    location: str | None = Field(default=None, max_length=300)
    online_link: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=100_000)


class EventUpdate(UpdateSchema):
    kind: EventKind | None = None
    title: str | None = Field(default=None, min_length=2, max_length=300)
    title_en: Clearable[str] = Field(default=None, max_length=300)
    description: Clearable[str] = Field(default=None, max_length=20_000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: Clearable[str] = Field(default=None, max_length=300)
    online_link: Clearable[str] = Field(default=None, max_length=500)
    capacity: Clearable[int] = Field(default=None, ge=1, le=100_000)
    cancelled: bool | None = None


class EventRead(BaseModel):
    id: int
    cluster_id: int | None
    kind: str
    title: str
    title_en: str | None
    description: str | None
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_link: str | None
    capacity: int | None
    organiser: OrgRef
    registered_count: int
    places_left: int | None
    registered: bool = Field(description="Whether the caller is registered")
    attended: bool | None = Field(description="The caller's attendance, once marked")
    cancelled: bool
    can_manage: bool
    materials: list[DocumentRead]


class RegistrationRead(BaseModel):
    user: UserRef
    registered_at: datetime
    attended: bool | None


class AttendanceMark(InputSchema):
    user_id: int
    attended: bool


class MaterialAdd(DocumentCreate):
    """A material of the event, shared in the knowledge base (its cluster is the event's)."""
