"""Files attached to an incident: uploaded into the content store, listed, downloaded (audited) and
removed, each with a TLP that decides who sees it exactly as an observable's does
(authz.incident.visible_attachments_clause). A TLP:RED file's name is content too: its timeline
entry and audit record carry the file's TLP (authz.derived), and no job or notification names it.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.incident import get_visible, require_work, visible_attachments_clause
from csirtnet.config import get_settings
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.incident.common import record_change
from csirtnet.kit.files import blob_store, clean_filename
from csirtnet.models import Incident, IncidentAttachment, StoredFile
from csirtnet.vocabulary import TLP

MAX_PER_INCIDENT = 200


def attachments_query(who: Subject, incident: Incident) -> Select[IncidentAttachment]:
    """The incident's files the subject may see (TLP:RED ones: named participants only), newest first."""
    return (
        select(IncidentAttachment)
        .where(IncidentAttachment.incident_id == incident.id, visible_attachments_clause(who))
        .order_by(IncidentAttachment.id.desc())
    )


def attachments_of(session: Session, who: Subject, incident: Incident) -> list[IncidentAttachment]:
    return list(session.scalars(attachments_query(who, incident)))


def _visible(session: Session, who: Subject, incident: Incident, attachment_id: int) -> IncidentAttachment:
    row = session.scalar(attachments_query(who, incident).where(IncidentAttachment.id == attachment_id))
    if row is None:
        raise NotFound("file")
    return row


def add(
    session: Session,
    who: Subject,
    incident_id: int,
    *,
    filename: str | None,
    content_type: str | None,
    stream: BinaryIO,
    size: int | None,
    tlp: TLP,
    note: str | None = None,
) -> IncidentAttachment:
    """Attach a file to the incident, marked `tlp`."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    limit = get_settings().max_upload_bytes
    if size is not None and size > limit:
        raise ValidationFailed("file", f"the file is larger than {limit // (1024 * 1024)} MB")
    count = len(
        session.scalars(select(IncidentAttachment.id).where(IncidentAttachment.incident_id == incident.id)).all()
    )
    if count >= MAX_PER_INCIDENT:
        raise ValidationFailed("file", f"an incident holds at most {MAX_PER_INCIDENT} files")
    sha, stored = blob_store().put_stream(stream)
    if stored == 0:
        raise ValidationFailed("file", "the file is empty")
    if stored > limit:
        raise ValidationFailed("file", f"the file is larger than {limit // (1024 * 1024)} MB")
    stored_file = StoredFile(
        sha256=sha,
        size=stored,
        filename=clean_filename(filename),
        content_type=(content_type or "application/octet-stream")[:120],
        organisation_id=who.organisation_id,
        uploaded_by_id=who.user_id,
    )
    session.add(stored_file)
    session.flush()
    row = IncidentAttachment(
        incident_id=incident.id,
        stored_file_id=stored_file.id,
        tlp=tlp.value,
        note=(note or "").strip() or None,
        created_by_id=who.user_id,
    )
    row.file = stored_file
    session.add(row)
    session.flush()
    record_change(
        session,
        who,
        incident,
        "incident.attachment_added",
        content_tlp=row.tlp,
        attachment_id=row.id,
        name=stored_file.filename,
        sha256=sha,
        size=stored,
        tlp=row.tlp,
    )
    return row


def get(session: Session, who: Subject, incident_id: int, attachment_id: int) -> IncidentAttachment:
    """One file of the incident, if the subject may see it (else NotFound)."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    return _visible(session, who, incident, attachment_id)


def for_download(session: Session, who: Subject, incident_id: int, attachment_id: int) -> StoredFile:
    """The stored file to send; the download is audited (with the file's TLP, like its name)."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    row = _visible(session, who, incident, attachment_id)
    audit.record(
        session,
        who,
        "incident.attachment_downloaded",
        row,
        organisation_id=incident.reporting_organisation_id,
        reference=incident.reference,
        name=row.file.filename,
        sha256=row.file.sha256,
    )
    return row.file


def remove(session: Session, who: Subject, incident_id: int, attachment_id: int) -> None:
    """Take a file off the incident. The bytes stay in the write-once store (another row may share
    them); the record says who removed what."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    row = _visible(session, who, incident, attachment_id)
    record_change(
        session,
        who,
        incident,
        "incident.attachment_removed",
        content_tlp=row.tlp,
        attachment_id=row.id,
        name=row.file.filename,
        sha256=row.file.sha256,
        tlp=row.tlp,
    )
    session.delete(row)
    session.flush()
