"""CSAF 2.0 advisories imported from vendors and other CERTs, kept by publisher, tracking id and
version, and the providers polled for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin


class CsafDocument(IdMixin, Base):
    __tablename__ = "csaf_document"
    __table_args__ = (UniqueConstraint("publisher_namespace", "tracking_id", "version"),)

    publisher_namespace: Mapped[str] = mapped_column(String(500))
    publisher_name: Mapped[str] = mapped_column(String(300))
    tracking_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(1000))
    category: Mapped[str] = mapped_column(String(100))
    tlp: Mapped[str | None] = mapped_column(String(20))  # the CSAF label: WHITE, GREEN, AMBER, RED
    status: Mapped[str] = mapped_column(String(20))  # draft / interim / final
    current_release_date: Mapped[datetime]
    cve_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sha256: Mapped[str] = mapped_column(String(64))
    source_url: Mapped[str | None] = mapped_column(String(2000))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("csaf_source.id", ondelete="SET NULL"), index=True)
    imported_at: Mapped[datetime]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class CsafSource(IdMixin, TimestampMixin, Base):
    """A CSAF provider polled on a schedule through its provider-metadata.json."""

    __tablename__ = "csaf_source"

    name: Mapped[str] = mapped_column(String(200))
    metadata_url: Mapped[str] = mapped_column(String(2000), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_hours: Mapped[int] = mapped_column(Integer, default=6)
    last_polled_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(20))  # ok / failed
    last_error: Mapped[str | None] = mapped_column(Text)
    documents_imported: Mapped[int] = mapped_column(Integer, default=0)
