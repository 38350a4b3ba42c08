"""Live-fire API bodies and read models: targets, findings and their judging, remediation tasks,
defence reports, the daily summary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from csirtnet.advisory.schemas import CVSS31_RE
from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema

Severity = Literal["none", "low", "medium", "high", "critical"]
Closing = Literal["fixed", "accepted"]
CVSS_HELP = "CVSS v3.1 base vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def _vector(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not CVSS31_RE.match(text):
        raise ValueError("must be a CVSS v3.1 base vector (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)")
    return text


class TargetCreate(InputSchema):
    """A target of the exercise: in scope, or named explicitly out of scope."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500, description="URL, host name, address or network (CIDR)")
    description: str = Field(default="", max_length=20000)
    in_scope: bool = True
    defending_organisation_id: int | None = Field(
        default=None, ge=1, description="The member organisation defending it"
    )
    defending_team_id: int | None = Field(default=None, ge=1, description="Its defending team in this exercise")


class TargetUpdate(UpdateSchema):
    """Change a target (only the fields sent)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=20000)
    in_scope: bool | None = None
    defending_organisation_id: Clearable[int] = Field(default=None, ge=1)
    defending_team_id: Clearable[int] = Field(default=None, ge=1)


class TargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    exercise_id: int
    name: str
    address: str
    description: str
    in_scope: bool
    defending_organisation_id: int | None
    defending_team_id: int | None


class FindingCreate(InputSchema):
    """A finding an attacking team reports on a target in scope."""

    model_config = ConfigDict(str_strip_whitespace=True)

    target_id: int = Field(ge=1)
    team_id: int | None = Field(default=None, ge=1, description="Your attacking team (needed only if you play in two)")
    title: str = Field(min_length=3, max_length=300)
    vulnerability: str = Field(default="", max_length=200, description="e.g. CWE-89 SQL injection")
    asset: str = Field(default="", max_length=500, description="The affected URL, host, parameter")
    proof: str = Field(min_length=1, max_length=100_000, description="How to reproduce it: requests, output, steps")
    cvss_vector: str | None = Field(default=None, max_length=200, description=CVSS_HELP)

    @field_validator("cvss_vector")
    @classmethod
    def _cvss(cls, value: str | None) -> str | None:
        return _vector(value)


class FindingValidate(InputSchema):
    """Validate a finding; `severity` overrides the one its vector gives (say why in `note`)."""

    severity: Severity | None = None
    note: str | None = Field(default=None, max_length=4000)


class FindingReject(InputSchema):
    reason: str = Field(min_length=3, max_length=4000)


class FindingMerge(InputSchema):
    """Merge a finding into an earlier validated finding of the same issue."""

    duplicate_of_id: int = Field(ge=1)
    note: str | None = Field(default=None, max_length=4000)


class RemediationBody(InputSchema):
    """Close a remediation task: fixed, or the risk accepted."""

    status: Closing
    note: str = Field(min_length=3, max_length=4000)


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    exercise_id: int
    team_id: int | None  # not told to the defending organisation reading its task
    target_id: int
    title: str
    vulnerability: str
    asset: str
    proof: str
    cvss_vector: str | None
    cvss_score: float | None
    severity: str
    status: str
    duplicate_of_id: int | None
    points: int
    judge_note: str | None
    judged_at: datetime | None
    submitted_at: datetime
    remediation_status: str | None
    remediation_due_on: date | None
    remediation_note: str | None
    remediated_at: datetime | None


class RemediationTaskRead(BaseModel):
    """A validated finding as its defending organisation sees it (not who found it)."""

    finding_id: int
    exercise_id: int
    target_id: int
    target: str
    title: str
    vulnerability: str
    asset: str
    proof: str
    severity: str
    cvss_score: float | None
    validated_at: datetime | None
    due_on: date | None
    status: str
    note: str | None
    closed_at: datetime | None
    overdue: bool


class DefenceReportCreate(InputSchema):
    """What a defending team detected."""

    model_config = ConfigDict(str_strip_whitespace=True)

    detected_at: AwareDatetime
    description: str = Field(min_length=3, max_length=20000)
    finding_id: int | None = Field(default=None, ge=1, description="The validated finding it matches, if known")
    team_id: int | None = Field(default=None, ge=1, description="Your defending team (needed only if you play in two)")


class DefenceScoreBody(InputSchema):
    """Credit a defence report (points by the rule unless given) or reject it (a note says why)."""

    credit: bool
    points: int | None = Field(default=None, ge=0, le=1000)
    finding_id: int | None = Field(default=None, ge=1, description="Link it to the finding it detected")
    note: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _reasons(self) -> DefenceScoreBody:
        if not self.credit and not (self.note or "").strip():
            raise ValueError("say why the report is not credited")
        return self


class DefenceReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    exercise_id: int
    team_id: int
    finding_id: int | None
    detected_at: datetime
    description: str
    points: int | None
    judge_note: str | None
    judged_at: datetime | None
    submitted_at: datetime


class TeamPoints(BaseModel):
    team_id: int
    team: str
    points: float


class DayRead(BaseModel):
    day: date
    submitted: int
    validated: int
    duplicates: int
    rejected: int
    by_severity: dict[str, int]
    points: list[TeamPoints]  # what each team earned that day (attackers' findings, defenders' reports)
    remediations_closed: int


class DailySummaryRead(BaseModel):
    exercise_id: int
    timezone: str
    days: list[DayRead]
