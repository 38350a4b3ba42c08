"""intel.ingest: the one ingestion engine, on both databases."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as authz_intel
from csirtnet.errors import Forbidden
from csirtnet.identity.service import subject_for
from csirtnet.intel import ingest
from csirtnet.intel.stix.markings import MARKING_IDS, marking_objects
from csirtnet.models import AuditRecord, Indicator, IntelImport, StixObject
from csirtnet.models.intel import IndicatorOrigin
from csirtnet.vocabulary import Role
from csirtnet.vocabulary.enums import TLP
from tests.factories import make_organisation, make_user

T0 = "2026-12-01T10:00:00.000Z"
T1 = "2026-12-02T10:00:00.000Z"


def sid(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def indicator(
    pattern: str, *, ident: str | None = None, modified: str = T0, tlp: TLP | None = None, **kw: Any
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ident or sid("indicator"),
        "created": T0,
        "modified": modified,
        "name": "x",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": T0,
    }
    if tlp is not None:
        obj["object_marking_refs"] = [MARKING_IDS[tlp]]
    obj.update(kw)
    return obj


@pytest.fixture
def sharer(db: Session) -> Subject:
    org = make_organisation(db)
    return subject_for(make_user(db, roles=[Role.RESPONDER], organisation=org))


@pytest.fixture(autouse=True)
def no_warninglists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "warninglist_hook", lambda: None)


def run(db: Session, who: Subject, objects: list[Any], **kw: Any) -> IntelImport:
    options: dict[str, Any] = dict(
        collection="national", source="test.json", fmt="stix", origin=IndicatorOrigin.STIX, default_tlp=TLP.AMBER
    )
    options.update(kw)
    return ingest.run(db, who, objects, **options)


def test_any_valid_object_is_kept_and_simple_patterns_are_typed(db: Session, sharer: Subject) -> None:
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": sid("identity"),
        "created": T0,
        "modified": T0,
        "name": "CERT Partner",
    }
    ip = indicator(
        "[ipv4-addr:value = '203.0.113.9']",
        tlp=TLP.GREEN,
        created_by_ref=identity["id"],
        labels=["c2"],
        confidence=80,
        x_custom_thing={"kept": True},
    )
    complex_ = indicator("[ipv4-addr:value = '203.0.113.9'] AND [domain-name:value = 'evil.vn']")
    sigma = indicator("title: x", pattern_type="sigma")
    malware = {
        "type": "malware",
        "spec_version": "2.1",
        "id": sid("malware"),
        "created": T0,
        "modified": T0,
        "name": "Emotet",
        "is_family": True,
    }
    rel = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": sid("relationship"),
        "created": T0,
        "modified": T0,
        "relationship_type": "indicates",
        "source_ref": ip["id"],
        "target_ref": malware["id"],
    }
    sco = {"type": "domain-name", "id": sid("domain-name"), "value": "evil.vn"}
    custom = {
        "type": "x-acme-widget",
        "spec_version": "2.1",
        "id": sid("x-acme-widget"),
        "created": T0,
        "modified": T0,
        "colour": "red",
    }
    objects = [*marking_objects(), identity, ip, complex_, sigma, malware, rel, sco, custom]
    row = run(db, sharer, objects)

    assert (row.total, row.created, row.versions, row.unchanged, row.skipped, row.indicators) == (13, 13, 0, 0, 0, 2)
    assert row.status == "complete" and row.failures == []
    stored = {o.stix_id: o for o in db.scalars(select(StixObject).where(StixObject.collection == "national"))}
    assert set(stored) == {o["id"] for o in objects}
    assert '"x_custom_thing":{"kept":true}' in stored[ip["id"]].body
    assert stored[ip["id"]].tlp == "green" and stored[malware["id"]].tlp == "amber"
    assert stored[MARKING_IDS[TLP.RED]].tlp == "clear"
    typed = db.scalars(select(Indicator).where(Indicator.origin_ref == row.uuid)).all()
    by_id = {i.stix_id: i for i in typed}
    assert (by_id[ip["id"]].kind, by_id[ip["id"]].value, by_id[ip["id"]].tlp) == ("ipv4", "203.0.113.9", "green")
    assert by_id[ip["id"]].ip_lo == by_id[ip["id"]].ip_hi is not None
    assert by_id[ip["id"]].source_name == "CERT Partner" and by_id[ip["id"]].confidence == 80
    assert by_id[ip["id"]].tags == ["c2"] and by_id[ip["id"]].source_organisation_id == sharer.organisation_id
    assert by_id[complex_["id"]].kind == "stix-pattern"
    assert stored[ip["id"]].indicator_id == by_id[ip["id"]].id
    assert sigma["id"] not in by_id
    audits = db.scalars(select(AuditRecord).where(AuditRecord.action == "intel.import")).all()
    assert len(audits) == 1


def test_reimport_is_a_no_op_and_a_newer_version_updates_the_typed_indicator(db: Session, sharer: Subject) -> None:
    ident = sid("indicator")
    first = run(db, sharer, [indicator("[domain-name:value = 'a.evil.vn']", ident=ident)])
    assert (first.created, first.indicators) == (1, 1)
    again = run(db, sharer, [indicator("[domain-name:value = 'a.evil.vn']", ident=ident)])
    assert (again.created, again.versions, again.unchanged, again.indicators) == (0, 0, 1, 0)
    newer = run(
        db,
        sharer,
        [indicator("[domain-name:value = 'b.evil.vn']", ident=ident, modified=T1, tlp=TLP.RED, revoked=True)],
    )
    assert (newer.created, newer.versions, newer.unchanged) == (0, 1, 0)
    typed = db.scalars(select(Indicator).where(Indicator.stix_id == ident)).one()
    db.refresh(typed)
    assert (typed.value, typed.tlp, typed.revoked, typed.rdomain) == ("b.evil.vn", "red", True, "vn.evil.b.")
    # An older version arriving late is stored, the typed row stays the newest.
    older = run(
        db, sharer, [indicator("[domain-name:value = 'c.evil.vn']", ident=ident, modified="2026-12-01T12:00:00.000Z")]
    )
    assert older.versions == 1
    db.refresh(typed)
    assert typed.value == "b.evil.vn"
    assert db.scalar(select(func.count()).select_from(StixObject).where(StixObject.stix_id == ident)) == 3


def test_nul_characters_do_not_reach_text_columns(db: Session, sharer: Subject) -> None:
    obj = indicator("[url:value = 'http://evil.vn/x']", description="bad\x00text", labels=["a\x00b"])
    nul = indicator("[url:value = 'http://evil.vn/\x00x']")
    complex_ = indicator("[url:value = 'http://evil.vn/\x00y'] AND [url:value = 'http://evil.vn/z']")
    row = run(db, sharer, [obj, complex_, nul])
    assert row.created == 3
    typed = {i.stix_id: i for i in db.scalars(select(Indicator).where(Indicator.origin_ref == row.uuid))}
    assert (typed[obj["id"]].description, typed[obj["id"]].tags) == ("badtext", ["ab"])
    assert complex_["id"] not in typed and nul["id"] not in typed  # kept as their STIX objects only
    assert "\\u0000" in db.scalar(select(StixObject.body).where(StixObject.stix_id == nul["id"]))


def test_duplicates_within_one_stream_count_once(db: Session, sharer: Subject) -> None:
    obj = indicator("[url:value = 'http://evil.vn/x']")
    row = run(db, sharer, [obj, dict(obj), dict(obj, modified=T1)])
    assert (row.created, row.unchanged, row.versions, row.indicators) == (1, 1, 1, 1)


def test_bad_objects_are_skipped_with_their_id_and_reason(db: Session, sharer: Subject) -> None:
    good = indicator("[ipv4-addr:value = '198.51.100.1']")
    bad_pattern = indicator("[ipv4-addr:value = '1.2.3.4'")
    bad_hash = indicator("[file:hashes.'SHA-256' = 'abc']")
    no_pattern = indicator("x")
    del no_pattern["pattern"]
    stix20 = dict(indicator("[ipv4-addr:value = '1.2.3.4']"), spec_version="2.0")
    no_spec = indicator("[ipv4-addr:value = '1.2.3.4']")
    del no_spec["spec_version"]
    bad_id = dict(indicator("[ipv4-addr:value = '1.2.3.4']"), id="indicator--not-a-uuid")
    wrong_type = dict(indicator("[ipv4-addr:value = '1.2.3.4']"), id=sid("malware"))
    bad_time = dict(indicator("[ipv4-addr:value = '1.2.3.4']"), modified="yesterday")
    backwards = dict(indicator("[ipv4-addr:value = '1.2.3.4']"), modified="2020-01-01T00:00:00Z")
    long_type = "x-" + "a" * 70
    too_long = {"type": long_type, "spec_version": "2.1", "id": f"{long_type}--{uuid.uuid4()}", "created": T0}
    too_precise = dict(indicator("[ipv4-addr:value = '1.2.3.4']"), modified="2026-12-01T10:00:00.1234567890123Z")
    objects: list[Any] = [
        good,
        bad_pattern,
        bad_hash,
        no_pattern,
        stix20,
        no_spec,
        bad_id,
        wrong_type,
        bad_time,
        backwards,
        "not an object",
        {"id": sid("indicator")},
        too_long,
        too_precise,
    ]
    row = run(db, sharer, objects)
    assert (row.total, row.created, row.skipped) == (14, 1, 13)
    messages = {f["id"]: f["message"] for f in row.failures}
    assert messages[bad_pattern["id"]].startswith(f"{bad_pattern['id']}: pattern: is not a valid STIX pattern")
    assert "SHA-256" in messages[bad_hash["id"]]
    assert messages[no_pattern["id"]] == f"{no_pattern['id']}: pattern: missing required property"
    assert "unsupported spec_version '2.0'" in messages[stix20["id"]]
    assert "spec_version: missing required property" in messages[no_spec["id"]]
    assert "id: is not a STIX identifier" in messages["indicator--not-a-uuid"]
    assert "does not start with its type" in messages[wrong_type["id"]]
    assert "modified: is not a STIX timestamp" in messages[bad_time["id"]]
    assert "modified: is earlier than created" in messages[backwards["id"]]
    assert messages["object #10"] == "object #10: object: is not a JSON object"
    assert "id: is longer than 100 characters" in messages[too_long["id"][:200]]
    assert "modified: is not a STIX timestamp" in messages[too_precise["id"]]


def test_tlp_from_tlp1_markings_and_markings_the_stream_defines(db: Session, sharer: Subject) -> None:
    own_marking = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": sid("marking-definition"),
        "created": T0,
        "name": "TLP:AMBER+STRICT",
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": "amber+strict",
            }
        },
    }
    white = indicator(
        "[ipv4-addr:value = '198.51.100.2']",
        object_marking_refs=["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],
    )
    strict = indicator("[ipv4-addr:value = '198.51.100.3']", object_marking_refs=[own_marking["id"]])
    run(db, sharer, [own_marking, white, strict], default_tlp=TLP.RED)
    tlps = dict(db.execute(select(StixObject.stix_id, StixObject.tlp)).all())
    assert (tlps[white["id"]], tlps[strict["id"]], tlps[own_marking["id"]]) == ("clear", "amber+strict", "clear")


def test_the_same_indicator_in_another_collection_is_stored_without_a_second_typed_row(
    db: Session, sharer: Subject
) -> None:
    obj = indicator("[ipv4-addr:value = '198.51.100.4']")
    run(db, sharer, [obj])
    second = run(db, sharer, [obj], collection=f"outbox:{sharer.organisation_id}")
    assert (second.created, second.indicators) == (1, 0)
    rows = db.scalars(select(StixObject).where(StixObject.stix_id == obj["id"])).all()
    assert {r.collection for r in rows} == {"national", f"outbox:{sharer.organisation_id}"}


def test_chunks_and_progress(db: Session, sharer: Subject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "CHUNK", 3)
    calls: list[int] = []
    ident = sid("indicator")
    objects = [indicator(f"[ipv4-addr:value = '10.0.0.{n}']") for n in range(7)]
    objects += [
        indicator("[ipv4-addr:value = '10.1.0.1']", ident=ident),
        indicator("[ipv4-addr:value = '10.1.0.2']", ident=ident, modified=T1),
    ]
    row = run(db, sharer, objects, progress=calls.append)
    assert calls == [3, 3, 3] and row.total == 9
    assert (row.created, row.versions, row.indicators) == (8, 1, 8)
    assert db.scalar(select(Indicator.value).where(Indicator.stix_id == ident)) == "10.1.0.2"


def test_warninglists_mark_values(db: Session, sharer: Subject, monkeypatch: pytest.MonkeyPatch) -> None:
    def check(kind: str, value: str) -> list[str]:
        return ["rfc1918"] if value.startswith("10.") else []

    monkeypatch.setattr(ingest, "warninglist_hook", lambda: check)
    run(db, sharer, [indicator("[ipv4-addr:value = '10.9.9.9']"), indicator("[ipv4-addr:value = '8.8.4.4']")])
    marks = dict(db.execute(select(Indicator.value, Indicator.warninglists)).all())
    assert marks == {"10.9.9.9": ["rfc1918"], "8.8.4.4": []}


def test_who_may_not_write_the_collection_is_refused_and_nothing_is_written(db: Session) -> None:
    viewer = subject_for(make_user(db, roles=[Role.VIEWER]))
    with pytest.raises(Forbidden):
        run(db, viewer, [indicator("[ipv4-addr:value = '198.51.100.5']")])
    other = make_organisation(db)
    sharer = subject_for(make_user(db, roles=[Role.RESPONDER]))
    with pytest.raises(Forbidden):
        run(db, sharer, [indicator("[ipv4-addr:value = '198.51.100.5']")], collection=f"outbox:{other.id}")
    assert db.scalar(select(func.count()).select_from(StixObject)) == 0
    assert not authz_intel.may_write_collection(db, viewer, "national")
