"""The OpenAPI document gives each download its real media type (issue 10): a route that answers
with a response object of its own (a PDF, a CSV table, a stored file) must declare what it sends
(`csirtnet.kit.downloads`), never FastAPI's default JSON and never nothing."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.routing import APIRoute, iter_route_contexts

from csirtnet.kit import downloads

# What a file may be declared as (the first part of a media type).
FILE_MEDIA = (
    "application/pdf",
    "text/csv",
    "application/octet-stream",
    "application/zip",
    "text/plain",
    "message/rfc822",
    "application/stix+json",  # a STIX 2.1 bundle (issue 14's export)
    "text/dns",  # a DNS zone (the RPZ export)
)


def _returns_a_response(endpoint: Any) -> bool:
    """A route that builds its own answer: its return annotation is a Response, neither JSON nor
    a redirect."""
    annotation = inspect.signature(endpoint, eval_str=True).return_annotation
    if not (inspect.isclass(annotation) and issubclass(annotation, Response)):
        return False
    return not issubclass(annotation, (JSONResponse, RedirectResponse))


def undeclared_downloads(app: FastAPI) -> list[str]:
    """Each file-answering route whose success answer the OpenAPI document misdescribes."""
    document = app.openapi()
    problems = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.route
        if not isinstance(route, APIRoute) or not route.include_in_schema or ctx.path is None:
            continue
        declared_file = inspect.isclass(route.response_class) and issubclass(
            route.response_class, (downloads.PdfDownload, downloads.CsvDownload, downloads.FileDownload)
        )
        if not (declared_file or _returns_a_response(route.endpoint)):
            continue
        for method in sorted(ctx.methods or ()):
            operation = document["paths"][ctx.path][method.lower()]
            if route.status_code == 204:
                continue
            answers = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
            media = [m for answer in answers.values() for m in answer.get("content", {})]
            # A JSON document served byte for byte (a CSAF advisory) declares itself as one.
            allowed = (
                (*FILE_MEDIA, "application/json") if route.response_class is downloads.JsonDownload else FILE_MEDIA
            )
            if not media or any(not m.startswith(allowed) for m in media):
                problems.append(f"{method} {ctx.path} declares {media or 'no content'}")
    return sorted(problems)


def test_every_download_declares_its_media_type(app: FastAPI) -> None:
    assert undeclared_downloads(app) == []
    paths = app.openapi()["paths"]
    # The downloads the audit found declaring JSON, each with its type.
    expect = {
        "/api/v1/incidents/{incident_id}/export.pdf": "application/pdf",
        "/api/v1/directory/export.csv": "text/csv",
        "/api/v1/readiness/coverage.csv": "text/csv",
        "/api/v1/channels/{channel_id}/messages/{message_id}/attachments/{file_id}": "application/octet-stream",
        "/api/v1/knowledge/{document_id}/files/{file_id}": "application/octet-stream",
        "/api/v1/readiness/{organisation_id}/{year}/evidence/{evidence_id}/file": "application/octet-stream",
        "/api/v1/clusters/{cluster_id}/handovers/{handover_id}/documents/{file_id}": "application/octet-stream",
        "/api/v1/applications/{application_id}/documents/{file_id}": "application/octet-stream",
        "/api/v1/evidence/{item_id}/content": "application/octet-stream",
        "/api/v1/evidence/export.zip": "application/zip",
    }
    for path, media in expect.items():
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert list(content) == [media], (path, content)
        assert content[media]["schema"] == {"type": "string", "format": "binary"}


def test_the_check_catches_a_new_download_without_a_declaration() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.get("/a.pdf")
    def undeclared() -> StreamingResponse:
        return StreamingResponse(iter([b"%PDF"]), media_type="application/pdf")

    @router.get("/b.csv", response_class=Response)
    def no_type() -> Response:
        return Response(b"a,b", media_type="text/csv")

    @router.get("/c.csv", **downloads.CSV)
    def declared() -> Response:
        return Response(b"a,b", media_type="text/csv")

    @router.get("/d")
    def data() -> dict[str, str]:
        return {"json": "is fine here"}

    app.include_router(router, prefix="/api/v1")
    assert undeclared_downloads(app) == [
        "GET /api/v1/a.pdf declares ['application/json']",
        "GET /api/v1/b.csv declares no content",
    ]
