"""Regulatory deadlines, computed from the profile the incident follows (rules are data: see
models.deadline_profile). `sync` re-applies the rules after every change that may move a due
date; the job `incident.deadline_reminders` reminds participants before a deadline and escalates
to the coordinators after it (marking the incident overdue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require
from csirtnet.authz.derived import guard_of
from csirtnet.authz.permissions import Permission
from csirtnet.errors import Conflict, NotFound, ValidationFailed
from csirtnet.incident import events
from csirtnet.incident.common import coordinators, incident_link, participant_users, record_change
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import DeadlineProfile, DeadlineRule, Incident, IncidentDeadline, Phase
from csirtnet.notification.service import notify
from csirtnet.worker import enqueue

ANCHORS = ("detected", "reported", "opened", "ransom_paid")
CONDITIONS = ("serious", "normal", "major", "ransom_paid")
SATISFIED_BY = ("report", "closing", "manual")
SWEEP_JOB = "incident.deadline_reminders"


@dataclass(frozen=True)
class Computed:
    rule: DeadlineRule
    due_at: datetime | None
    met_at: datetime | None


def profile(session: Session, key: str) -> DeadlineProfile | None:
    return session.scalar(select(DeadlineProfile).where(DeadlineProfile.key == key))


def default_profile_key(session: Session) -> str:
    key = session.scalar(
        select(DeadlineProfile.key).where(DeadlineProfile.is_default.is_(True), DeadlineProfile.active.is_(True))
    )
    return key or "vn-circular-20"


def profiles(session: Session, *, active_only: bool = True) -> list[DeadlineProfile]:
    query = select(DeadlineProfile).order_by(DeadlineProfile.id)
    if active_only:
        query = query.where(DeadlineProfile.active.is_(True))
    return list(session.scalars(query))


@dataclass(frozen=True)
class ProfileName:
    key: str
    name_vi: str
    name_en: str


def profile_names(session: Session) -> list[ProfileName]:
    """The active profiles' keys and names, for choosing one (no rules loaded)."""
    rows = session.execute(
        select(DeadlineProfile.key, DeadlineProfile.name_vi, DeadlineProfile.name_en)
        .where(DeadlineProfile.active.is_(True))
        .order_by(DeadlineProfile.id)
    )
    return [ProfileName(*row) for row in rows]


def _applies(rule: DeadlineRule, incident: Incident) -> bool:
    match rule.condition:
        case None | "":
            return True
        case "serious":
            return incident.severity == "serious"
        case "normal":
            return incident.severity != "serious"
        case "major":
            return incident.is_major
        case "ransom_paid":
            return incident.ransom_paid_at is not None
    return False


def _anchor(rule: DeadlineRule, incident: Incident, done: dict[str, Computed]) -> datetime | None:
    match rule.anchor:
        case "detected":
            return incident.detected_at
        case "reported":
            return incident.reported_at
        case "opened":
            return incident.created_at
        case "ransom_paid":
            return incident.ransom_paid_at
    earlier = done.get(rule.anchor)
    if earlier is None:
        return None
    return earlier.met_at or earlier.due_at


def compute(rules: list[DeadlineRule], incident: Incident, manual_met: dict[str, datetime]) -> list[Computed]:
    """Apply the rules to the incident as it is now (pure: no database)."""
    done: dict[str, Computed] = {}
    out: list[Computed] = []
    for rule in sorted(rules, key=lambda r: r.position):
        if not _applies(rule, incident):
            continue
        anchor = _anchor(rule, incident, done)
        if anchor is None and rule.offset_minutes is not None:
            continue  # e.g. no ransom paid, or the earlier rule does not apply
        due = None if rule.offset_minutes is None or anchor is None else anchor + timedelta(minutes=rule.offset_minutes)
        met: datetime | None
        if rule.satisfied_by == "report":
            met = incident.reported_at
        elif rule.satisfied_by == "closing":
            met = incident.closing_reported_at
        else:
            met = manual_met.get(rule.key)
        item = Computed(rule, due, met)
        done[rule.key] = item
        out.append(item)
    return out


