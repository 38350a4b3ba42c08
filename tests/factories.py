"""Plain factory functions: make_x(session, **overrides) returns a flushed row."""

from __future__ import annotations

import itertools
from typing import Any

import pyotp
from sqlalchemy.orm import Session

from csirtnet.auth.passwords import hash_password
from csirtnet.kit.time import utcnow
from csirtnet.models import Organisation, User, UserRole
from csirtnet.vocabulary import Role

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)
_HASH = hash_password(PASSWORD)


def make_organisation(session: Session, **overrides: Any) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Tổ chức thử nghiệm {n}",
        "short_name": f"ORG{n}",
        "member_code": f"T{n:05d}",
        "kind": "private_enterprise",
        "province": "Hà Nội",
    }
    values.update(overrides)
    org = Organisation(**values)
    session.add(org)
    session.flush()
    return org


def make_user(
    session: Session,
    *,
    roles: list[Role] | None = None,
    organisation: Organisation | None = None,
    totp_secret: str | None = None,
    second_factor: bool | None = None,
    **overrides: Any,
) -> User:
    """A user; one whose roles require a second factor has one enrolled (a random secret) unless
    `totp_secret` gives it or `second_factor=False` leaves it owing one (auth.deps refuses it)."""
    n = next(_seq)
    org = organisation or make_organisation(session)
    values: dict[str, Any] = {
        "email": f"user{n}@example.vn",
        "full_name": f"Người dùng {n}",
        "organisation_id": org.id,
        "password_hash": _HASH,
        "password_changed_at": utcnow(),
    }
    values.update(overrides)
    user = User(**values)
    owed = second_factor or (second_factor is None and any(r.requires_2fa for r in roles or []))
    if totp_secret is None and owed:
        totp_secret = pyotp.random_base32()
    if totp_secret:
        user.totp_secret = totp_secret
        user.totp_enabled_at = utcnow()
    user.role_rows = [UserRole(role=r.value) for r in (roles if roles is not None else [Role.VIEWER])]
    session.add(user)
    session.flush()
    session.refresh(user)
    return user
