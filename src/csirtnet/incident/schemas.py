"""Shapes of what comes in and goes out of the incident domain (API bodies, forms, exports)."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.vocabulary import PAP, TLP, Severity

IncidentStatusAtReport = Literal["ongoing", "contained", "resolved", "unknown"]
ImpactFunctional = Literal["none", "low", "medium", "high"]
ImpactInformation = Literal["none", "privacy", "proprietary", "integrity"]
ImpactRecoverability = Literal["regular", "supplemented", "extended", "not_recoverable"]
# Decision 05/2017/QĐ-TTg: what makes an incident on a level 4-5 system serious.
SeriousCriterion = Literal[
    "service_interruption", "state_secret_disclosure", "integrity_unrecoverable", "loss_of_control", "wide_spread"
]
SERIOUS_CRITERIA: tuple[str, ...] = (
    "service_interruption",
    "state_secret_disclosure",
    "integrity_unrecoverable",
    "loss_of_control",
    "wide_spread",
)

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z][a-z0-9-]{0,62}$")


def clean_ips(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        value = raw.strip().replace("[.]", ".")
        if not value:
            continue
        try:
            if "/" in value:
                out.append(str(ipaddress.ip_network(value, strict=False)))
            else:
                out.append(ipaddress.ip_address(value).compressed)
        except ValueError:
            raise ValueError(f"{raw!r} is not an IP address") from None
    return sorted(set(out), key=out.index)


def clean_domains(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        value = raw.strip().lower().rstrip(".").replace("[.]", ".")
        if not value:
            continue
        try:
            value = value.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"{raw!r} is not a domain name") from None
        if not _DOMAIN.match(value):
            raise ValueError(f"{raw!r} is not a domain name")
        if value not in out:
            out.append(value)
    return out


def split_list(value: Any) -> Any:
    """Forms send "a, b\nc"; the API sends lists. Both become a list of strings."""
    if isinstance(value, str):
        return [v for v in re.split(r"[\s,;]+", value) if v]
    return value


class ReportCreate(InputSchema):
    """An initial incident report: the content of Circular 20/2017 form 03."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=300)
    description: str = Field(min_length=10, max_length=20000)
    # 1. Reporter and contact.
    reporter_name: str = Field(min_length=2, max_length=200)
    reporter_position: str | None = Field(default=None, max_length=200)
    reporter_email: EmailStr | None = None
    reporter_phone: str | None = Field(default=None, max_length=40)
    organisation_name: str | None = Field(default=None, max_length=300)
    operating_unit: str | None = Field(default=None, max_length=300)
    # 2. The affected system.
    system_name: str | None = Field(default=None, max_length=300)
    system_domains: list[str] = Field(default_factory=list, max_length=50)
    system_ips: list[str] = Field(default_factory=list, max_length=100)
    system_security_level: int | None = Field(default=None, ge=1, le=5)
    system_on_national_list: bool = False
    system_providers: str | None = Field(default=None, max_length=2000)
    # 3. The incident.
    detected_at: datetime
    incident_status: IncidentStatusAtReport = "unknown"
    detection_method: str | None = Field(default=None, max_length=4000)
    already_notified: str | None = Field(default=None, max_length=2000)
    # Optional parts.
    operating_system: str | None = Field(default=None, max_length=2000)
    services: str | None = Field(default=None, max_length=2000)
    security_measures: str | None = Field(default=None, max_length=4000)
    public_ips: list[str] = Field(default_factory=list, max_length=100)
    purpose: str | None = Field(default=None, max_length=2000)
    confidential: bool = False
    support_requested: str | None = Field(default=None, max_length=4000)
    language: Literal["vi", "en"] = "vi"

    _split = field_validator("system_domains", "system_ips", "public_ips", mode="before")(split_list)

    @field_validator("system_ips", "public_ips")
    @classmethod
    def _ips(cls, value: list[str]) -> list[str]:
        return clean_ips(value)

    @field_validator("system_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return clean_domains(value)

    @field_validator("detected_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time zone (for example 2026-03-01T08:30:00+07:00)")
        return value


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    status: str
    channel: str
    formal: bool
    title: str
    description: str
    reporter_name: str
    reporter_email: str | None
    reporter_phone: str | None
    reporting_organisation_id: int | None
    organisation_name: str | None
    operating_unit: str | None
    system_name: str | None
    system_domains: list[str]
    system_ips: list[str]
    system_security_level: int | None
    system_on_national_list: bool
    detected_at: datetime
    reported_at: datetime
    incident_status: str | None
    detection_method: str | None
    already_notified: str | None
    confidential: bool
    support_requested: str | None
    incident_id: int | None
    rejection_reason: str | None
    triaged_at: datetime | None
    created_at: datetime


class Classification(UpdateSchema):
    """What triage decides (all optional when updating: only the fields sent change)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=3, max_length=300)
    description: str | None = Field(default=None, max_length=20000)
    rsit_class: Clearable[str] = Field(default=None, max_length=60)
    rsit_type: Clearable[str] = Field(default=None, max_length=60)
    severity: Severity | None = None
    severity_reason: Clearable[str] = Field(default=None, max_length=2000)
    serious_criteria: list[SeriousCriterion] | None = None
    is_major: bool | None = None
    tlp: TLP | None = None
    pap: PAP | None = None
    sector: Clearable[str] = Field(default=None, max_length=80)
    province: Clearable[str] = Field(default=None, max_length=80)
    impact_functional: Clearable[ImpactFunctional] = None
    impact_information: Clearable[ImpactInformation] = None
    impact_recoverability: Clearable[ImpactRecoverability] = None
    data_loss: bool | None = None
    system_security_level: Clearable[int] = Field(default=None, ge=1, le=5)
    system_on_national_list: bool | None = None
    deadline_profile_key: str | None = Field(default=None, max_length=40)
    shared_with_cluster_id: Clearable[int] = None
    ransom_paid_at: Clearable[datetime] = None

    @field_validator("ransom_paid_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time zone (for example 2026-03-01T08:30:00+07:00)")
        return value


class OpenFromReport(Classification):
    """Open an incident from a report. The organisation is needed when the report names none."""

    reporting_organisation_id: Clearable[int] = None


class AttachReport(InputSchema):
    incident_id: int


class RejectReport(InputSchema):
    reason: str = Field(min_length=3, max_length=2000)


class ClosingReport(InputSchema):
    """Circular 20/2017 form 04: the result of the response."""

    model_config = ConfigDict(str_strip_whitespace=True)

    result: str = Field(min_length=3, max_length=8000)
    root_cause: str = Field(min_length=3, max_length=8000)
    actions_taken: str = Field(min_length=3, max_length=8000)
    lessons_learned: str = Field(min_length=3, max_length=8000)


class PhaseChange(InputSchema):
    phase: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    closing_report: ClosingReport | None = None


class LinkCreate(InputSchema):
    other_incident_id: int
    note: str | None = Field(default=None, max_length=1000)


class TimelineEntryCreate(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    occurred_at: datetime
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=60)
    text: str = Field(min_length=1, max_length=4000)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone (for example Asia/Ho_Chi_Minh)") from None
        return value


class TaskCreate(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field(min_length=2, max_length=300)
    description: str | None = Field(default=None, max_length=4000)
    owner_id: int | None = None
    assignee_ids: list[int] = Field(default_factory=list, max_length=20)
    due_at: datetime | None = None


class TaskUpdate(UpdateSchema):
    title: str | None = Field(default=None, min_length=2, max_length=300)
    description: Clearable[str] = Field(default=None, max_length=4000)
    owner_id: Clearable[int] = None
    assignee_ids: list[int] | None = None
    due_at: Clearable[datetime] = None
    status: Literal["open", "in_progress", "done", "cancelled"] | None = None
    note: Clearable[str] = Field(default=None, max_length=4000)  # what was done: the task's log keeps it


class CommentCreate(InputSchema):
    body: str = Field(min_length=1, max_length=8000)


class ObservableCreate(InputSchema):
    kind: Literal["ip", "domain", "url", "email", "md5", "sha1", "sha256"]
    value: str = Field(min_length=1, max_length=2048)
    tlp: TLP = TLP.AMBER
    note: str | None = Field(default=None, max_length=1000)


class ParticipantCreate(InputSchema):
    user_id: int | None = None
    organisation_id: int | None = None
    role: Literal["commander", "liaison", "responder", "observer", "reporter"] = "responder"
    # A part in the incident's evidence (models.EvidenceRole); only a named user takes one.
    evidence_role: Literal["custodian", "analyst", "observer"] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    note: str | None = Field(default=None, max_length=1000)


class EvidenceRoleChange(InputSchema):
    evidence_role: Literal["custodian", "analyst", "observer"] | None = None


# -- read models -------------------------------------------------------------------------------


class DeadlineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rule_key: str
    profile_key: str
    label_vi: str
    label_en: str
    due_at: datetime | None
    met_at: datetime | None
    satisfied_by: str
    escalated_at: datetime | None


class ParticipantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int | None
    organisation_id: int
    role: str
    evidence_role: str | None
    starts_at: datetime
    ends_at: datetime | None
    deployment_id: int | None
    note: str | None


class TimelineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    timezone: str
    kind: str
    action: str | None
    text: str
    details: dict[str, Any]
    author_id: int | None


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    owner_id: int | None
    assignee_ids: list[int]
    due_at: datetime | None
    status: str
    completed_at: datetime | None


class CommentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author_id: int | None
    body: str
    mentioned_user_ids: list[int]
    created_at: datetime


class ObservableRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    value: str
    tlp: str
    note: str | None
    created_at: datetime


class CorrelationRead(BaseModel):
    observable_kind: str
    observable_value: str
    incident_id: int
    reference: str
    title: str


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    title: str
    description: str
    reporting_organisation_id: int
    reporter_user_id: int | None
    operating_unit: str | None
    system_name: str | None
    system_domains: list[str]
    system_ips: list[str]
    system_security_level: int | None
    system_on_national_list: bool
    system_providers: str | None
    rsit_class: str | None
    rsit_type: str | None
    severity: str
    severity_suggested: str
    severity_reason: str | None
    serious_criteria: list[str]
    is_major: bool
    tlp: str
    pap: str
    sector: str | None
    province: str | None
    impact_functional: str | None
    impact_information: str | None
    impact_recoverability: str | None
    data_loss: bool
    ransom_paid_at: datetime | None
    phase: str
    detected_at: datetime
    reported_at: datetime
    closed_at: datetime | None
    deadline_profile_key: str
    overdue: bool
    shared_with_cluster_id: int | None
    closing_result: str | None
    closing_root_cause: str | None
    closing_actions: str | None
    closing_lessons: str | None
    created_at: datetime
    updated_at: datetime


class IncidentDetail(IncidentRead):
    deadlines: list[DeadlineRead] = Field(default_factory=list)
    participants: list[ParticipantRead] = Field(default_factory=list)
    correlations: list[CorrelationRead] = Field(default_factory=list)


class IncidentExport(BaseModel):
    """The JSON export: the incident with everything the reader may see of it."""

    format: Literal["csirtnet.incident/1"] = "csirtnet.incident/1"
    incident: IncidentRead
    reports: list[ReportRead]
    deadlines: list[DeadlineRead]
    participants: list[ParticipantRead]
    timeline: list[TimelineRead]
    tasks: list[TaskRead]
    comments: list[CommentRead]
    observables: list[ObservableRead]
    correlations: list[CorrelationRead]


# -- the intake's quarantine ---------------------------------------------------------------------


class QuarantinedRead(BaseModel):
    """A message the email intake could not file, kept whole for the coordinators."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    received_at: datetime
    source: str = Field(description="smtp, maildir or demo")
    status: str = Field(description="pending, released (filed as report_id) or discarded")
    reason: str = Field(description="unparseable, rejected, too_many_attachments or refused")
    detail: str = Field(description="What went wrong, in the intake's words")
    subject: str | None
    sender: str | None
    message_id: str | None
    raw_size: int
    report_id: int | None
    decided_at: datetime | None
    discard_reason: str | None


class QuarantineDiscard(InputSchema):
    reason: str = Field(min_length=3, max_length=2000, description="Why the message is discarded")
