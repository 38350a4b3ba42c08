"""The live-fire scoring rules, written down once: what a finding's severity is worth, how a CVSS
vector becomes a severity, when a remediation task is due, what a defence report earns, and who
keeps the points of an issue found twice. Pure functions and constants; the services apply them.

**Severity.** A finding's CVSS v3.1 base vector gives its base score (the `cvss` library implements
the specification's formula, as advisories use it) and the score its severity by the bands the
CVSS v3.1 specification defines (section 5, "Qualitative Severity Rating Scale"): 0.0 none,
0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical. A judge may set another severity when
validating, with a note saying why (the vector may overstate a finding on this target).

**Points.** A validated finding earns SEVERITY_POINTS of its severity, counted at the moment it was
submitted (the scoreboard orders teams by when they reached their score).

**The first valid finder keeps the points.** An issue found by several teams scores once, for the
team that submitted it first. A judge merges every later report of the issue into the earliest
validated one (status duplicate, no points). When the later report was validated first, the judge
validates the earlier one and merges the later one into it: the points move to the first finder.
A finding is merged only into an earlier-submitted, validated finding on the same target.

**Remediation.** A validated finding becomes a task of its target's defending organisation, due
REMEDIATION_DAYS days after the day it was validated (in the exercise's time zone); a task still
open after its due day is overdue.

**Defence.** A defending team reports what it detected. A judge credits or rejects each report; a
credited report earns DEFENCE_POINTS, or FAST_DEFENCE_POINTS when it names a validated finding and
was detected no later than FAST_DETECTION_HOURS after that finding was submitted (detection before
the attacker's report counts as fast). The judge may give other points, with a note.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from csirtnet.kit.time import as_utc

# Points per severity. A critical finding is worth twenty low ones: the exercise rewards depth over
# volume (the same ratio as common bug-bounty tables). "none" (CVSS 0.0) earns nothing.
SEVERITY_POINTS: dict[str, int] = {
    "critical": 100,
    "high": 50,
    "medium": 20,
    "low": 5,
    "none": 0,
}
SEVERITIES = ("none", "low", "medium", "high", "critical")  # lowest first

# Days the defending organisation has to fix a validated finding (a week: the length of one
# remediation sprint in a 14-day exercise, so a finding of the first week is fixed within it).
REMEDIATION_DAYS = 7

# A credited defence report's points, and the faster detection's.
DEFENCE_POINTS = 10
FAST_DEFENCE_POINTS = 20
FAST_DETECTION_HOURS = 4


def severity_of_score(score: float) -> str:
    """The CVSS v3.1 qualitative rating of a base score."""
    if score <= 0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"


def points_of(severity: str) -> int:
    """What a validated finding of this severity earns."""
    return SEVERITY_POINTS[severity]


def due_on(validated_day: date, days: int = REMEDIATION_DAYS) -> date:
    """The remediation task's due day."""
    return validated_day + timedelta(days=days)


def is_overdue(due: date | None, status: str | None, today: date) -> bool:
    """An open task past its due day (the due day itself is still in time)."""
    return due is not None and status == "open" and today > due


def defence_points(detected_at: datetime, finding_submitted_at: datetime | None) -> int:
    """A credited defence report's points by the rule above (`finding_submitted_at`: the validated
    finding it names, or None)."""
    if finding_submitted_at is None:
        return DEFENCE_POINTS
    fast = as_utc(detected_at) <= as_utc(finding_submitted_at) + timedelta(hours=FAST_DETECTION_HOURS)
    return FAST_DEFENCE_POINTS if fast else DEFENCE_POINTS
