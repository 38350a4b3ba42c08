"""A small network for the indicator tests: the coordinating body, organisation A (an admin and two
responders), organisation B (a responder), and helpers that share through the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.intel import service
from csirtnet.intel.schemas import IndicatorCreate
from csirtnet.models import AuditRecord, Indicator, Organisation, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator, who


@dataclass
class World:
    coordinator: User
    org_a: Organisation
    a_admin: User
    a1: User
    a2: User
    org_b: Organisation
    b1: User


def make_world(db: Session) -> World:
    coord = coordinator(db)
    org_a = make_organisation(db, kind="province", name="Sở TT&TT Bắc Kạn")
    org_b = make_organisation(db, kind="province", name="Sở TT&TT Cao Bằng")
    return World(
        coordinator=coord,
        org_a=org_a,
        a_admin=make_user(db, roles=[Role.ORG_ADMIN], organisation=org_a),
        a1=make_user(db, roles=[Role.RESPONDER], organisation=org_a),
        a2=make_user(db, roles=[Role.RESPONDER], organisation=org_a),
        org_b=org_b,
        b1=make_user(db, roles=[Role.RESPONDER], organisation=org_b),
    )


def share(db: Session, user: User, value: str, **overrides: Any) -> Indicator:
    body = IndicatorCreate.model_validate({"value": value, **overrides})
    return service.create(db, who(user), body)


def audit_count(db: Session, prefix: str = "intel.") -> int:
    return db.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action.startswith(prefix))) or 0
