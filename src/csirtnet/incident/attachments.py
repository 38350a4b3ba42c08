"""Files that come with reports: into the content store, one StoredFile row each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from csirtnet.config import get_settings
from csirtnet.errors import ValidationFailed
from csirtnet.kit.files import blob_store, clean_filename
from csirtnet.models import IncidentReport, IncidentReportAttachment, StoredFile

MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def attach(
    session: Session,
    report: IncidentReport,
    files: list[Attachment],
    *,
    uploaded_by_id: int | None,
    max_files: int | None = MAX_ATTACHMENTS,
) -> None:
    """Store the files of a report. `max_files=None` takes them all: an emailed report a coordinator
    released from the intake's quarantine keeps every file its message carried."""
    if max_files is not None and len(files) > max_files:
        raise ValidationFailed("attachments", f"at most {max_files} files per report")
    limit = get_settings().max_upload_bytes
    for f in files:
        if len(f.data) > limit:
            raise ValidationFailed(
                "attachments", f"{clean_filename(f.filename)} is larger than {limit // (1024 * 1024)} MB"
            )
    content = blob_store()
    for f in files:
        sha, size = content.put_bytes(f.data)
        row = StoredFile(
            sha256=sha,
            size=size,
            filename=clean_filename(f.filename or "attachment"),
            content_type=(f.content_type or "application/octet-stream")[:120],
            organisation_id=report.reporting_organisation_id,
            uploaded_by_id=uploaded_by_id,
        )
        session.add(row)
        session.flush()
        session.add(IncidentReportAttachment(report_id=report.id, stored_file_id=row.id))
