"""Who may see and work an incident. THE one decision: lists, search, exports, correlation, the API
and the pages all go through `visible_incidents_clause` (SQL) or `can_view` (one object, built on
the same clause), so they cannot drift apart.

An incident is visible to
- the reporting organisation's users;
- the coordinating body's staff and platform admins (`Subject.sees_everything`);
- its ACTIVE participants: a row names a user (that user), or only an organisation (its users);
  a row is active when `starts_at <= now` and (`ends_at` is null or `now < ends_at`);
- the users of the cluster's current lead organisation, when it is shared with the cluster
  (`shared_with_cluster_id`) and its TLP allows the cluster (CLEAR, GREEN, AMBER; AMBER+STRICT
  stays in the recipient organisations). Acting for the cluster needs authz.cluster's lead rights.

TLP:RED (decided here, docs/incidents.md): only the users NAMED as active participants, whoever
they are. Coordinators see a TLP:RED incident only while they are assigned to it as participants;
the reporting organisation only through its named reporter. Every read of a TLP:RED incident is
audited ("incident.viewed"). TLP never widens visibility beyond the groups above: a case record is
shared with the community through advisories and indicators, not by opening the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can
from csirtnet.errors import Forbidden, NotFound
from csirtnet.kit.time import utcnow
from csirtnet.models import ClusterLeadTerm, Incident, IncidentParticipant
from csirtnet.vocabulary import TLP

# Participant roles that may change an incident (observers and reporters only read and discuss).
WORKING_ROLES = frozenset({"commander", "liaison", "responder"})
CLUSTER_TLPS = (TLP.CLEAR.value, TLP.GREEN.value, TLP.AMBER.value)


def _today(now: datetime) -> date:
    from csirtnet.config import get_settings

    return now.astimezone(ZoneInfo(get_settings().timezone)).date()


def _now_at_execution() -> datetime:
    return utcnow()


def _today_at_execution() -> date:
    return _today(utcnow())


# "Now" and "today" as parameters whose values are taken when a statement runs: a clause built with
# them holds nothing of the moment it was built, so it can serve every request of its subject.
_NOW: Any = bindparam("authz_now", callable_=_now_at_execution, type_=IncidentParticipant.starts_at.type)
_TODAY: Any = bindparam("authz_today", callable_=_today_at_execution, type_=ClusterLeadTerm.starts_on.type)


def active_participation_clause(now: Any) -> ColumnElement[bool]:
    """The participant rows in force at `now` (mobilisation uses the same definition)."""
    return and_(
        IncidentParticipant.starts_at <= now,
        or_(IncidentParticipant.ends_at.is_(None), IncidentParticipant.ends_at > now),
    )


def _named_participant(subject: Subject, now: Any) -> ColumnElement[bool]:
    return exists(
        select(IncidentParticipant.id).where(
            IncidentParticipant.incident_id == Incident.id,
            IncidentParticipant.user_id == subject.user_id,
            active_participation_clause(now),
        )
    )


def _organisation_participant(subject: Subject, now: Any) -> ColumnElement[bool]:
    return exists(
        select(IncidentParticipant.id).where(
            IncidentParticipant.incident_id == Incident.id,
            IncidentParticipant.user_id.is_(None),
            IncidentParticipant.organisation_id == subject.organisation_id,
            active_participation_clause(now),
        )
    )


def _led_clusters(subject: Subject, today: Any) -> Select[int]:
    return select(ClusterLeadTerm.cluster_id).where(
        ClusterLeadTerm.organisation_id == subject.organisation_id,
        ClusterLeadTerm.starts_on <= today,
        ClusterLeadTerm.ends_on >= today,
    )


def _cluster_lead(subject: Subject, today: Any) -> ColumnElement[bool]:
    # Sharing with the cluster makes its lead organisation (during its term) a recipient: its users
    # read the incident. Acting for the cluster (e.g. mobilising) needs authz.cluster's lead rights.
    return and_(Incident.tlp.in_(CLUSTER_TLPS), Incident.shared_with_cluster_id.in_(_led_clusters(subject, today)))


def visible_incidents_clause(subject: Subject, now: datetime | None = None) -> ColumnElement[bool]:
    """A WHERE clause on `Incident`: the incidents `subject` may see at `now`.

    Without `now`, the clause reads the time when its statement runs, and is built once per subject
    and process: a member's clause cost about 1.7 ms of CPU to build, and every page asks for it."""
    if now is not None:
        return _visible_incidents_clause(subject, now, _today(now))
    return _shared_visible_incidents_clause(subject)


@lru_cache(maxsize=1024)
def _shared_visible_incidents_clause(subject: Subject) -> ColumnElement[bool]:
    return _visible_incidents_clause(subject, _NOW, _TODAY)


