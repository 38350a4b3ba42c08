"""Documents of the cluster domain (handover minutes, evidence, attachments, materials).

Bytes go to the content-addressed store (settings.data_dir/"blobs"), metadata to StoredFile. An
upload belongs to the user who made it until it is attached: only they may attach it, and it is
read through the object it is attached to, which decides who may see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.cluster import may_upload_files
from csirtnet.errors import ErrorList, Forbidden, ValidationFailed
from csirtnet.kit.files import blob_store
from csirtnet.kit.files import clean_filename as clean_filename  # one rule for every upload
from csirtnet.kit.files import download as download  # the domain's endpoints send files with files.download
from csirtnet.models import StoredFile


def store_upload(
    session: Session, who: Subject, *, filename: str | None, content_type: str | None, stream: BinaryIO
) -> StoredFile:
    """Keep an uploaded file; it can then be attached by id."""
    if not who.is_authenticated:
        raise ValidationFailed("file", "log in to upload")
    if not may_upload_files(who):
        raise Forbidden("Your roles do not let you attach documents to anything")
    sha, size = blob_store().put_stream(stream)
    if size == 0:
        raise ValidationFailed("file", "the file is empty")
    row = StoredFile(
        sha256=sha,
        size=size,
        filename=clean_filename(filename),
        content_type=(content_type or "application/octet-stream")[:120],
        organisation_id=who.organisation_id,
        uploaded_by_id=who.user_id,
    )
    session.add(row)
    session.flush()
    # Neither its name nor its hash: an upload is read through what it is attached to, whose readers
    # the audit log's are not (ADR 0002).
    audit.record(session, who, "file.uploaded", row, size=size)
    return row


def claim(session: Session, who: Subject, file_ids: Sequence[int], field: str) -> list[StoredFile]:
    """The uploads `file_ids`, checked to be the caller's own; every bad id is reported."""
    errors = ErrorList()
    out: list[StoredFile] = []
    for index, file_id in enumerate(dict.fromkeys(file_ids)):
        row = session.get(StoredFile, file_id)
        if row is None or (row.uploaded_by_id != who.user_id and who.user_id is not None):
            errors.add(f"{field}.{index}", f"file {file_id} is not an upload of yours")
            continue
        out.append(row)
    errors.raise_if_any()
    return out