def sync(session: Session, incident: Incident) -> list[IncidentDeadline]:
    """Bring the incident's deadlines in line with its profile and its current facts."""
    prof = profile(session, incident.deadline_profile_key)
    existing = {
        d.rule_key: d
        for d in session.scalars(select(IncidentDeadline).where(IncidentDeadline.incident_id == incident.id))
    }
    manual = {
        k: d.met_at
        for k, d in existing.items()
        if d.met_at is not None and d.satisfied_by == "manual" and d.profile_key == incident.deadline_profile_key
    }
    computed = compute(list(prof.rules) if prof else [], incident, manual)
    keep: set[str] = set()
    now = utcnow()
    for item in computed:
        row = existing.get(item.rule.key)
        if row is None or row.profile_key != incident.deadline_profile_key:
            if row is not None:
                session.delete(row)
                session.flush()
            row = IncidentDeadline(incident_id=incident.id, rule_key=item.rule.key)
            session.add(row)
        row.profile_key = incident.deadline_profile_key
        row.label_vi = item.rule.label_vi
        row.label_en = item.rule.label_en
        row.satisfied_by = item.rule.satisfied_by
        row.offset_minutes = item.rule.offset_minutes
        moved = row.due_at != item.due_at
        if moved:
            row.due_at = item.due_at
            row.reminded_at = None
            row.escalated_at = None
        row.met_at = item.met_at
        keep.add(item.rule.key)
        if moved and row.met_at is None and row.due_at is not None and row.due_at > now:
            remind_at = row.due_at - timedelta(minutes=item.rule.remind_before_minutes or 0)
            for when in sorted({max(remind_at, now), row.due_at}):
                enqueue(session, SWEEP_JOB, guard=None, run_after=when)
    for key, row in existing.items():
        if key not in keep:
            session.delete(row)
    session.flush()
    rows = deadlines_of(session, incident)
    incident.overdue = any(is_overdue(d, now) for d in rows) and not incident.is_closed
    return rows


def deadlines_of(session: Session, incident: Incident) -> list[IncidentDeadline]:
    rows = session.scalars(select(IncidentDeadline).where(IncidentDeadline.incident_id == incident.id)).all()
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)
    return sorted(rows, key=lambda d: (d.due_at or far, d.id or 0))


def is_overdue(deadline: IncidentDeadline, now: datetime) -> bool:
    return deadline.met_at is None and deadline.due_at is not None and deadline.due_at <= now


def is_late(deadline: IncidentDeadline) -> bool:
    """Met after its due time (an "immediately" rule is met by any report)."""
    return (
        deadline.met_at is not None
        and deadline.due_at is not None
        and bool(deadline.offset_minutes)
        and deadline.met_at > deadline.due_at
    )


def mark_met(session: Session, who: Subject, incident: Incident, rule_key: str) -> IncidentDeadline:
    """A participant records that a manual obligation (e.g. the 72-hour notification) was fulfilled."""
    row = session.scalar(
        select(IncidentDeadline).where(
            IncidentDeadline.incident_id == incident.id, IncidentDeadline.rule_key == rule_key
        )
    )
    if row is None:
        raise NotFound("deadline")
    if row.satisfied_by != "manual":
        raise ValidationFailed("rule_key", "this deadline is met by the report or the closing report, not by hand")
    if row.met_at is not None:
        raise Conflict("This deadline is already marked as met")
    row.met_at = utcnow()
    record_change(
        session, who, incident, "incident.deadline_met", rule=rule_key, label=row.label_en, label_vi=row.label_vi
    )
    sync(session, incident)
    return row


def mark_met_on(session: Session, who: Subject, incident_id: int, rule_key: str) -> IncidentDeadline:
    """`mark_met` on the incident `incident_id`, for those who work it."""
    from csirtnet.authz.incident import get_visible, require_work

    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    return mark_met(session, who, incident, rule_key)


# -- the reminder and escalation sweep ---------------------------------------------------------


