"""API shapes of clusters, memberships, lead terms, handovers and yearly plans."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models.cluster_plan import PlanActivityKind, PlanActivityStatus


class OrgRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_en: str | None
    short_name: str | None
    member_code: str | None
    province: str | None
    sector: str | None


class FileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    size: int
    sha256: str
    content_type: str
    created_at: datetime


class ClusterCreate(InputSchema):
    number: int | None = Field(default=None, ge=1, le=999)
    name: str = Field(min_length=2, max_length=200, description='e.g. "Cụm số 1"')
    name_en: str | None = Field(default=None, max_length=200)
    decision_number: str | None = Field(default=None, max_length=80, description='e.g. "123/QĐ-BTTTT"')
    decision_date: date | None = None
    issuing_body: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)


class ClusterUpdate(UpdateSchema):
    number: Clearable[int] = Field(default=None, ge=1, le=999)
    name: str | None = Field(default=None, min_length=2, max_length=200)
    name_en: Clearable[str] = Field(default=None, max_length=200)
    decision_number: Clearable[str] = Field(default=None, max_length=80)
    decision_date: Clearable[date] = None
    issuing_body: Clearable[str] = Field(default=None, max_length=200)
    description: Clearable[str] = Field(default=None, max_length=5000)


class TermRead(BaseModel):
    id: int
    organisation: OrgRef
    starts_on: date
    ends_on: date
    status: str = Field(description="past, current or planned (relative to today)")


class ClusterRead(BaseModel):
    id: int
    number: int | None
    name: str
    name_en: str | None
    decision_number: str | None
    decision_date: date | None
    issuing_body: str | None
    description: str | None
    member_count: int
    current_lead: TermRead | None


class MemberAdd(InputSchema):
    organisation_id: int
    joined_on: date


class MemberUpdate(UpdateSchema):
    left_on: Clearable[date]


class MemberRead(BaseModel):
    id: int
    organisation: OrgRef
    joined_on: date
    left_on: date | None
    current: bool


class TermCreate(InputSchema):
    organisation_id: int
    starts_on: date
    ends_on: date


class TermUpdate(UpdateSchema):
    starts_on: date | None = None
    ends_on: date | None = None


class RotationPlan(InputSchema):
    """Yearly terms (1 January to 31 December) in the order given, from `start_year` on."""

    organisation_ids: list[int] = Field(min_length=1, max_length=50)
    start_year: int = Field(ge=2000, le=2100)
    years: int | None = Field(default=None, ge=1, le=30, description="Defaults to one full rotation")


class HandoverCreate(InputSchema):
    from_organisation_id: int
    to_organisation_id: int
    handed_over_on: date
    minutes: str = Field(min_length=1, max_length=50_000)
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)


class HandoverRead(BaseModel):
    id: int
    from_organisation: OrgRef
    to_organisation: OrgRef
    handed_over_on: date
    minutes: str | None = Field(description="Only for the cluster's members and the coordinator")
    documents: list[FileRead]


class ClusterDetail(ClusterRead):
    members: list[MemberRead]
    terms: list[TermRead]
    handovers: list[HandoverRead]
    can_coordinate: bool
    insider: bool


class ActivityCreate(InputSchema):
    kind: PlanActivityKind = PlanActivityKind.OTHER
    title: str = Field(min_length=2, max_length=300)
    owner_organisation_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: PlanActivityStatus = PlanActivityStatus.PLANNED
    notes: str | None = Field(default=None, max_length=10_000)


class ActivityUpdate(UpdateSchema):
    kind: PlanActivityKind | None = None
    title: str | None = Field(default=None, min_length=2, max_length=300)
    owner_organisation_id: Clearable[int] = None
    starts_on: Clearable[date] = None
    ends_on: Clearable[date] = None
    status: PlanActivityStatus | None = None
    notes: Clearable[str] = Field(default=None, max_length=10_000)


class ActivityRead(BaseModel):
    id: int
    kind: str
    title: str
    owner_organisation: OrgRef | None
    starts_on: date | None
    ends_on: date | None
    status: str
    notes: str | None


class PlanUpdate(InputSchema):
    summary: str | None = Field(default=None, max_length=50_000, description="The year-end summary")


class PlanRead(BaseModel):
    cluster_id: int
    year: int
    summary: str | None
    activities: list[ActivityRead]
    can_edit: bool
    updated_at: datetime | None
