"""Users and roles: create, update, deactivate. Every change is audited in the same transaction."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, joinedload

from csirtnet import audit
from csirtnet.auth.passwords import hash_password
from csirtnet.authz import Subject, require
from csirtnet.authz import identity as identity_authz
from csirtnet.authz.permissions import Permission
from csirtnet.errors import Conflict, FieldError, NotFound, ValidationFailed
from csirtnet.identity.schemas import UserCreate, UserUpdate
from csirtnet.kit.hashing import sha256_hex
from csirtnet.kit.time import utcnow
from csirtnet.models import ApiToken, Organisation, PasswordReset, User, UserRole, WebSession
from csirtnet.vocabulary import Role

# Roles only the platform's own staff may hand out.

Credential = TypeVar("Credential", WebSession, ApiToken)


def _by_token_query(model: type[Credential], token: str) -> Select[Credential]:
    return (
        select(model)
        .where(model.token_hash == sha256_hex(token))
        .options(joinedload(model.user).joinedload(User.role_rows))
    )


def by_token(session: Session, model: type[Credential], token: str) -> Credential | None:
    """The web session or API token whose hash is the token's, with its user and the user's roles,
    in one round trip (every page and API call starts here); its validity is the caller's to check."""
    return session.scalars(_by_token_query(model, token)).unique().first()


def session_by_token(session: Session, token: str, *, here: str | None = None) -> tuple[WebSession, int, int] | None:
    """`by_token` for a web session, with its user's count of unread notifications (every page
    shows it) and, when the page `here` is being opened, of those that point at it (opening it
    reads them), in the same round trip."""
    from csirtnet.models import Notification
    from csirtnet.notification.service import unread_at_clause

    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == WebSession.user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    query = _by_token_query(WebSession, token).add_columns(unread)
    if here is not None:
        query = query.add_columns(
            select(func.count(Notification.id)).where(unread_at_clause(WebSession.user_id, here)).scalar_subquery()
        )
    row = session.execute(query).unique().first()
    if row is None:
        return None
    return row[0], int(row[1] or 0), int(row[2] or 0) if here is not None else 0


def subject_for(user: User, scopes: frozenset[str] | None = None) -> Subject:
    return Subject(
        user_id=user.id,
        organisation_id=user.organisation_id,
        roles=frozenset(user.roles),
        scopes=scopes,
        label=user.email,
        is_coordinator_org=user.organisation.is_coordinator,
    )


def _check_roles_grantable(who: Subject, organisation: Organisation, roles: list[Role]) -> None:
    identity_authz.require_grant_roles(who, organisation.id, roles)


def get_user(session: Session, who: Subject, user_id: int) -> User:
    """A user the subject may see; a missing one and one out of reach answer the same 404."""
    user = session.get(User, user_id)
    if user is None or not identity_authz.may_see_user(who, user):
        raise NotFound("user")
    return user


def get_user_to_act_on(session: Session, who: Subject, user_id: int) -> User:
    """A user the subject may act on (authz.identity): 404 out of sight, 403 beyond its powers."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    identity_authz.require_act_on_account(who, user)
    return user


def create_user(session: Session, who: Subject, data: UserCreate) -> User:
    """Create a user in an organisation; without a password they get an invitation link by email."""
    require(who, Permission.USERS_WRITE)
    organisation = session.get(Organisation, data.organisation_id)
    if organisation is None:
        raise ValidationFailed("organisation_id", "no such organisation")
    _check_roles_grantable(who, organisation, data.roles)
    email = str(data.email).strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with the email {email} already exists", errors=[FieldError("email", "already in use")])
    user = User(
        email=email,
        full_name=data.full_name.strip(),
        organisation_id=organisation.id,
        password_hash=hash_password(data.password) if data.password else None,
        password_changed_at=utcnow() if data.password else None,
        language=data.language,
        phone=data.phone,
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(set(data.roles))]
    session.add(user)
    session.flush()
    audit.record(
        session,
        who,
        "user.created",
        user,
        email=email,
        roles=sorted(r.value for r in data.roles),
        organisation_id=organisation.id,
    )
    if not data.password:
        from csirtnet.identity.login import start_password_reset

        start_password_reset(session, user, invitation=True)
    return user


def update_user(session: Session, who: Subject, user_id: int, data: UserUpdate) -> User:
    """Change a user. One's own name, phone, language and time zone are self-service; anything else
    (another person's account, or one's own roles, status or email) follows authz.identity's rule."""
    user = get_user(session, who, user_id)
    changes: dict[str, object] = {}
    self_service = user.id == who.user_id
    if not self_service or data.roles is not None or data.is_active is not None or data.email is not None:
        identity_authz.require_act_on_account(who, user)
    if data.roles is not None:
        new_roles = sorted(set(data.roles))
        _check_roles_grantable(who, user.organisation, new_roles)
        identity_authz.require_change_roles_of(who, set(user.roles))
        if self_service and Role.PLATFORM_ADMIN.value in user.roles and Role.PLATFORM_ADMIN not in new_roles:
            raise ValidationFailed("roles", "you cannot remove your own platform admin role")
        if {r.value for r in new_roles} != user.roles:
            changes["roles"] = {"from": sorted(user.roles), "to": [r.value for r in new_roles]}
            user.role_rows = [UserRole(role=r.value) for r in new_roles]
    if data.is_active is not None and data.is_active != user.is_active:
        if self_service:
            raise ValidationFailed("is_active", "you cannot deactivate yourself")
        changes["is_active"] = {"from": user.is_active, "to": data.is_active}
        user.is_active = data.is_active
        if not data.is_active:
            from csirtnet.identity.login import revoke_all_sessions

            revoke_all_sessions(session, user)
    if data.email is not None:
        email = str(data.email).strip().lower()
        if email != user.email:
            taken = session.scalar(select(User.id).where(User.email == email, User.id != user.id))
            if taken is not None:
                raise Conflict(
                    f"A user with the email {email} already exists", errors=[FieldError("email", "already in use")]
                )
            changes["email"] = {"from": user.email, "to": email}
            user.email = email
            # A reset link on its way to the old address must not outlive the change.
            session.execute(
                update(PasswordReset)
                .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                .values(used_at=utcnow())
            )
    for name in ("full_name", "language", "timezone", "phone"):
        value = getattr(data, name)
        if value is not None and value != getattr(user, name):
            if name == "timezone":
                _check_timezone(value)
            changes[name] = {"from": getattr(user, name), "to": value}
            setattr(user, name, value)
    if changes:
        audit.record(session, who, "user.updated", user, changes=changes)
    return user


def _check_timezone(zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed("timezone", "not a known time zone (e.g. Asia/Ho_Chi_Minh)") from exc
