"""API shapes of organisations, their profiles, experts, constituency and applications."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, field_validator

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models.contact import ContactRole
from csirtnet.models.organisation import OrganisationKind, OrganisationStatus
from csirtnet.vocabulary import first_services, skills

Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+() .\-/]{3,40}$")]


def _web_address(value: str) -> str:
    """A web site's address: http(s), a host with a dot, no spaces ("khong phai url" is refused)."""
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host.strip(".") or re.search(r"\s", value):
        raise ValueError("Enter a full web address starting with https://.")
    return value


WebAddress = Annotated[str, Field(max_length=300), AfterValidator(_web_address)]

# The organisation's own particulars in the dossier (form 01), as the profile page's form, the CSV
# import and the public application form name them; the application form calls the names
# organisation_name and organisation_name_en. OrganisationUpdate and ProfileFields validate them.
PARTICULARS = (
    "short_name",
    "kind",
    "sector",
    "province",
    "owner_agency",
    "address",
    "website",
    "incident_email",
    "incident_phone",
)
PROFILE_FIELDS = ("name", "name_en", *PARTICULARS)


class OrganisationCreate(InputSchema):
    name: str = Field(min_length=2, max_length=300, description="Official name (Vietnamese)")
    name_en: str | None = Field(default=None, max_length=300)
    short_name: str | None = Field(default=None, max_length=60)
    member_code: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    kind: OrganisationKind = OrganisationKind.PRIVATE_ENTERPRISE
    sector: str | None = Field(default=None, max_length=80)
    province: str | None = Field(default=None, max_length=80)
    is_coordinator: bool = False


class ProfileFields(UpdateSchema):
    """The member dossier's organisation part (form 01), all optional."""

    owner_agency: Clearable[str] = Field(default=None, max_length=300, description="The agency the member answers to")
    address: Clearable[str] = Field(default=None, max_length=500)
    website: Clearable[WebAddress] = None
    incident_email: Clearable[EmailStr] = Field(default=None, description="Public incident-reception email")
    incident_phone: Clearable[Phone] = Field(default=None, description="Public incident-reception phone")
    capability_description: Clearable[str] = Field(default=None, max_length=10_000)
    staff_count: Clearable[int] = Field(default=None, ge=0, le=1_000_000, description="Information-security staff")


class OrganisationUpdate(ProfileFields):
    name: str | None = Field(default=None, min_length=2, max_length=300)
    name_en: Clearable[str] = Field(default=None, max_length=300)
    short_name: Clearable[str] = Field(default=None, max_length=60)
    member_code: Clearable[str] = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    kind: OrganisationKind | None = None
    sector: Clearable[str] = Field(default=None, max_length=80)
    province: Clearable[str] = Field(default=None, max_length=80)
    status: OrganisationStatus | None = None


class _OrganisationBase(BaseModel):
    """The directory fields: what every member reads of every organisation (docs/members.md)."""

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
    website: str | None = None
    incident_email: str | None = None
    incident_phone: str | None = None


class OrganisationEntry(_OrganisationBase):
    """An organisation as a member who may not read its full profile sees it: the directory entry."""

    profile: Literal["directory"] = "directory"


class OrganisationRead(_OrganisationBase):
    """An organisation with its full profile: for its own people, the coordinators and the current
    lead of a cluster it belongs to (authz.organisation.profile_visible)."""

    profile: Literal["full"] = "full"
    owner_agency: str | None = None
    address: str | None = None
    capability_description: str | None = None
    staff_count: int | None = None
    confirmed_at: datetime | None = None


# What a reader gets of one organisation: `profile` says which of the two it is.
OrganisationView = Annotated[OrganisationEntry | OrganisationRead, Field(discriminator="profile")]


# -- contacts, systems, services ---------------------------------------------------------------


class ContactCreate(InputSchema):
    role: ContactRole
    full_name: str = Field(min_length=2, max_length=200)
    position: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: Phone | None = None


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    role: str
    full_name: str
    position: str | None
    email: str | None
    phone: str | None


class SystemCreate(InputSchema):
    name: str = Field(min_length=2, max_length=300)
    security_level: int = Field(ge=1, le=5, description="Security level 1-5 (Decree 85/2016)")
    national_important: bool = Field(default=False, description="On the national list of important systems")
    description: str | None = Field(default=None, max_length=5000)


class SystemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    name: str
    security_level: int
    national_important: bool
    description: str | None


class ServicesUpdate(InputSchema):
    services: list[str] = Field(
        description="FIRST CSIRT Services Framework 2.1 keys, e.g. incident-management.coordination"
    )

    @field_validator("services")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if not first_services.is_valid(s)]
        if unknown:
            raise ValueError(f"unknown service(s): {', '.join(unknown)}")
        return sorted(set(value))


class ProfileRead(BaseModel):
    """The full profile: the organisation, its contacts, systems and services."""

    organisation: OrganisationRead
    contacts: list[ContactRead]
    systems: list[SystemRead]
    services: list[str]


# -- experts -------------------------------------------------------------------------------------

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SkillIn(InputSchema):
    skill: str = Field(max_length=60, description="A key from csirtnet.vocabulary.skills")
    level: int = Field(default=2, ge=1, le=3, description="1 basic, 2 practitioner, 3 expert")

    @field_validator("skill")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in skills.SKILLS:
            raise ValueError(f"unknown skill {value!r}")
        return value