def sweep(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Remind before, escalate after. Idempotent: each deadline is reminded and escalated once."""
    now = now or utcnow()
    system = Subject.system("deadline-job")
    reminded = escalated = 0
    rows = session.scalars(
        select(IncidentDeadline)
        .join(Incident, Incident.id == IncidentDeadline.incident_id)
        .where(
            IncidentDeadline.met_at.is_(None),
            IncidentDeadline.due_at.is_not(None),
            Incident.phase != Phase.CLOSED.value,
        )
        .order_by(IncidentDeadline.id)
    ).all()
    rules: dict[tuple[str, str], int] = {
        (p.key, r.key): r.remind_before_minutes for p in profiles(session, active_only=False) for r in p.rules
    }
    for row in rows:
        assert row.due_at is not None
        incident = session.get(Incident, row.incident_id)
        assert incident is not None
        params = {
            "reference": incident.reference,
            "title": incident.title,
            "label": row.label_vi,
            "label_en": row.label_en,
            "label_vi": row.label_vi,
            "due_at": as_utc(row.due_at).isoformat(timespec="minutes"),
        }
        if row.due_at <= now:
            if row.escalated_at is None:
                row.escalated_at = now
                incident.overdue = True
                record_change(
                    session,
                    system,
                    incident,
                    "incident.deadline_overdue",
                    rule=row.rule_key,
                    label=row.label_en,
                    label_vi=row.label_vi,
                )
                notify(
                    session,
                    events.DEADLINE_OVERDUE.key,
                    coordinators(session),
                    params,
                    link=incident_link(incident),
                    guard=guard_of(incident),
                )
                escalated += 1
            continue
        before = rules.get((row.profile_key, row.rule_key), 0)
        if row.reminded_at is None and before > 0 and row.due_at - timedelta(minutes=before) <= now:
            row.reminded_at = now
            audit.record(
                session,
                system,
                "incident.deadline_reminded",
                incident,
                organisation_id=incident.reporting_organisation_id,
                rule=row.rule_key,
            )
            notify(
                session,
                events.DEADLINE_REMINDER.key,
                participant_users(session, incident, now),
                params,
                link=incident_link(incident),
                guard=guard_of(incident),
            )
            reminded += 1
    return reminded, escalated


# -- administering profiles (platform admins) ------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    key: str
    label_vi: str
    label_en: str
    anchor: str
    offset_minutes: int | None
    condition: str | None
    satisfied_by: str
    remind_before_minutes: int


def validate_rule(data: RuleInput, earlier_keys: set[str], prefix: str = "") -> None:
    if not data.key or not data.key.replace("_", "").replace("-", "").isalnum():
        raise ValidationFailed(prefix + "key", "letters, digits, - and _ only")
    if not data.label_vi.strip() or not data.label_en.strip():
        raise ValidationFailed(prefix + "label_vi", "both labels (Vietnamese and English) are needed")
    if data.anchor not in ANCHORS and data.anchor not in earlier_keys:
        raise ValidationFailed(prefix + "anchor", f"must be one of {', '.join(ANCHORS)} or the key of an earlier rule")
    if data.offset_minutes is not None and data.offset_minutes < 0:
        raise ValidationFailed(prefix + "offset_minutes", "must be zero or more")
    if data.condition not in (None, "", *CONDITIONS):
        raise ValidationFailed(prefix + "condition", f"must be empty or one of {', '.join(CONDITIONS)}")
    if data.satisfied_by not in SATISFIED_BY:
        raise ValidationFailed(prefix + "satisfied_by", f"must be one of {', '.join(SATISFIED_BY)}")
    if data.remind_before_minutes < 0:
        raise ValidationFailed(prefix + "remind_before_minutes", "must be zero or more")


def save_rule(session: Session, who: Subject, profile_key: str, data: RuleInput) -> DeadlineRule:
    """Add or change one rule of a profile; open incidents on the profile are recomputed."""
    require(who, Permission.INCIDENTS_ADMIN)
    prof = profile(session, profile_key)
    if prof is None:
        raise NotFound("deadline profile")
    existing = next((r for r in prof.rules if r.key == data.key), None)
    earlier = {r.key for r in prof.rules if r is not existing and (existing is None or r.position < existing.position)}
    validate_rule(data, earlier)
    rule = existing or DeadlineRule(profile_id=prof.id, key=data.key, position=len(prof.rules))
    before = {
        "anchor": rule.anchor,
        "offset_minutes": rule.offset_minutes,
        "condition": rule.condition,
        "satisfied_by": rule.satisfied_by,
    }
    rule.label_vi = data.label_vi.strip()
    rule.label_en = data.label_en.strip()
    rule.anchor = data.anchor
    rule.offset_minutes = data.offset_minutes
    rule.condition = data.condition or None
    rule.satisfied_by = data.satisfied_by
    rule.remind_before_minutes = data.remind_before_minutes
    if existing is None:
        prof.rules.append(rule)
    session.flush()
    audit.record(
        session,
        who,
        "deadline_rule.saved",
        rule,
        profile=profile_key,
        rule=data.key,
        before=before if existing else None,
        after={
            "anchor": rule.anchor,
            "offset_minutes": rule.offset_minutes,
            "condition": rule.condition,
            "satisfied_by": rule.satisfied_by,
        },
    )
    recompute_open(session, profile_key)
    return rule


def delete_rule(session: Session, who: Subject, profile_key: str, rule_key: str) -> None:
    require(who, Permission.INCIDENTS_ADMIN)
    prof = profile(session, profile_key)
    rule = next((r for r in prof.rules if r.key == rule_key), None) if prof else None
    if prof is None or rule is None:
        raise NotFound("deadline rule")
    if any(r.anchor == rule_key for r in prof.rules):
        raise Conflict("Another rule counts from this one; change that rule first")
    audit.record(session, who, "deadline_rule.deleted", rule, profile=profile_key, rule=rule_key)
    prof.rules.remove(rule)
    session.flush()
    recompute_open(session, profile_key)


def set_profile_state(
    session: Session, who: Subject, profile_key: str, *, active: bool | None = None, is_default: bool | None = None
) -> DeadlineProfile:
    require(who, Permission.INCIDENTS_ADMIN)
    prof = profile(session, profile_key)
    if prof is None:
        raise NotFound("deadline profile")
    if is_default:
        for other in profiles(session, active_only=False):
            other.is_default = other.key == profile_key
        prof.active = True
    if active is not None:
        if not active and prof.is_default:
            raise Conflict("The default profile cannot be switched off; make another one the default first")
        prof.active = active
    audit.record(session, who, "deadline_profile.changed", prof, active=prof.active, is_default=prof.is_default)
    return prof


def recompute_open(session: Session, profile_key: str) -> int:
    incidents = session.scalars(
        select(Incident).where(Incident.deadline_profile_key == profile_key, Incident.phase != Phase.CLOSED.value)
    ).all()
    for incident in incidents:
        sync(session, incident)
    return len(incidents)
