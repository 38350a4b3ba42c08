"""Human names of stored codes (roles, organisation kinds, statuses, channels), as English msgids.

Templates translate them with `_()`; the Vietnamese catalog holds their translations.
"""

from __future__ import annotations

from csirtnet.i18n import N_
from csirtnet.models.job import JobStatus
from csirtnet.models.organisation import OrganisationKind, OrganisationStatus
from csirtnet.notification.events import EventType
from csirtnet.vocabulary import Role

ROLES: dict[str, str] = {
    Role.PLATFORM_ADMIN.value: N_("Platform admin"),
    Role.COORDINATOR.value: N_("Coordinator"),
    Role.ORG_ADMIN.value: N_("Organisation admin"),
    Role.RESPONDER.value: N_("Responder"),
    Role.VIEWER.value: N_("Viewer"),
}

ORGANISATION_KINDS: dict[str, str] = {
    OrganisationKind.COORDINATOR.value: N_("Coordinating body"),
    OrganisationKind.MINISTRY.value: N_("Ministry or central agency"),
    OrganisationKind.PROVINCE.value: N_("Provincial or city department"),
    OrganisationKind.MILITARY.value: N_("Military unit"),
    OrganisationKind.POLICE.value: N_("Police unit"),
    OrganisationKind.STATE_ENTERPRISE.value: N_("State-owned enterprise"),
    OrganisationKind.PRIVATE_ENTERPRISE.value: N_("Private enterprise"),
    OrganisationKind.TELECOM.value: N_("Telecom or internet provider"),
    OrganisationKind.FINANCE.value: N_("Bank or financial institution"),
    OrganisationKind.SECURITY_VENDOR.value: N_("Security company"),
    OrganisationKind.EXPERT.value: N_("Individual expert"),
}

ORGANISATION_STATUSES: dict[str, str] = {
    OrganisationStatus.ACTIVE.value: N_("Active"),
    OrganisationStatus.SUSPENDED.value: N_("Suspended"),
}

JOB_STATUSES: dict[str, str] = {
    JobStatus.QUEUED.value: N_("Queued"),
    JobStatus.RUNNING.value: N_("Running"),
    JobStatus.DONE.value: N_("Done"),
    JobStatus.FAILED.value: N_("Failed"),
}

CHANNELS: dict[str, str] = {
    "inapp": N_("In the app"),
    "email": N_("Email"),
}

SCOPES: dict[str, str] = {
    "profile:read": N_("Read your profile"),
    "profile:write": N_("Change your profile and tokens"),
    "users:read": N_("Read users"),
    "users:write": N_("Create and change users"),
    "organisations:read": N_("Read organisations"),
    "organisations:write": N_("Create and change organisations"),
    "audit:read": N_("Read the audit log"),
    "jobs:read": N_("Read background jobs"),
    "jobs:write": N_("Retry background jobs"),
    "notifications:read": N_("Read notifications"),
    "notifications:write": N_("Mark notifications read, change preferences"),
    "webhooks:write": N_("Manage webhooks"),
    "metrics:read": N_("Read metrics (Prometheus)"),
}

# Time zones offered first in the profile form; any IANA zone is accepted.
COMMON_TIMEZONES = (
    "Asia/Ho_Chi_Minh",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def event_title(event: EventType, language: str) -> str:
    """An event type's title with its placeholders shown as "…" (for lists of event types)."""
    template = event.title.get(language) or event.title["en"]
    return template.format_map(_Blank())
