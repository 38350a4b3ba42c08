"""The feed API's bodies and answers: sources, rules, runs, the quarantine, events and their
statistics, the prefix-to-ASN table. Request bodies are `Feed…Create|Update` (class names are unique
across the package); answers are `…Read` models the reads build (feeds.reads), so the pages and the
API show the same thing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models.feed import ParserName, RuleAction, SourceKind
from csirtnet.vocabulary.enums import TLP, Severity

Action = Literal["digest", "rules"]
_FIELD_NAME = Field(min_length=1, max_length=60)
DEFAULT_DEDUPE = ["source.ip", "source.port", "classification.identifier"]


def _both_actions() -> list[Action]:
    return ["digest", "rules"]


class FeedSourceCreate(InputSchema):
    """A feed source: where its reports come from, how they are read, and what is done with them.

    `url` (http or https) for `url` sources, polled every `schedule_minutes`, with `url_secret` sent
    in the header `url_header` when the address wants a key (sealed, never shown again); `folder` (under the
    operator's feeds folder root) for `folder` sources; `mapping` for the generic `csv` and `jsonl`
    parsers (docs/feeds.md); an `api` source reads JSON lines (parser `jsonl`)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    provider: str = Field(min_length=1, max_length=120)
    kind: SourceKind = SourceKind.FILE
    parser: ParserName = ParserName.SHADOWSERVER
    mapping: dict[str, Any] | None = None
    url: str | None = Field(default=None, max_length=2000)
    url_header: str | None = Field(default=None, max_length=100)
    url_secret: str | None = Field(default=None, max_length=4000)
    folder: str | None = Field(default=None, max_length=1000)
    schedule_minutes: int | None = Field(default=None, ge=1, le=10_080)
    tlp: TLP = TLP.AMBER
    actions: list[Action] = Field(default_factory=_both_actions, max_length=2)
    dedupe_fields: list[str] = Field(default_factory=lambda: list(DEFAULT_DEDUPE), min_length=1, max_length=12)
    dedupe_window_hours: int = Field(default=24, ge=1, le=8_760)
    digest_period_hours: int = Field(default=24, ge=1, le=744)
    submitter_org_ids: list[int] = Field(default_factory=list, max_length=500)
    enabled: bool = True


class FeedSourceUpdate(UpdateSchema):
    """Change a source (its kind stays); a field left out keeps its value."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=120)
    provider: str | None = Field(default=None, min_length=1, max_length=120)
    parser: ParserName | None = None
    mapping: Clearable[dict[str, Any]] = None
    url: Clearable[str] = Field(default=None, max_length=2000)
    url_header: Clearable[str] = Field(default=None, max_length=100)  # null: no key (its secret goes too)
    url_secret: Clearable[str] = Field(default=None, max_length=4000)  # a new value replaces the sealed one
    folder: Clearable[str] = Field(default=None, max_length=1000)
    schedule_minutes: Clearable[int] = Field(default=None, ge=1, le=10_080)
    tlp: TLP | None = None
    actions: list[Action] | None = Field(default=None, max_length=2)
    dedupe_fields: list[str] | None = Field(default=None, min_length=1, max_length=12)
    dedupe_window_hours: int | None = Field(default=None, ge=1, le=8_760)
    digest_period_hours: int | None = Field(default=None, ge=1, le=744)
    submitter_org_ids: list[int] | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class FeedRuleCreate(InputSchema):
    """A rule: events matching it (source, RSIT taxonomy and types, the owner's system's security
    level) cause its action once per owner and address within `window_hours`."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    action: RuleAction
    source_id: int | None = Field(default=None, ge=1)
    taxonomy: str | None = Field(default=None, max_length=40)
    types: list[str] = Field(default_factory=list, max_length=40)
    min_security_level: int | None = Field(default=None, ge=1, le=5)
    severity: Severity | None = None
    window_hours: int = Field(default=168, ge=1, le=8_760)
    enabled: bool = True


class FeedRuleUpdate(UpdateSchema):
    """Change a rule; a field left out keeps its value."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    action: RuleAction | None = None
    source_id: Clearable[int] = Field(default=None, ge=1)
    taxonomy: Clearable[str] = Field(default=None, max_length=40)
    types: list[str] | None = Field(default=None, max_length=40)
    min_security_level: Clearable[int] = Field(default=None, ge=1, le=5)
    severity: Clearable[Severity] = None
    window_hours: int | None = Field(default=None, ge=1, le=8_760)
    enabled: bool | None = None


# -- answers ---------------------------------------------------------------------------------------


class FeedCountsRead(BaseModel):
    """Counts of runs: parsed events (duplicates included), stored with and without an owner,
    duplicates dropped, lines quarantined."""

    runs: int = 0
    events: int = 0
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    quarantined: int = 0


class FeedSourceRead(BaseModel):
    """A source, its configuration and its counts (all runs, and its last run)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    provider: str
    kind: str
    parser: str
    mapping: dict[str, Any] | None
    url: str | None
    url_header: str | None
    has_url_secret: bool  # the secret itself is never read back
    folder: str | None
    schedule_minutes: int | None
    tlp: str
    actions: list[str]
    dedupe_fields: list[str]
    dedupe_window_hours: int
    digest_period_hours: int
    submitter_org_ids: list[int]
    enabled: bool
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime
    totals: FeedCountsRead = Field(default_factory=FeedCountsRead)
    last_run: FeedCountsRead | None = None


class FeedRunRead(BaseModel):
    """One run of a source: where it came from, its files, its status and counts."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    source_name: str | None = None
    origin: str
    files: list[str]
    report_type: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    events: int
    matched: int
    unmatched: int
    duplicates: int
    quarantined: int
    error: str | None
    started_by_id: int | None
    submitter_org_id: int | None


class FeedQuarantineRead(BaseModel):
    """A quarantined line: where it was (file, 1-based line), why, and the line as read."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    source_id: int
    file: str
    line: int
    reason: str
    text: str
    created_at: datetime


class QuarantineCountRead(BaseModel):
    source_id: int
    source_name: str
    quarantined: int


class FeedQuarantinePage(BaseModel):
    """A page of quarantined lines (newest first) and the count per source."""

    items: list[FeedQuarantineRead]
    total: int
    per_source: list[QuarantineCountRead]


class FeedEventRead(BaseModel):
    """A processed event: the columns one filters on, and the whole harmonised event (`data`,
    IntelMQ's field names)."""

    observed_at: datetime
    run_id: int
    seq: int
    source_id: int
    organisation_id: int | None
    match_kind: str | None
    source_ip: str | None
    source_asn: int | None
    source_fqdn: str | None
    taxonomy: str | None
    type: str | None
    identifier: str | None
    time_source: datetime | None
    tlp: str
    warninglist: str | None
    data: dict[str, Any]


class FeedEventPage(BaseModel):
    items: list[FeedEventRead]
    next_cursor: str | None = None


class FeedEventStatRead(BaseModel):
    day: str  # yyyy-mm-dd (UTC)
    source_id: int
    type: str | None
    events: int
    matched: int


class FeedEventStatsRead(BaseModel):
    """Events per day, source and type over the last `days` days (what the reader may see)."""

    days: int
    since: datetime
    total: int
    matched: int
    rows: list[FeedEventStatRead]


class FeedRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    source_id: int | None
    taxonomy: str | None
    types: list[str]
    min_security_level: int | None
    action: str
    severity: str | None
    window_hours: int
    enabled: bool
    created_at: datetime


# A (network, AS number) pair; published as a two-item array (a tuple's own schema is not one
# every OpenAPI reader accepts).
AsnPair = Annotated[
    tuple[str, int],
    WithJsonSchema(
        {"type": "array", "minItems": 2, "maxItems": 2, "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
    ),
]


class AsnTableRead(BaseModel):
    """The operator's prefix-to-ASN table: how many prefixes and the first ones (network, AS number)."""

    prefixes: int
    sample: list[AsnPair]


class AsnTableLoaded(BaseModel):
    prefixes: int
    replaced: int
