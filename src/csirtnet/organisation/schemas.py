"""API shapes of organisations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from csirtnet.models.organisation import OrganisationKind, OrganisationStatus


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=2, max_length=300, description="Official name (Vietnamese)")
    name_en: str | None = Field(default=None, max_length=300)
    short_name: str | None = Field(default=None, max_length=60)
    member_code: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    kind: OrganisationKind = OrganisationKind.PRIVATE_ENTERPRISE
    sector: str | None = Field(default=None, max_length=80)
    province: str | None = Field(default=None, max_length=80)
    is_coordinator: bool = False


class OrganisationUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=2, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    short_name: str | None = Field(default=None, max_length=60)
    member_code: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    kind: OrganisationKind | None = None
    sector: str | None = Field(default=None, max_length=80)
    province: str | None = Field(default=None, max_length=80)
    status: OrganisationStatus | None = None


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_en: str | None
    short_name: str | None
    member_code: str | None
    kind: str
    sector: str | None
    province: str | None
    is_coordinator: bool
    status: str
    created_at: datetime
