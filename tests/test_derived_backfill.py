"""Migration 0011 fills in, for rows written before it, the visibility the services now record: the
TLP of observable timeline entries, the incident a link names, the audit guards (outside the audit
hash: the chain stays intact) and the guards of queued notification jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from csirtnet.audit import verify_chain
from csirtnet.db import Database
from csirtnet.incident import observables, triage
from csirtnet.incident.schemas import Classification, ObservableCreate
from csirtnet.migrate import downgrade, upgrade
from csirtnet.models import AuditRecord, IncidentLink, IncidentTimelineEntry, Job
from csirtnet.vocabulary import TLP
from tests.incident.helpers import coordinator, member, open_incident, who


def _state(database: Database) -> dict[str, Any]:
    with database.unit_of_work() as s:
        return {
            "timeline": sorted(
                (e.id, e.tlp, e.other_incident_id) for e in s.scalars(select(IncidentTimelineEntry)).all()
            ),
            "audit": sorted(
                (r.seq, r.guard_kind, r.guard_id, r.guard_tlp, r.guard_also_id)
                for r in s.scalars(select(AuditRecord)).all()
            ),
            "links": sorted((li.id, li.tlp) for li in s.scalars(select(IncidentLink)).all()),
            "jobs": sorted((j.id, j.guard_kind, str(j.payload.get("link"))) for j in s.scalars(select(Job)).all()),
        }


def test_the_backfill_gives_old_rows_what_the_services_record(
    new_database: Callable[..., Database], backend_kind: str
) -> None:
    database = new_database(backend_kind, migrated=True)
    with database.unit_of_work() as db:
        coord, reporter = coordinator(db), member(db)
        first, second = open_incident(db, coord, reporter), open_incident(db, coord, reporter)
        secret = open_incident(db, coord, member(db))
        triage.update_classification(db, who(coord), secret.id, Classification(tlp=TLP.RED))
        triage.link_incidents(db, who(coord), first.id, secret.id, None)
        red = ObservableCreate(kind="domain", value="c2.example.vn", tlp=TLP.RED)
        row = observables.add(db, who(coord), first.id, red)
        observables.remove(db, who(coord), first.id, row.id)
        observables.add(db, who(coord), first.id, red)
        observables.add(db, who(coord), second.id, ObservableCreate(kind="domain", value="c2.example.vn"))
        observables.add(db, who(coord), second.id, ObservableCreate(kind="ip", value="203.0.113.5"))
    written = _state(database)
    assert any(t == "red" for _, t, _ in written["timeline"]) and any(o for _, _, o in written["timeline"])
    assert ("incident", "red") in {(k, t) for _, k, _, t, _ in written["audit"]}
    assert "red" in {t for _, t in written["links"]}

    downgrade(database.engine, "0009_search_words")
    upgrade(database.engine)
    filled = _state(database)
    for key in ("timeline", "audit", "links"):
        assert filled[key] == written[key], key
    for _, kind, link in filled["jobs"]:
        assert kind is not None or not link.startswith("/incidents/"), link
    with database.unit_of_work() as s:
        checked, broken = verify_chain(s)
    assert checked == len(written["audit"]) and broken is None
