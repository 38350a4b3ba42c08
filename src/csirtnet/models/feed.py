"""Security feeds (docs/feeds.md): the configured sources, each run with its counts, the quarantined
lines, the harmonised events kept for statistics and search, the dedupe window, per-member digests,
the rules that turn events into actions (and what each rule did), member flags, the operator's
prefix-to-ASN table, and the batches a pipeline stage has committed (so a redelivered batch is
recognised and skipped).

Processed events are kept in blocks (`feed_block`, ADR 0028): the new events of one stored batch
that share an owner, taxonomy and type are one row, whose `payload` is their JSON lines compressed
with Zstandard (each line: the event's `seq` in its run, how it was matched, and the whole
harmonised event by IntelMQ's field names). The columns beside it are what the pages and the API
filter on before any block is opened. `feed_block` is partitioned by day of `observed_at` on
PostgreSQL (the migration creates the parent table; feeds.store creates each day's partition before
it writes into it, and retention drops whole partitions). On SQLite it is one table and retention
deletes rows. Its key is (observed_at, run_id, first_seq): a block starts at the `first_seq`-th
event of its run, so a batch written twice is refused by the key, never stored twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, JSONType


class SourceKind(StrEnum):
    FILE = "file"  # reports dropped in by hand: upload, `csirtnet feed run`
    FOLDER = "folder"  # a watched directory: new files are processed and moved aside
    URL = "url"  # an HTTP(S) address polled every `schedule_minutes`
    API = "api"  # members' sensors POST JSON lines to /api/v1/feeds/{id}/events


class ParserName(StrEnum):
    SHADOWSERVER = "shadowserver"  # Shadowserver CSV reports, type from the file name or header
    CSV = "csv"  # generic CSV driven by the source's mapping
    JSONL = "jsonl"  # generic JSON lines driven by the source's mapping (or already harmonised)


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DigestStatus(StrEnum):
    OPEN = "open"  # its period has not ended: events are still being added
    SENT = "sent"  # closed and sent (email queued, in the member's inbox)


class RuleAction(StrEnum):
    OPEN_INCIDENT = "open_incident"
    ADD_SIGHTING = "add_sighting"
    RAISE_FLAG = "raise_flag"


class FeedSource(IdMixin, Base):
    __tablename__ = "feed_source"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    provider: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default=SourceKind.FILE.value)
    parser: Mapped[str] = mapped_column(String(20), default=ParserName.SHADOWSERVER.value)
    # Generic parsers: {"columns": {"ip": {"field": "source.ip", "type": "ip"}, ...},
    # "time_format": "...", "constants": {"classification.type": "..."}} (feeds.parsers.mapping).
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    url: Mapped[str | None] = mapped_column(String(2000))
    # A polled address that wants a key: the header that carries it (e.g. "Authorization", "Auth-Key")
    # and its value sealed with the platform key (kit.sealing; never read back, only used).
    url_header: Mapped[str | None] = mapped_column(String(100))
    url_secret_sealed: Mapped[str | None] = mapped_column(Text)
    folder: Mapped[str | None] = mapped_column(String(1000))
    schedule_minutes: Mapped[int | None] = mapped_column(Integer)  # URL polling interval
    tlp: Mapped[str] = mapped_column(String(20), default="amber")  # the TLP of this source's data
    # Which actions apply: "digest" (per-member digests) and/or "rules" (feed_rule actions).
    actions: Mapped[list[str]] = mapped_column(JSONType, default=lambda: ["digest", "rules"])
    dedupe_fields: Mapped[list[str]] = mapped_column(
        JSONType, default=lambda: ["source.ip", "source.port", "classification.identifier"]
    )
    dedupe_window_hours: Mapped[int] = mapped_column(Integer, default=24)
    digest_period_hours: Mapped[int] = mapped_column(Integer, default=24)
    # API sources: the organisations whose sensors may post (empty: any member organisation).
    submitter_org_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def has_url_secret(self) -> bool:
        return self.url_secret_sealed is not None


class FeedRun(IdMixin, Base):
    __tablename__ = "feed_run"
    __table_args__ = (Index("ix_feed_run_source_started", "source_id", "started_at"),)

    source_id: Mapped[int] = mapped_column(ForeignKey("feed_source.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(12))  # cli, upload, folder, url, api, nats, demo
    files: Mapped[list[str]] = mapped_column(JSONType, default=list)  # file names (no directories)
    report_type: Mapped[str | None] = mapped_column(String(80))  # e.g. Shadowserver "scan_smb"
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    events: Mapped[int] = mapped_column(Integer, default=0)  # parsed (duplicates included)
    matched: Mapped[int] = mapped_column(Integer, default=0)  # stored with an owner
    unmatched: Mapped[int] = mapped_column(Integer, default=0)  # stored without one
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitter_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))


class FeedQuarantine(IdMixin, Base):
    """A line that could not be read, kept with where it was and why."""

    __tablename__ = "feed_quarantine"
    __table_args__ = (Index("ix_feed_quarantine_source_created", "source_id", "created_at"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("feed_run.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("feed_source.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(String(300))
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)  # the line as read, cut at 4,000 characters
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Text compared byte by byte, as polars and Python order it (SQLite's default BINARY already does).
ADDRESS_TEXT = String(45).with_variant(String(45, collation="C"), "postgresql")


class FeedBlock(Base):
    """The new events of one batch with one owner, taxonomy and type (see the module's note)."""

    __tablename__ = "feed_block"
    __table_args__ = (
        Index("ix_feed_block_org_observed", "organisation_id", "observed_at"),
        Index("ix_feed_block_source_observed", "source_id", "observed_at"),
        {"postgresql_partition_by": "RANGE (observed_at)"},
    )

    observed_at: Mapped[datetime] = mapped_column(primary_key=True)  # time.observation of the batch
    run_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    first_seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # the seq of its first event
    source_id: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(Integer)  # the owner (null: unmatched)
    taxonomy: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str | None] = mapped_column(String(60))
    tlp: Mapped[str] = mapped_column(String(20))
    events: Mapped[int] = mapped_column(Integer)
    # The least and greatest source.ip of its events, as text compared byte by byte (the "C"
    # collation on PostgreSQL, whatever the database's): a search by address opens only the blocks
    # whose range holds it.
    ip_min: Mapped[str | None] = mapped_column(ADDRESS_TEXT)
    ip_max: Mapped[str | None] = mapped_column(ADDRESS_TEXT)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # Zstandard-compressed JSON lines


