"""Building blocks for the mobilisation tests: a network with a coordinator, members with experts,
an incident, and API headers carrying every scope a user's roles grant."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.kit.search import words
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation.schemas import SupportRequestCreate
from csirtnet.models import Expert, ExpertSkill, Incident, Organisation, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user

_seq = itertools.count(1)


def api(db: Session, user: User) -> dict[str, str]:
    who = subject_for(user)
    issued = create_token(db, who, user, name="test", scopes=grantable_scopes(who), expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def who(user: User) -> Subject:
    return subject_for(user)


def make_incident(db: Session, reporting: Organisation, **overrides: Any) -> Incident:
    n = next(_seq)
    now = utcnow()
    values: dict[str, Any] = {
        "reference": f"SC-2026-9{n:05d}",
        "title": f"Tấn công mã độc tống tiền {n}",
        "description": "Hệ thống cổng thông tin bị mã hoá",
        "reporting_organisation_id": reporting.id,
        "detected_at": now - timedelta(hours=3),
        "reported_at": now - timedelta(hours=2),
        "tlp": "amber",
        "province": "Bắc Kạn",
        "search_words": words("tan cong ma doc"),
        "title_sort": "",
    }
    values.update(overrides)
    incident = Incident(**values)
    db.add(incident)
    db.flush()
    return incident


def make_expert(
    db: Session, organisation: Organisation, skills: dict[str, int] | None = None, **overrides: Any
) -> Expert:
    n = next(_seq)
    values: dict[str, Any] = {
        "organisation_id": organisation.id,
        "full_name": f"Chuyên gia {n}",
        "province": "Hà Nội",
        "availability": [],
        "available": True,
        "on_site": True,
        "max_deployments": 1,
    }
    values.update(overrides)
    expert = Expert(**values)
    expert.skills = [ExpertSkill(skill=k, level=v) for k, v in (skills or {"malware-analysis": 3}).items()]
    db.add(expert)
    db.flush()
    return expert


@dataclass
class Network:
    coordinator: User
    affected: Organisation
    affected_admin: User
    fpt: Organisation
    fpt_admin: User
    bkav: Organisation
    bkav_admin: User
    misa: Organisation
    misa_admin: User
    incident: Incident
    fpt_expert: Expert
    fpt_expert_user: User
    bkav_expert: Expert
    bkav_expert_user: User
    misa_expert: Expert


def make_network(db: Session, totp_secret: str | None = None) -> Network:
    """A coordinator, an affected province, and three members whose experts rank FPT > Bkav > MISA.
    `totp_secret` enrols the coordinator and the admins in 2FA (pages need it; the API does not)."""
    coord_org = make_organisation(db, name="Cục An ninh mạng", short_name="A05", is_coordinator=True)
    coordinator = make_user(
        db, roles=[Role.COORDINATOR], organisation=coord_org, full_name="Điều Phối Viên", totp_secret=totp_secret
    )
    affected = make_organisation(db, name="Sở TTTT Bắc Kạn", short_name="STTTT BKN", province="Bắc Kạn")
    fpt = make_organisation(db, name="Công ty Cổ phần FPT", short_name="FPT")
    bkav = make_organisation(db, name="Tập đoàn Công nghệ Bkav", short_name="Bkav")
    misa = make_organisation(db, name="Công ty Cổ phần MISA", short_name="MISA")
    fpt_user = make_user(db, roles=[Role.RESPONDER], organisation=fpt, full_name="Lê Minh Ứng Cứu")
    bkav_user = make_user(db, roles=[Role.RESPONDER], organisation=bkav, full_name="Phạm Thu Phân Tích")
    skills = {"malware-analysis": 3, "digital-forensics": 2}
    return Network(
        coordinator=coordinator,
        affected=affected,
        affected_admin=make_user(db, roles=[Role.ORG_ADMIN], organisation=affected, totp_secret=totp_secret),
        fpt=fpt,
        fpt_admin=make_user(
            db, roles=[Role.ORG_ADMIN], organisation=fpt, full_name="Quản Trị FPT", totp_secret=totp_secret
        ),
        bkav=bkav,
        bkav_admin=make_user(
            db, roles=[Role.ORG_ADMIN], organisation=bkav, full_name="Quản Trị Bkav", totp_secret=totp_secret
        ),
        misa=misa,
        misa_admin=make_user(db, roles=[Role.ORG_ADMIN], organisation=misa, totp_secret=totp_secret),
        incident=make_incident(db, affected),
        fpt_expert=make_expert(db, fpt, skills, full_name="Lê Minh Ứng Cứu", user_id=fpt_user.id, province="Bắc Kạn"),
        fpt_expert_user=fpt_user,
        bkav_expert=make_expert(db, bkav, skills, full_name="Phạm Thu Phân Tích", user_id=bkav_user.id),
        bkav_expert_user=bkav_user,
        misa_expert=make_expert(db, misa, {"malware-analysis": 3}, full_name="Vũ Kế Toán", province="Cà Mau"),
    )


def request_body(**overrides: Any) -> SupportRequestCreate:
    values: dict[str, Any] = {
        "summary": "Phân tích mẫu mã độc tống tiền trên cổng thông tin tỉnh",
        "skills": [{"skill": "malware-analysis", "min_level": 2}, {"skill": "digital-forensics", "min_level": 2}],
        "mode": "on_site",
        "province": "Bắc Kạn",
        "duration_hours": 72,
        "urgency": "high",
        "experts_needed": 1,
        "response_deadline": utcnow() + timedelta(hours=4),
    }
    values.update(overrides)
    return SupportRequestCreate.model_validate(values)


def iso(value: datetime) -> str:
    return value.isoformat()
