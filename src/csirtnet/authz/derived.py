"""Derived records carry the visibility of their source (docs/adr/0002-tenancy-and-authz.md).

A derived record — an audit record's summary, a job's payload, a notification, an email, a webhook
delivery, a timeline entry — copies content out of an object whose readers authz decides. Such a
record carries a `Guard`: the object its content comes from (and the TLP of that content, when it
is marked apart from the object, like a TLP:RED observable in an AMBER incident). Whoever reads the
derived record sees its content only where they may see the guard's source, decided by the SAME
clauses the source's own reads use (`visible_incidents_clause`, `visible_observables_clause`'s
rule, `visible_reports_clause`, `visible_requests_clause`, `visible_deployments_clause`). A record
without a guard holds no content of a guarded object.

The kinds and their rules are declared here, in one table, rather than registered by the domains at
import: a reviewer reads every rule on one page, and no import order can leave a kind without one.
The decision is one SQL condition (`guard_clause`) over a guard's four values, whether they are a
table's columns (audit records, jobs: filtered or redacted in the same statement as the list) or
literal values (`visible_guards`, for any number of guards in one statement).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    exists,
    false,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from csirtnet.authz.policy import Subject
from csirtnet.vocabulary import Role

R = TypeVar("R")


class GuardKind(StrEnum):
    """What a derived record's content comes from."""

    INCIDENT = "incident"  # an incident, or anything inside it (task, comment, observable, link)
    REPORT = "report"  # an incident report (follows its incident once triaged)
    SUPPORT_REQUEST = "support_request"  # a request for support (mobilisation), and its targets
    DEPLOYMENT = "deployment"  # an expert's deployment
    EVIDENCE = "evidence"  # an evidence item (narrower than its incident: authz.evidence)
    ADVISORY = "advisory"  # a warning or advisory (authz.advisory)
    EXERCISE = "exercise"  # an exercise's preparation: challenges, flags, injects, staff (authz.exercise)
    EXERCISE_TEAM = "exercise_team"  # a team's work in an exercise: answers, findings (authz.exercise)
    INDICATOR = "indicator"  # an indicator, its sightings and correlations (authz.intel)
    FEED = "feed"  # a feed source's configuration, runs, quarantine and rules: feed managers (authz.feeds)
    FEED_DIGEST = "feed_digest"  # a member's digest and the events in it (authz.feeds)


@dataclass(frozen=True)
class Guard:
    """The source of a derived record's content.

    `tlp` is the marking of the content itself when it is marked apart from its object (an
    observable's TLP): TLP:RED content is for the users named on the incident. `also_id` is a second
    object of the same kind the content names (a link names the other incident): the reader must
    see it too, and a TLP:RED marking holds in both."""

    kind: GuardKind
    id: int
    tlp: str | None = None
    also_id: int | None = None


def _incident_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.incident import visible_content_clause, visible_incidents_clause
    from csirtnet.models import Incident

    return and_(
        exists(select(Incident.id).where(Incident.id == ident, visible_incidents_clause(who))),
        visible_content_clause(who, ident, tlp),
    )


def _report_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.incident import visible_reports_clause
    from csirtnet.models import IncidentReport

    return exists(select(IncidentReport.id).where(IncidentReport.id == ident, visible_reports_clause(who)))


def _request_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.mobilisation import visible_requests_clause
    from csirtnet.authz.permissions import Permission
    from csirtnet.authz.policy import can
    from csirtnet.models import SupportRequest

    if not can(who, Permission.MOBILISATION_READ):
        return false()
    return exists(select(SupportRequest.id).where(SupportRequest.id == ident, visible_requests_clause(who)))


def _deployment_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.mobilisation import visible_deployments_clause
    from csirtnet.authz.permissions import Permission
    from csirtnet.authz.policy import can
    from csirtnet.models import Deployment

    if not can(who, Permission.MOBILISATION_READ):
        return false()
    return exists(select(Deployment.id).where(Deployment.id == ident, visible_deployments_clause(who)))


def _evidence_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.evidence import visible_evidence_clause
    from csirtnet.models import EvidenceItem

    return exists(select(EvidenceItem.id).where(EvidenceItem.id == ident, visible_evidence_clause(who)))


def _advisory_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.advisory import visible_advisories_clause
    from csirtnet.models import Advisory

    return exists(select(Advisory.id).where(Advisory.id == ident, visible_advisories_clause(who)))


def _exercise_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.exercise import organising_clause

    return organising_clause(who, ident)


def _exercise_team_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.exercise import team_guard_clause

    return team_guard_clause(who, ident)


def _indicator_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.intel import visible_indicators_clause
    from csirtnet.models import Indicator

    return exists(select(Indicator.id).where(Indicator.id == ident, visible_indicators_clause(who)))