def _visible_incidents_clause(subject: Subject, now: Any, today: Any) -> ColumnElement[bool]:
    if subject.user_id is None:
        # The platform itself (jobs, CLI) sees everything; an anonymous caller nothing.
        return true() if subject.is_platform_admin else false()
    if not can(subject, Permission.INCIDENTS_READ):
        return false()
    # Cheap column tests before the EXISTS subqueries: PostgreSQL evaluates an OR in the order
    # written and stops at the first true branch, so a coordinator's search over 1,500 candidate
    # rows no longer probes the participants of each (docs/benchmarks.md).
    named = _named_participant(subject, now)
    not_red = Incident.tlp != TLP.RED.value
    if subject.sees_everything:
        return or_(not_red, named)
    by_org = or_(Incident.reporting_organisation_id == subject.organisation_id, _organisation_participant(subject, now))
    if subject.organisation_id is None:
        return named
    rule = or_(and_(not_red, or_(by_org, _cluster_lead(subject, today))), named)
    # Same answer, better plan: no index serves the OR above, so PostgreSQL walked the whole table
    # backwards for every member's list (1-4 s at 1,000,000 incidents). Starting from the few ids
    # the member can possibly see makes it a semi-join on the primary key (docs/benchmarks.md).
    return and_(Incident.id.in_(_candidate_ids(subject, now, today)), rule)


def _candidate_ids(subject: Subject, now: Any, today: Any) -> CompoundSelect[int]:
    """Every incident id the rule above could admit for a member: its organisation's reports, its
    active participations (named or as an organisation), incidents shared with a cluster it leads."""
    return union_all(
        select(Incident.id).where(Incident.reporting_organisation_id == subject.organisation_id),
        select(IncidentParticipant.incident_id).where(
            active_participation_clause(now),
            or_(
                IncidentParticipant.user_id == subject.user_id,
                and_(
                    IncidentParticipant.user_id.is_(None),
                    IncidentParticipant.organisation_id == subject.organisation_id,
                ),
            ),
        ),
        select(Incident.id).where(Incident.shared_with_cluster_id.in_(_led_clusters(subject, today))),
    )


def can_view(session: Session, subject: Subject, incident_id: int, now: datetime | None = None) -> bool:
    return (
        session.scalar(select(Incident.id).where(Incident.id == incident_id, visible_incidents_clause(subject, now)))
        is not None
    )


def get_visible(session: Session, subject: Subject, incident_id: int, *, audit_read: bool = True) -> Incident:
    """The incident, if `subject` may see it (else NotFound: its existence is not disclosed).

    A read of a TLP:RED incident is audited in the caller's transaction.
    """
    incident = session.scalar(select(Incident).where(Incident.id == incident_id, visible_incidents_clause(subject)))
    if incident is None:
        raise NotFound("incident")
    if audit_read and incident.tlp == TLP.RED.value:
        audit.record(
            session,
            subject,
            "incident.viewed",
            incident,
            organisation_id=incident.reporting_organisation_id,
            reference=incident.reference,
        )
    return incident


def participant_role(session: Session, subject: Subject, incident: Incident, now: datetime | None = None) -> str | None:
    """The strongest active role the subject holds on the incident (named or through its organisation)."""
    now = now or utcnow()
    if subject.user_id is None:
        return None
    rows = session.scalars(
        select(IncidentParticipant.role).where(
            IncidentParticipant.incident_id == incident.id,
            active_participation_clause(now),
            or_(
                IncidentParticipant.user_id == subject.user_id,
                and_(
                    IncidentParticipant.user_id.is_(None),
                    IncidentParticipant.organisation_id == subject.organisation_id,
                ),
            ),
        )
    ).all()
    order = ["commander", "liaison", "responder", "reporter", "observer"]
    held = sorted(set(rows), key=lambda r: order.index(r) if r in order else len(order))
    return held[0] if held else None


def _role_once(session: Session, subject: Subject, incident: Incident) -> Callable[[], str | None]:
    """`participant_role`, asked at most once, and only if a decision needs it."""
    held: list[str | None] = []

    def role() -> str | None:
        if not held:
            held.append(participant_role(session, subject, incident))
        return held[0]

    return role


def _can_work(subject: Subject, incident: Incident, role: Callable[[], str | None]) -> bool:
    if subject.user_id is None:
        return True
    if not can(subject, Permission.INCIDENTS_WRITE):
        return False
    if subject.sees_everything:
        return True
    if incident.tlp != TLP.RED.value and subject.organisation_id == incident.reporting_organisation_id:
        return True
    return role() in WORKING_ROLES


def _can_command(subject: Subject, role: Callable[[], str | None]) -> bool:
    if subject.user_id is None:
        return True
    if not can(subject, Permission.INCIDENTS_WRITE):
        return False
    if can(subject, Permission.INCIDENTS_TRIAGE):
        return True
    return role() == "commander"


