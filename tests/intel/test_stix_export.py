"""intel.stix.export: bundles of the STIX store, advisories and incidents, each only what the reader
may see and each passing the OASIS validator."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_instance, validate_string

from csirtnet.errors import NotFound
from csirtnet.identity.service import subject_for
from csirtnet.intel import ingest, service
from csirtnet.intel.schemas import IndicatorCreate, IndicatorSightingCreate
from csirtnet.intel.stix import export
from csirtnet.intel.stix.markings import MARKING_IDS
from csirtnet.intel.stix.objects import identity_id
from csirtnet.models import IncidentObservable
from csirtnet.models.intel import IndicatorOrigin
from csirtnet.vocabulary.enums import TLP
from tests.advisory.helpers import make_world, published
from tests.mobilisation.helpers import make_incident

T0 = "2026-12-01T10:00:00.000Z"


def assert_valid(data: dict[str, Any]) -> None:
    results = validate_string(orjson.dumps(data).decode(), ValidationOptions())
    assert results.is_valid, [str(e) for e in results.errors]
    for obj in data["objects"]:  # strict too, object by object: no SHOULD is missed either
        result = validate_instance(obj, ValidationOptions(strict=True))
        assert not result.errors, (obj["id"], [str(e) for e in result.errors])


@pytest.fixture(autouse=True)
def no_warninglists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "warninglist_hook", lambda: None)


def test_store_bundle_is_valid_and_only_what_the_reader_may_see(db: Session) -> None:
    world = make_world(db)
    sharer, other, coord = (subject_for(u) for u in (world.responders[0], world.responders[1], world.coordinator))
    green = service.create(db, sharer, IndicatorCreate(value="203.0.113.10", tlp=TLP.GREEN, tags=["c2"]))
    strict = service.create(db, sharer, IndicatorCreate(value="strict.evil.vn", tlp=TLP.AMBER_STRICT))
    amber = service.create(db, sharer, IndicatorCreate(value="amber.evil.vn", tlp=TLP.AMBER))
    sighting = service.add_sighting(db, other, green.id, IndicatorSightingCreate(count=3, tlp=TLP.GREEN))
    malware_id = f"malware--{uuid.uuid4()}"
    imported = [
        {
            "type": "malware",
            "spec_version": "2.1",
            "id": malware_id,
            "created": T0,
            "modified": T0,
            "name": "Emotet",
            "is_family": True,
            "object_marking_refs": [MARKING_IDS[TLP.GREEN]],
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": f"relationship--{uuid.uuid4()}",
            "created": T0,
            "modified": T0,
            "relationship_type": "indicates",
            "source_ref": green.stix_id,
            "target_ref": malware_id,
            "object_marking_refs": [MARKING_IDS[TLP.GREEN]],
        },
        {
            "type": "domain-name",
            "spec_version": "2.1",
            "id": export.sco_id("domain-name", {"value": "evil.vn"}),
            "value": "evil.vn",
            "object_marking_refs": [MARKING_IDS[TLP.CLEAR]],
        },
    ]
    ingest.run(
        db,
        sharer,
        imported,
        collection="national",
        source="t",
        fmt="stix",
        origin=IndicatorOrigin.STIX,
        default_tlp=TLP.AMBER,
    )

    seen_by_other = export.collect(export.bundle(db, other))
    assert_valid(seen_by_other)
    ids = {o["id"] for o in seen_by_other["objects"]}
    assert {green.stix_id, sighting.stix_id, malware_id} <= ids
    assert strict.stix_id not in ids and amber.stix_id not in ids
    assert identity_id(world.provinces[0].id) in ids  # who shared it
    assert MARKING_IDS[TLP.GREEN] in ids and MARKING_IDS[TLP.AMBER_STRICT] not in ids
    sighting_obj = next(o for o in seen_by_other["objects"] if o["id"] == sighting.stix_id)
    assert sighting_obj["sighting_of_ref"] == green.stix_id
    assert sighting_obj["where_sighted_refs"] == [identity_id(world.provinces[1].id)]
    assert len([o for o in seen_by_other["objects"] if o["id"] == green.stix_id]) == 1

    seen_by_coordinator = export.collect(export.bundle(db, coord))
    assert_valid(seen_by_coordinator)
    ids = {o["id"] for o in seen_by_coordinator["objects"]}
    assert amber.stix_id in ids and strict.stix_id not in ids  # AMBER+STRICT: the source organisation only

    seen_by_sharer = export.collect(export.bundle(db, sharer, kinds=["indicator"]))
    assert {o["type"] for o in seen_by_sharer["objects"]} == {"indicator"}
    assert {strict.stix_id, amber.stix_id, green.stix_id} <= {o["id"] for o in seen_by_sharer["objects"]}

    outsider = subject_for(world.outsider)
    with pytest.raises(NotFound):
        export.bundle(db, outsider, collection=f"outbox:{world.provinces[0].id}")


def test_advisory_bundle_is_a_report_with_its_indicators_and_vulnerabilities(db: Session) -> None:
    world = make_world(db)
    advisory = published(
        db,
        world.coordinator,
        audience={"cluster_ids": [world.cluster.id]},
        indicators=[
            {"type": "ipv4", "value": "203.0.113.7"},
            {"type": "network", "value": "198.51.100.0/24"},
            {"type": "sha256", "value": "a" * 64},
            {"type": "url", "value": "http://evil.vn/a'b"},
        ],
    )
    data = export.advisory_bundle(db, subject_for(world.admins[2]), advisory.id)  # a recipient
    assert_valid(data)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for obj in data["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    report = by_type["report"][0]
    assert set(report["object_refs"]) == {o["id"] for o in by_type["indicator"] + by_type["vulnerability"]}
    assert [v["name"] for v in by_type["vulnerability"]] == ["CVE-2024-3400"]
    assert "[ipv4-addr:value = '198.51.100.0/24']" in {i["pattern"] for i in by_type["indicator"]}
    again = export.advisory_bundle(db, subject_for(world.coordinator), advisory.id)
    assert {o["id"] for o in again["objects"]} == {o["id"] for o in data["objects"]}  # deterministic
    with pytest.raises(NotFound):  # TLP:AMBER, told to the cluster: not to an organisation outside it
        export.advisory_bundle(db, subject_for(world.outsider), advisory.id)


def test_incident_bundle_has_the_incident_its_observables_and_their_relationships(db: Session) -> None:
    world = make_world(db)
    incident = make_incident(db, world.provinces[0], rsit_class="malicious-code", rsit_type="c2-server")
    values = {
        "ip": "203.0.113.5",
        "domain": "evil.example.vn",
        "url": "http://evil.example.vn/x",
        "email": "a@evil.vn",
        "md5": "d41d8cd98f00b204e9800998ecf8427e",
        "sha1": "b" * 40,
        "sha256": "c" * 64,
    }
    for kind, value in values.items():
        db.add(IncidentObservable(incident_id=incident.id, kind=kind, value=value, tlp="amber"))
    db.add(IncidentObservable(incident_id=incident.id, kind="ip", value="192.0.2.99", tlp="red"))
    db.flush()
    data = export.incident_bundle(db, subject_for(world.coordinator), incident.id)
    assert_valid(data)
    types = [o["type"] for o in data["objects"]]
    assert types.count("incident") == 1 and types.count("indicator") == 7 and types.count("relationship") == 14
    assert {"ipv4-addr", "domain-name", "url", "email-addr", "file"} <= set(types)
    text = orjson.dumps(data).decode()
    assert "192.0.2.99" not in text  # TLP:RED: only the incident's named participants
    incident_id = next(o["id"] for o in data["objects"] if o["type"] == "incident")
    assert all(o["target_ref"] == incident_id for o in data["objects"] if o["type"] == "relationship")
    with pytest.raises(NotFound):
        export.incident_bundle(db, subject_for(world.outsider), incident.id)
