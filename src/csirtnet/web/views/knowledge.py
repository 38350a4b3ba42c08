"""Pages of the knowledge base: search in Vietnamese or English, with or without accents, within
each document's TLP; adding documents with their files."""

from __future__ import annotations

from fastapi import APIRouter, Request
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
from csirtnet.models import KnowledgeDocument
from csirtnet.vocabulary import TLP, labels
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import render
from csirtnet.web.views import cluster_forms as cf
from csirtnet.web.views.channels import tlp_choices
from csirtnet.web.views.clusters import close_uploads, common, done, store_files

router = APIRouter(include_in_schema=False)
KB_MARKINGS = [t.value for t in tlp.ORDER if t is not TLP.RED]


def _kb_page(
    request: Request, session: DbSession, who: Subject, form: BoundForm | None = None, status: int = 200
) -> Response:
    search = cf.from_query(cf.KNOWLEDGE_SEARCH, request.query_params)
    q, kind, tag = search.text("q"), search.optional("kind"), search.optional("tag")
    for name, value, longest in (("q", q, 200), ("tag", tag or "", 40)):
        if len(value) > longest:
            search.fail(name, N_("This is too long."))
    if kind is not None and kind not in labels.KNOWLEDGE_KINDS:
        search.fail("kind", N_("Choose one of the offered values."))
    rows: list[KnowledgeDocument] = []
    next_cursor: str | None = None
    if search.ok:
        rows, next_cursor = knowledge_reads.search_page(
            session, who, q=q, kind=kind, tag=tag, cursor=request.query_params.get("cursor") or None
        )
    clusters = cluster_reads.clusters_among(session, cluster_authz.visible_cluster_ids(session, who))
    return render(
        request,
        "knowledge/list.html",
        {
            **common(request),
            "documents": knowledge.reads(session, who, rows),
            "next_cursor": next_cursor,
            "search": search,
            "cluster_choices": [(c.id, c.name) for c in clusters],
            "tlp_choices": tlp_choices(request, KB_MARKINGS),
            "may_write": can(who, Permission.KNOWLEDGE_WRITE),
            "form": form or cf.DOCUMENT.blank({"tlp": "green", "kind": "playbook"}),
        },
        status_code=status if search.ok else 422,
    )


@router.get("/knowledge")
def knowledge_list(request: Request, session: Session, who: PageUser) -> Response:
    return _kb_page(request, session, who)


@router.post("/knowledge")
async def knowledge_create(request: Request, session: Session, who: PageUser) -> Response:
    form = await cf.DOCUMENT.read(request)
    data = form.validate(DocumentCreate, cf.document_values(form))

    def change() -> object:
        assert data is not None
        ids = store_files(session, who, form.uploads.get("files", []))
        return knowledge.create(session, who, data.model_copy(update={"attachment_ids": ids}))

    try:
        doc = form.attempt(session, change) if data else None
    finally:
        await close_uploads(request)
    if doc is None:
        return _kb_page(request, session, who, form, 422)
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
