"""Experts a member organisation offers to the network, with structured, searchable skills.

Mobilisation (incidents) ranks experts by these skills, their region, availability and load.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from csirtnet.kit.text import fold
from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin, fit


class Expert(IdMixin, TimestampMixin, Base):
    __tablename__ = "expert"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    province: Mapped[str | None] = mapped_column(String(80))  # where the expert is based (region)
    certifications: Mapped[list[str]] = mapped_column(JSONType, default=list)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)  # ISO 639-1 codes
    # Weekly availability windows: [{"day": 0-6, "from": "08:00", "to": "17:00"}]; empty means 24/7.
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    available: Mapped[bool] = mapped_column(Boolean, default=True)  # off when on leave
    on_site: Mapped[bool] = mapped_column(Boolean, default=True)  # can travel to a site
    max_deployments: Mapped[int] = mapped_column(Integer, default=1)
    notes: Mapped[str | None] = mapped_column(Text)
    name_fold: Mapped[str] = mapped_column(String(300), default="", index=True)

    skills: Mapped[list[ExpertSkill]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class ExpertSkill(Base):
    """One skill of an expert (keys from csirtnet.vocabulary.skills), level 1 (basic) to 3 (expert)."""

    __tablename__ = "expert_skill"

    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    level: Mapped[int] = mapped_column(Integer, default=2)


@event.listens_for(Expert, "before_insert")
@event.listens_for(Expert, "before_update")
def _derive_expert_keys(_mapper: object, _conn: object, expert: Expert) -> None:
    expert.name_fold = fit(Expert.name_fold, fold(expert.full_name))
