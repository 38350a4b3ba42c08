"""Who may do what with members: applications, profiles, experts, constituency, import.

Members read every member's directory entry and their own profile in full; the current lead of a
cluster reads its members' profiles in full; coordinators read and change everything.
`profile_visible` is the one rule for "the full profile" (contacts, systems, experts' contact
details, constituency claims).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can, can_manage_organisation, visible_organisation_ids
from csirtnet.errors import Forbidden
from csirtnet.vocabulary import Role


def profile_organisation_ids(session: Session, who: Subject) -> set[int] | None:
    """Whose full profile the subject may read: None for all (the coordinator's staff), else its own
    organisation plus, for the current cluster lead's admins, the members of the clusters they lead."""
    from csirtnet.authz.cluster import readiness_organisation_ids

    if visible_organisation_ids(who) is None:
        return None
    return readiness_organisation_ids(session, who)


def profile_visible(session: Session, who: Subject, organisation_id: int) -> bool:
    """The full profile: the organisation's own people, the coordinator's staff, and the current
    lead of a cluster the organisation belongs to."""
    visible = profile_organisation_ids(session, who)
    return visible is None or organisation_id in visible


def can_edit_profile(who: Subject, organisation_id: int) -> bool:
    return can_manage_organisation(who, organisation_id)


class ContactRule:
    """Whose personal contact details (a user's email) the subject may read: its own, and those of
    the organisations whose full profile it reads — where the member directory would show them."""

    def __init__(self, session: Session, who: Subject) -> None:
        self.who = who
        self.full = profile_organisation_ids(session, who)

    def email_visible(self, user_id: int, organisation_id: int) -> bool:
        return user_id == self.who.user_id or self.full is None or organisation_id in self.full


def sees_all_members(who: Subject) -> bool:
    """The coordinator's view of the members pages: stale confirmations, every overlap, coordinator tabs."""
    return who.sees_everything


def overlap_organisation_id(who: Subject, requested: int | None = None) -> int | None:
    """Whose constituency overlaps the subject reviews: the coordinator any member's it asks for
    (None: every member's); anyone else its own organisation's."""
    return requested if who.sees_everything else who.organisation_id


def can_resolve_overlaps(who: Subject) -> bool:
    return who.sees_everything


def require_see_stale(who: Subject) -> None:
    if not sees_all_members(who):
        raise Forbidden("Only the coordinator sees who has not confirmed")


def require_import_members(who: Subject) -> None:
    if not (can(who, Permission.ORGANISATIONS_IMPORT) and who.sees_everything):
        raise Forbidden("Only the coordinator imports members")


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


def require_register_organisations(who: Subject) -> None:
    if not can_register_organisations(who):
        raise Forbidden("Only the coordinator registers organisations")


def require_set_network_fields(who: Subject) -> None:
    if not can_set_network_fields(who):
        raise Forbidden("Only the coordinator changes member codes and status")


def require_resolve_overlaps(who: Subject) -> None:
    if not can_resolve_overlaps(who):
        raise Forbidden("Only the coordinator resolves overlapping claims")


def confirms_own_organisation(who: Subject) -> bool:
    """Confirming the organisation's data is its own admins' to do (the home page reminds them)."""
    return (
        who.organisation_id is not None
        and who.has_role(Role.ORG_ADMIN)
        and can_manage_organisation(who, who.organisation_id)
    )
