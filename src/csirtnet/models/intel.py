"""Indicator sharing (docs/intel.md, ADR 0025): typed indicators, their sightings, the STIX 2.1
objects kept by id and version in TAXII collections, imports with what they skipped, TAXII
collections added by configuration, subscriptions to remote TAXII collections, and the values that
correlate with too much to mean anything.

Ranges and reversed domains are stored beside the value so that "IP in network" and "domain under
domain" are index range scans (intel.values computes them; intel.correlation uses them):
- `ip_lo` / `ip_hi`: the first and last address as 32 hex digits (IPv4 mapped into ::ffff:0:0/96),
  so that one string comparison orders IPv4 and IPv6 alike;
- `rdomain`: the domain's labels reversed and joined with dots, ending in a dot
  ("www.example.vn" → "vn.example.www."), so every domain under "example.vn" starts with
  "vn.example.".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, JSONType

# Range and reversed-domain keys compare byte by byte (never by a locale) on PostgreSQL.
RangeKey = String(32).with_variant(String(32, collation="C"), "postgresql")
DomainKey = String(300).with_variant(String(300, collation="C"), "postgresql")
# Values too: a prefix search is a byte-order range on an index (benchmarks/intel_search.py: 190–230 ms
# by sequential scan at 1,000,000 indicators in a locale's order, under 8 ms on a C-collated index).
ValueKey = String(2048).with_variant(String(2048, collation="C"), "postgresql")


class IndicatorKind(StrEnum):
    """What an indicator's value is (intel.values detects and normalises each)."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"
    IPV4_NET = "ipv4-net"
    IPV6_NET = "ipv6-net"
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
    JA4 = "ja4"
    STIX_PATTERN = "stix-pattern"


class IndicatorOrigin(StrEnum):
    MANUAL = "manual"  # typed or pasted on a page, or posted to the API
    STIX = "stix"  # a STIX bundle imported (file, CLI, TAXII POST)
    MISP = "misp"  # a MISP event or feed
    TAXII = "taxii"  # a subscription to a remote TAXII collection
    ADVISORY = "advisory"  # an advisory's indicators


class Indicator(IdMixin, Base):
    """One typed indicator, shared in one collection under a TLP marking. Its STIX form is a
    `StixObject` version in the same collection.

    `collection` is the collection's key (intel.collections): "national", "cluster:<id>",
    "outbox:<organisation id>" or "custom:<uuid>" — a key SQL can decide readers from without a
    lookup (authz.intel); TAXII shows each as a UUID."""

    __tablename__ = "indicator"
    __table_args__ = (
        Index("ix_indicator_kind_value", "kind", "value"),
        Index("ix_indicator_value", "value"),
        Index("ix_indicator_ip_lo", "ip_lo", "ip_hi"),
        Index("ix_indicator_rdomain", "rdomain"),
        Index("ix_indicator_collection_modified", "collection", "modified_at"),
    )

    stix_id: Mapped[str] = mapped_column(String(100), unique=True)
    collection: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(ValueKey)
    ip_lo: Mapped[str | None] = mapped_column(RangeKey)
    ip_hi: Mapped[str | None] = mapped_column(RangeKey)
    rdomain: Mapped[str | None] = mapped_column(DomainKey)
    tlp: Mapped[str] = mapped_column(String(20), default="amber", index=True)
    pap: Mapped[str] = mapped_column(String(10), default="amber")
    confidence: Mapped[int] = mapped_column(Integer, default=50)
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column()
    source_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # Where it came from outside the network (a MISP event's org, a bundle's identity, a feed).
    source_name: Mapped[str | None] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(16), default=IndicatorOrigin.MANUAL.value)
    # The import, MISP event UUID, subscription… it came with.
    origin_ref: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # RSIT "class/type", ATT&CK "attack:T1566", MISP taxonomy machine tags, free tags.
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    rsit: Mapped[str | None] = mapped_column(String(80))
    # Names of the warninglists the value is on (a likely false positive: marked, not refused).
    warninglists: Mapped[list[str]] = mapped_column(JSONType, default=list)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    sightings_count: Mapped[int] = mapped_column(Integer, default=0)
    false_positive_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime | None] = mapped_column()
    last_seen_at: Mapped[datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sighting(IdMixin, Base):
    """Someone saw an indicator (or reports it as a false positive): who, when, how often."""

    __tablename__ = "indicator_sighting"

    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    stix_id: Mapped[str] = mapped_column(String(100), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    source_name: Mapped[str | None] = mapped_column(String(200))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=1)
    false_positive: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    tlp: Mapped[str] = mapped_column(String(20), default="amber")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StixObject(IdMixin, Base):
    """One version of one STIX 2.1 object in one TAXII collection, kept as its exact JSON (`body`,
    compact, unknown and custom properties included). A re-import of the same id and `modified` is
    a no-op; a newer `modified` is a new row. `date_added` is when this server added the version
    (TAXII's added_after and paging order on it, then on `id`)."""

    __tablename__ = "stix_object"
    __table_args__ = (
        UniqueConstraint("collection", "stix_id", "modified"),
        Index("ix_stix_object_collection_added", "collection", "date_added", "id"),
        Index("ix_stix_object_stix_id", "stix_id"),
    )

    collection: Mapped[str] = mapped_column(String(60))  # the collection's key (intel.collections)
    stix_id: Mapped[str] = mapped_column(String(100))
    stix_type: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[str] = mapped_column(String(8), default="2.1")
    # STIX timestamps as written ("2026-12-06T10:00:00.000Z"); objects without `modified`
    # (marking definitions, SCOs) use `created`, or "" when they have neither.
    modified: Mapped[str] = mapped_column(String(40))
    created: Mapped[str | None] = mapped_column(String(40))
    date_added: Mapped[datetime] = mapped_column(default=utcnow)
    tlp: Mapped[str] = mapped_column(String(20), default="amber")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)


