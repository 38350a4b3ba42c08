"""The mobilisation domain's stored codes, each with its English name (an msgid the catalog translates)."""

from __future__ import annotations

from enum import StrEnum

from csirtnet.i18n import N_


class Urgency(StrEnum):
    LOW = "low"  # within days; business hours are enough
    NORMAL = "normal"  # within a day or two; business hours are enough
    HIGH = "high"  # today; experts are needed around the clock
    CRITICAL = "critical"  # now: a serious incident is under way

    @property
    def around_the_clock(self) -> bool:
        """High and critical requests need cover at any hour, not only in business hours."""
        return self in (Urgency.HIGH, Urgency.CRITICAL)


class Mode(StrEnum):
    ON_SITE = "on_site"  # the expert travels to the affected organisation
    REMOTE = "remote"  # the expert works from their own desk


class RequestStatus(StrEnum):
    OPEN = "open"  # waiting for members to answer
    FULFILLED = "fulfilled"  # as many experts accepted as were asked for
    UNFILLED = "unfilled"  # every suitable member was asked; too few accepted
    CANCELLED = "cancelled"  # withdrawn by the requester


class TargetStatus(StrEnum):
    """Where the request stands with one member organisation."""

    PENDING = "pending"  # sent; the organisation has until its deadline to answer
    ACCEPTED = "accepted"  # the organisation named experts
    DECLINED = "declined"  # the organisation said no, with a reason
    EXPIRED = "expired"  # the deadline passed without an answer; the next match was asked
    WITHDRAWN = "withdrawn"  # no longer needed (fulfilled or cancelled before it answered)


class DeploymentStatus(StrEnum):
    PLANNED = "planned"  # accepted; starts later
    ACTIVE = "active"  # the expert works the incident and can open it
    RELEASED = "released"  # over; access ended


URGENCIES: dict[str, str] = {
    Urgency.LOW.value: N_("Low"),
    Urgency.NORMAL.value: N_("Normal"),
    Urgency.HIGH.value: N_("High"),
    Urgency.CRITICAL.value: N_("Critical"),
}
MODES: dict[str, str] = {
    Mode.ON_SITE.value: N_("On site"),
    Mode.REMOTE.value: N_("Remote"),
}
REQUEST_STATUSES: dict[str, str] = {
    RequestStatus.OPEN.value: N_("Open"),
    RequestStatus.FULFILLED.value: N_("Fulfilled"),
    RequestStatus.UNFILLED.value: N_("Unfilled"),
    RequestStatus.CANCELLED.value: N_("Cancelled"),
}
TARGET_STATUSES: dict[str, str] = {
    TargetStatus.PENDING.value: N_("Waiting for an answer"),
    TargetStatus.ACCEPTED.value: N_("Accepted"),
    TargetStatus.DECLINED.value: N_("Declined"),
    TargetStatus.EXPIRED.value: N_("No answer in time"),
    TargetStatus.WITHDRAWN.value: N_("Withdrawn"),
}
DEPLOYMENT_STATUSES: dict[str, str] = {
    DeploymentStatus.PLANNED.value: N_("Planned"),
    DeploymentStatus.ACTIVE.value: N_("On the incident"),
    DeploymentStatus.RELEASED.value: N_("Released"),
}
