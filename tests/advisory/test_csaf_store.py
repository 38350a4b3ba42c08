"""Vendor CSAF documents: imported after the schema check (errors name JSON paths), kept once per
publisher, tracking id and version, audited, read back with their product tree flattened; CSAF
sources added by coordinators and polled (against a provider served in-process by httpx) with
the outcome recorded on the source; the jobs that poll them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.advisory import csaf_store, tasks
from csirtnet.advisory.csaf import validate
from csirtnet.authz import Subject
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.models import AuditRecord, CsafDocument, CsafSource, Job
from csirtnet.vocabulary import Role
from tests.incident.helpers import coordinator, member, who

DATA = Path(__file__).parent / "data"
PLATFORM = Subject.system("test")
BASE = "https://psirt.saomai.example/.well-known/csaf"
METADATA_URL = f"{BASE}/provider-metadata.json"


def sample() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "csaf_vendor_sample.json").read_text())
    return loaded


def version_2() -> dict[str, Any]:
    doc = sample()
    tracking = doc["document"]["tracking"]
    tracking["version"] = "2"
    tracking["current_release_date"] = "2025-03-05T09:30:00.000Z"
    tracking["revision_history"].append(
        {"date": "2025-03-05T09:30:00.000Z", "number": "2", "summary": "SM Edge 100 3.1 P3 fixes it"}
    )
    return doc


def other_document(tracking_id: str, title: str, cve: str) -> dict[str, Any]:
    doc = sample()
    doc["document"]["tracking"]["id"] = tracking_id
    doc["document"]["title"] = title
    doc["vulnerabilities"][0]["cve"] = cve
    return doc


def _audits(db: Session, action: str) -> list[AuditRecord]:
    return list(db.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)))


def _count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_the_fixture_is_a_valid_csaf_document() -> None:
    assert validate.schema_errors(sample()) == []
    assert validate.schema_errors(version_2()) == []


# -- importing -----------------------------------------------------------------------------------


def test_import_keeps_the_document_and_audits_it(db: Session) -> None:
    coord = coordinator(db)
    row, created = csaf_store.import_csaf(db, who(coord), sample(), source_url="smsa-2025-0007.json")
    assert created
    assert (row.publisher_namespace, row.publisher_name) == ("https://psirt.saomai.example", "Sao Mai Networks PSIRT")
    assert (row.tracking_id, row.version, row.status, row.tlp) == ("SMSA-2025-0007", "1", "final", "WHITE")
    assert row.category == "csaf_security_advisory"
    assert row.title.startswith("SM Gateway: unauthenticated remote code execution")
    assert row.current_release_date == datetime(2025, 2, 11, 8, 0, tzinfo=UTC)
    assert row.cve_ids == ["CVE-2025-10001"]
    assert len(row.sha256) == 64 and row.document == sample()
    assert (row.source_url, row.imported_by_id) == ("smsa-2025-0007.json", coord.id)
    (record,) = _audits(db, "advisory.csaf_imported")
    assert record.object_id == str(row.id)
    assert record.summary == {
        "publisher_namespace": "https://psirt.saomai.example",
        "tracking_id": "SMSA-2025-0007",
        "version": "1",
        "source_id": None,
    }


def test_the_same_version_again_is_nothing_and_a_new_version_is_a_new_row(db: Session) -> None:
    coord = who(coordinator(db))
    first, _ = csaf_store.import_csaf(db, coord, sample())
    again, created = csaf_store.import_csaf(db, coord, sample())
    assert (again.id, created) == (first.id, False)
    assert len(_audits(db, "advisory.csaf_imported")) == 1
    second, created = csaf_store.import_csaf(db, coord, version_2())
    assert created and second.id != first.id and second.version == "2"
    assert _count(db, CsafDocument) == 2


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["document"]["tracking"].pop("id"), "/document/tracking/id"),
        (lambda d: d["document"].update(csaf_version="1.2"), "/document/csaf_version"),
        (
            lambda d: d["document"]["tracking"].update(current_release_date="11/02/2025"),
            "/document/tracking/current_release_date",
        ),
        (lambda d: d["vulnerabilities"][0].update(cve="CVE-25-1"), "/vulnerabilities/0/cve"),
        (lambda d: d["document"]["tracking"].update(id="X" * 201), "/document/tracking/id"),
    ],
)
def test_an_invalid_document_is_refused_naming_each_path(db: Session, change: Callable[[Any], Any], path: str) -> None:
    doc = sample()
    change(doc)
    with pytest.raises(ValidationFailed) as caught:
        csaf_store.import_csaf(db, PLATFORM, doc)
    assert path in [e.field for e in caught.value.errors], caught.value.errors
    assert _count(db, CsafDocument) == 0 and _audits(db, "advisory.csaf_imported") == []


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.RESPONDER])
def test_only_coordinators_import_and_add_sources(db: Session, role: Role) -> None:
    user = who(member(db, role=role))
    with pytest.raises(Forbidden):
        csaf_store.import_csaf(db, user, sample())
    with pytest.raises(Forbidden):
        csaf_store.add_source(db, user, "Sao Mai", METADATA_URL, 6)
    assert _count(db, CsafDocument) == 0 and _count(db, CsafSource) == 0


# -- reading -------------------------------------------------------------------------------------


def test_product_tree_rows_flatten_branches_and_relationships() -> None:
    assert csaf_store.product_tree_rows(sample()) == [
        ("Sao Mai Networks", "SM Gateway", "7.2.5", "CSAFPID-0001"),
        ("Sao Mai Networks", "SM Gateway", "vers:generic/>=7.0.0|<7.2.5", "CSAFPID-0002"),
        ("Sao Mai Networks", "SM Gateway", "7.2.8", "CSAFPID-0003"),
        ("Sao Mai Networks", "SM Edge 100", "3.1 P2", "CSAFPID-0004"),
        ("", "SM Gateway 7.2.5 as a component of SM Edge 100 3.1 P2", "", "CSAFPID-0005"),
    ]
    doc = sample()
    doc["product_tree"] = {"full_product_names": [{"name": "Widget 1.0", "product_id": "P1"}]}
    assert csaf_store.product_tree_rows(doc) == [("", "Widget 1.0", "", "P1")]
    assert csaf_store.product_tree_rows({"document": {}}) == []


def test_affected_products_as_an_advisory_lists_them() -> None:
    # 0001 and 0002 directly, 0005 through its relationship (the component 0001); 0003 is fixed
    assert csaf_store.affected_products(sample()) == [
        {"vendor": "Sao Mai Networks", "product": "SM Gateway", "versions": ["7.2.5", ">=7.0.0 <7.2.5"]}
    ]


@pytest.mark.parametrize(
    ("text", "specs"),
    [
        ("vers:generic/>=1.0|<=1.5|>=2.0|<2.5", [">=1.0 <=1.5", ">=2.0 <2.5"]),
        ("vers:generic/*", ["*"]),
        ("vers:semver/1.2.3|>=2.0", ["1.2.3", ">=2.0"]),
        ("vers:generic/<4.1", ["<4.1"]),
        ("4.1.2", ["4.1.2"]),
        ("", []),
    ],
)
def test_vers_ranges_become_specs(text: str, specs: list[str]) -> None:
    assert csaf_store.vers_specs(text) == specs


def test_documents_page_searches_filters_and_pages(db: Session) -> None:
    source = csaf_store.add_source(db, PLATFORM, "Sao Mai", METADATA_URL, 6)
    csaf_store.import_csaf(db, PLATFORM, sample(), source_id=source.id)
    csaf_store.import_csaf(
        db, PLATFORM, other_document("SMSA-2025-0008", "SM Switch: weak default password", "CVE-2025-10002")
    )
    csaf_store.import_csaf(
        db, PLATFORM, other_document("SMSA-2025-0009", "SM Router: path traversal", "CVE-2025-10003")
    )
    rows, _ = csaf_store.csaf_documents_page(db, PLATFORM, q="cve-2025-10002")
    assert [r.tracking_id for r in rows] == ["SMSA-2025-0008"]
    rows, _ = csaf_store.csaf_documents_page(db, PLATFORM, q="ROUTER traversal")
    assert [r.tracking_id for r in rows] == ["SMSA-2025-0009"]
    rows, _ = csaf_store.csaf_documents_page(db, PLATFORM, source_id=source.id)
    assert [r.tracking_id for r in rows] == ["SMSA-2025-0007"]
    rows, _ = csaf_store.csaf_documents_page(db, PLATFORM)
    assert [r.tracking_id for r in rows] == ["SMSA-2025-0009", "SMSA-2025-0008", "SMSA-2025-0007"]  # newest first
    first, cursor = csaf_store.csaf_documents_page(db, PLATFORM, limit=2)
    rest, end = csaf_store.csaf_documents_page(db, PLATFORM, limit=2, cursor=cursor)
    assert len(first) == 2 and len(rest) == 1 and end is None
    assert csaf_store.get_csaf_document(db, PLATFORM, rest[0].id).tracking_id == "SMSA-2025-0007"
    with pytest.raises(NotFound):
        csaf_store.get_csaf_document(db, PLATFORM, 10**9)


# -- sources -------------------------------------------------------------------------------------


def test_add_source_audits_and_schedules_the_poll(db: Session) -> None:
    coord = who(coordinator(db))
    source = csaf_store.add_source(db, coord, "  Sao Mai   PSIRT ", METADATA_URL, 12)
    assert (source.name, source.metadata_url, source.interval_hours, source.enabled) == (
        "Sao Mai PSIRT",
        METADATA_URL,
        12,
        True,
    )
    (record,) = _audits(db, "advisory.csaf_source_added")
    assert record.summary == {"name": "Sao Mai PSIRT", "metadata_url": METADATA_URL}
    csaf_store.add_source(db, coord, "Local mirror", "http://127.0.0.1:8080/provider-metadata.json", 1)
    queued = list(db.scalars(select(Job).where(Job.name == tasks.POLL_JOB)))
    assert len(queued) == 1 and queued[0].status == "queued"


@pytest.mark.parametrize(
    ("name", "url", "hours", "field"),
    [
        ("", METADATA_URL, 6, "name"),
        ("Sao Mai", "http://psirt.saomai.example/provider-metadata.json", 6, "metadata_url"),
        ("Sao Mai", "ftp://psirt.saomai.example/x.json", 6, "metadata_url"),
        ("Sao Mai", METADATA_URL, 0, "interval_hours"),
        ("Sao Mai", METADATA_URL, 24 * 7 + 1, "interval_hours"),
    ],
)
def test_add_source_refuses_bad_input_naming_the_field(
    db: Session, name: str, url: str, hours: int, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        csaf_store.add_source(db, PLATFORM, name, url, hours)
    assert [e.field for e in caught.value.errors] == [field]
    assert _count(db, CsafSource) == 0


def test_a_source_is_added_once(db: Session) -> None:
    first = csaf_store.add_source(db, PLATFORM, "Sao Mai", METADATA_URL, 6)
    with pytest.raises(ValidationFailed, match=f"source {first.id} already polls"):
        csaf_store.add_source(db, PLATFORM, "Again", METADATA_URL, 6)


def test_due_sources(db: Session) -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    never = csaf_store.add_source(db, PLATFORM, "never polled", f"{BASE}/a.json", 6)
    recent = csaf_store.add_source(db, PLATFORM, "polled an hour ago", f"{BASE}/b.json", 6)
    recent.last_polled_at = now - timedelta(hours=1)
    old = csaf_store.add_source(db, PLATFORM, "polled 6 hours ago", f"{BASE}/c.json", 6)
    old.last_polled_at = now - timedelta(hours=6)
    off = csaf_store.add_source(db, PLATFORM, "disabled", f"{BASE}/d.json", 6)
    off.enabled = False
    db.flush()
    assert [s.id for s in csaf_store.due_sources(db, now)] == [never.id, old.id]


# -- polling -------------------------------------------------------------------------------------

METADATA = {
    "canonical_url": METADATA_URL,
    "last_updated": "2025-03-05T10:00:00Z",
    "list_on_CSAF_aggregators": True,
    "metadata_version": "2.0",
    "mirror_on_CSAF_aggregators": True,
    "publisher": {"category": "vendor", "name": "Sao Mai Networks PSIRT", "namespace": "https://psirt.saomai.example"},
    "role": "csaf_provider",
    "distributions": [{"directory_url": f"{BASE}/white/"}],
}


class Provider:
    """A CSAF provider with a directory distribution, served through httpx.MockTransport."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {METADATA_URL: json.dumps(METADATA).encode()}
        self.changes: list[tuple[str, str]] = []
        self.down = False
        self.asked: list[str] = []

    def publish(self, path: str, document: object, changed: str) -> None:
        self.files[f"{BASE}/white/{path}"] = json.dumps(document).encode()
        self.changes = [c for c in self.changes if c[0] != path] + [(path, changed)]

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.asked.append(url)
        if self.down:
            return httpx.Response(503)
        if url == f"{BASE}/white/changes.csv":
            return httpx.Response(200, text="".join(f'"{p}","{t}"\n' for p, t in self.changes))
        if url in self.files:
            return httpx.Response(200, content=self.files[url])
        return httpx.Response(404)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))