def can_work(session: Session, subject: Subject, incident: Incident) -> bool:
    """May change the incident's timeline, tasks, observables: coordinators, working participants,
    and the reporting organisation's responders and admins."""
    return _can_work(subject, incident, _role_once(session, subject, incident))


def require_work(session: Session, subject: Subject, incident: Incident) -> None:
    if not can_work(session, subject, incident):
        raise Forbidden("You may read this incident but not change it")


def can_discuss(session: Session, subject: Subject, incident: Incident) -> bool:
    """Anyone who works it, plus reporters and observers taking part."""
    role = _role_once(session, subject, incident)
    return _can_work(subject, incident, role) or role() is not None


def can_command(session: Session, subject: Subject, incident: Incident) -> bool:
    """May classify, change phase, TLP and participants: coordinators and the incident's commander."""
    return _can_command(subject, _role_once(session, subject, incident))


@dataclass(frozen=True)
class Abilities:
    work: bool
    command: bool
    discuss: bool


def abilities(session: Session, subject: Subject, incident: Incident) -> Abilities:
    """`can_work`, `can_command` and `can_discuss` together, with one participant query at most
    (the incident page shows what each allows)."""
    role = _role_once(session, subject, incident)
    work = _can_work(subject, incident, role)
    return Abilities(work=work, command=_can_command(subject, role), discuss=work or role() is not None)


def require_command(session: Session, subject: Subject, incident: Incident) -> None:
    if not can_command(session, subject, incident):
        raise Forbidden("Only the coordinator or the incident's commander may do this")


def visible_reports_clause(subject: Subject) -> ColumnElement[bool]:
    """Reports: the coordinators (who triage) see the queue; members see their organisation's
    reports except confidential ones, which only their reporter and the coordinators see. A report
    that became (part of) an incident follows the incident: only those who may see the incident
    read it (a report raised with its incident to TLP:RED is for the named), except its reporter."""
    from csirtnet.models import IncidentReport

    if subject.user_id is None:
        return true() if subject.is_platform_admin else false()
    if not can(subject, Permission.INCIDENTS_READ):
        return false()
    follows_incident = or_(
        IncidentReport.incident_id.is_(None),
        exists(select(Incident.id).where(Incident.id == IncidentReport.incident_id, visible_incidents_clause(subject))),
    )
    if subject.sees_everything:
        return or_(IncidentReport.reporter_user_id == subject.user_id, follows_incident)
    return or_(
        IncidentReport.reporter_user_id == subject.user_id,
        and_(
            IncidentReport.reporting_organisation_id == subject.organisation_id,
            IncidentReport.confidential.is_(False),
            follows_incident,
        ),
    )


def visible_observables_clause(
    subject: Subject, now: datetime | None = None, observable: Any = None
) -> ColumnElement[bool]:
    """Within an incident the subject may see: a TLP:RED observable only for the users named as
    active participants of its incident (lists, correlation and exports use this). `observable`
    is the table or an alias of it (correlation joins two)."""
    from csirtnet.models import IncidentObservable

    table = IncidentObservable if observable is None else observable
    if now is None:
        return _shared_visible_observables_clause(subject, table)
    return _visible_observables_clause(subject, now, table)


@lru_cache(maxsize=1024)
def _shared_visible_observables_clause(subject: Subject, table: Any) -> ColumnElement[bool]:
    return _visible_observables_clause(subject, _NOW, table)


def _visible_observables_clause(subject: Subject, now: Any, table: Any) -> ColumnElement[bool]:
    return _visible_content_clause(subject, now, table.incident_id, table.tlp)


def visible_attachments_clause(subject: Subject) -> ColumnElement[bool]:
    """Within an incident the subject may see, the attachments it may see: the observables' rule
    exactly (a TLP:RED file, its name included, is for the users named as active participants)."""
    from csirtnet.models import IncidentAttachment

    return _visible_content_clause(subject, _NOW, IncidentAttachment.incident_id, IncidentAttachment.tlp)


def visible_content_clause(subject: Subject, incident_id: Any, tlp: Any) -> ColumnElement[bool]:
    """Content marked `tlp` inside the incident `incident_id` (columns or values; a null TLP is the
    incident's own): TLP:RED content only for the users named as active participants of the incident.
    The observables' rule, and the rule of everything derived from marked content (authz.derived)."""
    return _visible_content_clause(subject, _NOW, incident_id, tlp)


def _visible_content_clause(subject: Subject, now: Any, incident_id: Any, tlp: Any) -> ColumnElement[bool]:
    if subject.user_id is None:
        return true() if subject.is_platform_admin else false()
    named = exists(
        select(IncidentParticipant.id).where(
            IncidentParticipant.incident_id == incident_id,
            IncidentParticipant.user_id == subject.user_id,
            active_participation_clause(now),
        )
    )
    return or_(tlp.is_(None), tlp != TLP.RED.value, named)


