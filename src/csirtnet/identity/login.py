"""Logging in and out: password check with throttling and lockout, browser sessions, the second
factor, password reset links, and logging out everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.auth import totp
from csirtnet.auth.passwords import check_strength, hash_password, needs_rehash, verify_password
from csirtnet.authz import Subject
from csirtnet.authz.identity import ROLES_REQUIRING_2FA, owes_second_factor, require_act_on_account
from csirtnet.config import get_settings
from csirtnet.errors import AppError, Forbidden, TooManyRequests, ValidationFailed
from csirtnet.identity.service import session_by_token, subject_for
from csirtnet.kit.hashing import derive_token, new_token, sha256_hex
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import LoginAttempt, PasswordReset, RecoveryCode, User, WebSession
from csirtnet.worker import enqueue

RESET_LINK_JOB = "identity.send_password_link"


class LoginFailed(AppError):
    status = 401
    code = "login_failed"
    title = "Login failed"


@dataclass
class NewSession:
    token: str
    row: WebSession


def needs_second_factor(user: User) -> bool:
    return user.totp_enabled


def must_enrol_second_factor(user: User) -> bool:
    """Admins and coordinators may not work without a second factor (authz.identity)."""
    return owes_second_factor(user.roles, enrolled=user.totp_enabled)


def _throttle(session: Session, email: str, ip: str | None) -> None:
    settings = get_settings()
    window = utcnow() - timedelta(minutes=settings.login_lockout_minutes)
    if ip:
        attempts = (
            session.scalar(
                select(func.count(LoginAttempt.id)).where(
                    LoginAttempt.ip == ip, LoginAttempt.created_at > window, LoginAttempt.succeeded.is_(False)
                )
            )
            or 0
        )
        if attempts >= settings.login_ip_max_attempts:
            raise TooManyRequests(
                "Too many failed logins from your address; wait and try again",
                retry_after=settings.login_lockout_minutes * 60,
            )


def authenticate(session: Session, email: str, password: str, ip: str | None) -> User:
    """Check a password. Failures are counted; too many lock the account for a while."""
    settings = get_settings()
    email = email.strip().lower()
    _throttle(session, email, ip)
    user = session.scalar(select(User).where(User.email == email))
    now = utcnow()
    if user is not None and user.locked_until is not None and as_utc(user.locked_until) > now:
        verify_password(None, password)  # same cost as a real check
        session.add(LoginAttempt(email=email, ip=ip, succeeded=False))
        raise LoginFailed("This account is locked after too many failed logins; try again later", code="account_locked")
    ok = user is not None and user.is_active and verify_password(user.password_hash, password)
    session.add(LoginAttempt(email=email, ip=ip, succeeded=ok))
    if not ok or user is None:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
                audit.record(
                    session,
                    Subject.system("login-throttle"),
                    "user.locked",
                    user,
                    minutes=settings.login_lockout_minutes,
                )
        raise LoginFailed("Wrong email or password")
    user.failed_logins = 0
    user.locked_until = None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def open_session(session: Session, user: User, *, ip: str | None, user_agent: str | None) -> NewSession:
    token = new_token()
    row = WebSession(
        token_hash=sha256_hex(token),
        user_id=user.id,
        mfa_passed=not needs_second_factor(user),
        expires_at=utcnow() + timedelta(hours=get_settings().session_hours),
        ip=ip,
        user_agent=(user_agent or "")[:300],
    )
    session.add(row)
    if row.mfa_passed:
        _logged_in(session, user, row)
    return NewSession(token, row)


def _logged_in(session: Session, user: User, row: WebSession) -> None:
    user.last_login_at = utcnow()
    session.flush()
    audit.record(session, subject_for(user), "user.logged_in", user, session_id=row.id)


def find_session_and_unread(
    session: Session, token: str | None, *, here: str | None = None
) -> tuple[WebSession, int, int] | None:
    """The valid web session of a cookie, its user's unread notifications and those pointing at
    the page `here`, in one round trip."""
    if not token:
        return None
    found = session_by_token(session, token, here=here)
    if found is None:
        return None
    row = found[0]
    if row.revoked_at is not None or as_utc(row.expires_at) <= utcnow() or not row.user.is_active:
        return None
    return found


def pass_second_factor(session: Session, row: WebSession, code: str) -> bool:
    """Accept a TOTP code or an unused recovery code for a session waiting on its second factor."""
    user = row.user
    ok = False
    if user.totp_secret and totp.verify_code(user.totp_secret, code):
        ok = True
    else:
        rc = session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == totp.hash_recovery_code(code),
                RecoveryCode.used_at.is_(None),
            )
        )
        if rc is not None:
            rc.used_at = utcnow()
            audit.record(session, subject_for(user), "user.recovery_code_used", user)
            ok = True
    session.add(LoginAttempt(email=user.email, ip=row.ip, succeeded=ok))
    if ok:
        row.mfa_passed = True
        _logged_in(session, user, row)
    return ok


def begin_totp_enrolment(session: Session, user: User) -> str:
    """Store a fresh, not yet active secret and return it; `confirm_totp` activates it.

    Starting again replaces a pending secret, so an abandoned enrolment never blocks a new one."""
    if user.totp_enabled:
        raise ValidationFailed("totp", "a second factor is already active; remove it first")
    restarted = user.totp_secret is not None
    user.totp_secret = totp.new_secret()
    audit.record(session, subject_for(user), "user.totp_enrolment_started", user, restarted=restarted)
    return user.totp_secret


def confirm_totp(session: Session, user: User, code: str) -> list[str]:
    """Activate the pending secret when `code` matches; return new recovery codes (shown once)."""
    if user.totp_enabled or not user.totp_secret:
        raise ValidationFailed("code", "start the enrolment first")
    if not totp.verify_code(user.totp_secret, code):
        raise ValidationFailed("code", "that code does not match; check the time on your phone")
    user.totp_enabled_at = utcnow()
    codes = totp.new_recovery_codes()
    _replace_recovery_codes(session, user, codes)
    audit.record(session, subject_for(user), "user.totp_enabled", user)
    return codes


def _replace_recovery_codes(session: Session, user: User, codes: list[str]) -> None:
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    session.add_all([RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(c)) for c in codes])


def _check_current_code(user: User, code: str) -> None:
    if not user.totp_enabled or not user.totp_secret:
        raise ValidationFailed("code", "no second factor is active")
    if not totp.verify_code(user.totp_secret, code):
        raise ValidationFailed("code", "that code does not match; check the time on your phone")


def unused_recovery_codes(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def regenerate_recovery_codes(session: Session, user: User, code: str) -> list[str]:
    """Replace every unused recovery code with 10 new ones (shown once); needs a current TOTP code."""
    _check_current_code(user, code)
    codes = totp.new_recovery_codes()
    _replace_recovery_codes(session, user, codes)
    audit.record(session, subject_for(user), "user.recovery_codes_regenerated", user)
    return codes


def disable_totp(session: Session, user: User, code: str) -> None:
    """Remove one's own second factor; not allowed for roles that require it."""
    if user.roles & ROLES_REQUIRING_2FA:
        raise Forbidden("Your role requires a second factor; it cannot be turned off")
    _check_current_code(user, code)
    user.totp_secret = None
    user.totp_enabled_at = None
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    audit.record(session, subject_for(user), "user.totp_disabled", user)


