"""Supporting documents: checked (size, type by name and by content), stored once in the content
store, described by a StoredFile row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from csirtnet.config import get_settings
from csirtnet.errors import ErrorList
from csirtnet.kit.files import blob_store, clean_filename
from csirtnet.models import StoredFile

# Extension -> (content type, the bytes such a file starts with)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "zip": ("application/zip", (b"PK\x03\x04", b"PK\x05\x06")),
}
MAX_FILES = 10


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def check(uploads: list[Upload], errors: ErrorList, field: str = "documents") -> None:
    """Add an error naming the file for each upload that is too big, empty or of a refused type."""
    limit = get_settings().max_upload_bytes
    if len(uploads) > MAX_FILES:
        errors.add(field, f"at most {MAX_FILES} files")
    for upload in uploads:
        name = clean_filename(upload.filename)
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in ALLOWED:
            errors.add(field, f"{name}: only PDF, DOC, DOCX, ODT, PNG, JPG or ZIP files")
        elif not upload.data:
            errors.add(field, f"{name}: the file is empty")
        elif len(upload.data) > limit:
            errors.add(field, f"{name}: larger than {limit // (1024 * 1024)} MB")
        elif not upload.data.startswith(ALLOWED[ext][1]):
            errors.add(field, f"{name}: the content is not a {ext.upper()} file")


def save(
    session: Session, upload: Upload, *, organisation_id: int | None = None, uploaded_by_id: int | None = None
) -> StoredFile:
    """Store the bytes (idempotent by hash) and describe them; call `check` first."""
    name = clean_filename(upload.filename)
    ext = name.rsplit(".", 1)[-1].lower()
    sha, size = blob_store().put_bytes(upload.data)
    row = StoredFile(
        sha256=sha,
        size=size,
        filename=name,
        content_type=ALLOWED[ext][0],
        organisation_id=organisation_id,
        uploaded_by_id=uploaded_by_id,
    )
    session.add(row)
    session.flush()
    return row
