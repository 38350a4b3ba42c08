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


def sees_all_members(who: Subject) -> bool:
    """The coordinator's view of the members pages: stale confirmations, every overlap, coordinator tabs."""
    return who.sees_everything


def overlap_organisation_id(who: Subject) -> int | None:
    """Whose constituency overlaps the subject reviews: None for every member (the coordinator),
    else its own organisation's."""
    return None if who.sees_everything else who.organisation_id


def can_resolve_overlaps(who: Subject) -> bool:
    return who.sees_everything


def require_see_stale(who: Subject) -> None:
    if not sees_all_members(who):
        raise Forbidden("Only the coordinator sees who has not confirmed")


def require_import_members(who: Subject) -> None:
    if not can(who, Permission.ORGANISATIONS_IMPORT):
        raise Forbidden("Only the coordinator imports members")
