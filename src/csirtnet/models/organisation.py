"""Member organisations of the network (and the coordinating body itself)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.text import fold, sort_key
from csirtnet.models.base import Base, IdMixin, SortKey, TimestampMixin, fit


class OrganisationKind(StrEnum):
    COORDINATOR = "coordinator"  # the coordinating body
    MINISTRY = "ministry"  # ministry or central agency
    PROVINCE = "province"  # provincial / city department
    MILITARY = "military"  # military unit
    POLICE = "police"  # police unit
    STATE_ENTERPRISE = "state_enterprise"
    PRIVATE_ENTERPRISE = "private_enterprise"
    TELECOM = "telecom"  # telecom / ISP
    FINANCE = "finance"  # bank / finance
    SECURITY_VENDOR = "security_vendor"
    EXPERT = "expert"  # an individual expert member


class OrganisationStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Organisation(IdMixin, TimestampMixin, Base):
    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(60))
    member_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default=OrganisationKind.PRIVATE_ENTERPRISE.value)
    sector: Mapped[str | None] = mapped_column(String(80))
    province: Mapped[str | None] = mapped_column(String(80))
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=OrganisationStatus.ACTIVE.value)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    # The member dossier (Circular 20/2017 form 01): where it sits, how to reach it, what it can do.
    owner_agency: Mapped[str | None] = mapped_column(String(300))  # the agency the member answers to
    address: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(300))
    incident_email: Mapped[str | None] = mapped_column(String(320))  # public incident-reception address
    incident_phone: Mapped[str | None] = mapped_column(String(40))
    capability_description: Mapped[str | None] = mapped_column(Text)
    staff_count: Mapped[int | None] = mapped_column(Integer)  # information-security staff
    # When an admin last confirmed contacts and constituency are current; reminders go out when stale.
    confirmed_at: Mapped[datetime | None]
    stale_reminded_at: Mapped[datetime | None]
    # Derived from `name` on every write: accent-insensitive search and Vietnamese ordering.
    name_fold: Mapped[str] = mapped_column(String(300), index=True, default="")
    name_sort: Mapped[str] = mapped_column(SortKey, index=True, default="")


@event.listens_for(Organisation, "before_insert")
@event.listens_for(Organisation, "before_update")
def _derive_name_keys(_mapper: object, _conn: object, org: Organisation) -> None:
    org.name_fold = fit(Organisation.name_fold, fold(f"{org.name} {org.short_name or ''} {org.name_en or ''}"))
    org.name_sort = fit(Organisation.name_sort, sort_key(org.name))
