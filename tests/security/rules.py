"""Who may see what, written from the documentation, never asked of csirtnet.authz.

Sources: docs/foundation.md (roles), docs/members.md (full profiles), docs/incidents.md and the
docstring of authz/incident.py (incidents, TLP:RED, cluster leads), docs/clusters.md and ADR 0006
(clusters, lead terms, readiness), ADR 0007 (TLP in channels and the knowledge base),
docs/mobilisation.md (requests and deployments), and issue 10's rules for derived records
(a timeline entry, audit detail, job payload or notification carries the visibility of its source).

The seeded world has these organisations and subjects (subject keys are used everywhere):

| org | what | subjects |
|---|---|---|
| A | member, cluster 1 | viewer, responder, admin_a, norole (no role), admin_owing_2fa |
| B | member, cluster 2; its experts are mobilised | admin_b, expert_ended, expert_deployed |
| LP | cluster 1's lead last year | lead_past (its admin) |
| LC | cluster 1's lead this year | lead_current (its admin) |
| COORD | the coordinating body | coordinator |
| OPS | the platform's operator | platform_admin |
"""

from __future__ import annotations

from collections.abc import Iterable

ANON = "anon"
NOROLE = "norole"
VIEWER = "viewer"
RESPONDER = "responder"
EXPERT_ENDED = "expert_ended"
EXPERT_DEPLOYED = "expert_deployed"
ADMIN_A = "admin_a"
ADMIN_B = "admin_b"
LEAD_PAST = "lead_past"
LEAD_CURRENT = "lead_current"
COORDINATOR = "coordinator"
PLATFORM_ADMIN = "platform_admin"
OWES_2FA = "admin_owing_2fa"  # an org admin of A who logged in with a password and never enrolled

SUBJECTS = (
    ANON,
    NOROLE,
    VIEWER,
    RESPONDER,
    EXPERT_ENDED,
    EXPERT_DEPLOYED,
    ADMIN_A,
    ADMIN_B,
    LEAD_PAST,
    LEAD_CURRENT,
    COORDINATOR,
    PLATFORM_ADMIN,
    OWES_2FA,
)

ORG_OF = {
    NOROLE: "A",
    VIEWER: "A",
    RESPONDER: "A",
    ADMIN_A: "A",
    OWES_2FA: "A",
    EXPERT_ENDED: "B",
    EXPERT_DEPLOYED: "B",
    ADMIN_B: "B",
    LEAD_PAST: "LP",
    LEAD_CURRENT: "LC",
    COORDINATOR: "COORD",
    PLATFORM_ADMIN: "OPS",
}
ROLE_OF = {
    VIEWER: "viewer",
    RESPONDER: "responder",
    EXPERT_ENDED: "responder",
    EXPERT_DEPLOYED: "responder",
    ADMIN_A: "org_admin",
    ADMIN_B: "org_admin",
    LEAD_PAST: "org_admin",
    LEAD_CURRENT: "org_admin",
    COORDINATOR: "coordinator",
    PLATFORM_ADMIN: "platform_admin",
    OWES_2FA: "org_admin",
}

# Subjects who may act at all: logged in, holding a role, second factor settled.
MEMBERS = frozenset(s for s in SUBJECTS if s not in (ANON, NOROLE, OWES_2FA))
LOGGED_IN = frozenset(s for s in SUBJECTS if s not in (ANON, OWES_2FA))  # the no-role user included
STAFF = frozenset({COORDINATOR, PLATFORM_ADMIN})  # see every organisation (docs/foundation.md)
ORG_ADMINS = frozenset(s for s in MEMBERS if ROLE_OF[s] == "org_admin")
# Who may write incidents, channels, knowledge (responders, admins, coordinators; not viewers).
WRITERS = frozenset(s for s in MEMBERS if ROLE_OF[s] in ("responder", "org_admin", "coordinator", "platform_admin"))

CLUSTER_ORGS = {"1": frozenset({"A", "LP", "LC"}), "2": frozenset({"B"})}
CURRENT_LEAD_ORG = {"1": "LC"}  # cluster 2 has no lead this year; LP led cluster 1 last year