def visible_timeline_clause(subject: Subject) -> ColumnElement[bool]:
    """Within an incident the subject may see, the timeline entries it may read: an entry carries the
    TLP of its content (a TLP:RED observable's value: named participants only) and the other incident
    it names (a link: only for those who may see that incident too — correlation's promise)."""
    return _shared_visible_timeline_clause(subject)


@lru_cache(maxsize=1024)
def _shared_visible_timeline_clause(subject: Subject) -> ColumnElement[bool]:
    from csirtnet.models import IncidentTimelineEntry as Entry

    # The enclosing statement reads timeline entries only, so the EXISTS below reads `incident` afresh
    # (nothing to correlate it with), with the incidents' own clause.
    return and_(
        or_(Entry.tlp.is_(None), _visible_content_clause(subject, _NOW, Entry.incident_id, Entry.tlp)),
        or_(
            Entry.other_incident_id.is_(None),
            exists(
                select(Incident.id).where(Incident.id == Entry.other_incident_id, visible_incidents_clause(subject))
            ),
        ),
    )


def sees_every_organisations_incidents(who: Subject) -> bool:
    """The coordinator's staff see every organisation's incidents: the list offers the reporting
    organisation as a filter, and a search may scan the newest incidents instead of a member's few."""
    return who.sees_everything


def worked_incidents_clause(subject: Subject) -> ColumnElement[bool]:
    """A WHERE clause on `Incident`: the incidents whose work waits on the subject (their deadlines
    are the subject's to keep). The same rule as `can_work`, in SQL: coordinators coordinate every
    incident they see; a member works its organisation's reports (not TLP:RED) and the incidents it
    takes part in, named or as an organisation, with a working role."""
    if subject.user_id is None or not can(subject, Permission.INCIDENTS_WRITE):
        return false()
    visible = visible_incidents_clause(subject)
    if subject.sees_everything:
        return visible
    working = exists(
        select(IncidentParticipant.id).where(
            IncidentParticipant.incident_id == Incident.id,
            IncidentParticipant.role.in_(WORKING_ROLES),
            active_participation_clause(_NOW),
            or_(
                IncidentParticipant.user_id == subject.user_id,
                and_(
                    IncidentParticipant.user_id.is_(None),
                    IncidentParticipant.organisation_id == subject.organisation_id,
                ),
            ),
        )
    )
    own = and_(Incident.tlp != TLP.RED.value, Incident.reporting_organisation_id == subject.organisation_id)
    return and_(visible, or_(own, working))


def visible_among(subject: Subject, incident_ids: list[int]) -> Select[int]:
    """The ids, of these, of the incidents `subject` may see (one query for a list's references)."""
    return select(Incident.id).where(Incident.id.in_(incident_ids), visible_incidents_clause(subject))


Ability = Literal["work", "command", "discuss"]


def require_ability(session: Session, subject: Subject, incident_id: int, ability: Ability) -> Incident:
    """The incident, if `subject` may see it (else NotFound) and holds `ability` on it (else
    Forbidden): pages ask this before they read a form, so a reader who may not act is refused
    before the form is checked, and a form's errors never answer someone who could not send it."""
    incident = get_visible(session, subject, incident_id, audit_read=False)
    if not getattr(abilities(session, subject, incident), ability):
        raise Forbidden("You may read this incident but not do this")
    return incident


# -- the intake's quarantine (models.intake_quarantine) ----------------------------------------------


def can_handle_quarantine(subject: Subject) -> bool:
    """Email the intake could not file waits for those who triage reports: the coordinators and the
    platform admin ("as a coordinator", docs/security.md), and the operator's CLI. They list, read,
    download, release and discard it; nobody else learns a message is there."""
    return can(subject, Permission.INCIDENTS_TRIAGE)


def require_handle_quarantine(subject: Subject) -> None:
    if not can_handle_quarantine(subject):
        raise Forbidden("Only the coordinators handle the intake's quarantine")


def visible_quarantine_clause(subject: Subject) -> ColumnElement[bool]:
    """The quarantined messages the subject may read. The raw message is a report's content and may
    hold TLP:RED: while it waits it is for those who triage (as an emailed report in the queue is);
    once released, it follows its report (visible_reports_clause), so a report raised with its
    incident to TLP:RED takes its raw message with it."""
    from csirtnet.models import IncidentReport, QuarantinedMessage

    if not can_handle_quarantine(subject):
        return false()
    return or_(
        QuarantinedMessage.report_id.is_(None),
        exists(
            select(IncidentReport.id).where(
                IncidentReport.id == QuarantinedMessage.report_id, visible_reports_clause(subject)
            )
        ),
    )
