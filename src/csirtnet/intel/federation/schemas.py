"""Bodies and read models of federation: configured TAXII collections and subscriptions to remote
TAXII 2.1 collections. A read model never holds a subscription's secret (only whether it has one)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema

Direction = Literal["pull", "push"]


class TaxiiCollectionCreate(InputSchema):
    """A collection added by configuration; its readers and writers are granted afterwards."""

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)


class TaxiiCollectionGrant(InputSchema):
    """What an organisation may do in a configured collection: read, or read and write."""

    can_write: bool = Field(default=False, strict=True)


class TaxiiCollectionMemberRead(BaseModel):
    organisation_id: int
    organisation_name: str
    can_write: bool


class TaxiiCollectionRead(BaseModel):
    uuid: str
    key: str  # "custom:<uuid>": where indicators are shared into it
    title: str
    description: str | None
    created_at: datetime
    members: list[TaxiiCollectionMemberRead]


class SubscriptionCreate(InputSchema):
    """A remote TAXII 2.1 collection to pull from (into `collection`) or push to (what the peer
    organisation may see of `collection`). `secret` is the account's password or API token: it is
    sealed with the platform key and never shown again."""

    name: str = Field(min_length=1, max_length=200)
    direction: Direction
    api_root_url: str = Field(min_length=1, max_length=999)  # "/" may be added: the column holds 1000
    remote_collection_id: str = Field(min_length=1, max_length=36)
    collection: str = Field(default="national", min_length=1, max_length=60)
    username: str | None = Field(default=None, max_length=200)
    secret: str | None = Field(default=None, max_length=2000)
    peer_organisation_id: int | None = None
    interval_minutes: int = Field(default=60, ge=1, le=10080)
    enabled: bool = Field(default=True, strict=True)


class SubscriptionUpdate(UpdateSchema):
    """Change a subscription; a field left out keeps its value. A new `secret` replaces the sealed one."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    api_root_url: str | None = Field(default=None, min_length=1, max_length=999)
    remote_collection_id: str | None = Field(default=None, min_length=1, max_length=36)
    username: Clearable[str] = Field(default=None, max_length=200)  # null: no account (an open remote)
    secret: Clearable[str] = Field(default=None, max_length=2000)  # null: forget the sealed secret
    peer_organisation_id: Clearable[int] = None  # null: none (a pull's only: a push needs one)
    interval_minutes: int | None = Field(default=None, ge=1, le=10080)
    enabled: bool | None = Field(default=None, strict=True)


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    direction: str
    api_root_url: str
    remote_collection_id: str
    collection: str
    username: str | None
    has_secret: bool
    peer_organisation_id: int | None
    interval_minutes: int
    enabled: bool
    cursor: str | None
    last_run_at: datetime | None
    last_error: str | None
    last_import_id: int | None
    created_at: datetime


class SubscriptionRunRead(BaseModel):
    """A run asked for: queued now, or already waiting in the queue."""

    subscription_id: int
    queued: bool
