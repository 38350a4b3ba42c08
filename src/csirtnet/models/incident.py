"""Incidents: what the coordinator and the members work, opened from one or more triaged reports.

Classification follows RSIT (class/type), severity Decision 05/2017 (normal/serious, with the
reason when a person overrode the suggestion), sharing TLP 2.0 and PAP. `search_words` holds the
accent-free words that search matches (kit/search.py, docs/adr/0013-word-search.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.search import lexemes_index
from csirtnet.models.base import Base, IdMixin, JSONType, SortKey, TimestampMixin


class Phase(StrEnum):
    """NIST SP 800-61 / ISO/IEC 27035 phases; the allowed moves live in csirtnet.incident.workflow."""

    TRIAGE = "triage"  # assess and decide
    ANALYSIS = "analysis"  # scope, root cause, evidence
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    POST_INCIDENT = "post_incident"  # lessons learned, closing report being written
    CLOSED = "closed"


class Incident(IdMixin, TimestampMixin, Base):
    __tablename__ = "incident"

    reference: Mapped[str] = mapped_column(String(30), unique=True)  # "SC-2026-000123"
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    reporting_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    operating_unit: Mapped[str | None] = mapped_column(String(300))
    # The affected information system (Circular 20 form 03, section 2).
    system_name: Mapped[str | None] = mapped_column(String(300))
    system_domains: Mapped[list[str]] = mapped_column(JSONType, default=list)
    system_ips: Mapped[list[str]] = mapped_column(JSONType, default=list)
    system_security_level: Mapped[int | None] = mapped_column(Integer)  # 1-5, Decree 85/2016
    system_on_national_list: Mapped[bool] = mapped_column(Boolean, default=False)
    system_providers: Mapped[str | None] = mapped_column(Text)
    # Classification.
    rsit_class: Mapped[str | None] = mapped_column(String(60), index=True)
    rsit_type: Mapped[str | None] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(20), default="normal", index=True)
    severity_suggested: Mapped[str] = mapped_column(String(20), default="normal")
    severity_reason: Mapped[str | None] = mapped_column(Text)
    serious_criteria: Mapped[list[str]] = mapped_column(JSONType, default=list)  # Decision 05 impacts seen
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)
    tlp: Mapped[str] = mapped_column(String(20), default="amber")
    pap: Mapped[str] = mapped_column(String(10), default="amber")
    sector: Mapped[str | None] = mapped_column(String(80))
    province: Mapped[str | None] = mapped_column(String(80), index=True)
    # Impact (NIST SP 800-61 r2 categories, as ENISA and CISA use them).
    impact_functional: Mapped[str | None] = mapped_column(String(20))  # none|low|medium|high
    impact_information: Mapped[str | None] = mapped_column(String(20))  # none|privacy|proprietary|integrity
    # regular | supplemented | extended | not_recoverable
    impact_recoverability: Mapped[str | None] = mapped_column(String(20))
    data_loss: Mapped[bool] = mapped_column(Boolean, default=False)
    ransom_paid_at: Mapped[datetime | None]  # CIRCIA's 24-hour ransom-payment report starts here
    # Workflow and time.
    phase: Mapped[str] = mapped_column(String(20), default=Phase.TRIAGE.value, index=True)
    detected_at: Mapped[datetime]
    reported_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    deadline_profile_key: Mapped[str] = mapped_column(String(40), default="vn-circular-20")
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # set by the deadline job
    shared_with_cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("cluster.id", ondelete="SET NULL"), index=True
    )
    # Closing report (Circular 20 form 04).
    closing_result: Mapped[str | None] = mapped_column(Text)
    closing_root_cause: Mapped[str | None] = mapped_column(Text)
    closing_actions: Mapped[str | None] = mapped_column(Text)
    closing_lessons: Mapped[str | None] = mapped_column(Text)
    closing_reported_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Derived on every write by the service: accent-free search words, and Vietnamese title order.
    # Deferred: no page reads them.
    search_words: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    title_sort: Mapped[str] = mapped_column(SortKey, default="")

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED.value


# PostgreSQL: a GIN index over the words and their beginnings (kit.search); SQLite scans.
lexemes_index("ix_incident_search_words", Incident.__table__.c.search_words)
