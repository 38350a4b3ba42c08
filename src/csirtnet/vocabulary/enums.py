"""Controlled vocabularies. Each value is documented where it is defined."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(StrEnum):
    """What a user may do; a user may hold several."""

    PLATFORM_ADMIN = "platform_admin"  # runs the platform: users, organisations, jobs, audit
    COORDINATOR = "coordinator"  # staff of the coordinating body: triage, mobilise, publish
    ORG_ADMIN = "org_admin"  # keeps one member organisation's data and users current
    RESPONDER = "responder"  # works incidents, collects evidence, shares indicators
    VIEWER = "viewer"  # reads what the organisation may see

    @property
    def requires_2fa(self) -> bool:
        return self in (Role.PLATFORM_ADMIN, Role.COORDINATOR, Role.ORG_ADMIN)


class TLP(StrEnum):
    """Traffic Light Protocol 2.0 (FIRST). Enforced by authz, not only displayed."""

    RED = "red"  # only the named recipients
    AMBER_STRICT = "amber+strict"  # the recipient organisation only
    AMBER = "amber"  # the recipient organisation and the clients it serves, need to know
    GREEN = "green"  # the community: the network's members, not public
    CLEAR = "clear"  # no limit

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()


class PAP(StrEnum):
    """Permissible Actions Protocol: which active steps recipients may take."""

    RED = "red"  # non-detectable actions only, no outside lookups
    AMBER = "amber"  # passive cross-checks (e.g. searching own logs)
    GREEN = "green"  # active actions such as blocking
    CLEAR = "clear"  # no restriction


class Severity(StrEnum):
    """Vietnam: Decision 05/2017/QĐ-TTg (serious) and Circular 20/2017/TT-BTTTT (normal)."""

    NORMAL = "normal"
    SERIOUS = "serious"


class SecurityLevel(IntEnum):
    """Information-system security levels, Law 86/2015 art. 21 and Decree 85/2016."""

    LEVEL_1 = 1
    LEVEL_2 = 2
    LEVEL_3 = 3
    LEVEL_4 = 4
    LEVEL_5 = 5


class Language(StrEnum):
    VI = "vi"
    EN = "en"
