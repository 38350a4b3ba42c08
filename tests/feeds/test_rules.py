"""Feed rules' actions (feeds.rules), through the pipeline's store: a compromised host in a level-3
system opens one incident (not two on a later run within the rule's window), a sighting of a known
indicator, one open member flag per (member, rule)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.feeds import flags, rules
from csirtnet.feeds.config import SourceConfig
from csirtnet.models import (
    AuditRecord,
    FeedActionTaken,
    FeedRule,
    Incident,
    IncidentObservable,
    IncidentReport,
    Indicator,
    MemberFlag,
    RuleAction,
    Sighting,
)
from tests.feeds.test_digests import T0, batch, make_run, make_source, make_world, scan, store
from tests.intel.indicator_world import share


def make_rule(db: Session, source: SourceConfig | None, action: RuleAction, **overrides: Any) -> FeedRule:
    values: dict[str, Any] = {
        "name": f"rule {action.value}",
        "source_id": source.id if source else None,
        "taxonomy": "malicious-code",
        "types": ["infected-system"],
        "min_security_level": 3,
        "action": action.value,
        "severity": "serious" if action == RuleAction.OPEN_INCIDENT else None,
        "window_hours": 168,
    }
    values.update(overrides)
    rule = FeedRule(**values)
    db.add(rule)
    db.flush()
    return rule


def infected(ip: str, org: int | None, level: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "source.ip": ip,
        "source.port": 80,
        "classification.taxonomy": "malicious-code",
        "classification.type": "infected-system",
        "classification.identifier": "mirai",
        "malware.name": "mirai",
        "org": org,
        "level": level,
        **extra,
    }


def count(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_compromised_host_in_a_level_3_system_opens_one_incident(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    make_rule(db, source, RuleAction.OPEN_INCIDENT)
    rows = [
        infected("10.0.0.5", w.org_a.id, 3),
        infected("10.0.0.5", w.org_a.id, 3, **{"source.port": 8080}),  # same host again: one incident
        infected("10.0.0.6", w.org_a.id, 2),  # a level-2 system: no incident
        infected("10.1.0.9", w.org_b.id, None),  # no system linked: no incident
        scan("10.0.0.8", w.org_a.id, level=4),  # not a compromised host
    ]
    store(db, source, make_run(db, source), batch(rows, T0), T0)

    (incident,) = db.scalars(select(Incident)).all()
    assert incident.title == "infected-system on 10.0.0.5 (shadowserver-test)"
    assert incident.reporting_organisation_id == w.org_a.id
    assert (incident.rsit_class, incident.rsit_type) == ("malicious-code", "infected-system")
    assert incident.severity == "serious" and incident.tlp == "amber"
    assert incident.system_security_level == 3
    observables = db.scalars(select(IncidentObservable).where(IncidentObservable.incident_id == incident.id)).all()
    assert [(o.kind, o.value) for o in observables] == [("ip", "10.0.0.5")]
    (report,) = db.scalars(select(IncidentReport)).all()
    assert report.incident_id == incident.id
    (action,) = db.scalars(select(FeedActionTaken)).all()
    assert (action.key, action.incident_id) == (f"{w.org_a.id}|10.0.0.5", incident.id)
    assert db.scalar(select(func.count()).where(AuditRecord.action == "feed.rule_action")) == 1

    # A later run, past the dedupe window but inside the rule's: no second incident.
    later = T0 + timedelta(hours=30)
    store(db, source, make_run(db, source), batch([infected("10.0.0.5", w.org_a.id, 3)], later), later)
    assert count(db, Incident) == 1
    # Past the rule's window the host is reported again.
    much_later = T0 + timedelta(hours=200)
    store(db, source, make_run(db, source), batch([infected("10.0.0.5", w.org_a.id, 3)], much_later), much_later)
    assert count(db, Incident) == 2
    assert count(db, FeedActionTaken) == 1  # the same (rule, key), taken again


def test_rules_of_another_source_and_disabled_rules_do_nothing(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    other = make_source(db, name="other-feed")
    make_rule(db, other, RuleAction.OPEN_INCIDENT)
    make_rule(db, source, RuleAction.OPEN_INCIDENT, enabled=False)
    store(db, source, make_run(db, source), batch([infected("10.0.0.5", w.org_a.id, 5)], T0), T0)
    assert count(db, Incident) == 0
    any_source = make_rule(db, None, RuleAction.RAISE_FLAG)
    frame = batch([infected("10.0.0.5", w.org_a.id, 5)], T0)
    assert rules.apply(db, source, run_id=make_run(db, source), frame=frame, now=T0) == 1
    assert db.scalar(select(MemberFlag.rule_id)) == any_source.id


def test_a_sighting_of_a_known_indicator(db: Session) -> None:
    w = make_world(db)
    known = share(db, w.a_vi, "10.0.0.7")
    source = make_source(db)
    make_rule(db, source, RuleAction.ADD_SIGHTING, min_security_level=None, taxonomy=None, types=[])
    rows = [infected("10.0.0.7", w.org_a.id, None), infected("198.51.100.1", None, None)]
    store(db, source, make_run(db, source), batch(rows, T0), T0)

    (sighting,) = db.scalars(select(Sighting)).all()
    assert (
        sighting.indicator_id == known.id and sighting.tlp == "amber" and "shadowserver-test" in (sighting.note or "")
    )
    assert db.get(Indicator, known.id).sightings_count == 1  # type: ignore[union-attr]
    taken = {a.key: a.indicator_id for a in db.scalars(select(FeedActionTaken))}
    assert taken == {f"{w.org_a.id}|10.0.0.7": known.id}  # no indicator, no action
    later = T0 + timedelta(hours=30)
    store(db, source, make_run(db, source), batch([infected("10.0.0.7", w.org_a.id, None)], later), later)
    assert count(db, Sighting) == 1


def test_one_open_flag_per_member_and_rule(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    rule = make_rule(db, source, RuleAction.RAISE_FLAG, window_hours=1)
    rows = [infected("10.0.0.5", w.org_a.id, 3), infected("10.0.0.6", w.org_a.id, 4), infected("10.0.0.9", None, 5)]
    store(db, source, make_run(db, source), batch(rows, T0), T0)
    (flag,) = db.scalars(select(MemberFlag)).all()
    assert flag.organisation_id == w.org_a.id and flag.rule_id == rule.id and flag.cleared_at is None
    assert "infected-system on 10.0.0.5" in flag.reason

    # Past the rule's window, while the flag is open: no second flag.
    later = T0 + timedelta(hours=30)
    store(db, source, make_run(db, source), batch([infected("10.0.0.5", w.org_a.id, 3)], later), later)
    assert count(db, MemberFlag) == 1
    # Cleared, then seen again past the window: raised again.
    flags.clear(db, Subject.system(), flag.id, now=later)
    again = T0 + timedelta(hours=60)
    store(db, source, make_run(db, source), batch([infected("10.0.0.5", w.org_a.id, 3)], again), again)
    assert count(db, MemberFlag) == 2
    assert db.scalar(select(func.count()).select_from(MemberFlag).where(MemberFlag.cleared_at.is_(None))) == 1