def test_a_poll_imports_new_documents_and_records_what_failed(db: Session) -> None:
    provider = Provider()
    provider.publish("2025/smsa-2025-0007.json", sample(), "2025-02-11T08:00:00Z")
    broken = sample()
    broken["document"]["tracking"]["id"] = "SMSA-2025-0010"
    del broken["document"]["title"]
    provider.publish("2025/smsa-2025-0010.json", broken, "2025-03-01T08:00:00Z")
    source = csaf_store.add_source(db, PLATFORM, "Sao Mai", METADATA_URL, 6)
    with provider.client() as client:
        result = csaf_store.poll_source(db, source.id, client)
        assert (result.status, result.imported, result.unchanged) == ("partial", 1, 0)
        assert [url for url, _ in result.problems] == [f"{BASE}/white/2025/smsa-2025-0010.json"]
        row = db.scalar(select(CsafDocument).where(CsafDocument.tracking_id == "SMSA-2025-0007"))
        assert row is not None and row.source_id == source.id
        assert row.source_url == f"{BASE}/white/2025/smsa-2025-0007.json"
        assert (source.last_status, source.documents_imported) == ("partial", 1)
        assert source.last_polled_at is not None
        assert source.last_error is not None and "smsa-2025-0010.json" in source.last_error
        (record,) = _audits(db, "advisory.csaf_imported")
        assert record.actor_label == "CSAF poll" and record.summary["source_id"] == source.id

        # the next poll asks only for what changed after the newest document kept: the broken one
        # again, and the new version of the first
        provider.publish("2025/smsa-2025-0007.json", version_2(), "2025-03-05T09:30:00Z")
        provider.asked.clear()
        result = csaf_store.poll_source(db, source.id, client)
        assert (result.status, result.imported) == ("partial", 1)
        assert f"{BASE}/white/2025/smsa-2025-0010.json" in provider.asked
        assert sorted(r.version for r in db.scalars(select(CsafDocument))) == ["1", "2"]
        assert source.documents_imported == 2

        # once the provider mends the broken one, the poll is clean
        broken["document"]["title"] = "SM Router: path traversal"
        for moment in (broken["document"]["tracking"], broken["document"]["tracking"]["revision_history"][0]):
            moment.update({k: "2025-03-06T08:00:00.000Z" for k in moment if k.endswith("date")})
        provider.publish("2025/smsa-2025-0010.json", broken, "2025-03-06T08:00:00Z")
        result = csaf_store.poll_source(db, source.id, client)
        assert (result.status, result.imported, result.problems) == ("ok", 1, [])
        assert (source.last_status, source.last_error, source.documents_imported) == ("ok", None, 3)
        result = csaf_store.poll_source(db, source.id, client)
        assert (result.status, result.imported, result.unchanged) == ("ok", 0, 0)


