"""The demo network carries incidents across the phases and a correlating older case."""

from __future__ import annotations

from sqlalchemy import select

from csirtnet.demo import load_demo
from csirtnet.incident import correlation
from csirtnet.incident.demo import C2_IP
from csirtnet.models import Incident, IncidentObservable, IncidentReport, QuarantinedMessage, User
from tests.incident.helpers import who


def test_demo_incidents(db) -> None:
    import csirtnet.incident.endpoints  # noqa: F401 - registers the demo loader as the app does

    assert load_demo(db)
    phases = set(db.scalars(select(Incident.phase)))
    assert {"closed", "recovery", "containment", "analysis"} <= phases
    old = db.scalar(select(Incident).join(IncidentObservable).where(IncidentObservable.value == C2_IP))
    assert old is not None and old.phase == "closed" and old.closing_root_cause
    assert db.scalar(select(IncidentReport).where(IncidentReport.status == "new")) is not None
    coordinator = db.scalar(select(User).where(User.email == "dieuphoi@csirtnet.local"))
    assert correlation.correlations(db, who(coordinator), old) == []  # nothing else shares it yet
    assert db.scalar(select(Incident).where(Incident.severity == "serious")) is not None
    held = db.scalar(select(QuarantinedMessage))  # an email the intake could not file, for the coordinator
    assert held is not None and held.status == "pending" and held.reason == "too_many_attachments"