def _feed_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.feeds import can_manage

    return true() if can_manage(who) else false()


def _feed_digest_rule(who: Subject, ident: Any, tlp: Any) -> ColumnElement[bool]:
    from csirtnet.authz.feeds import visible_digests_clause
    from csirtnet.models import FeedDigest

    return exists(select(FeedDigest.id).where(FeedDigest.id == ident, visible_digests_clause(who)))


# Each kind's rule: (subject, the source's id, the content's TLP) -> may the subject see it.
RULES: dict[GuardKind, Callable[[Subject, Any, Any], ColumnElement[bool]]] = {
    GuardKind.INCIDENT: _incident_rule,
    GuardKind.REPORT: _report_rule,
    GuardKind.SUPPORT_REQUEST: _request_rule,
    GuardKind.DEPLOYMENT: _deployment_rule,
    GuardKind.EVIDENCE: _evidence_rule,
    GuardKind.ADVISORY: _advisory_rule,
    GuardKind.EXERCISE: _exercise_rule,
    GuardKind.EXERCISE_TEAM: _exercise_team_rule,
    GuardKind.INDICATOR: _indicator_rule,
    GuardKind.FEED: _feed_rule,
    GuardKind.FEED_DIGEST: _feed_digest_rule,
}


def guard_clause(who: Subject, kind: Any, ident: Any, tlp: Any, also_id: Any) -> ColumnElement[bool]:
    """True where `who` may see content guarded by (kind, ident, tlp, also_id): columns or values.
    A null kind is no guard (content of no guarded object); an unknown kind is nobody's."""
    if who.user_id is None:
        # The platform itself (jobs, CLI) sees everything; an anonymous caller nothing guarded.
        return true() if who.is_platform_admin else kind.is_(None)
    branches: list[ColumnElement[bool]] = [kind.is_(None)]
    for guard_kind, rule in RULES.items():
        seen = rule(who, ident, tlp)
        also = or_(also_id.is_(None), rule(who, also_id, tlp))
        branches.append(and_(kind == guard_kind.value, seen, also))
    return or_(*branches)


def visible_guards(session: Session, who: Subject, guards: Iterable[Guard | None]) -> set[Guard]:
    """The guards among `guards` whose content `who` may see, decided in one statement."""
    wanted = {g for g in guards if g is not None}
    if not wanted:
        return set()
    ordered = sorted(wanted, key=repr)
    # One row of literals per guard (SQLite names no columns of a VALUES list, so a UNION ALL).
    table = union_all(
        *(
            select(
                literal(n, Integer).label("n"),
                literal(g.kind.value, String).label("kind"),
                literal(g.id, BigInteger).label("ident"),
                literal(g.tlp, String).label("tlp"),
                literal(g.also_id, BigInteger).label("also_id"),
            )
            for n, g in enumerate(ordered)
        )
    ).subquery("guards")
    c = table.c
    rows = session.scalars(select(c.n).where(guard_clause(who, c.kind, c.ident, c.tlp, c.also_id))).all()
    return {ordered[n] for n in rows}


def stored_guard(row: Any) -> Guard | None:
    """The guard held in a row's guard columns (guard_kind, guard_id, guard_tlp, guard_also_id)."""
    if row.guard_kind is None:
        return None
    return Guard(GuardKind(row.guard_kind), int(row.guard_id), row.guard_tlp, row.guard_also_id)


def set_guard(row: Any, guard: Guard | None) -> None:
    """Write `guard` into a row's guard columns."""
    if guard is None:
        row.guard_kind = row.guard_id = row.guard_tlp = row.guard_also_id = None
    else:
        row.guard_kind, row.guard_id, row.guard_tlp, row.guard_also_id = (
            guard.kind.value,
            guard.id,
            guard.tlp,
            guard.also_id,
        )


def stored_guard_clause(who: Subject, table: Any) -> ColumnElement[bool]:
    """`guard_clause` over a table's guard columns: the rows whose content `who` may see."""
    return guard_clause(who, table.guard_kind, table.guard_id, table.guard_tlp, table.guard_also_id)


def readable(session: Session, who: Subject, rows: Sequence[R]) -> list[tuple[R, bool]]:
    """Each row with whether `who` may see its content (its stored guard), in one statement. A kind
    this code does not know (written by a newer version) is nobody's."""
    guards: list[Guard | ValueError | None] = []
    for row in rows:
        try:
            guards.append(stored_guard(row))
        except ValueError as unknown:
            guards.append(unknown)
    seen = visible_guards(session, who, (g for g in guards if isinstance(g, Guard)))
    return [(row, guard is None or guard in seen) for row, guard in zip(rows, guards, strict=True)]


