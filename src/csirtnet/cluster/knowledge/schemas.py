"""API shapes of knowledge-base documents."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from csirtnet.cluster.schemas import FileRead, OrgRef
from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models.knowledge import KnowledgeKind


class DocumentCreate(InputSchema):
    kind: KnowledgeKind = KnowledgeKind.OTHER
    title_vi: str | None = Field(default=None, max_length=300)
    title_en: str | None = Field(default=None, max_length=300)
    summary_vi: str | None = Field(default=None, max_length=10_000)
    summary_en: str | None = Field(default=None, max_length=10_000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    tlp: str = Field(default="green", max_length=20, description="amber+strict, amber, green or clear")
    cluster_id: int | None = Field(default=None, description="Share with one cluster only")
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)


class DocumentUpdate(UpdateSchema):
    kind: KnowledgeKind | None = None
    title_vi: Clearable[str] = Field(default=None, max_length=300)
    title_en: Clearable[str] = Field(default=None, max_length=300)
    summary_vi: Clearable[str] = Field(default=None, max_length=10_000)
    summary_en: Clearable[str] = Field(default=None, max_length=10_000)
    tags: list[str] | None = Field(default=None, max_length=20)
    tlp: str | None = Field(default=None, max_length=20)
    attachment_ids: list[int] | None = Field(default=None, max_length=20, description="Files to add")


class DocumentRead(BaseModel):
    id: int
    kind: str
    title_vi: str | None
    title_en: str | None
    summary_vi: str | None
    summary_en: str | None
    tags: list[str]
    tlp: str
    organisation: OrgRef
    author: str | None
    cluster_id: int | None
    event_id: int | None
    files: list[FileRead]
    created_at: datetime
    updated_at: datetime
    can_edit: bool
