"""Pages of the knowledge base: search in Vietnamese or English, with or without accents, within
each document's TLP; adding documents with their files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can, tlp
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.cluster import files
from csirtnet.cluster import reads as cluster_reads
from csirtnet.cluster.event import reads as event_reads
from csirtnet.cluster.knowledge import reads as knowledge_reads
from csirtnet.cluster.knowledge import service as knowledge
from csirtnet.cluster.knowledge.schemas import DocumentCreate
from csirtnet.i18n import N_
from csirtnet.vocabulary import TLP
from csirtnet.web.forms import FormErrors, attempt, optional_int
from csirtnet.web.render import render
from csirtnet.web.views.clusters import common, done, store_files, valid

router = APIRouter(include_in_schema=False)
KB_MARKINGS = [t.value for t in tlp.ORDER if t is not TLP.RED]


def document_values(
    kind: str,
    title_vi: str,
    title_en: str,
    summary_vi: str,
    summary_en: str,
    tags: str,
    tlp_marking: str,
    cluster_id: str = "",
) -> dict[str, Any]:
    return {
        "kind": kind,
        "title_vi": title_vi,
        "title_en": title_en,
        "summary_vi": summary_vi,
        "summary_en": summary_en,
        "tags": [t.strip() for t in tags.split(",") if t.strip()],
        "tags_text": tags,
        "tlp": tlp_marking,
        "cluster_id": optional_int(cluster_id),
    }


def _kb_page(
    request: Request, session: DbSession, who: Subject, errors: FormErrors, values: dict[str, Any], status: int = 200
) -> Response:
    params = request.query_params
    q = (params.get("q") or "").strip()[:200]
    kind = params.get("kind") or None
    tag = (params.get("tag") or "").strip()[:40] or None
    rows, next_cursor = knowledge_reads.search_page(
        session, who, q=q, kind=kind, tag=tag, cursor=params.get("cursor") or None
    )
    clusters = cluster_reads.clusters_among(session, cluster_authz.visible_cluster_ids(session, who))
    return render(
        request,
        "knowledge/list.html",
        {
            **common(request),
            "documents": knowledge.reads(session, who, rows),
            "next_cursor": next_cursor,
            "q": q,
            "kind": kind or "",
            "tag": tag or "",
            "clusters": clusters,
            "markings": KB_MARKINGS,
            "may_write": can(who, Permission.KNOWLEDGE_WRITE),
            "errors": errors,
            "values": values or {"tlp": "green", "kind": "playbook"},
        },
        status_code=status,
    )


@router.get("/knowledge")
def knowledge_list(request: Request, session: Session, who: PageUser) -> Response:
    return _kb_page(request, session, who, {}, {})


@router.post("/knowledge")
def knowledge_create(
    request: Request,
    session: Session,
    who: PageUser,
    kind: Annotated[str, Form(max_length=20)] = "other",
    title_vi: Annotated[str, Form(max_length=300)] = "",
    title_en: Annotated[str, Form(max_length=300)] = "",
    summary_vi: Annotated[str, Form(max_length=10_000)] = "",
    summary_en: Annotated[str, Form(max_length=10_000)] = "",
    tags: Annotated[str, Form(max_length=1000)] = "",
    tlp_marking: Annotated[str, Form(alias="tlp", max_length=30)] = "green",
    cluster_id: Annotated[str, Form(max_length=12)] = "",
    files_: Annotated[list[UploadFile] | None, File(alias="files")] = None,
) -> Response:
    values = document_values(kind, title_vi, title_en, summary_vi, summary_en, tags, tlp_marking, cluster_id)
    errors: FormErrors = {}
    data = valid(DocumentCreate, errors, {k: v for k, v in values.items() if k != "tags_text"})

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, files_ or [])
        return knowledge.create(session, who, data.model_copy(update={"attachment_ids": ids}))

    doc = attempt(session, errors, change) if data else None
    if doc is None:
        return _kb_page(request, session, who, errors, values, 422)
    return done(request, f"/knowledge/{getattr(doc, 'id', '')}", N_("The document was added to the knowledge base."))


@router.get("/knowledge/{document_id}")
def knowledge_page(document_id: int, request: Request, session: Session, who: PageUser) -> Response:
    doc = knowledge.get(session, who, document_id)
    event = event_reads.event_named(session, doc.event_id)
    return render(
        request,
        "knowledge/detail.html",
        {**common(request), "d": knowledge.reads(session, who, [doc])[0], "event": event},
    )


@router.get("/knowledge/{document_id}/files/{file_id}")
def knowledge_file(document_id: int, file_id: int, session: Session, who: PageUser) -> StreamingResponse:
    return files.download(knowledge.document_file(session, who, document_id, file_id))