def users_of(*orgs: str) -> frozenset[str]:
    """The subjects of these organisations who may act (a role, no second factor owed)."""
    return frozenset(s for s in MEMBERS if ORG_OF.get(s) in orgs)


def admins_of(*orgs: str) -> frozenset[str]:
    return frozenset(s for s in users_of(*orgs) if ROLE_OF[s] == "org_admin")


def lead_admins(cluster: str) -> frozenset[str]:
    """The admins of the organisation whose lead term covers today (ADR 0006)."""
    org = CURRENT_LEAD_ORG.get(cluster)
    return admins_of(org) if org else frozenset()


def clusters_of(org: str) -> set[str]:
    return {c for c, orgs in CLUSTER_ORGS.items() if org in orgs}


# -- incidents (docs/incidents.md "Access", authz/incident.py) --------------------------------


def incident_readers(org: str, tlp: str, named: Iterable[str], shared_cluster: str | None) -> frozenset[str]:
    """The reporting organisation, the coordinator's staff, active participants, and the users of the
    current lead of the cluster it is shared with (CLEAR, GREEN, AMBER). TLP:RED: named only."""
    named = frozenset(named) & MEMBERS
    if tlp == "red":
        return named
    readers = users_of(org) | STAFF | named
    if shared_cluster and tlp in ("clear", "green", "amber") and CURRENT_LEAD_ORG.get(shared_cluster):
        readers |= users_of(CURRENT_LEAD_ORG[shared_cluster])
    return readers


def report_readers(
    org: str | None, reporter: str | None, confidential: bool, incident: frozenset[str] | None
) -> frozenset[str]:
    """Coordinators see the queue; members their organisation's reports except confidential ones,
    which only their reporter sees. A report of a TLP:RED incident is for the incident's readers
    (issue 10 item 7: it must not stay readable once the incident is raised to RED)."""
    readers = set(STAFF)
    if reporter in MEMBERS:
        readers.add(reporter)
    if org and not confidential:
        readers |= users_of(org)
    if incident is not None:
        readers &= incident
    return frozenset(readers)


# -- members (docs/members.md) -----------------------------------------------------------------


def profile_readers(org: str) -> frozenset[str]:
    """The full profile (contacts, systems, experts' contact details, constituency claims): the
    organisation's own people, the coordinator's staff, and the admins of the current lead of a
    cluster the organisation belongs to."""
    readers = users_of(org) | STAFF
    for cluster in clusters_of(org):
        readers |= lead_admins(cluster)
    return readers


# -- clusters (docs/clusters.md) ---------------------------------------------------------------


def cluster_insiders(cluster: str) -> frozenset[str]:
    """Plans, handover minutes and documents: the cluster's members and the coordinator."""
    return users_of(*CLUSTER_ORGS[cluster]) | STAFF


def readiness_readers(org: str) -> frozenset[str]:
    """A member its own records; the current lead's admins their cluster's members; the coordinator all."""
    return profile_readers(org)


# -- TLP in a space (ADR 0007) -----------------------------------------------------------------


def tlp_audience(
    tlp: str,
    *,
    author: str,
    named: Iterable[str] = (),
    community: frozenset[str],
    recipients: frozenset[str],
) -> frozenset[str]:
    """The ADR 0007 table. `community`: the members of the space; `recipients`: the users of the
    organisations the space is addressed to (the coordinator's staff belong to every channel but are
    not an addressed organisation)."""
    base = {author} | set(named)
    author_org = users_of(ORG_OF[author])
    if tlp == "clear":
        return MEMBERS
    if tlp == "red":
        return frozenset(base) & MEMBERS
    if tlp == "amber+strict":
        return frozenset(base | (community & author_org))
    if tlp == "amber":
        return frozenset(base | (community & (author_org | recipients)))
    assert tlp == "green", tlp
    return frozenset(base | community)


def channel_space(*orgs: str) -> tuple[frozenset[str], frozenset[str]]:
    """(community, recipients) of a channel addressed to `orgs`."""
    return users_of(*orgs) | STAFF, users_of(*orgs)


def knowledge_space(cluster: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The whole network (every member, every organisation addressed) or one cluster."""
    if cluster is None:
        return MEMBERS, MEMBERS
    return channel_space(*CLUSTER_ORGS[cluster])
