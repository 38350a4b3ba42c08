"""Roles grant permissions; API tokens narrow them to scopes; organisations bound what is visible."""

from __future__ import annotations

from dataclasses import dataclass, field

from csirtnet.errors import Forbidden
from csirtnet.vocabulary import Role

# Permission -> the API scope that carries it. Scopes are what a token holder chooses from.
PERMISSIONS: dict[str, str] = {
    "profile:read": "profile:read",
    "profile:write": "profile:write",
    "users:read": "users:read",
    "users:write": "users:write",
    "organisations:read": "organisations:read",
    "organisations:write": "organisations:write",
    "audit:read": "audit:read",
    "jobs:read": "jobs:read",
    "jobs:write": "jobs:write",
    "notifications:read": "notifications:read",
    "notifications:write": "notifications:write",
    "webhooks:write": "webhooks:write",
    "metrics:read": "metrics:read",
}
SCOPES: tuple[str, ...] = tuple(sorted(set(PERMISSIONS.values())))

_EVERYONE = {
    "profile:read",
    "profile:write",
    "notifications:read",
    "notifications:write",
    "organisations:read",
}

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.PLATFORM_ADMIN: set(PERMISSIONS),
    Role.COORDINATOR: _EVERYONE | {"users:read", "organisations:write", "audit:read", "jobs:read"},
    Role.ORG_ADMIN: _EVERYONE | {"users:read", "users:write", "audit:read", "webhooks:write"},
    Role.RESPONDER: set(_EVERYONE),
    Role.VIEWER: set(_EVERYONE),
}


def register_permissions(role_grants: dict[Role, set[str]], scopes: dict[str, str]) -> None:
    """Domains add their permissions at import time; authz stays the one place they live."""
    global SCOPES
    PERMISSIONS.update(scopes)
    for role, perms in role_grants.items():
        ROLE_PERMISSIONS.setdefault(role, set()).update(perms)
    ROLE_PERMISSIONS[Role.PLATFORM_ADMIN].update(scopes)
    SCOPES = tuple(sorted(set(PERMISSIONS.values())))


@dataclass(frozen=True)
class Subject:
    """Who is acting. `scopes` is None for a browser session (the roles decide alone)."""

    user_id: int | None
    organisation_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] | None = None
    label: str = "anonymous"
    is_coordinator_org: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN.value in self.roles

    @property
    def sees_everything(self) -> bool:
        """Platform admins and the coordinating body's staff see every organisation."""
        return self.is_platform_admin or Role.COORDINATOR.value in self.roles

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    @classmethod
    def system(cls, label: str = "system") -> Subject:
        """The platform itself (jobs, CLI without a user): may do everything."""
        return cls(user_id=None, organisation_id=None, roles=frozenset({Role.PLATFORM_ADMIN.value}), label=label)


_ROLES: dict[str, Role] = {role.value: role for role in Role}
ANONYMOUS = Subject(user_id=None, organisation_id=None)


def can(subject: Subject, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    granted = any(permission in ROLE_PERMISSIONS.get(_ROLES[r], set()) for r in subject.roles if r in _ROLES)
    if not granted:
        return False
    return subject.scopes is None or PERMISSIONS[permission] in subject.scopes


def require(subject: Subject, permission: str) -> None:
    if not can(subject, permission):
        raise Forbidden(f"You need the permission {permission!r} for this")


def visible_organisation_ids(subject: Subject) -> set[int] | None:
    """None means every organisation; otherwise the set the subject may see in full."""
    if subject.sees_everything:
        return None
    return {subject.organisation_id} if subject.organisation_id is not None else set()


def can_manage_organisation(subject: Subject, organisation_id: int) -> bool:
    """Platform admins and coordinators manage any organisation; an org admin manages its own."""
    if subject.is_platform_admin or subject.has_role(Role.COORDINATOR):
        return True
    return subject.has_role(Role.ORG_ADMIN) and subject.organisation_id == organisation_id


def require_org_access(subject: Subject, organisation_id: int) -> None:
    visible = visible_organisation_ids(subject)
    if visible is not None and organisation_id not in visible:
        raise Forbidden("That organisation's data is not yours to see")
