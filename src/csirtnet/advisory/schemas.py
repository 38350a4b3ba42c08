"""Advisory API bodies and read models."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models import AckStatus, AdvisoryKind, AdvisorySeverity
from csirtnet.vocabulary import PAP, TLP

CVE_RE = re.compile(r"^CVE-\d{4}-\d{4,}$")
# CVSS v3.1 base vector: every base metric once, in the specification's order.
CVSS31_RE = re.compile(r"^CVSS:3\.1/AV:[NALP]/AC:[LH]/PR:[NLH]/UI:[NR]/S:[UC]/C:[NLH]/I:[NLH]/A:[NLH]$")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_HEX_LEN = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}


class IndicatorType(StrEnum):
    """The typed values an advisory carries (the indicator-sharing capability's own types)."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"
    NETWORK = "network"  # an IPv4 or IPv6 network in CIDR notation
    DOMAIN = "domain"
    HOSTNAME = "hostname"
    URL = "url"
    EMAIL = "email"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"
    FILENAME = "filename"
    ASN = "asn"
    JA3 = "ja3"
    STIX = "stix"  # a STIX 2.1 pattern


def normalise_indicator(kind: IndicatorType, value: str) -> str:
    """The indicator in its one stored form; ValueError names what is wrong."""
    text = value.strip()
    if not text:
        raise ValueError("is empty")
    if kind in (IndicatorType.IPV4, IndicatorType.IPV6):
        address = ipaddress.ip_address(text)
        if (address.version == 4) != (kind == IndicatorType.IPV4):
            raise ValueError(f"{text} is not an {kind.value} address")
        return str(address)
    if kind == IndicatorType.NETWORK:
        return str(ipaddress.ip_network(text, strict=False))
    if kind in (IndicatorType.DOMAIN, IndicatorType.HOSTNAME):
        host = text.lower().rstrip(".")
        if not _DOMAIN_RE.match(host.encode("idna").decode("ascii") if not host.isascii() else host):
            raise ValueError(f"{text} is not a domain name")
        return host
    if kind == IndicatorType.URL:
        if not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", text, re.IGNORECASE):
            raise ValueError(f"{text} is not a URL (scheme://…)")
        return text
    if kind == IndicatorType.EMAIL:
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", text):
            raise ValueError(f"{text} is not an email address")
        return text.lower()
    if kind.value in _HEX_LEN:
        digest = text.lower()
        if not re.fullmatch(rf"[0-9a-f]{{{_HEX_LEN[kind.value]}}}", digest):
            raise ValueError(f"a {kind.value} hash is {_HEX_LEN[kind.value]} hexadecimal characters")
        return digest
    if kind == IndicatorType.ASN:
        number = text.upper().removeprefix("AS")
        if not number.isdigit() or not 0 < int(number) < 2**32:
            raise ValueError(f"{text} is not an AS number")
        return f"AS{int(number)}"
    if kind == IndicatorType.JA3:
        if not re.fullmatch(r"[0-9a-f]{32}", text.lower()):
            raise ValueError("a JA3 fingerprint is 32 hexadecimal characters")
        return text.lower()
    return text


class IndicatorIn(InputSchema):
    type: IndicatorType
    value: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _typed(self) -> IndicatorIn:
        self.value = normalise_indicator(self.type, self.value)
        return self


class AffectedProductIn(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    vendor: str = Field(min_length=1, max_length=200)
    product: str = Field(min_length=1, max_length=200)
    versions: list[str] = Field(
        default_factory=list, max_length=50, description='Exact ("2.4.57") or ranges ("<2.4.58")'
    )

    @field_validator("versions")
    @classmethod
    def _clean(cls, values: list[str]) -> list[str]:
        from csirtnet.advisory.products import check_spec

        out = [v.strip() for v in values if v.strip()]
        for i, v in enumerate(out):
            if len(v) > 100:
                raise ValueError(f"version {i + 1}: at most 100 characters")
            try:
                check_spec(v)
            except ValueError as problem:
                raise ValueError(f"version {i + 1} ({v!r}): {problem}") from None
        return list(dict.fromkeys(out))


class ReferenceIn(InputSchema):
    url: str = Field(min_length=8, max_length=2000)
    summary: str = Field(default="", max_length=300)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/$.?#].\S*$", value.strip(), re.IGNORECASE):
            raise ValueError("must be an http(s) URL")
        return value.strip()


class AudienceIn(InputSchema):
    """Who is told. Every criterion adds organisations; `user_ids` names people (TLP:RED names only
    people). Resolved when published and frozen."""

    network: bool = False
    cluster_ids: list[int] = Field(default_factory=list, max_length=100)
    sectors: list[str] = Field(default_factory=list, max_length=50)
    provinces: list[str] = Field(default_factory=list, max_length=100)
    security_levels: list[int] = Field(default_factory=list, max_length=5)
    organisation_ids: list[int] = Field(default_factory=list, max_length=2000)
    user_ids: list[int] = Field(default_factory=list, max_length=500)

    @field_validator("security_levels")
    @classmethod
    def _levels(cls, values: list[int]) -> list[int]:
        for v in values:
            if not 1 <= v <= 5:
                raise ValueError("security levels are 1 to 5")
        return sorted(set(values))

    def is_empty(self) -> bool:
        return not (
            self.network
            or self.cluster_ids
            or self.sectors
            or self.provinces
            or self.security_levels
            or self.organisation_ids
            or self.user_ids
        )


def _cve_list(values: list[str]) -> list[str]:
    out: list[str] = []
    for i, v in enumerate(values):
        text = v.strip().upper()
        if not CVE_RE.match(text):
            raise ValueError(f"item {i}: {v!r} is not a CVE id (CVE-YYYY-NNNN)")
        out.append(text)
    return list(dict.fromkeys(out))


def _cvss(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not CVSS31_RE.match(text):
        raise ValueError("must be a CVSS v3.1 base vector (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)")
    return text


class _Content(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    @field_validator("cve_ids", check_fields=False)
    @classmethod
    def _cves(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _cve_list(values)

    @field_validator("cvss_vector", check_fields=False)
    @classmethod
    def _vector(cls, value: str | None) -> str | None:
        return _cvss(value)

    @field_validator("recommended_actions", check_fields=False)
    @classmethod
    def _actions(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        out = [v.strip() for v in values if v.strip()]
        for v in out:
            if len(v) > 2000:
                raise ValueError("an action is at most 2,000 characters")
        return out


class AdvisoryCreate(_Content):
    """A draft: everything recipients will read, and who is to be told."""

    kind: AdvisoryKind = AdvisoryKind.ADVISORY
    title: str = Field(min_length=3, max_length=300)
    summary: str = Field(min_length=3, max_length=4000)
    body: str = Field(default="", max_length=100_000, description="Markdown; raw HTML is shown as text")
    severity: AdvisorySeverity = AdvisorySeverity.MEDIUM
    tlp: TLP = TLP.AMBER
    pap: PAP = PAP.AMBER
    cvss_vector: str | None = Field(default=None, max_length=200)
    cve_ids: list[str] = Field(default_factory=list, max_length=100)
    affected_products: list[AffectedProductIn] = Field(default_factory=list, max_length=100)
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=1000)
    recommended_actions: list[str] = Field(default_factory=list, max_length=50)
    references: list[ReferenceIn] = Field(default_factory=list, max_length=50)
    csaf_document_ids: list[int] = Field(default_factory=list, max_length=50)
    deadline_at: AwareDatetime | None = None
    audience: AudienceIn = Field(default_factory=AudienceIn)
    cluster_id: int | None = Field(default=None, description="Publish as this cluster's lead (to the cluster)")


class AdvisoryUpdate(UpdateSchema, _Content):
    """Change a draft, or publish a new version of a published advisory (only the fields sent)."""

    title: str | None = Field(default=None, min_length=3, max_length=300)
    summary: str | None = Field(default=None, min_length=3, max_length=4000)
    body: str | None = Field(default=None, max_length=100_000)
    severity: AdvisorySeverity | None = None
    tlp: TLP | None = None
    pap: PAP | None = None
    cvss_vector: Clearable[str] = Field(default=None, max_length=200)
    cve_ids: list[str] | None = Field(default=None, max_length=100)
    affected_products: list[AffectedProductIn] | None = Field(default=None, max_length=100)
    indicators: list[IndicatorIn] | None = Field(default=None, max_length=1000)
    recommended_actions: list[str] | None = Field(default=None, max_length=50)
    references: list[ReferenceIn] | None = Field(default=None, max_length=50)
    csaf_document_ids: list[int] | None = Field(default=None, max_length=50)
    deadline_at: Clearable[AwareDatetime] = None
    audience: AudienceIn | None = None
    # For a published advisory: what the new version is about, and whether recipients answer again.
    note: str | None = Field(default=None, max_length=2000)
    fresh_ack: bool = False


class ReviewDecision(InputSchema):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _reason(self) -> ReviewDecision:
        if not self.approve and not (self.note or "").strip():
            raise ValueError("say why the advisory goes back to its author")
        return self


class WithdrawBody(InputSchema):
    reason: str = Field(min_length=3, max_length=2000)


class AnswerIn(InputSchema):
    """A recipient organisation's answer."""

    status: AckStatus
    note: str | None = Field(default=None, max_length=4000)

    @field_validator("status")
    @classmethod
    def _not_pending(cls, value: AckStatus) -> AckStatus:
        if value == AckStatus.PENDING:
            raise ValueError("answer received, applied, not_affected or needs_help")
        return value


# -- read models -----------------------------------------------------------------------------


class AdvisorySummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    kind: str
    status: str
    title: str
    severity: str
    tlp: str
    version: str
    deadline_at: datetime | None
    published_at: datetime | None
    publisher_organisation_id: int


class AdvisoryRead(AdvisorySummaryRead):
    summary: str
    body: str
    pap: str
    cvss_vector: str | None
    cvss_score: float | None
    cve_ids: list[str]
    affected_products: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    recommended_actions: list[str]
    references: list[dict[str, Any]]
    csaf_document_ids: list[int]
    audience: dict[str, Any]
    cluster_id: int | None
    released_at: datetime | None
    withdrawn_at: datetime | None
    review_note: str | None
    ack_round: int


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: str
    changes: list[dict[str, Any]]
    note: str | None
    fresh_ack: bool
    published_at: datetime


class RecipientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organisation_id: int
    organisation_name: str
    cluster_id: int | None
    province: str | None
    status: str
    note: str | None
    answered_at: datetime | None
    answered_version: str | None
    overdue: bool
    likely_affected: bool
    matched_products: list[dict[str, Any]]
    people_told: int
    emailed: int
    support_request_id: int | None
    incident_id: int | None


class GroupCount(BaseModel):
    key: str | None
    name: str
    total: int
    answered: int
    pending: int
    overdue: int
    needs_help: int


class TrackingRead(BaseModel):
    advisory_id: int
    version: str
    deadline_at: datetime | None
    totals: dict[str, int]
    by_cluster: list[GroupCount]
    by_province: list[GroupCount]
    recipients: list[RecipientRead]
    next_cursor: str | None = None


class AnswerRead(BaseModel):
    status: str
    note: str | None
    answered_at: datetime | None
    support_request_id: int | None
    incident_id: int | None
