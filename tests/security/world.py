"""The seeded world of the authorization matrix: organisations, one real user per kind of subject
(logged in through the real pages), and objects of every kind at every TLP, built through the
domain's service functions, with a planted marker in every private text field.

Everything is built in the caller's transaction; the matrix runs each request in a savepoint that
is rolled back, so the world is built once per backend and every request sees it as it was. This
module holds what the world is; tests/security/seed*.py build it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from csirtnet.config import get_settings
from tests.security.markers import Markers

TLPS = ("clear", "green", "amber", "amber+strict", "red")
TLP_SLUG = {"clear": "clear", "green": "green", "amber": "amber", "amber+strict": "strict", "red": "red"}


@dataclass
class Login:
    """How a subject calls the platform: its session cookie (pages, and the API with the CSRF
    header), its CSRF token, and an API token with every scope its roles grant."""

    key: str
    user_id: int | None = None
    cookie: str | None = None
    csrf: str | None = None
    bearer: str | None = None
    totp_secret: str | None = None
    token_id: int | None = None


@dataclass(frozen=True)
class IncidentFacts:
    org: str
    tlp: str
    roles: dict[str, str]  # subject -> participant role (active, named)


@dataclass
class World:
    kind: str
    markers: Markers = field(default_factory=Markers)
    ids: dict[str, int] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # incidents' references, as people type them
    secrets: dict[str, str] = field(default_factory=dict)  # tracking and reset tokens by name
    logins: dict[str, Login] = field(default_factory=dict)
    readers: dict[str, frozenset[str]] = field(default_factory=dict)  # object key -> subjects who may see it
    incidents: dict[str, IncidentFacts] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # planted values a request must repeat (a claim)
    # Incidents whose id a subject may not learn (they may not see them and never could).
    hidden_incident_ids: dict[str, set[int]] = field(default_factory=dict)
    year: int = 0
    today: date = date.min
    # Markers a request may show to whoever sends it, because it carries the secret that proves
    # it is theirs (an applicant's tracking link), by secret name.
    owned_by_secret: dict[str, frozenset[str]] = field(default_factory=dict)

    def id(self, key: str) -> int:
        return self.ids[key]


def today() -> date:
    """The date in the network's time zone (lead terms change at local midnight)."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date()