def may_see(session: Session, who: Subject, guard: Guard | None) -> bool:
    """One guard: no guard is everyone's (the record holds no guarded content)."""
    return guard is None or guard in visible_guards(session, who, [guard])


def organisation_reader(organisation_id: int) -> Subject:
    """What an organisation as a whole may read (a webhook's receiver): a viewer of the organisation
    who is named on nothing — its own reports and the incidents it takes part in, never TLP:RED."""
    return Subject(
        user_id=0,  # no user has id 0: named on nothing
        organisation_id=organisation_id,
        roles=frozenset({Role.VIEWER.value}),
        label=f"organisation:{organisation_id}",
    )


def guard_of(obj: object) -> Guard | None:
    """The guard of content taken from a model instance (audit.record uses it for its object)."""
    from csirtnet import models

    kind_of: dict[type[Any], Callable[[Any], Guard]] = {
        models.Incident: lambda o: Guard(GuardKind.INCIDENT, o.id),
        models.IncidentObservable: lambda o: Guard(GuardKind.INCIDENT, o.incident_id, o.tlp),
        models.IncidentTask: lambda o: Guard(GuardKind.INCIDENT, o.incident_id),
        models.IncidentAttachment: lambda o: Guard(GuardKind.INCIDENT, o.incident_id, o.tlp),
        models.IncidentComment: lambda o: Guard(GuardKind.INCIDENT, o.incident_id),
        models.IncidentParticipant: lambda o: Guard(GuardKind.INCIDENT, o.incident_id),
        models.IncidentTimelineEntry: lambda o: Guard(GuardKind.INCIDENT, o.incident_id, o.tlp, o.other_incident_id),
        models.IncidentLink: lambda o: Guard(GuardKind.INCIDENT, o.incident_id, None, o.other_incident_id),
        models.IncidentReport: lambda o: Guard(GuardKind.REPORT, o.id),
        models.SupportRequest: lambda o: Guard(GuardKind.SUPPORT_REQUEST, o.id),
        models.SupportRequestTarget: lambda o: Guard(GuardKind.SUPPORT_REQUEST, o.support_request_id),
        models.Deployment: lambda o: Guard(GuardKind.DEPLOYMENT, o.id),
        models.EvidenceItem: lambda o: Guard(GuardKind.EVIDENCE, o.id),
        models.EvidenceCustodyEntry: lambda o: Guard(GuardKind.EVIDENCE, o.item_id),
        models.EvidenceCheck: lambda o: Guard(GuardKind.EVIDENCE, o.item_id),
        models.Advisory: lambda o: Guard(GuardKind.ADVISORY, o.id),
        models.AdvisoryRecipient: lambda o: Guard(GuardKind.ADVISORY, o.advisory_id),
        models.AdvisoryVersion: lambda o: Guard(GuardKind.ADVISORY, o.advisory_id),
        models.Exercise: lambda o: Guard(GuardKind.EXERCISE, o.id),
        models.Challenge: lambda o: Guard(GuardKind.EXERCISE, o.exercise_id),
        models.Inject: lambda o: Guard(GuardKind.EXERCISE, o.exercise_id),
        models.Target: lambda o: Guard(GuardKind.EXERCISE, o.exercise_id),
        models.ExerciseTeam: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.id),
        models.Submission: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.team_id),
        models.Solve: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.team_id),
        models.Award: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.team_id),
        models.HintUnlock: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.team_id),
        models.InjectAnswer: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.team_id),
        models.Finding: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.team_id),
        models.DefenceReport: lambda o: Guard(GuardKind.EXERCISE_TEAM, o.team_id),
        models.Indicator: lambda o: Guard(GuardKind.INDICATOR, o.id),
        # A sighting is read with its indicator; its own TLP is stricter only for TLP:RED.
        models.Sighting: lambda o: Guard(GuardKind.INDICATOR, o.indicator_id),
        models.FeedSource: lambda o: Guard(GuardKind.FEED, o.id),
        models.FeedRun: lambda o: Guard(GuardKind.FEED, o.source_id),
        models.FeedRule: lambda o: Guard(GuardKind.FEED, o.id),
        models.FeedDigest: lambda o: Guard(GuardKind.FEED_DIGEST, o.id),
    }
    make = kind_of.get(type(obj))
    if make is None:
        return None
    if getattr(obj, "id", None) is None:
        raise ValueError(f"{type(obj).__name__} has no id yet: flush before taking its guard")
    return make(obj)


__all__ = [
    "RULES",
    "Guard",
    "GuardKind",
    "guard_clause",
    "guard_of",
    "may_see",
    "organisation_reader",
    "readable",
    "set_guard",
    "stored_guard",
    "stored_guard_clause",
    "visible_guards",
]
