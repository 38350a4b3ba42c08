"""The incident page, one tab per URL (summary, tasks and each task, observables, timeline,
discussion, files), a file's download, the case report (HTML and PDF) and the exports of forms 03
and 04 and JSON."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from csirtnet.auth.deps import PageUser, Session
from csirtnet.incident import export, files, workspace_reads
from csirtnet.kit.files import download
from csirtnet.web.render import render, request_language
from csirtnet.web.views.incidents.common import common
from csirtnet.web.views.incidents.page import TABS, render_tab

router = APIRouter(include_in_schema=False)


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return render_tab(request, session, who, incident_id, "summary")


@router.get("/incidents/{incident_id}/tasks")
def tasks_tab(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return render_tab(request, session, who, incident_id, "tasks")


@router.get("/incidents/{incident_id}/tasks/{task_id}")
def task_page(request: Request, session: Session, who: PageUser, incident_id: int, task_id: int) -> Response:
    return render_tab(request, session, who, incident_id, "task", task_id=task_id)


@router.get("/incidents/{incident_id}/observables")
def observables_tab(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return render_tab(request, session, who, incident_id, "observables")


@router.get("/incidents/{incident_id}/timeline")
def timeline_tab(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return render_tab(request, session, who, incident_id, "timeline")


@router.get("/incidents/{incident_id}/discussion")
def discussion_tab(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return render_tab(request, session, who, incident_id, "discussion")


@router.get("/incidents/{incident_id}/files")
def files_tab(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return render_tab(request, session, who, incident_id, "files")


@router.get("/incidents/{incident_id}/files/{attachment_id}")
def file_download(request: Request, session: Session, who: PageUser, incident_id: int, attachment_id: int) -> Response:
    return download(files.for_download(session, who, incident_id, attachment_id))


@router.get("/incidents/{incident_id}/case-report")
def case_report(
    request: Request,
    session: Session,
    who: PageUser,
    incident_id: int,
    lang: str | None = Query(default=None, max_length=2),
) -> Response:
    language = lang if lang in ("vi", "en") else request_language(request)
    report = workspace_reads.case_report(session, who, incident_id, language)
    return render(
        request,
        "incidents/case_report.html",
        {**common(request), "case": report, "incident": report.incident, "tabs": TABS, "case_lang": language},
    )


@router.get("/incidents/{incident_id}/export.pdf")
def download_pdf(
    request: Request,
    session: Session,
    who: PageUser,
    incident_id: int,
    form: str = Query(default="both", max_length=10),
    lang: str = Query(default="vi", max_length=2),
) -> Response:
    from csirtnet.incident import export_pdf  # fpdf costs a web process ~58 MB: loaded when a PDF is asked for

    document = export_pdf.export_document(session, who, incident_id, form=form, lang=lang)
    return Response(
        document.data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
    )


@router.get("/incidents/{incident_id}/export.json")
def download_json(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    document = export.export_json(session, who, incident_id)
    return Response(
        document.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{document.incident.reference}.json"'},
    )
