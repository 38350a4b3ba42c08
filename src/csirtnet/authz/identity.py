"""Who may do what with users and the administration pages.

Platform admins hand out every role; everyone else who manages users hands out the roles of a
member organisation only (never platform admin or coordinator). The administration pages open to
those who may list users or manage organisations, including a member's own admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can
from csirtnet.vocabulary import Role

# Roles that reach beyond one organisation: only a platform admin grants them.
PRIVILEGED_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.COORDINATOR})


def grantable_roles(who: Subject) -> list[Role]:
    """The roles this subject may give a user, in the vocabulary's order."""
    return [r for r in Role if who.is_platform_admin or r not in PRIVILEGED_ROLES]


def can_administer_organisations(who: Subject) -> bool:
    """The organisations section of the administration pages: those who change organisations,
    and a member's own admins (for their own organisation)."""
    return can(who, Permission.ORGANISATIONS_WRITE) or who.has_role(Role.ORG_ADMIN)


def can_register_organisations(who: Subject) -> bool:
    """Register a new organisation: the coordinator's staff who change organisations."""
    return can(who, Permission.ORGANISATIONS_WRITE) and who.sees_everything


def can_set_network_fields(who: Subject) -> bool:
    """Member codes and membership status are the coordinator's to set."""
    return who.sees_everything


def can_mark_coordinator(who: Subject) -> bool:
    """Only a platform admin names the coordinating body."""
    return who.is_platform_admin


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
