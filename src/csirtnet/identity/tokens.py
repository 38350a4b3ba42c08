"""Scoped API tokens: `csn_<prefix>_<secret>`, shown once, stored as SHA-256, expiring, revocable."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import SCOPES, Subject, policy
from csirtnet.authz import identity as identity_authz
from csirtnet.authz.identity import owes_second_factor
from csirtnet.db import Database
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.identity.service import by_token
from csirtnet.kit.hashing import new_token, sha256_hex
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import ApiToken, Organisation, User, UserRole

log = logging.getLogger("csirtnet.identity")


@dataclass
class IssuedToken:
    token: str
    row: ApiToken


def grantable_scopes(who: Subject) -> list[str]:
    """A token may carry only scopes whose permissions the user's roles grant."""
    return [scope.value for scope in policy.grantable_scopes(who.roles)]


def create_token(
    session: Session, who: Subject, user: User, *, name: str, scopes: list[str], expires_in_days: int | None
) -> IssuedToken:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValidationFailed("scopes", f"unknown scope(s): {', '.join(unknown)}")
    beyond = sorted(set(scopes) - set(grantable_scopes(who)))
    if beyond:
        raise ValidationFailed("scopes", f"your roles do not grant: {', '.join(beyond)}")
    if not name.strip():
        raise ValidationFailed("name", "must not be empty")
    prefix = new_token(6)[:8].replace("-", "x").replace("_", "y")
    token = f"csn_{prefix}_{new_token(30)}"
    row = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=prefix,
        token_hash=sha256_hex(token),
        scopes=sorted(set(scopes)),
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        who,
        "token.created",
        row,
        name=row.name,
        scopes=row.scopes,
        expires_at=row.expires_at,
        organisation_id=user.organisation_id,
    )
    return IssuedToken(token, row)


@dataclass(frozen=True)
class TokenIdentity:
    """Who an API token speaks for, read in one round trip without loading the ORM objects."""

    token_id: int
    subject: Subject
    last_used_at: datetime | None
    owes_second_factor: bool = False  # its user's roles require a second factor not yet enrolled


def identify_token(session: Session, token: str) -> TokenIdentity | None:
    """The token's subject, or None when it is unknown, revoked, expired or its user is disabled.

    Every API call runs this: one query joining the token, its user, the user's organisation and
    roles (a row per role), read as plain columns — half the cost of the ORM objects."""
    if not token.startswith("csn_"):
        return None
    rows = session.execute(
        select(
            ApiToken.id,
            ApiToken.scopes,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
            User.id,
            User.email,
            User.organisation_id,
            User.is_active,
            User.totp_enabled_at,
            Organisation.is_coordinator,
            UserRole.role,
        )
        .join(User, User.id == ApiToken.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(ApiToken.token_hash == sha256_hex(token))
    ).all()
    if not rows:
        return None
    (
        token_id,
        scopes,
        expires_at,
        revoked_at,
        last_used_at,
        user_id,
        email,
        org_id,
        active,
        enrolled_at,
        coordinator,
        _,
    ) = rows[0]
    if revoked_at is not None or not active:
        return None
    if expires_at is not None and as_utc(expires_at) <= utcnow():
        return None
    subject = Subject(
        user_id=user_id,
        organisation_id=org_id,
        roles=frozenset(str(r.role) for r in rows if r.role is not None),
        scopes=frozenset(scopes),
        label=email,
        is_coordinator_org=bool(coordinator),
    )
    owes = owes_second_factor(subject.roles, enrolled=enrolled_at is not None)
    return TokenIdentity(token_id, subject, last_used_at, owes)


USE_RECORDED_EVERY = timedelta(minutes=1)


def use_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a call should record the token's use: last use is coarse, so a read does not write
    on every call."""
    return last_used_at is None or now - as_utc(last_used_at) > USE_RECORDED_EVERY


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    """Record when the token was last used (unless a concurrent call just did)."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id)
        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - USE_RECORDED_EVERY))
        .values(last_used_at=now)
    )


def record_use(database: Database, token_id: int, now: datetime) -> None:
    """Record the use in a short transaction of its own, once the call's own has committed: the
    request that used the token reads, and a write it does not need must never fail it. A database
    that stays busy past the wait skips it (logged); the next call tries again."""
    try:
        with database.unit_of_work() as session:
            touch_token(session, token_id, now)
    except OperationalError as exc:
        log.warning("the API token's last use was not recorded", extra={"error": str(exc).splitlines()[0][:200]})


def find_token(session: Session, token: str) -> ApiToken | None:
    if not token.startswith("csn_"):
        return None
    row = by_token(session, ApiToken, token)
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    if row.expires_at is not None and as_utc(row.expires_at) <= utcnow():
        return None
    return row


def user_tokens_query(user: User) -> Select[ApiToken]:
    """A user's API tokens, newest first."""
    return select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(user_tokens_query(user)))


def revoke_token(session: Session, who: Subject, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or not identity_authz.can_revoke_token_of(who, row.user_id):
        raise NotFound("token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, who, "token.revoked", row, name=row.name, organisation_id=row.user.organisation_id)
    return row