def reset_totp(session: Session, who: Subject, user: User) -> None:
    """Remove a user's second factor (an admin helping someone who lost their phone)."""
    require_act_on_account(who, user)
    user.totp_secret = None
    user.totp_enabled_at = None
    revoke_all_sessions(session, user)
    audit.record(session, who, "user.totp_reset", user)


def revoke_all_sessions(session: Session, user: User, *, except_id: int | None = None) -> int:
    query = update(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
    if except_id is not None:
        query = query.where(WebSession.id != except_id)
    result = session.execute(query.values(revoked_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke_other_sessions(session: Session, user: User, current: WebSession) -> int:
    """End every session of the user except the one making the request."""
    count = revoke_all_sessions(session, user, except_id=current.id)
    audit.record(session, subject_for(user), "user.sessions_revoked", user, sessions=count, kept=current.id)
    return count


def active_sessions(session: Session, user: User) -> list[WebSession]:
    """The user's sessions that still work, newest first."""
    return list(
        session.scalars(
            select(WebSession)
            .where(
                WebSession.user_id == user.id,
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > utcnow(),
            )
            .order_by(WebSession.id.desc())
        )
    )


def logout(session: Session, row: WebSession, *, everywhere: bool = False) -> None:
    user = row.user
    row.revoked_at = utcnow()
    count = 1 + (revoke_all_sessions(session, user) if everywhere else 0)
    audit.record(session, subject_for(user), "user.logged_out", user, everywhere=everywhere, sessions=count)


def change_password(session: Session, user: User, current: str, new: str, *, keep_session_id: int | None) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationFailed("current_password", "is not your current password")
    check_strength(new, field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    revoke_all_sessions(session, user, except_id=keep_session_id)
    audit.record(session, subject_for(user), "user.password_changed", user)


def start_password_reset(session: Session, user: User, *, invitation: bool = False, who: Subject | None = None) -> str:
    """Create a one-time link and queue its email; returns the token (for tests).

    The job holds the row's id only: it rebuilds the token from the server's secret key and the
    row's nonce when it runs, so no reader of jobs, audit or notifications ever sees the link."""
    lifetime = timedelta(days=7) if invitation else timedelta(minutes=get_settings().password_reset_minutes)
    row, token = _new_reset(session, user, lifetime)
    enqueue(session, RESET_LINK_JOB, guard=None, reset_id=row.id, invitation=invitation)
    audit.record(session, who or Subject.system(), "user.password_reset_requested", user, invitation=invitation)
    return token


def _new_reset(session: Session, user: User, lifetime: timedelta) -> tuple[PasswordReset, str]:
    nonce = new_token(18)
    token = reset_token(nonce)
    row = PasswordReset(user_id=user.id, token_hash=sha256_hex(token), nonce=nonce, expires_at=utcnow() + lifetime)
    session.add(row)
    session.flush()
    return row, token


def reset_token(nonce: str) -> str:
    """The secret of a reset link, rebuilt from its row's nonce with the server's secret key."""
    return derive_token(get_settings().resolved_secret_key(), "password-reset", nonce)


def reset_link(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/password/reset/{token}"


def send_password_reset(session: Session, who: Subject, user: User) -> None:
    """An admin sends a user a new link to set their password (to the user's address, never to the
    admin); allowed by authz.identity's rule, like any other act on the account."""
    require_act_on_account(who, user)
    if not user.is_active:
        raise ValidationFailed("is_active", "the account is deactivated; reactivate it first")
    start_password_reset(session, user, invitation=user.password_hash is None, who=who)


def operator_reset_link(session: Session, who: Subject, user: User) -> str:
    """A one-time reset link for an operator to hand over (`csirtnet user reset-password`); nothing
    is emailed, and the link is in no record: only the operator's terminal shows it."""
    require_act_on_account(who, user)
    if not user.is_active:
        raise ValidationFailed("is_active", "the account is deactivated; reactivate it first")
    _row, token = _new_reset(session, user, timedelta(minutes=get_settings().password_reset_minutes))
    audit.record(session, who, "user.password_reset_link_issued", user)
    return reset_link(token)


def set_password(session: Session, who: Subject, user: User, password: str) -> None:
    """An operator sets a user's password; every session of the user ends."""
    require_act_on_account(who, user)
    check_strength(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    revoke_all_sessions(session, user)
    audit.record(session, who, "user.password_set", user)


def request_password_reset(session: Session, email: str) -> None:
    """Queue a reset email if the account exists; the caller never learns whether it does."""
    user = session.scalar(select(User).where(User.email == email.strip().lower(), User.is_active.is_(True)))
    if user is not None:
        start_password_reset(session, user)


def find_reset(session: Session, token: str) -> PasswordReset | None:
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == sha256_hex(token)))
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= utcnow():
        return None
    return row


def complete_password_reset(session: Session, token: str, new_password: str) -> User:
    row = find_reset(session, token)
    if row is None:
        raise ValidationFailed("token", "this link has expired or was already used")
    user = session.get(User, row.user_id)
    assert user is not None
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    row.used_at = utcnow()
    revoke_all_sessions(session, user)
    audit.record(session, subject_for(user), "user.password_reset", user)
    return user
