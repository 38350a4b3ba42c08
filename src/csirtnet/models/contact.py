"""The people a member organisation can be reached through, each in a role (form 01 of Circular 20/2017)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, TimestampMixin


class ContactRole(StrEnum):
    INCIDENT_24X7 = "incident_24x7"  # takes incident reports at any hour
    FOCAL_POINT = "focal_point"  # the member's point of contact with the coordinator
    LEADERSHIP = "leadership"  # the leader responsible for the member
    INFOSEC_LEADER = "infosec_leader"  # the leader in charge of information security
    TECHNICAL = "technical"  # a technical contact


class OrganisationContact(IdMixin, TimestampMixin, Base):
    __tablename__ = "organisation_contact"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
