"""Every permission, the API scope that carries it, and what each role is granted: declared here,
typed, and frozen.

A permission is a `Permission` member, never a string: `authz.require(who, Permission.INCIDENTS_READ)`.
mypy refuses a misspelt or unknown permission, and nothing can add one at run time. Scopes are what
an API token holder chooses from; a token's scopes narrow its user's roles, never widen them.

Some grants are capabilities that take effect only with a fact about the subject: an org admin's
`CLUSTERS_COORDINATE` and `MOBILISATION_REQUEST` count only while their organisation holds a cluster
lead term (authz.cluster, authz.mobilisation decide).
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final

from csirtnet.vocabulary import Role


class Scope(StrEnum):
    """What an API token may carry (its holder chooses; the user's roles bound the choice)."""

    PROFILE_READ = "profile:read"
    PROFILE_WRITE = "profile:write"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    ORGANISATIONS_READ = "organisations:read"
    ORGANISATIONS_WRITE = "organisations:write"
    AUDIT_READ = "audit:read"
    JOBS_READ = "jobs:read"
    JOBS_WRITE = "jobs:write"
    NOTIFICATIONS_READ = "notifications:read"
    NOTIFICATIONS_WRITE = "notifications:write"
    WEBHOOKS_WRITE = "webhooks:write"
    METRICS_READ = "metrics:read"
    APPLICATIONS_READ = "applications:read"
    APPLICATIONS_WRITE = "applications:write"
    CONSTITUENCY_READ = "constituency:read"
    CONSTITUENCY_WRITE = "constituency:write"
    EXPERTS_READ = "experts:read"
    EXPERTS_WRITE = "experts:write"
    CLUSTERS_READ = "clusters:read"
    CLUSTERS_WRITE = "clusters:write"
    READINESS_READ = "readiness:read"
    READINESS_WRITE = "readiness:write"
    CHANNELS_READ = "channels:read"
    CHANNELS_WRITE = "channels:write"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    KNOWLEDGE_READ = "knowledge:read"
    KNOWLEDGE_WRITE = "knowledge:write"
    INCIDENTS_READ = "incidents:read"
    INCIDENTS_WRITE = "incidents:write"
    INCIDENTS_TRIAGE = "incidents:triage"
    INCIDENTS_ADMIN = "incidents:admin"
    MOBILISATION_READ = "mobilisation:read"
    MOBILISATION_WRITE = "mobilisation:write"
    EVIDENCE_READ = "evidence:read"
    EVIDENCE_WRITE = "evidence:write"
    ADVISORIES_READ = "advisories:read"
    ADVISORIES_WRITE = "advisories:write"
    ADVISORIES_ACK = "advisories:ack"
    ADVISORIES_MANAGE = "advisories:manage"
    EXERCISES_READ = "exercises:read"
    EXERCISES_PLAY = "exercises:play"
    EXERCISES_WRITE = "exercises:write"
    INTEL_READ = "intel:read"
    INTEL_WRITE = "intel:write"
    INTEL_MANAGE = "intel:manage"
    FEEDS_READ = "feeds:read"
    FEEDS_SUBMIT = "feeds:submit"
    FEEDS_MANAGE = "feeds:manage"


class Permission(StrEnum):
    """What a role allows. The comment says who holds it beyond the platform admin (who holds all)."""

    # foundation
    PROFILE_READ = "profile:read"  # everyone
    PROFILE_WRITE = "profile:write"  # everyone
    USERS_READ = "users:read"  # coordinators, org admins
    USERS_WRITE = "users:write"  # coordinators (approving an application creates an admin), org admins
    ORGANISATIONS_READ = "organisations:read"  # everyone: the directory
    ORGANISATIONS_WRITE = "organisations:write"  # coordinators
    ORGANISATIONS_IMPORT = "organisations:import"  # coordinators
    AUDIT_READ = "audit:read"  # coordinators, org admins (their organisation's records)
    JOBS_READ = "jobs:read"  # coordinators
    JOBS_WRITE = "jobs:write"  # platform admins only
    NOTIFICATIONS_READ = "notifications:read"  # everyone: their own
    NOTIFICATIONS_WRITE = "notifications:write"  # everyone: their own
    WEBHOOKS_WRITE = "webhooks:write"  # org admins
    METRICS_READ = "metrics:read"  # platform admins only
    # members
    APPLICATIONS_READ = "applications:read"  # coordinators
    APPLICATIONS_REVIEW = "applications:review"  # coordinators
    CONSTITUENCY_READ = "constituency:read"  # every member
    CONSTITUENCY_WRITE = "constituency:write"  # coordinators, org admins
    CONSTITUENCY_RESOLVE = "constituency:resolve"  # coordinators
    EXPERTS_READ = "experts:read"  # every member
    EXPERTS_WRITE = "experts:write"  # coordinators, org admins
    # clusters
    CLUSTERS_READ = "clusters:read"  # every member
    CLUSTERS_WRITE = "clusters:write"  # coordinators
    CLUSTERS_COORDINATE = "clusters:coordinate"  # coordinators; org admins while they lead
    READINESS_READ = "readiness:read"  # every member
    READINESS_WRITE = "readiness:write"  # org admins
    CHANNELS_READ = "channels:read"  # every member
    CHANNELS_WRITE = "channels:write"  # coordinators, org admins, responders
    CHANNELS_MANAGE = "channels:manage"  # coordinators, org admins
    EVENTS_READ = "events:read"  # every member
    EVENTS_REGISTER = "events:register"  # every member
    EVENTS_WRITE = "events:write"  # coordinators, org admins
    KNOWLEDGE_READ = "knowledge:read"  # every member
    KNOWLEDGE_WRITE = "knowledge:write"  # coordinators, org admins, responders
    # incidents
    INCIDENTS_READ = "incidents:read"  # every member
    INCIDENTS_REPORT = "incidents:report"  # coordinators, org admins, responders
    INCIDENTS_WRITE = "incidents:write"  # coordinators, org admins, responders
    INCIDENTS_TRIAGE = "incidents:triage"  # coordinators
    INCIDENTS_ADMIN = "incidents:admin"  # platform admins only: deadline profiles
    # mobilisation
    MOBILISATION_READ = "mobilisation:read"  # every member
    MOBILISATION_REQUEST = "mobilisation:request"  # coordinators; org admins while they lead
    MOBILISATION_RESPOND = "mobilisation:respond"  # org admins
    MOBILISATION_MANAGE = "mobilisation:manage"  # coordinators, org admins
    # evidence: a capability; which items is decided by authz.evidence (coordinators and the
    # incident's participants with an evidence role)
    EVIDENCE_READ = "evidence:read"  # every member
    EVIDENCE_WRITE = "evidence:write"  # coordinators, org admins, responders
    # advisories: which ones, and to whom, is decided by authz.advisory (a member organisation
    # publishes to its own people, a cluster lead to its cluster, the coordinator to anyone)
    ADVISORIES_READ = "advisories:read"  # every member
    ADVISORIES_WRITE = "advisories:write"  # coordinators, org admins
    ADVISORIES_REVIEW = "advisories:review"  # coordinators: the second pair of eyes
    ADVISORIES_ACK = "advisories:ack"  # coordinators, org admins, responders: answer for their organisation
    ADVISORIES_MANAGE = "advisories:manage"  # coordinators: catalogues (KEV, CVE), CSAF sources
    EXERCISES_READ = "exercises:read"  # every member: published exercises, scoreboards, own results
    EXERCISES_PLAY = "exercises:play"  # coordinators, org admins, responders: take part in a team
    EXERCISES_ORGANISE = "exercises:organise"  # coordinators; org admins while their organisation leads a cluster
    EXERCISES_JUDGE = "exercises:judge"  # coordinators, org admins, responders: once named judge of an exercise
    # indicators: which ones is decided by authz.intel (the collection's readers, then TLP)
    INTEL_READ = "intel:read"  # every member
    INTEL_WRITE = "intel:write"  # coordinators, org admins, responders: share indicators and sightings
    INTEL_MANAGE = "intel:manage"  # coordinators: collections, subscriptions, warninglists
    # feeds: which events and digests is decided by authz.feeds (a member's own; the coordinating body all)
    FEEDS_READ = "feeds:read"  # every member: their organisation's events, digests and flags
    FEEDS_SUBMIT = "feeds:submit"  # coordinators, org admins, responders: sensors post events to API sources
    FEEDS_MANAGE = "feeds:manage"  # coordinators: sources, runs, rules, quarantine, unmatched events, ASN table

    @property
    def scope(self) -> Scope:
        """The API scope a token needs to use this permission."""
        return SCOPE_OF[self]


P = Permission

# A permission's scope is its own name, except where one scope carries several permissions.
_SHARED_SCOPES = {
    P.ORGANISATIONS_IMPORT: Scope.ORGANISATIONS_WRITE,
    P.APPLICATIONS_REVIEW: Scope.APPLICATIONS_WRITE,
    P.CONSTITUENCY_RESOLVE: Scope.CONSTITUENCY_WRITE,
    P.CLUSTERS_COORDINATE: Scope.CLUSTERS_WRITE,
    P.CHANNELS_MANAGE: Scope.CHANNELS_WRITE,
    P.EVENTS_REGISTER: Scope.EVENTS_READ,
    P.INCIDENTS_REPORT: Scope.INCIDENTS_WRITE,
    P.MOBILISATION_REQUEST: Scope.MOBILISATION_WRITE,
    P.MOBILISATION_RESPOND: Scope.MOBILISATION_WRITE,
    P.MOBILISATION_MANAGE: Scope.MOBILISATION_WRITE,
    P.ADVISORIES_REVIEW: Scope.ADVISORIES_WRITE,
    P.EXERCISES_ORGANISE: Scope.EXERCISES_WRITE,
    P.EXERCISES_JUDGE: Scope.EXERCISES_WRITE,
}
SCOPE_OF: Final = MappingProxyType({p: _SHARED_SCOPES.get(p) or Scope(p.value) for p in Permission})

_EVERY_MEMBER = frozenset(
    {
        P.PROFILE_READ,
        P.PROFILE_WRITE,
        P.NOTIFICATIONS_READ,
        P.NOTIFICATIONS_WRITE,
        P.ORGANISATIONS_READ,
        P.CONSTITUENCY_READ,
        P.EXPERTS_READ,
        P.CLUSTERS_READ,
        P.READINESS_READ,
        P.CHANNELS_READ,
        P.EVENTS_READ,
        P.EVENTS_REGISTER,
        P.KNOWLEDGE_READ,
        P.INCIDENTS_READ,
        P.MOBILISATION_READ,
        P.EVIDENCE_READ,
        P.ADVISORIES_READ,
        P.EXERCISES_READ,
        P.INTEL_READ,
        P.FEEDS_READ,
    }
)

ROLE_GRANTS: Final = MappingProxyType(
    {
        Role.PLATFORM_ADMIN: frozenset(Permission),
        Role.COORDINATOR: _EVERY_MEMBER
        | {
            P.USERS_READ,
            P.USERS_WRITE,
            P.ORGANISATIONS_WRITE,
            P.ORGANISATIONS_IMPORT,
            P.AUDIT_READ,
            P.JOBS_READ,
            P.APPLICATIONS_READ,
            P.APPLICATIONS_REVIEW,
            P.CONSTITUENCY_WRITE,
            P.CONSTITUENCY_RESOLVE,
            P.EXPERTS_WRITE,
            P.CLUSTERS_WRITE,
            P.CLUSTERS_COORDINATE,
            P.CHANNELS_WRITE,
            P.CHANNELS_MANAGE,
            P.EVENTS_WRITE,
            P.KNOWLEDGE_WRITE,
            P.INCIDENTS_REPORT,
            P.INCIDENTS_WRITE,
            P.INCIDENTS_TRIAGE,
            P.MOBILISATION_REQUEST,
            P.MOBILISATION_MANAGE,
            P.EVIDENCE_WRITE,
            P.ADVISORIES_WRITE,
            P.ADVISORIES_REVIEW,
            P.ADVISORIES_ACK,
            P.ADVISORIES_MANAGE,
            P.EXERCISES_PLAY,
            P.EXERCISES_ORGANISE,
            P.EXERCISES_JUDGE,
            P.INTEL_WRITE,
            P.INTEL_MANAGE,
            P.FEEDS_SUBMIT,
            P.FEEDS_MANAGE,
        },
        Role.ORG_ADMIN: _EVERY_MEMBER
        | {
            P.USERS_READ,
            P.USERS_WRITE,
            P.AUDIT_READ,
            P.WEBHOOKS_WRITE,
            P.CONSTITUENCY_WRITE,
            P.EXPERTS_WRITE,
            P.CLUSTERS_COORDINATE,
            P.READINESS_WRITE,
            P.CHANNELS_WRITE,
            P.CHANNELS_MANAGE,
            P.EVENTS_WRITE,
            P.KNOWLEDGE_WRITE,
            P.INCIDENTS_REPORT,
            P.INCIDENTS_WRITE,
            P.MOBILISATION_REQUEST,
            P.MOBILISATION_RESPOND,
            P.MOBILISATION_MANAGE,
            P.EVIDENCE_WRITE,
            P.ADVISORIES_WRITE,
            P.ADVISORIES_ACK,
            P.EXERCISES_PLAY,
            P.EXERCISES_ORGANISE,
            P.EXERCISES_JUDGE,
            P.INTEL_WRITE,
            P.FEEDS_SUBMIT,
        },
        Role.RESPONDER: _EVERY_MEMBER
        | {
            P.CHANNELS_WRITE,
            P.KNOWLEDGE_WRITE,
            P.INCIDENTS_REPORT,
            P.INCIDENTS_WRITE,
            P.EVIDENCE_WRITE,
            P.ADVISORIES_ACK,
            P.EXERCISES_PLAY,
            P.EXERCISES_JUDGE,
            P.INTEL_WRITE,
            P.FEEDS_SUBMIT,
        },
        Role.VIEWER: _EVERY_MEMBER,
    }
)

SCOPES: Final = tuple(sorted(Scope))
