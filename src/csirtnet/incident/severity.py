"""Severity suggested by Decision 05/2017/QĐ-TTg: an incident is *serious* when it hits a system of
security level 4 or 5 (or on the national list of important systems) AND causes at least one of:
service interruption, possible disclosure of state secrets, unrecoverable loss of integrity, loss
of control, or wide spread. Everything else is *normal* (Circular 20/2017/TT-BTTTT). People may
override the suggestion, with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from csirtnet.incident.schemas import SERIOUS_CRITERIA
from csirtnet.vocabulary import Severity


@dataclass(frozen=True)
class Suggestion:
    severity: Severity
    reasons: tuple[str, ...]  # English sentences, translated where shown


def suggest(security_level: int | None, on_national_list: bool, criteria: Iterable[str]) -> Suggestion:
    seen = [c for c in SERIOUS_CRITERIA if c in set(criteria)]
    critical_system = (security_level is not None and security_level >= 4) or on_national_list
    if critical_system and seen:
        why = f"security level {security_level}" if security_level and security_level >= 4 else "national list"
        return Suggestion(Severity.SERIOUS, (f"system: {why}", *(f"impact: {c}" for c in seen)))
    if not critical_system:
        return Suggestion(Severity.NORMAL, ("the system is below security level 4 and not on the national list",))
    return Suggestion(Severity.NORMAL, ("no Decision 05 impact criterion applies",))
