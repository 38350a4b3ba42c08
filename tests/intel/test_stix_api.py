"""The exchange API: /api/v1/indicators/imports (upload, list, read) and /api/v1/indicators/export."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_string

from csirtnet.identity.service import subject_for
from csirtnet.intel import ingest, service
from csirtnet.intel.schemas import IndicatorCreate
from csirtnet.intel.stix.markings import MARKING_IDS
from csirtnet.vocabulary.enums import TLP
from tests.incident.helpers import api, coordinator, member

T0 = "2026-12-01T10:00:00.000Z"


@pytest.fixture(autouse=True)
def no_warninglists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "warninglist_hook", lambda: None)


def bundle(*objects: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)})


def indicator(pattern: str, **kw: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": T0,
        "modified": T0,
        "name": "x",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": T0,
        **kw,
    }


def test_anonymous_callers_are_refused(client: Any) -> None:
    assert client.get("/api/v1/indicators/imports").status_code == 401
    assert client.get("/api/v1/indicators/export").status_code == 401
    assert client.post("/api/v1/indicators/imports", files={"file": ("a.json", b"{}")}).status_code == 401


def test_upload_list_and_read_an_import(client: Any, db: Session) -> None:
    sharer = member(db)
    headers = api(db, sharer)
    bad = indicator("[ipv4-addr:value = '1.2.3.4'")
    body = bundle(indicator("[ipv4-addr:value = '203.0.113.30']"), bad)
    answer = client.post(
        "/api/v1/indicators/imports", headers=headers, files={"file": ("feed.json", body)}, data={"tlp": "green"}
    )
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert (report["created"], report["skipped"], report["indicators"], report["tlp"]) == (1, 1, 1, "green")
    assert report["failures"][0]["id"] == bad["id"]
    assert report["source"] == "feed.json" and report["status"] == "complete"

    listed = client.get("/api/v1/indicators/imports", headers=headers).json()
    assert [i["uuid"] for i in listed["items"]] == [report["uuid"]]
    assert client.get(f"/api/v1/indicators/imports/{report['uuid']}", headers=headers).json()["id"] == report["id"]
    assert client.get(f"/api/v1/indicators/imports/{report['id']}", headers=headers).status_code == 200

    # Another organisation's member neither lists nor reads it.
    stranger = api(db, member(db))
    assert client.get("/api/v1/indicators/imports", headers=stranger).json()["items"] == []
    assert client.get(f"/api/v1/indicators/imports/{report['id']}", headers=stranger).status_code == 404


def test_bad_uploads_name_what_is_wrong_and_import_nothing(client: Any, db: Session) -> None:
    headers = api(db, member(db))
    answer = client.post("/api/v1/indicators/imports", headers=headers, files={"file": ("x.json", b'{"a": 1}')})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "file"
    answer = client.post(
        "/api/v1/indicators/imports",
        headers=headers,
        files={"file": ("x.json", b'{"type": "bundle", "id": "nope", "objects": []}')},
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "id"
    other_outbox = f"outbox:{member(db).organisation_id}"
    answer = client.post(
        "/api/v1/indicators/imports",
        headers=headers,
        files={"file": ("x.json", bundle(indicator("[ipv4-addr:value = '203.0.113.31']")))},
        data={"collection": other_outbox},
    )
    assert answer.status_code == 403
    assert client.get("/api/v1/indicators/imports", headers=headers).json()["items"] == []


def test_export_streams_a_valid_bundle_of_what_the_reader_may_see(client: Any, db: Session) -> None:
    sharer_user = member(db)
    sharer = subject_for(sharer_user)
    green = service.create(db, sharer, IndicatorCreate(value="185.220.101.40", tlp=TLP.GREEN))
    strict = service.create(db, sharer, IndicatorCreate(value="185.220.101.41", tlp=TLP.AMBER_STRICT))
    reader = api(db, member(db))
    answer = client.get("/api/v1/indicators/export", headers=reader)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/stix+json")
    assert "attachment" in answer.headers["content-disposition"]
    results = validate_string(answer.text, ValidationOptions())
    assert results.is_valid, [str(e) for e in results.errors]
    ids = {o["id"] for o in answer.json()["objects"]}
    assert green.stix_id in ids and strict.stix_id not in ids
    assert MARKING_IDS[TLP.GREEN] in ids

    only = client.get("/api/v1/indicators/export", headers=reader, params={"types": "indicator"}).json()
    assert {o["type"] for o in only["objects"]} == {"indicator"}
    csv = client.get("/api/v1/indicators/export", headers=reader, params={"format": "csv"})
    assert csv.status_code == 200 and "185.220.101.40" in csv.text and "185.220.101.41" not in csv.text
    mine = client.get("/api/v1/indicators/export", headers=api(db, sharer_user)).json()
    assert strict.stix_id in {o["id"] for o in mine["objects"]}
    coord = client.get("/api/v1/indicators/export", headers=api(db, coordinator(db))).json()
    assert strict.stix_id not in {o["id"] for o in coord["objects"]}


def test_export_refuses_bad_input_and_collections_one_may_not_read(client: Any, db: Session) -> None:
    user = member(db)
    headers = api(db, user)
    assert client.get("/api/v1/indicators/export", headers=headers, params={"format": "pdf"}).status_code == 422
    bad_types = client.get("/api/v1/indicators/export", headers=headers, params={"types": "Not A Type"})
    assert bad_types.status_code == 422 and bad_types.json()["errors"][0]["field"] == "types"
    other = f"outbox:{member(db).organisation_id}"
    assert client.get("/api/v1/indicators/export", headers=headers, params={"collection": other}).status_code == 404
    own = f"outbox:{user.organisation_id}"
    assert client.get("/api/v1/indicators/export", headers=headers, params={"collection": own}).status_code == 200
