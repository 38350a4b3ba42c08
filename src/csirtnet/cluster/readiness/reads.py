"""What the readiness pages read: the records the subject may read, newest year first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.cluster.readiness import service
from csirtnet.models import ReadinessRecord


def records(session: Session, who: Subject) -> list[ReadinessRecord]:
    query = service.records(session, who).order_by(ReadinessRecord.year.desc(), ReadinessRecord.organisation_id)
    return list(session.scalars(query))