class FeedSeen(Base):
    """The dedupe window: a key first seen at `first_seen`; the same key again before
    `first_seen + window` is a duplicate. Rows past every window are deleted by retention."""

    __tablename__ = "feed_seen"

    source_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    first_seen: Mapped[datetime]


class FeedDigest(IdMixin, Base):
    """One member's events of one source in one period: one email and one inbox entry."""

    __tablename__ = "feed_digest"
    __table_args__ = (UniqueConstraint("organisation_id", "source_id", "period_start"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("feed_source.id", ondelete="CASCADE"))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    events: Mapped[int] = mapped_column(Integer, default=0)
    tlp: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(8), default=DigestStatus.OPEN.value)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedRule(IdMixin, Base):
    """When an event matches (source, taxonomy, types, the owner's system's security level), do the
    action once per (rule, owner, key) within `window_hours`."""

    __tablename__ = "feed_rule"

    name: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("feed_source.id", ondelete="CASCADE"))  # null: any
    taxonomy: Mapped[str | None] = mapped_column(String(40))  # RSIT taxonomy, null: any
    types: Mapped[list[str]] = mapped_column(JSONType, default=list)  # RSIT types, empty: any
    min_security_level: Mapped[int | None] = mapped_column(Integer)  # of the matched claim's system
    action: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str | None] = mapped_column(String(10))  # for open_incident
    window_hours: Mapped[int] = mapped_column(Integer, default=168)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedActionTaken(IdMixin, Base):
    """What a rule did, once per (rule, key): the incident it opened, the sighting, the flag."""

    __tablename__ = "feed_action"
    __table_args__ = (UniqueConstraint("rule_id", "key"),)

    rule_id: Mapped[int] = mapped_column(ForeignKey("feed_rule.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))  # e.g. "<organisation id>|<source.ip>"
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("feed_run.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id", ondelete="SET NULL"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("member_flag.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MemberFlag(IdMixin, Base):
    """A member's readiness flag, raised by a feed rule (or by hand) until a coordinator clears it."""

    __tablename__ = "member_flag"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("feed_rule.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class AsnPrefix(IdMixin, Base):
    """The operator's prefix-to-ASN table (loaded from a file: `csirtnet feed asn-table FILE`)."""

    __tablename__ = "asn_prefix"

    network: Mapped[str] = mapped_column(String(50), unique=True)
    asn: Mapped[int] = mapped_column(BigInteger)


class FeedBatch(Base):
    """A batch a pipeline stage committed: the same batch delivered again is acknowledged and skipped."""

    __tablename__ = "feed_batch"

    batch_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    run_id: Mapped[int] = mapped_column(BigInteger, index=True)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
