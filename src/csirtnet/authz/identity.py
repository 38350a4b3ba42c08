"""Who may do what with users and the administration pages.

Platform admins hand out every role; everyone else who manages users hands out the roles of a
member organisation only (never platform admin or coordinator). The administration pages open to
those who may list users or manage organisations, including a member's own admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can, can_manage_organisation
from csirtnet.errors import Forbidden
from csirtnet.vocabulary import Role

# Roles that reach beyond one organisation: only a platform admin grants them.
PRIVILEGED_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.COORDINATOR})


def grantable_roles(who: Subject) -> list[Role]:
    """The roles this subject may give a user, in the vocabulary's order."""
    return [r for r in Role if who.is_platform_admin or r not in PRIVILEGED_ROLES]


def sees_every_organisation(who: Subject) -> bool:
    """Choices and filters across every organisation (the coordinator's staff); others see their own."""
    return who.sees_everything


@dataclass(frozen=True)
class PageAccess:
    """What every page's navigation offers the subject, answered once per page."""

    administration: bool  # the Administration link
    network_wide: bool  # the coordinator's view: applications, stale confirmations, every member


def page_access(who: Subject | None) -> PageAccess:
    if who is None or not who.is_authenticated:
        return PageAccess(administration=False, network_wide=False)
    return PageAccess(
        administration=who.is_platform_admin or who.has_role(Role.ORG_ADMIN) or who.has_role(Role.COORDINATOR),
        network_wide=who.sees_everything,
    )


def require_grant_roles(who: Subject, organisation_id: int, roles: list[Role]) -> None:
    """Hand out roles in an organisation: a platform admin any; others member roles, in their own."""
    if who.is_platform_admin:
        return
    if any(r in PRIVILEGED_ROLES for r in roles):
        raise Forbidden("Only a platform admin may grant the admin or coordinator role")
    if not can_manage_organisation(who, organisation_id):
        raise Forbidden("You may only manage users of your own organisation")


def require_change_roles_of(who: Subject, current_roles: set[str]) -> None:
    """A platform admin's or coordinator's roles are changed by a platform admin only."""
    if not who.is_platform_admin and current_roles & {r.value for r in PRIVILEGED_ROLES}:
        raise Forbidden("Only a platform admin may change an admin's or coordinator's roles")


def can_see_user(who: Subject, user_id: int, organisation_id: int) -> bool:
    """Oneself always; other users: whoever may read users, within the organisations they see."""
    if user_id == who.user_id:
        return True
    return can(who, Permission.USERS_READ) and (who.sees_everything or organisation_id == who.organisation_id)


def can_revoke_token_of(who: Subject, owner_user_id: int) -> bool:
    """One's own API tokens; a platform admin anyone's."""
    return owner_user_id == who.user_id or who.is_platform_admin
