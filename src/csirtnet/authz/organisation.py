"""Who may do what with members: applications, profiles, experts, constituency, import.

Members read every member's directory entry and their own profile in full; coordinators read
and change everything. `profile_visible` is the one rule for "the full profile" (contacts,
systems, experts' contact details, constituency claims).
"""

from __future__ import annotations

from csirtnet.authz.policy import Subject, can_manage_organisation, register_permissions, visible_organisation_ids
from csirtnet.vocabulary import Role

register_permissions(
    {
        Role.COORDINATOR: {
            "applications:read",
            "applications:review",
            "constituency:read",
            "constituency:write",
            "constituency:resolve",
            "experts:read",
            "experts:write",
            "organisations:import",
            # Approving an application creates the new member's first admin account.
            "users:write",
        },
        Role.ORG_ADMIN: {"constituency:read", "constituency:write", "experts:read", "experts:write"},
        Role.RESPONDER: {"constituency:read", "experts:read"},
        Role.VIEWER: {"constituency:read", "experts:read"},
    },
    {
        "applications:read": "applications:read",
        "applications:review": "applications:write",
        "constituency:read": "constituency:read",
        "constituency:write": "constituency:write",
        "constituency:resolve": "constituency:write",
        "experts:read": "experts:read",
        "experts:write": "experts:write",
        "organisations:import": "organisations:write",
    },
)


def profile_visible(who: Subject, organisation_id: int) -> bool:
    """The full profile: the organisation's own people and the coordinator's staff."""
    visible = visible_organisation_ids(who)
    return visible is None or organisation_id in visible


def can_edit_profile(who: Subject, organisation_id: int) -> bool:
    return can_manage_organisation(who, organisation_id)
