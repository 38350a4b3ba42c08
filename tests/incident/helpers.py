"""Building blocks for the incident tests: a coordinator, member users, reports and incidents made
through the services, and API headers carrying every scope a user's roles grant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.incident import intake, triage
from csirtnet.incident.schemas import OpenFromReport, ReportCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, IncidentReport, Organisation, ReportChannel, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user


def api(db: Session, user: User) -> dict[str, str]:
    who = subject_for(user)
    issued = create_token(db, who, user, name="test", scopes=grantable_scopes(who), expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def who(user: User) -> Subject:
    return subject_for(user)


def coordinator(db: Session, **overrides: Any) -> User:
    from csirtnet.bootstrap import coordinator_organisation

    return make_user(db, roles=[Role.COORDINATOR], organisation=coordinator_organisation(db), **overrides)


def member(db: Session, org: Organisation | None = None, role: Role = Role.RESPONDER, **overrides: Any) -> User:
    return make_user(db, roles=[role], organisation=org or make_organisation(db, kind="province"), **overrides)


def report_data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Mã độc tống tiền trên máy chủ",
        "description": "Máy chủ bị mã hóa dữ liệu và hiện thông báo đòi tiền chuộc.",
        "reporter_name": "Nguyễn Văn Báo",
        "reporter_email": "bao@example.vn",
        "detected_at": (utcnow() - timedelta(hours=5)).isoformat(),
        "system_name": "Cổng thông tin điện tử",
        "system_ips": ["198.51.100.7"],
        "system_security_level": 3,
    }
    values.update(overrides)
    return values


def make_report(db: Session, reporter: User, **overrides: Any) -> IncidentReport:
    data = ReportCreate.model_validate(report_data(**overrides))
    return intake.submit(db, subject_for(reporter), data, channel=ReportChannel.WEB).report


def open_incident(
    db: Session, coord: User, reporter: User, classification: dict[str, Any] | None = None, **report: Any
) -> Incident:
    r = make_report(db, reporter, **report)
    return triage.open_incident(db, subject_for(coord), r.id, OpenFromReport.model_validate(classification or {}))
