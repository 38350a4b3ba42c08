"""Shapes of what comes in and goes out of the mobilisation domain (API bodies and pages)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models import Mode, Urgency
from csirtnet.vocabulary import first_services, skills

MAX_DURATION_HOURS = 24 * 90


class SkillNeedIn(InputSchema):
    skill: str = Field(description="A key of csirtnet.vocabulary.skills, e.g. malware-analysis")
    min_level: int = Field(default=2, ge=1, le=3, description="1 basic, 2 practitioner, 3 expert")

    @field_validator("skill")
    @classmethod
    def _known_skill(cls, value: str) -> str:
        if value not in skills.SKILLS:
            raise ValueError(f"unknown skill {value!r}")
        return value


class SupportRequestCreate(InputSchema):
    """What the requester needs: members are asked in the order the matching ranks them."""

    model_config = ConfigDict(str_strip_whitespace=True)

    summary: str = Field(min_length=3, max_length=4000, description="What the experts are needed for")
    capabilities: list[str] = Field(default_factory=list, max_length=20, description="FIRST services keys")
    skills: list[SkillNeedIn] = Field(default_factory=list, max_length=12)
    mode: Mode = Mode.REMOTE
    province: str | None = Field(default=None, max_length=80, description="Where; required on site")
    starts_at: AwareDatetime | None = Field(default=None, description="From when (default: now)")
    duration_hours: int = Field(ge=1, le=MAX_DURATION_HOURS, description="For how long")
    urgency: Urgency = Urgency.NORMAL
    experts_needed: int = Field(default=1, ge=1, le=20)
    response_deadline: AwareDatetime = Field(description="Members answer by then; the next match is asked after")
    organisation_ids: list[int] | None = Field(
        default=None, max_length=20, description="Send to these organisations instead of the best-ranked ones"
    )

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if not first_services.is_valid(v)]
        if unknown:
            raise ValueError(f"unknown FIRST service(s): {', '.join(unknown)}")
        return list(dict.fromkeys(values))

    @field_validator("skills")
    @classmethod
    def _distinct_skills(cls, values: list[SkillNeedIn]) -> list[SkillNeedIn]:
        seen: set[str] = set()
        for need in values:
            if need.skill in seen:
                raise ValueError(f"skill {need.skill!r} is listed twice")
            seen.add(need.skill)
        return values

    @field_validator("province")
    @classmethod
    def _blank_province(cls, value: str | None) -> str | None:
        return value or None


class AcceptBody(InputSchema):
    expert_ids: list[int] = Field(min_length=1, max_length=20, description="Experts from your own roster")
    note: str | None = Field(default=None, max_length=2000)


class DeclineBody(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=2000, description="Why the organisation cannot help")


class CancelBody(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=2000)


class ReleaseBody(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    hours: Clearable[float] = Field(default=None, ge=0, le=MAX_DURATION_HOURS, description="Hours worked")
    outcome: Clearable[str] = Field(default=None, max_length=8000, description="What the expert achieved")


class DeploymentUpdate(UpdateSchema, ReleaseBody):
    """Correct the hours or the outcome; null empties one."""


class BilingualRead(BaseModel):
    vi: str
    en: str


class ComponentRead(BaseModel):
    key: str
    points: float
    max_points: float
    label: BilingualRead
    reason: BilingualRead


class BlockerRead(BaseModel):
    key: str
    reason: BilingualRead


class ExpertMatchRead(BaseModel):
    expert_id: int
    organisation_id: int
    name: str
    score: float
    eligible: bool
    components: list[ComponentRead]
    blockers: list[BlockerRead]


class OrganisationMatchRead(BaseModel):
    rank: int
    organisation_id: int
    name: str
    score: float
    eligible: bool
    components: list[ComponentRead]
    blockers: list[BlockerRead]
    experts: list[ExpertMatchRead]
    target_status: str | None = Field(description="Where the request stands with it, if it was sent")


class MatchesRead(BaseModel):
    support_request_id: int
    organisations: list[OrganisationMatchRead]


class TargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    organisation_name: str
    round: int
    rank: int
    score: float
    explanation: list[ComponentRead]
    status: str
    sent_at: datetime
    respond_by: datetime
    responded_at: datetime | None
    decline_reason: str | None


class SkillNeedRead(BaseModel):
    skill: str
    min_level: int


class SupportRequestRead(BaseModel):
    id: int
    incident_id: int
    incident_reference: str | None = Field(description="Null when the caller may not see the incident")
    requesting_organisation_id: int
    cluster_id: int | None
    summary: str
    capabilities: list[str]
    skills: list[SkillNeedRead]
    mode: str
    province: str | None
    starts_at: datetime
    ends_at: datetime
    urgency: str
    experts_needed: int
    experts_accepted: int
    response_deadline: datetime
    status: str
    created_at: datetime
    closed_at: datetime | None
    cancel_reason: str | None
    targets: list[TargetRead]


class DeploymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    support_request_id: int | None
    expert_id: int | None
    expert_name: str
    user_id: int | None
    organisation_id: int
    starts_at: datetime
    ends_at: datetime
    released_at: datetime | None
    status: str
    hours: float | None
    outcome: str | None


class StatisticsBucket(BaseModel):
    period: str = Field(description='"2026-03", "2026-Q1" or "2026"')
    starts_on: date
    ends_on: date = Field(description="The last day of the period")
    experts_mobilised: int
    organisations_taking_part: int
    deployments: int
    hours: float = Field(description="Hours recorded on deployments that started in the period")


class StatisticsRead(BaseModel):
    period: str
    starts_on: date
    ends_on: date
    buckets: list[StatisticsBucket]
    total: StatisticsBucket
