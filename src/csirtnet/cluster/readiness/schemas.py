"""API shapes of readiness records and coverage."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from csirtnet.cluster.schemas import FileRead, OrgRef
from csirtnet.kit.schemas import InputSchema
from csirtnet.models.readiness import ReadinessCriterion


class DrillIn(InputSchema):
    name: str = Field(min_length=2, max_length=200, description='e.g. "ASEAN ACID drill"')
    held_on: date
    result: str | None = Field(default=None, max_length=300)
    rank: int | None = Field(default=None, ge=1, le=10_000)
    participants: int | None = Field(default=None, ge=1, le=10_000, description="Ranked among this many")


class ReadinessUpdate(InputSchema):
    antimalware_deployed: bool = False
    antimalware_connected: bool = Field(default=False, description="Connected to the national monitoring system")
    antimalware_connected_on: date | None = None
    backup_plan: bool = Field(default=False, description="Backup and recovery plans for shared databases/systems")
    last_restore_test_on: date | None = Field(default=None, description="Last successful restore test")
    ir_team: bool = False
    ir_contact_24x7: str | None = Field(default=None, max_length=200)
    systems_inventory: bool = Field(default=False, description="Inventory with approved security levels")
    systems_approved_count: int | None = Field(default=None, ge=0, le=100_000)
    statement: str | None = Field(default=None, max_length=10_000, description='e.g. "no data-loss incident in 2024"')
    drills: list[DrillIn] | None = Field(default=None, max_length=100, description="Replaces the list when given")


class EvidenceAdd(InputSchema):
    criterion: ReadinessCriterion
    file_id: int
    dated_on: date | None = None
    note: str | None = Field(default=None, max_length=300)


class DrillRead(BaseModel):
    id: int
    name: str
    held_on: date
    result: str | None
    rank: int | None
    participants: int | None


class EvidenceRead(BaseModel):
    id: int
    criterion: str
    file: FileRead
    dated_on: date | None
    note: str | None


class ReadinessRead(BaseModel):
    organisation: OrgRef
    year: int
    recorded: bool = Field(description="False when the member has not filed this year's record")
    antimalware_deployed: bool
    antimalware_connected: bool
    antimalware_connected_on: date | None
    backup_plan: bool
    last_restore_test_on: date | None
    ir_team: bool
    ir_contact_24x7: str | None
    systems_inventory: bool
    systems_approved_count: int | None
    statement: str | None
    drills: list[DrillRead]
    evidence: list[EvidenceRead]
    meets: dict[str, bool]
    can_edit: bool
    updated_at: datetime | None


class ReadinessSummary(BaseModel):
    organisation: OrgRef
    year: int
    meets: dict[str, bool]
    updated_at: datetime


class CoverageCell(BaseModel):
    criterion: str
    met: int
    total: int
    percent: int | None = Field(description="Rounded; None when the group has no members")


class GapRead(BaseModel):
    organisation: OrgRef
    missing: list[str] = Field(description='Criteria not met; "no_record" when nothing was filed')


class CoverageGroupRead(BaseModel):
    key: str
    label: str
    total: int
    cells: list[CoverageCell]
    gaps: list[GapRead]


class CoverageRead(BaseModel):
    year: int
    group_by: str
    reference_date: date
    overall: CoverageGroupRead
    groups: list[CoverageGroupRead]