class AvailabilityWindow(InputSchema):
    day: int = Field(ge=0, le=6, description="0 Monday … 6 Sunday")
    from_: str = Field(alias="from", description="HH:MM")
    to: str = Field(description="HH:MM, after from")

    model_config = ConfigDict(populate_by_name=True)

    @field_validator("from_", "to")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("use HH:MM, e.g. 08:00")
        return value

    def as_json(self) -> dict[str, object]:
        if self.to <= self.from_:
            raise ValueError("the window must end after it starts")
        return {"day": self.day, "from": self.from_, "to": self.to}


class ExpertCreate(InputSchema):
    full_name: str = Field(min_length=2, max_length=200)
    email: EmailStr | None = None
    phone: Phone | None = None
    province: str | None = Field(default=None, max_length=80, description="Where the expert is based")
    skills: list[SkillIn] = Field(default_factory=list)
    certifications: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(default_factory=list)
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]] = Field(
        default_factory=list, description="ISO 639-1 codes"
    )
    availability: list[AvailabilityWindow] = Field(default_factory=list, description="Empty means around the clock")
    available: bool = True
    on_site: bool = True
    max_deployments: int = Field(default=1, ge=0, le=20)
    notes: str | None = Field(default=None, max_length=2000)
    user_id: int | None = None


class ExpertUpdate(UpdateSchema):
    full_name: str | None = Field(default=None, min_length=2, max_length=200)
    email: Clearable[EmailStr] = None
    phone: Clearable[Phone] = None
    province: Clearable[str] = Field(default=None, max_length=80)
    skills: list[SkillIn] | None = None
    certifications: list[Annotated[str, Field(min_length=1, max_length=80)]] | None = None
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]] | None = None
    availability: list[AvailabilityWindow] | None = None
    available: bool | None = None
    on_site: bool | None = None
    max_deployments: int | None = Field(default=None, ge=0, le=20)
    notes: Clearable[str] = Field(default=None, max_length=2000)


class SkillRead(BaseModel):
    skill: str
    level: int


class ExpertRead(BaseModel):
    id: int
    organisation_id: int
    organisation_name: str
    full_name: str
    province: str | None
    skills: list[SkillRead]
    certifications: list[str]
    languages: list[str]
    availability: list[dict[str, object]]
    available: bool
    on_site: bool
    max_deployments: int
    # Only for the expert's own organisation and the coordinator:
    email: str | None = None
    phone: str | None = None
    notes: str | None = None


# -- constituency -----------------------------------------------------------------------------


class ClaimCreate(InputSchema):
    value: str = Field(
        min_length=1, max_length=260, description='"203.0.113.0/24", "2001:db8::/32", "AS64500", "example.vn"'
    )
    note: str | None = Field(default=None, max_length=300)


class DelegationCreate(InputSchema):
    value: str = Field(min_length=1, max_length=260, description="A more specific part of the claim")
    organisation_id: int = Field(description="The member it is delegated to")


class RejectBody(InputSchema):
    reason: str = Field(min_length=3, max_length=2000)


class MarkDelegatedBody(InputSchema):
    parent_claim_id: int


class ClaimRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    kind: str
    value: str
    prefix_len: int
    status: str
    parent_claim_id: int | None
    overlap_accepted_at: datetime | None
    rejected_reason: str | None
    note: str | None
    created_at: datetime


class OverlapRead(BaseModel):
    broader: ClaimRead
    broader_organisation: str
    narrower: ClaimRead
    narrower_organisation: str
    identical: bool


class LookupRead(BaseModel):
    query: str
    kind: str
    found: bool
    organisation_id: int | None = None
    organisation_name: str | None = None
    member_code: str | None = None
    matched: str | None = None
    claim_id: int | None = None


# -- directory and stale profiles ----------------------------------------------------------------


class DirectoryEntry(BaseModel):
    id: int
    name: str
    name_en: str | None
    short_name: str | None
    member_code: str | None
    kind: str
    sector: str | None
    province: str | None
    website: str | None
    incident_email: str | None
    incident_phone: str | None
    services: list[str]
    skills: list[str]
    clusters: list[str]


class StaleRead(BaseModel):
    id: int
    name: str
    member_code: str | None
    confirmed_at: datetime | None
    created_at: datetime
    reminded_at: datetime | None
    days_since: int


# -- applications ---------------------------------------------------------------------------------


class RequestInfoBody(InputSchema):
    question: str = Field(min_length=3, max_length=5000)


class ApproveBody(InputSchema):
    member_code: str | None = Field(
        default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", description="Empty: the next code in the format"
    )
    admin_email: EmailStr | None = Field(default=None, description="Empty: the applicant's email")
    admin_name: str | None = Field(default=None, max_length=200)


class RejectApplicationBody(InputSchema):
    reason: str = Field(min_length=3, max_length=5000)


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    body: str
    created_at: datetime


class DocumentRead(BaseModel):
    id: int
    filename: str
    size: int
    content_type: str
    sha256: str


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    applicant_kind: str
    language: str
    applicant_name: str
    applicant_email: str
    applicant_phone: str | None
    organisation_name: str
    organisation_name_en: str | None
    short_name: str | None
    kind: str
    sector: str | None
    province: str | None
    owner_agency: str | None
    address: str | None
    website: str | None
    incident_email: str | None
    incident_phone: str | None
    capability_description: str | None
    staff_count: int | None
    dossier: dict[str, object]
    decided_at: datetime | None
    decision_reason: str | None
    organisation_id: int | None
    created_at: datetime


class ApplicationDetail(ApplicationRead):
    messages: list[MessageRead] = []
    documents: list[DocumentRead] = []
