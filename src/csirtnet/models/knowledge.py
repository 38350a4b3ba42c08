"""The knowledge base: playbooks, lessons learned and event materials, bilingual, TLP-marked."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.text import fold
from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin, fit


class KnowledgeKind(StrEnum):
    PLAYBOOK = "playbook"
    LESSONS_LEARNED = "lessons_learned"
    MATERIAL = "material"  # slides and handouts of an event
    REPORT = "report"
    OTHER = "other"


class KnowledgeDocument(IdMixin, TimestampMixin, Base):
    """Shared with the whole network (cluster_id empty) or one cluster, within its TLP."""

    __tablename__ = "knowledge_document"

    kind: Mapped[str] = mapped_column(String(20), default=KnowledgeKind.OTHER.value)
    title_vi: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    summary_vi: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    tlp: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("network_event.id", ondelete="SET NULL"), index=True)
    # Derived on every write: both languages' titles, summaries and the tags, accents removed.
    search_fold: Mapped[str] = mapped_column(Text, default="")
    tags_fold: Mapped[str] = mapped_column(String(2000), default="")  # "|tag one|tag two|", for exact tag filters


class KnowledgeFile(Base):
    __tablename__ = "knowledge_document_file"

    document_id: Mapped[int] = mapped_column(ForeignKey("knowledge_document.id", ondelete="CASCADE"), primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), primary_key=True)


@event.listens_for(KnowledgeDocument, "before_insert")
@event.listens_for(KnowledgeDocument, "before_update")
def _derive_search(_mapper: object, _conn: object, doc: KnowledgeDocument) -> None:
    parts = [doc.title_vi, doc.title_en, doc.summary_vi, doc.summary_en, " ".join(doc.tags or [])]
    doc.search_fold = fold(" ".join(p for p in parts if p))
    doc.tags_fold = fit(KnowledgeDocument.tags_fold, "|" + "|".join(fold(t) for t in doc.tags or []) + "|")
