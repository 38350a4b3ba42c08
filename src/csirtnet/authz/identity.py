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
"""

from __future__ import annotations

from collections.abc import Iterable
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
