"""Who may see a user account, who may act on it, and who owes a second factor.

The one rule for acting on an account: a subject may change another person's account — reset its
password, reset its second factor, deactivate or reactivate it, change its email, roles or profile
— only if the subject manages the account's organisation (authz.policy.can_manage_organisation, with
`users:write`) AND every permission the account's roles grant is one the subject's roles grant
(`granted(target roles) <= granted(subject roles)`; the platform admin holds every permission). So
nobody can take over, lock out or silence an account more powerful than their own: a coordinator
cannot touch a platform admin or an organisation admin (whose roles grant webhooks, readiness and
answering support requests, which a coordinator's do not), an organisation admin cannot touch a
coordinator of its own organisation, and the platform admin may act on anyone.

The same rule holds for a subject's own account wherever an admin's act is asked for (its roles,
status or email); the user's own profile, password and second factor have their own self-service
paths (identity.login), which ask for the current password or code instead.

An account the subject may not even see answers 404, exactly like a missing one; an account it sees
but may not act on answers 403 (`require_act_on_account`).

A second factor is owed by a user whose roles require one (Role.requires_2fa) until they enrol it;
auth.deps lets such a session do nothing but enrol or log out, and refuses such a user's API tokens.

The administration pages: platform admins hand out every role; everyone else who manages users
hands out the roles of a member organisation only (never platform admin or coordinator). The
administration pages open to those who may list users or manage organisations, including a
member's own admins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can, can_manage_organisation, granted, visible_organisation_ids
from csirtnet.errors import Forbidden, NotFound
from csirtnet.vocabulary import Role

ROLES_REQUIRING_2FA = frozenset(role.value for role in Role if role.requires_2fa)


class Account(Protocol):
    """What the rule needs to know of a user account (models.User is one)."""

    @property
    def id(self) -> int: ...

    @property
    def organisation_id(self) -> int: ...

    @property
    def roles(self) -> set[str]: ...


def owes_second_factor(roles: Iterable[str], *, enrolled: bool) -> bool:
    """True while a user whose roles require a second factor has not enrolled one."""
    return not enrolled and not ROLES_REQUIRING_2FA.isdisjoint(roles)


def may_see_user(who: Subject, user: Account) -> bool:
    """One's own account; for `users:read`, the accounts of the organisations the subject sees."""
    if who.user_id is not None and who.user_id == user.id:
        return True
    if not can(who, Permission.USERS_READ):
        return False
    visible = visible_organisation_ids(who)
    return visible is None or user.organisation_id in visible


def holds_every_permission_of(who: Subject, roles: Iterable[str]) -> bool:
    """Whether the subject's roles grant everything these roles grant."""
    return granted(frozenset(roles)) <= granted(who.roles)


def may_act_on_account(who: Subject, user: Account) -> bool:
    """The rule above: reset, deactivate, reactivate, change email, roles or profile of `user`."""
    return (
        can(who, Permission.USERS_WRITE)
        and can_manage_organisation(who, user.organisation_id)
        and holds_every_permission_of(who, user.roles)
    )


def require_act_on_account(who: Subject, user: Account) -> None:
    """Raise NotFound for an account the subject may not see, Forbidden for one it may not act on."""
    if not may_see_user(who, user):
        raise NotFound("user")
    if not may_act_on_account(who, user):
        raise Forbidden(
            "This account holds permissions you do not hold, or belongs to an organisation you do not "
            "manage; ask someone who holds them (a platform admin) to do this"
        )


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
    visible = visible_organisation_ids(who)
    return can(who, Permission.USERS_READ) and (visible is None or organisation_id in visible)


def can_revoke_token_of(who: Subject, owner_user_id: int) -> bool:
    """One's own API tokens; a platform admin anyone's."""
    return owner_user_id == who.user_id or who.is_platform_admin
