"""How an API route that answers with a file declares it, so the OpenAPI document gives each
download its real media type (not FastAPI's default, JSON):

    @router.get("/{id}/export.pdf", **downloads.PDF)

`tests/test_openapi_media.py` fails for a route that returns a response object of its own (a
file) and does not declare one of these.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response, StreamingResponse


class PdfDownload(Response):
    media_type = "application/pdf"


class CsvDownload(Response):
    media_type = "text/csv"


class TextDownload(Response):
    media_type = "text/plain"


class JsonDownload(Response):
    """A JSON document served as a file (a CSAF advisory): its exact bytes, so that its published
    hashes match."""

    media_type = "application/json"


class EmailDownload(Response):
    """A whole email message as it arrived (.eml)."""

    media_type = "message/rfc822"


class FileDownload(StreamingResponse):
    """A stored file (kit.files.download): its bytes, whatever they are."""

    media_type = "application/octet-stream"


def declare(response_class: type[Response], description: str) -> dict[str, Any]:
    """`response_class` and the 200 answer's content for a route that answers with a file."""
    media = str(response_class.media_type)
    return {
        "response_class": response_class,
        "responses": {
            200: {"description": description, "content": {media: {"schema": {"type": "string", "format": "binary"}}}}
        },
    }


PDF = declare(PdfDownload, "The document as PDF")
CSV = declare(CsvDownload, "The table as CSV (UTF-8)")
EML = declare(EmailDownload, "The message as it arrived (.eml)")
FILE = declare(FileDownload, "The stored file, as an attachment")
TEXT = declare(TextDownload, "The list as plain text (UTF-8)")
JSON_FILE: dict[str, Any] = {
    "response_class": JsonDownload,
    "responses": {
        200: {
            "description": "The JSON document, byte for byte as published",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
}
# A CSAF document's path also serves its hash files (".sha256", ".sha512": text).
CSAF_FILE: dict[str, Any] = {
    **JSON_FILE,
    "responses": {
        200: {
            "description": "The CSAF document (JSON), or its .sha256 / .sha512 hash file (text)",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
}
