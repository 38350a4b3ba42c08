"""MISP events and feeds in (intel.misp.importer), through the one engine, on both databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.identity.service import subject_for
from csirtnet.incident import observables
from csirtnet.incident.schemas import ObservableCreate
from csirtnet.intel import correlation, ingest
from csirtnet.intel.misp import importer
from csirtnet.models import AuditRecord, Indicator, StixObject
from csirtnet.vocabulary import Role
from csirtnet.vocabulary.enums import TLP
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator, member, open_incident, who

FEED = Path(__file__).parent / "fixtures" / "misp_feed"
PHISHING = "5f0c2b6e-8a1d-4e0b-9c3e-2a7d1e4b9f01"
BOTNET = "6a1d3c7f-9b2e-4f1c-8d4f-3b8e2f5c0a12"
SCANNING = "7b2e4d80-ac3f-4a2d-9e50-4c9f3a6d1b23"


@pytest.fixture(autouse=True)
def no_warninglists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "warninglist_hook", lambda: None)


@pytest.fixture
def sharer(db: Session) -> Subject:
    return subject_for(make_user(db, roles=[Role.RESPONDER], organisation=make_organisation(db)))


def indicators(db: Session) -> dict[str, Indicator]:
    return {i.value: i for i in db.scalars(select(Indicator))}


def imports_audited(db: Session) -> int:
    query = select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "intel.import")
    return db.scalar(query) or 0


def test_feed_imports_with_tlp_pap_rsit_and_reports_what_it_skipped(db: Session, sharer: Subject) -> None:
    seen: list[int] = []
    row = importer.import_feed_dir(db, sharer, FEED, collection="national", default_tlp=TLP.AMBER, progress=seen.append)
    found = indicators(db)
    assert row.format == "misp-feed" and row.status == "complete"
    assert row.indicators == 13 + 5 + 3 == len(found)
    assert sum(seen) == row.total - row.skipped
    c2 = found["203.0.113.45"]
    assert (c2.tlp, c2.rsit, c2.origin, c2.origin_ref) == ("green", "malicious-code/c2-server", "misp", PHISHING)
    assert c2.source_name == "CIRCL"
    assert 'misp-galaxy:threat-actor="APT32"' in c2.tags
    assert found["203.0.113.99"].tlp == "amber+strict"
    sha1 = found["a9993e364706816aba3e25717850c26c9cd0d89d"]
    assert (sha1.tlp, sha1.pap, sha1.rsit) == ("amber", "amber", "malicious-code/c2-server")
    assert (found["198.51.100.0/24"].kind, found["198.51.100.0/24"].pap) == ("ipv4-net", "green")
    assert found["AS64500"].tlp == "amber+strict"
    # MISP's to_ids off: kept, marked so that blocking exports leave it out.
    assert found["AS64500"].tags[-1] == 'csirtnet:to_ids="false"'
    assert 'csirtnet:to_ids="false"' not in c2.tags
    # Skipped attributes: link, text, a bad address, a deleted one — with uuid, type and reason.
    messages = {f["id"]: f["message"] for f in row.failures}
    assert row.skipped == 4
    assert messages["a2000002-0000-4000-8000-000000000005"] == "MISP 'ip-dst': '999.1.1.1' is not a valid ipv4"
    assert "a1000001-0000-4000-8000-00000000000b" in messages
    # One audit record for the whole feed, no indicator value in it.
    assert imports_audited(db) == 1
    record = db.scalar(select(AuditRecord).where(AuditRecord.action == "intel.import"))
    assert record is not None and "203.0.113.45" not in json.dumps(record.summary)
    # Reports and identities are kept as STIX objects too.
    assert db.scalar(select(func.count()).where(StixObject.stix_type == "report")) == 3


def test_reimport_is_a_no_op(db: Session, sharer: Subject) -> None:
    importer.import_feed_dir(db, sharer, FEED, collection="national", default_tlp=TLP.AMBER)
    again = importer.import_feed_dir(db, sharer, FEED, collection="national", default_tlp=TLP.AMBER)
    assert (again.created, again.versions, again.indicators) == (0, 0, 0)
    assert again.unchanged > 0
    # The PAP and RSIT of the first import stay (the second touched no row).
    assert indicators(db)["a9993e364706816aba3e25717850c26c9cd0d89d"].pap == "amber"


def test_bad_file_names_itself_and_the_rest_imports(db: Session, sharer: Subject, tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    shutil.copytree(FEED, feed)
    broken = json.loads((feed / f"{BOTNET}.json").read_text())
    broken["Event"]["Attribute"][1]["value"] = {"not": "text"}
    (feed / f"{BOTNET}.json").write_text(json.dumps(broken))
    (feed / f"{SCANNING}.json").write_text("{ not json")
    with (feed / "hashes.csv").open("a") as hashes:
        hashes.write("nonsense line\n")
    row = importer.import_feed_dir(db, sharer, feed, collection="national", default_tlp=TLP.AMBER)
    messages = {f["id"]: f["message"] for f in row.failures}
    assert messages[f"{BOTNET}.json"] == f"{BOTNET}.json: Event.Attribute[1].value: must be text"
    assert messages[f"{SCANNING}.json"].startswith(f"{SCANNING}.json: is not JSON")
    line = len((FEED / "hashes.csv").read_text().splitlines()) + 1
    assert messages[f"hashes.csv:{line}"] == f"hashes.csv line {line}: not '<md5>,<event uuid>'"
    found = indicators(db)
    assert "203.0.113.45" in found
    # Nothing of a bad file: not even its good attributes.
    assert "c2.bad-botnet.example" not in found and "192.0.2.200" not in found


def test_missing_event_file_and_mismatched_uuid(db: Session, sharer: Subject, tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    shutil.copytree(FEED, feed)
    (feed / f"{SCANNING}.json").unlink()
    (feed / f"{BOTNET}.json").write_text((FEED / f"{PHISHING}.json").read_text())
    row = importer.import_feed_dir(db, sharer, feed, collection="national", default_tlp=TLP.AMBER)
    messages = {f["id"]: f["message"] for f in row.failures}
    assert messages[f"{SCANNING}.json"] == f"{SCANNING}.json: listed in manifest.json but missing"
    assert "is not the event the file is named for" in messages[f"{BOTNET}.json"]


@pytest.mark.parametrize(
    ("content", "field"),
    [(None, "manifest.json"), ("[1]", "manifest.json"), ('{"x": {}}', "manifest.json: x"), ("{", "manifest.json")],
)
def test_not_a_feed(db: Session, sharer: Subject, tmp_path: Path, content: str | None, field: str) -> None:
    if content is not None:
        (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(ValidationFailed) as caught:
        importer.import_feed_dir(db, sharer, tmp_path, collection="national", default_tlp=TLP.AMBER)
    assert caught.value.errors[0].field == field
    assert imports_audited(db) == 0


def test_one_event(db: Session, sharer: Subject) -> None:
    data = (FEED / f"{SCANNING}.json").read_bytes()
    row = importer.import_event(db, sharer, data, source="scan.json", collection="national", default_tlp=TLP.GREEN)
    assert (row.format, row.indicators) == ("misp-event", 3)
    assert {i.tlp for i in indicators(db).values()} == {"amber+strict"}
    assert indicators(db)["e7d705a3286e19ea42f587b344ee6865"].kind == "ja3"


def test_event_without_tlp_takes_the_default(db: Session, sharer: Subject) -> None:
    event: dict[str, Any] = json.loads((FEED / f"{SCANNING}.json").read_text())
    event["Event"]["Tag"] = []
    importer.import_event(db, sharer, event, source="x", collection="national", default_tlp=TLP.GREEN)
    assert {i.tlp for i in indicators(db).values()} == {"green"}


def test_bad_event_imports_nothing(db: Session, sharer: Subject) -> None:
    with pytest.raises(ValidationFailed) as caught:
        importer.import_event(
            db, sharer, b'{"Event": {"uuid": "nope"}}', source="x", collection="national", default_tlp=TLP.GREEN
        )
    assert caught.value.errors[0].field == "Event.uuid"
    assert indicators(db) == {} and imports_audited(db) == 0


def test_member_may_not_import_into_another_outbox(db: Session, sharer: Subject) -> None:
    other = make_organisation(db)
    with pytest.raises(Forbidden):
        importer.import_feed_dir(db, sharer, FEED, collection=f"outbox:{other.id}", default_tlp=TLP.AMBER)
    assert indicators(db) == {}


def test_a_feed_value_correlates_with_an_open_incident_for_the_coordinator_only(db: Session) -> None:
    """The issue's 'done when': a MISP feed imports and one of its values correlates with an open
    incident, shown to the coordinator and not to a member who may not see that incident."""
    coord, reporter, outsider = coordinator(db), member(db), member(db)
    incident = open_incident(db, coord, reporter)
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="ip", value="203.0.113.45"))
    importer.import_feed_dir(db, who(outsider), FEED, collection="national", default_tlp=TLP.AMBER)
    imported = indicators(db)["203.0.113.45"]  # TLP:GREEN in the national collection: both see it
    seen = correlation.for_indicator(db, who(coord), imported)
    assert [(m.reference, m.observable_value) for m in seen.exact.incidents] == [(incident.reference, "203.0.113.45")]
    hidden = correlation.for_indicator(db, who(outsider), imported)
    assert hidden.exact.incidents == []