class IntelImport(IdMixin, Base):
    """One import (a file, a CLI run, a TAXII POST, a subscription poll): what it brought and what it
    skipped, with the reason. A TAXII POST's status resource is this row (`uuid`)."""

    __tablename__ = "intel_import"

    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    format: Mapped[str] = mapped_column(String(20))  # stix, misp-event, misp-feed
    source: Mapped[str] = mapped_column(String(400))  # file name, URL, "taxii"
    collection: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, complete
    total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)  # new objects
    versions: Mapped[int] = mapped_column(Integer, default=0)  # new versions of known objects
    unchanged: Mapped[int] = mapped_column(Integer, default=0)  # already there: a no-op
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    indicators: Mapped[int] = mapped_column(Integer, default=0)  # typed indicators made
    # [{"id", "version"}] and [{"id", "version", "message"}], capped (intel.stix.importer).
    successes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    tlp: Mapped[str] = mapped_column(String(20), default="amber")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class TaxiiCollection(IdMixin, Base):
    """A collection added by configuration (key "custom:<uuid>"; the national, cluster and
    member-outbox collections are implied by the network and need no row: intel.collections). Its
    readers and writers are organisations (`TaxiiCollectionMember`); the coordinating body reads
    and writes every collection."""

    __tablename__ = "taxii_collection"

    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaxiiCollectionMember(IdMixin, Base):
    """An organisation that reads (and, with `can_write`, writes) a configured collection."""

    __tablename__ = "taxii_collection_member"
    __table_args__ = (UniqueConstraint("collection_id", "organisation_id"),)

    collection_id: Mapped[int] = mapped_column(ForeignKey("taxii_collection.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)


class TaxiiSubscription(IdMixin, Base):
    """A remote TAXII 2.1 collection this instance pulls from (imported into `collection`) or
    pushes to (what the remote's account may see under TLP). The credential is never stored here in
    the clear: `secret_ciphertext` is sealed with the platform key (intel.federation)."""

    __tablename__ = "taxii_subscription"

    name: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(8))  # pull, push
    api_root_url: Mapped[str] = mapped_column(String(1000))
    remote_collection_id: Mapped[str] = mapped_column(String(36))
    collection: Mapped[str] = mapped_column(String(60))  # the local collection's key
    username: Mapped[str | None] = mapped_column(String(200))
    secret_ciphertext: Mapped[str | None] = mapped_column(Text)
    # For a push: the organisation the peer stands for (what it may see is what is sent).
    peer_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[str | None] = mapped_column(String(64))  # last date_added seen (pull) or sent (push)
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    last_import_id: Mapped[int | None] = mapped_column(ForeignKey("intel_import.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OverCorrelatedValue(IdMixin, Base):
    """A value that matched more objects than `CSIRTNET_INTEL_CORRELATION_LIMIT`: it no longer
    correlates (every page shows the flag instead), the lesson of MISP's correlation tables."""

    __tablename__ = "over_correlated_value"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))
    matches: Mapped[int] = mapped_column(Integer)
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)
