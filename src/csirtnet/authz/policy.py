"""Roles grant permissions; API tokens narrow them to scopes; organisations bound what is visible.

The permissions, their scopes and each role's grants are declared, frozen, in authz.permissions."""

from __future__ import annotations

from dataclasses import dataclass, field

from csirtnet.authz.permissions import ROLE_GRANTS, SCOPES, Permission, Scope
from csirtnet.errors import Forbidden
from csirtnet.vocabulary import Role

__all__ = ["SCOPES", "Permission", "Scope"]


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


def granted(roles: frozenset[str]) -> frozenset[Permission]:
    """Every permission the roles grant together."""
    out: set[Permission] = set()
    for role in roles:
        if role in _ROLES:
            out |= ROLE_GRANTS[_ROLES[role]]
    return frozenset(out)


def can(subject: Subject, permission: Permission) -> bool:
    if not isinstance(permission, Permission):  # a string from an untyped caller (a template)
        raise TypeError(f"permissions are authz.Permission members, not {permission!r}")
    if not any(permission in ROLE_GRANTS[_ROLES[r]] for r in subject.roles if r in _ROLES):
        return False
    return subject.scopes is None or permission.scope.value in subject.scopes


def require(subject: Subject, permission: Permission) -> None:
    if not can(subject, permission):
        raise Forbidden(f"You need the permission {permission.value!r} for this")


def grantable_scopes(roles: frozenset[str]) -> list[Scope]:
    """The scopes a token of a user with these roles may carry."""
    return sorted({p.scope for p in granted(roles)})


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
