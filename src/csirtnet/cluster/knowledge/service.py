"""Knowledge-base documents: written by members, read within their TLP, searched in both
languages without accents (kit.text.fold over titles, summaries and tags)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require, tlp
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.cluster import files
from csirtnet.cluster.knowledge.schemas import DocumentCreate, DocumentRead, DocumentUpdate
from csirtnet.cluster.schemas import FileRead, OrgRef
from csirtnet.errors import ErrorList, Forbidden, NotFound, ValidationFailed
from csirtnet.kit.text import fold
from csirtnet.models import Cluster, KnowledgeDocument, KnowledgeFile, Organisation, StoredFile, User
from csirtnet.vocabulary import TLP

MAX_TAG = 40


def visibility(session: Session, who: Subject) -> ColumnElement[bool]:
    """The TLP decision for documents: the space is the whole network, or one cluster."""
    community = cluster_authz.document_community_clause(session, who)
    own_clusters = cluster_authz.cluster_ids_of_org(session, who.organisation_id)
    recipient = or_(KnowledgeDocument.cluster_id.is_(None), KnowledgeDocument.cluster_id.in_(sorted(own_clusters)))
    return tlp.visible_clause(
        who,
        tlp=KnowledgeDocument.tlp,
        author_user_id=KnowledgeDocument.author_id,
        author_organisation_id=KnowledgeDocument.organisation_id,
        named=False,
        in_community=community,
        recipient_organisation=recipient,
    )


def search(
    session: Session,
    who: Subject,
    *,
    q: str | None = None,
    kind: str | None = None,
    tag: str | None = None,
    cluster_id: int | None = None,
    event_id: int | None = None,
) -> Select[KnowledgeDocument]:
    """Documents the subject may read; every word of `q` must occur (accents and case ignored) in
    a title, summary or tag, in Vietnamese or English."""
    require(who, Permission.KNOWLEDGE_READ)
    query = select(KnowledgeDocument).where(visibility(session, who))
    for word in fold(q or "").split():
        query = query.where(KnowledgeDocument.search_fold.contains(word, autoescape=True))
    if kind:
        query = query.where(KnowledgeDocument.kind == kind)
    if tag and fold(tag):
        query = query.where(KnowledgeDocument.tags_fold.contains(f"|{fold(tag)}|", autoescape=True))
    if cluster_id is not None:
        query = query.where(KnowledgeDocument.cluster_id == cluster_id)
    if event_id is not None:
        query = query.where(KnowledgeDocument.event_id == event_id)
    return query


def get(session: Session, who: Subject, document_id: int) -> KnowledgeDocument:
    doc = session.scalar(search(session, who).where(KnowledgeDocument.id == document_id))
    if doc is None:
        raise NotFound("document")
    return doc


def _clean_tags(tags: Sequence[str], errors: ErrorList) -> list[str]:
    out: list[str] = []
    for index, raw in enumerate(tags):
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG or "|" in tag:
            errors.add(f"tags.{index}", f"at most {MAX_TAG} characters, without |")
        elif fold(tag) not in {fold(t) for t in out}:
            out.append(tag)
    return out


def _marking(value: str) -> TLP:
    marking = tlp.parse(value)
    if marking is TLP.RED:
        raise ValidationFailed("tlp", "TLP:RED goes to named people in a channel, not to the knowledge base")
    return marking


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def create(session: Session, who: Subject, data: DocumentCreate, *, event_id: int | None = None) -> KnowledgeDocument:
    """Add a document (playbook, lessons learned, material…) to the knowledge base."""
    require(who, Permission.KNOWLEDGE_WRITE)
    if who.organisation_id is None:
        raise Forbidden("Documents are written by a member organisation's users")
    marking = _marking(data.tlp)
    errors = ErrorList()
    if not (_text(data.title_vi) or _text(data.title_en)):
        errors.add("title_vi", "give a title in Vietnamese or English")
    tags = _clean_tags(data.tags, errors)
    if data.cluster_id is not None:
        if session.get(Cluster, data.cluster_id) is None:
            errors.add("cluster_id", f"no cluster with id {data.cluster_id}")
        elif not cluster_authz.is_cluster_insider(session, who, data.cluster_id):
            errors.add("cluster_id", "you may share only with a cluster your organisation belongs to")
    errors.raise_if_any()
    documents = files.claim(session, who, data.attachment_ids, "attachment_ids")
    doc = KnowledgeDocument(
        kind=data.kind.value,
        title_vi=_text(data.title_vi),
        title_en=_text(data.title_en),
        summary_vi=_text(data.summary_vi),
        summary_en=_text(data.summary_en),
        tags=tags,
        tlp=marking.value,
        organisation_id=who.organisation_id,
        author_id=who.user_id,
        cluster_id=data.cluster_id,
        event_id=event_id,
    )
    session.add(doc)
    session.flush()
    for stored in documents:
        session.add(KnowledgeFile(document_id=doc.id, stored_file_id=stored.id))
    audit.record(
        session,
        who,
        "knowledge.created",
        doc,
        # No title, names or hashes: the audit log's readers are not the document's (ADR 0002).
        tlp=doc.tlp,
        cluster_id=doc.cluster_id,
        event_id=event_id,
        files=[s.id for s in documents],
    )
    return doc


def update(session: Session, who: Subject, document_id: int, data: DocumentUpdate) -> KnowledgeDocument:
    """Change a document (its author, their organisation's admins, the coordinator)."""
    require(who, Permission.KNOWLEDGE_WRITE)
    doc = get(session, who, document_id)
    if not cluster_authz.can_edit_document(who, doc):
        raise Forbidden("Only the author, their organisation's admins and the coordinator change a document")
    fields = data.model_dump(exclude_unset=True)
    errors = ErrorList()
    changes: dict[str, object] = {}
    if fields.get("tlp") is not None:
        fields["tlp"] = _marking(fields["tlp"]).value
    if fields.get("tags") is not None:
        fields["tags"] = _clean_tags(fields["tags"], errors)
    for name in ("title_vi", "title_en", "summary_vi", "summary_en"):
        if name in fields:
            fields[name] = _text(fields[name])
    title_vi = fields.get("title_vi", doc.title_vi)
    title_en = fields.get("title_en", doc.title_en)
    if not (title_vi or title_en):
        errors.add("title_vi", "give a title in Vietnamese or English")
    errors.raise_if_any()
    new_files = files.claim(session, who, fields.pop("attachment_ids", None) or [], "attachment_ids")
    for name, value in fields.items():
        if value is None and name in ("kind", "tlp", "tags"):
            continue
        if hasattr(value, "value"):
            value = value.value
        if value != getattr(doc, name):
            # The marking and the space are facts about access; the rest is the document's content.
            shown = name in ("tlp", "kind", "cluster_id")
            changes[name] = {"from": getattr(doc, name), "to": value} if shown else "changed"
            setattr(doc, name, value)
    existing = set(session.scalars(select(KnowledgeFile.stored_file_id).where(KnowledgeFile.document_id == doc.id)))
    added = [s for s in new_files if s.id not in existing]
    for stored in added:
        session.add(KnowledgeFile(document_id=doc.id, stored_file_id=stored.id))
    if added:
        changes["files_added"] = [s.id for s in added]
    if changes:
        session.flush()
        audit.record(session, who, "knowledge.updated", doc, changes=changes)
    return doc


def document_file(session: Session, who: Subject, document_id: int, file_id: int) -> StoredFile:
    doc = get(session, who, document_id)
    stored = session.scalar(
        select(StoredFile)
        .join(KnowledgeFile, KnowledgeFile.stored_file_id == StoredFile.id)
        .where(KnowledgeFile.document_id == doc.id, StoredFile.id == file_id)
    )
    if stored is None:
        raise NotFound("file")
    return stored


def reads(session: Session, who: Subject, docs: Sequence[KnowledgeDocument]) -> list[DocumentRead]:
    ids = [d.id for d in docs]
    attached: dict[int, list[StoredFile]] = {i: [] for i in ids}
    if ids:
        for doc_id, stored in session.execute(
            select(KnowledgeFile.document_id, StoredFile)
            .join(StoredFile, StoredFile.id == KnowledgeFile.stored_file_id)
            .where(KnowledgeFile.document_id.in_(ids))
            .order_by(StoredFile.id)
        ):
            attached[doc_id].append(stored)
    orgs = {
        o.id: o
        for o in session.scalars(select(Organisation).where(Organisation.id.in_({d.organisation_id for d in docs})))
    }
    author_ids = {d.author_id for d in docs if d.author_id is not None}
    authors = {u.id: u for u in session.scalars(select(User).where(User.id.in_(author_ids)))} if author_ids else {}
    return [
        DocumentRead(
            id=d.id,
            kind=d.kind,
            title_vi=d.title_vi,
            title_en=d.title_en,
            summary_vi=d.summary_vi,
            summary_en=d.summary_en,
            tags=list(d.tags or []),
            tlp=d.tlp,
            organisation=OrgRef.model_validate(orgs[d.organisation_id]),
            author=authors[d.author_id].full_name if d.author_id in authors else None,
            cluster_id=d.cluster_id,
            event_id=d.event_id,
            files=[FileRead.model_validate(f) for f in attached[d.id]],
            created_at=d.created_at,
            updated_at=d.updated_at,
            can_edit=cluster_authz.can_edit_document(who, d),
        )
        for d in docs
    ]
