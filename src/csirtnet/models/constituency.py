"""What each member is responsible for: IP prefixes (v4, v6), autonomous systems and domains.

IP claims keep their first and last address as 32 hex digits so ranges compare as strings on
every database; `prefix_len` ranks matches (longest wins). A claim delegated out of another
member's broader claim names that claim in `parent_claim_id`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, TimestampMixin


class ClaimKind(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    ASN = "asn"
    DOMAIN = "domain"


class ClaimStatus(StrEnum):
    ACTIVE = "active"  # counts in lookups
    REJECTED = "rejected"  # a coordinator ruled it out while resolving an overlap


class ConstituencyClaim(IdMixin, TimestampMixin, Base):
    __tablename__ = "constituency_claim"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "value"),
        Index("ix_constituency_claim_kind_value", "kind", "value"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(260))  # canonical: "203.0.113.0/24", "64500", "example.vn"
    prefix_len: Mapped[int] = mapped_column(Integer, default=0)  # IP prefix length; domain label count
    range_start: Mapped[str | None] = mapped_column(String(32))
    range_end: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default=ClaimStatus.ACTIVE.value)
    parent_claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("constituency_claim.id", ondelete="SET NULL"), index=True
    )
    # A coordinator accepted this claim overlapping broader ones of other members.
    overlap_accepted_at: Mapped[datetime | None]
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(300))
    # The member's information system that lives in this range (its security level decides feed rules).
    information_system_id: Mapped[int | None] = mapped_column(
        ForeignKey("information_system.id", ondelete="SET NULL"), index=True
    )