def test_a_provider_that_cannot_be_read_fails_the_poll(db: Session) -> None:
    provider = Provider()
    provider.down = True
    source = csaf_store.add_source(db, PLATFORM, "Sao Mai", METADATA_URL, 6)
    with provider.client() as client:
        result = csaf_store.poll_source(db, source.id, client)
    assert (result.status, result.imported) == ("failed", 0)
    assert source.last_status == "failed" and source.last_error is not None and "HTTP 503" in source.last_error


def test_a_fetch_that_raises_is_recorded_on_the_source(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from csirtnet.advisory.csaf import fetch

    def explode(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the provider sent something nobody expected")

    monkeypatch.setattr(fetch, "fetch_provider", explode)
    source = csaf_store.add_source(db, PLATFORM, "Sao Mai", METADATA_URL, 6)
    result = csaf_store.poll_source(db, source.id, httpx.Client())
    assert result.status == "failed"
    assert source.last_error == "RuntimeError: the provider sent something nobody expected"


def test_the_jobs_poll_due_sources_once(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = Provider()
    provider.publish("2025/smsa-2025-0007.json", sample(), "2025-02-11T08:00:00Z")
    due = csaf_store.add_source(db, PLATFORM, "Sao Mai", METADATA_URL, 6)
    fresh = csaf_store.add_source(db, PLATFORM, "Polled just now", f"{BASE}/other.json", 6)
    fresh.last_polled_at = datetime.now(UTC)
    db.flush()
    tasks.poll_csaf_sources(db)
    tasks.poll_csaf_sources(db)  # the poll of `due` is already queued: not twice
    (queued,) = db.scalars(select(Job).where(Job.name == tasks.POLL_SOURCE_JOB))
    assert queued.payload == {"source_id": due.id, "metadata_url": METADATA_URL, "since": None}
    assert len(list(db.scalars(select(Job).where(Job.name == tasks.POLL_JOB, Job.status == "queued")))) == 1

    real_fetch = csaf_store.fetch
    client = provider.client()
    monkeypatch.setattr(csaf_store, "fetch", lambda target, _client=None: real_fetch(target, client))
    tasks.poll_csaf_source(db, **queued.payload)
    client.close()
    assert (due.last_status, due.documents_imported) == ("ok", 1)
    assert csaf_store.poll_target(db, due.id).since == datetime(2025, 2, 11, 8, 0, tzinfo=UTC)


def test_a_removed_source_is_not_polled(db: Session) -> None:
    target = csaf_store.PollTarget(10**9, METADATA_URL, None)
    result = csaf_store.record_poll(
        db, target, csaf_store.Fetched(documents=[("x", copy.deepcopy(sample()))]), polled_at=datetime.now(UTC)
    )
    assert result.status == "failed" and _count(db, CsafDocument) == 0
