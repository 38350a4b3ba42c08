"""The indicator API's bodies and answers. Request bodies are `Indicator…` (names are unique across
the package); answers are built from `intel.reads` read models inside the handlers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models.intel import IndicatorKind
from csirtnet.vocabulary.enums import PAP, TLP

KindName = Literal[
    "ipv4",
    "ipv6",
    "ipv4-net",
    "ipv6-net",
    "domain",
    "hostname",
    "url",
    "email",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "filename",
    "asn",
    "ja3",
    "ja4",
    "stix-pattern",
]
assert set(get_args(KindName)) == {k.value for k in IndicatorKind}

Tags = list[str]
_TAGS: Any = Field(
    default_factory=list, max_length=50, description='RSIT class/type, attack:T1234(.001), ns:pred="val", free'
)


class IndicatorCreate(InputSchema):
    """Share one indicator. The value is typed (`kind`) or its type detected, and normalised
    (defanged values are refanged). The same value shared again by the same organisation into
    the same collection updates that indicator."""

    model_config = ConfigDict(str_strip_whitespace=True)

    value: str = Field(min_length=1, max_length=2048)
    kind: KindName | None = Field(default=None, description="Detected from the value when left out")
    collection: str = Field(default="national", max_length=60)
    tlp: TLP = TLP.AMBER
    pap: PAP = PAP.AMBER
    confidence: int = Field(default=50, ge=0, le=100)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    tags: Tags = _TAGS
    description: str | None = Field(default=None, max_length=20000)


class IndicatorUpdate(UpdateSchema):
    """Change an indicator your organisation shared (its value and collection stay)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    tlp: TLP | None = None
    pap: PAP | None = None
    confidence: int | None = Field(default=None, ge=0, le=100)
    valid_from: datetime | None = None
    valid_until: Clearable[datetime] = None
    tags: Tags | None = Field(default=None, max_length=50)
    description: Clearable[str] = Field(default=None, max_length=20000)


class IndicatorRevoke(InputSchema):
    reason: str | None = Field(default=None, max_length=2000)


class IndicatorSightingCreate(InputSchema):
    """Your organisation saw the indicator: when (first and last), how often, a note."""

    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    count: int = Field(default=1, ge=1, le=999_999_999)
    note: str | None = Field(default=None, max_length=20000)
    tlp: TLP = TLP.AMBER


class IndicatorFalsePositiveReport(InputSchema):
    """The indicator fired on something harmless in your organisation."""

    note: str | None = Field(default=None, max_length=20000)
    tlp: TLP = TLP.AMBER


class IndicatorBulkAdd(InputSchema):
    """Pasted text: one indicator a line (or separated by spaces, commas or semicolons), types
    detected; '#' starts a comment line. `dry_run` shows what would happen and changes nothing;
    a token that is no indicator refuses the whole paste (naming its line) unless `skip_invalid`."""

    text: str = Field(min_length=1, max_length=2_000_000)
    collection: str = Field(default="national", max_length=60)
    tlp: TLP = TLP.AMBER
    pap: PAP = PAP.AMBER
    confidence: int = Field(default=50, ge=0, le=100)
    valid_until: datetime | None = None
    tags: Tags = _TAGS
    dry_run: bool = False
    skip_invalid: bool = False


# -- answers ---------------------------------------------------------------------------------------


class DecayRead(BaseModel):
    score: float
    base: float
    expires_at: datetime | None
    expired: bool
    reason: str | None


class IndicatorSummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    stix_id: str
    kind: str
    value: str
    collection: str
    tlp: str
    pap: str
    confidence: int
    valid_from: datetime
    valid_until: datetime | None
    revoked: bool
    tags: list[str]
    rsit: str | None
    warninglists: list[str]
    source_organisation_id: int | None
    source_name: str | None
    origin: str
    sightings_count: int
    false_positive_count: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    created_at: datetime
    modified_at: datetime


class IndicatorListItem(IndicatorSummaryRead):
    source_organisation: str | None = None
    decay: DecayRead


class SightingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    stix_id: str
    organisation_id: int | None
    organisation: str | None = None
    source_name: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    count: int
    false_positive: bool
    note: str | None
    tlp: str
    created_at: datetime


class IndicatorDetailRead(IndicatorSummaryRead):
    description: str | None
    source_organisation: str | None = None
    collection_title: str | None = None
    decay: DecayRead
    sightings: list[SightingRead]
    correlations: list[dict[str, object]] = Field(default_factory=list)
    over_correlated: bool = False
    may_edit: bool
    may_sight: bool


class BulkLineRead(BaseModel):
    line: int
    raw: str
    kind: str | None
    value: str | None
    status: Literal["created", "updated", "unchanged", "invalid", "would-create", "would-update"]
    error: str | None = None
    indicator_id: int | None = None
    warninglists: list[str] = Field(default_factory=list)


class BulkResultRead(BaseModel):
    dry_run: bool
    created: int
    updated: int
    invalid: int
    lines: list[BulkLineRead]


class CollectionRead(BaseModel):
    key: str
    id: str
    title: str
    description: str
    can_read: bool
    can_write: bool
