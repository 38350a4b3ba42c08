"""Electronic and physical evidence of an incident, its stored content, its custody log and the
history of its checks (issue 12; docs/evidence.md).

- `EvidenceContent`: one stored body of bytes in the evidence store, addressed by its SHA-256 (the
  store holds it once however many items link it), with the SHA-1 and MD5 computed while it was
  written (other tools and courts still quote them).
- `EvidenceItem`: a digital file or a physical object collected for an incident, with its
  collection record (who, when in which time zone, where, how, under which legal basis, original or
  copy, RFC 3227 order-of-volatility category, ISO/IEC 27037 stage). Who holds it is derived from
  the custody log; `custodian_id`, `status` and `pending_*` are that derivation kept beside the
  item, written only by evidence.custody in the same transaction as the entry they follow.
- `EvidenceCustodyEntry`: the append-only log. `entry` is the exact canonical JSON that was hashed
  and signed (evidence.chain); the other columns repeat some of its values for queries.
- `EvidenceCheck`: each verification of an item (scheduled, CLI or on demand) and what it found.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, JSONType


class EvidenceKind(StrEnum):
    DIGITAL = "digital"  # a file: its bytes are in the evidence store
    PHYSICAL = "physical"  # an object: a disk, a phone, a server; described, sealed, located


class EvidenceType(StrEnum):
    """What the item is (each named in vocabulary/labels.py)."""

    DISK_IMAGE = "disk_image"
    MEMORY_IMAGE = "memory_image"
    LOG = "log"
    PACKET_CAPTURE = "packet_capture"
    MAILBOX = "mailbox"
    SCREENSHOT = "screenshot"
    DOCUMENT = "document"
    OTHER_FILE = "other_file"
    HARD_DISK = "hard_disk"
    PHONE = "phone"
    COMPUTER = "computer"
    SERVER = "server"
    STORAGE_MEDIA = "storage_media"
    OTHER_DEVICE = "other_device"


DIGITAL_TYPES = frozenset(
    {
        EvidenceType.DISK_IMAGE,
        EvidenceType.MEMORY_IMAGE,
        EvidenceType.LOG,
        EvidenceType.PACKET_CAPTURE,
        EvidenceType.MAILBOX,
        EvidenceType.SCREENSHOT,
        EvidenceType.DOCUMENT,
        EvidenceType.OTHER_FILE,
    }
)


class Volatility(StrEnum):
    """RFC 3227 section 2.1, the order of volatility, most volatile first."""

    REGISTERS_CACHE = "registers_cache"
    MEMORY = "memory"  # routing table, ARP cache, process table, kernel statistics, memory
    TEMPORARY_FILES = "temporary_files"
    DISK = "disk"
    REMOTE_LOGS = "remote_logs"  # remote logging and monitoring data
    PHYSICAL_CONFIGURATION = "physical_configuration"  # physical configuration, network topology
    ARCHIVAL_MEDIA = "archival_media"


class IsoStage(StrEnum):
    """ISO/IEC 27037: the stages of handling potential digital evidence."""

    IDENTIFICATION = "identification"
    COLLECTION = "collection"
    ACQUISITION = "acquisition"
    PRESERVATION = "preservation"


class CustodyAction(StrEnum):
    """What a custody entry records (each named in vocabulary/labels.py)."""

    COLLECTED = "collected"  # the first entry of an item collected or uploaded
    COPIED = "copied"  # on a copy: the first entry, naming its source; on the source: a copy was made
    SEALED = "sealed"
    TRANSFER_OFFERED = "transfer_offered"  # custody moves only when the receiver acknowledges
    TRANSFER_ACKNOWLEDGED = "transfer_acknowledged"
    TRANSFER_DECLINED = "transfer_declined"
    TRANSFER_CANCELLED = "transfer_cancelled"
    CHECKED_OUT = "checked_out"  # for analysis
    CHECKED_IN = "checked_in"
    ANALYSED = "analysed"
    VIEWED = "viewed"
    DOWNLOADED = "downloaded"
    EXPORTED = "exported"
    RETURNED = "returned"  # given back to its owner
    DISPOSED = "disposed"  # destroyed or released, with an authorisation


class EvidenceStatus(StrEnum):
    HELD = "held"  # in its custodian's keeping
    CHECKED_OUT = "checked_out"  # out for analysis
    RETURNED = "returned"
    DISPOSED = "disposed"


class EvidenceRole(StrEnum):
    """A participant's part in the incident's evidence (IncidentParticipant.evidence_role); without
    one, a participant sees no evidence (authz.evidence)."""

    CUSTODIAN = "custodian"  # collects, holds, seals, transfers
    ANALYST = "analyst"  # receives, checks out, analyses
    OBSERVER = "observer"  # reads the items and their custody, handles nothing


class EvidenceContent(IdMixin, Base):
    __tablename__ = "evidence_content"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sha1: Mapped[str] = mapped_column(String(40), index=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str | None] = mapped_column(String(32))  # the encryption key's id; null: stored plain
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceItem(IdMixin, Base):
    __tablename__ = "evidence_item"

    reference: Mapped[str] = mapped_column(String(30), unique=True)  # "EV-2026-000042"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # EvidenceKind
    item_type: Mapped[str] = mapped_column(String(30))  # EvidenceType
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    tlp: Mapped[str] = mapped_column(String(20))
    content_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_content.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(120))
    # physical description
    make: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    serial_number: Mapped[str | None] = mapped_column(String(200))
    seal_number: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(300))
    # collection record
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    collected_by_name: Mapped[str] = mapped_column(String(200))
    collected_at: Mapped[datetime]
    collected_timezone: Mapped[str] = mapped_column(String(64))
    collection_place: Mapped[str | None] = mapped_column(String(300))
    collection_system: Mapped[str | None] = mapped_column(String(300))
    collection_address: Mapped[str | None] = mapped_column(String(300))
    tool: Mapped[str | None] = mapped_column(String(200))
    tool_version: Mapped[str | None] = mapped_column(String(100))
    procedure: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(String(200))  # decision or warrant number
    legal_basis_date: Mapped[date | None]
    original: Mapped[bool] = mapped_column(Boolean, default=True)
    volatility: Mapped[str | None] = mapped_column(String(30))  # Volatility
    iso_stage: Mapped[str] = mapped_column(String(20))  # IsoStage
    source_item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_item.id", ondelete="RESTRICT"))
    # derived from the custody log (evidence.custody keeps them)
    status: Mapped[str] = mapped_column(String(20), default=EvidenceStatus.HELD.value)
    custodian_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    pending_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    pending_reason: Mapped[str | None] = mapped_column(Text)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str | None] = mapped_column(String(64))
    # the latest check (the history is in evidence_check)
    checked_at: Mapped[datetime | None]
    check_ok: Mapped[bool | None] = mapped_column(Boolean)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    content: Mapped[EvidenceContent | None] = relationship(lazy="joined")


class EvidenceCustodyEntry(IdMixin, Base):
    __tablename__ = "evidence_custody_entry"
    __table_args__ = (UniqueConstraint("item_id", "seq"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    entry: Mapped[str] = mapped_column(Text)  # the canonical JSON, exactly as hashed
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))


class EvidenceCheck(IdMixin, Base):
    __tablename__ = "evidence_check"

    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"), index=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    trigger: Mapped[str] = mapped_column(String(20))  # "schedule", "cli", "user"
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
