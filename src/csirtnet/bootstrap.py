"""Creating the first platform admin and the coordinating organisation on an empty instance."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.auth.passwords import hash_password
from csirtnet.authz import Subject
from csirtnet.config import Settings
from csirtnet.kit.time import utcnow
from csirtnet.models import Organisation, OrganisationKind, User, UserRole
from csirtnet.vocabulary import Role


def coordinator_organisation(session: Session) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.is_coordinator.is_(True)).order_by(Organisation.id))
    if org is None:
        org = Organisation(
            name="Cơ quan điều phối",
            name_en="Coordinating body",
            short_name="COORD",
            member_code="COORD",
            kind=OrganisationKind.COORDINATOR.value,
            is_coordinator=True,
        )
        session.add(org)
        session.flush()
        audit.record(
            session,
            Subject.system("bootstrap"),
            "organisation.created",
            org,
            organisation_id=org.id,
            name=org.name,
        )
    return org


def ensure_first_admin(session: Session, settings: Settings) -> tuple[str, str | None] | None:
    """Returns (email, generated password or None) when an admin was created, else None."""
    if (session.scalar(select(func.count(User.id))) or 0) > 0:
        return None
    org = coordinator_organisation(session)
    email = (settings.admin_email or "admin@csirtnet.local").lower()
    generated = None if settings.admin_password else secrets.token_urlsafe(12)
    password = settings.admin_password or generated
    assert password is not None
    user = User(
        email=email,
        full_name="Platform administrator",
        organisation_id=org.id,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        language=None,
    )
    user.role_rows = [UserRole(role=Role.PLATFORM_ADMIN.value)]
    session.add(user)
    session.flush()
    audit.record(
        session,
        Subject.system("bootstrap"),
        "user.created",
        user,
        email=email,
        roles=[Role.PLATFORM_ADMIN.value],
    )
    return email, generated
