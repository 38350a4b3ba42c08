"""Who may do what with members: applications, profiles, experts, constituency, import.

Members read every member's directory entry and their own profile in full; the current lead of a
cluster reads its members' profiles in full; coordinators read and change everything.
`profile_visible` is the one rule for "the full profile" (contacts, systems, experts' contact
details, constituency claims).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz.policy import Subject, can_manage_organisation, visible_organisation_ids


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
