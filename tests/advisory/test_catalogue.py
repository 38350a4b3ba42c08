"""Vulnerability catalogues: the CISA KEV catalogue and CVE JSON 5 records fill one row per CVE id,
in bulk, idempotently, by coordinators only, with one audit record per import; bad input names
the entry and field and leaves nothing written; the pages' reads."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.advisory import catalogue
from csirtnet.advisory.products import version_in, version_key
from csirtnet.authz import Subject
from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.models import AuditRecord, Vulnerability
from csirtnet.vocabulary import Role
from tests.helpers import sql_statements
from tests.incident.helpers import coordinator, member, who

DATA = Path(__file__).parent / "data"
PLATFORM = Subject.system("test")


def kev() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "kev_sample.json").read_text())
    return loaded


def cve_record() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "cve_2024_3400.json").read_text())
    return loaded


def _record(cve_id: str, **cna: Any) -> dict[str, Any]:
    """A small CVE JSON 5 record; `cna` replaces members of its CNA container."""
    container: dict[str, Any] = {
        "providerMetadata": {"orgId": "8254265b-2729-46b6-b9e3-3dfca2d5bfca"},
        "descriptions": [{"lang": "en", "value": f"A flaw numbered {cve_id}."}],
        "affected": [],
    }
    container.update(cna)
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": cve_id, "state": "PUBLISHED", "datePublished": "2024-06-01T10:00:00Z"},
        "containers": {"cna": container},
    }


def _count(db: Session, model: Any = Vulnerability) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _imports(db: Session) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.action == "advisory.catalogue_imported").order_by(AuditRecord.seq)
    return list(db.scalars(query))


def _row(db: Session, cve_id: str) -> Vulnerability:
    row = catalogue.get_vulnerability(db, cve_id)
    assert row is not None
    return row


# -- recognising files ---------------------------------------------------------------------------


def test_detect_format() -> None:
    csaf = json.loads((DATA / "csaf_vendor_sample.json").read_text())
    assert catalogue.detect_format(csaf) == "csaf"
    assert catalogue.detect_format(kev()) == "kev"
    assert catalogue.detect_format(cve_record()) == "cve"
    assert catalogue.detect_format([cve_record(), _record("CVE-2024-0001")]) == "cve"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"data_type": "CVE", "CVE_data_meta": {"ID": "CVE-2017-0144"}}, "data_type", "CVE JSON 4"),
        ({"vulnerabilities": []}, "catalogVersion", "not KEV"),
        ({"hello": "world"}, "document", "not a CSAF 2.0 document"),
        ([], "records", "empty"),
        ([{"dataType": "CVE_RECORD"}, {"dataType": "other"}], "1.dataType", "CVE JSON 5 records only"),
        ("text", "document", "not a JSON object"),
    ],
)
def test_detect_format_says_why_not(data: object, field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        catalogue.detect_format(data)
    assert caught.value.errors[0].field == field
    assert words in caught.value.errors[0].message


# -- the KEV catalogue ---------------------------------------------------------------------------


def test_kev_import_adds_rows_and_writes_one_audit_record(db: Session) -> None:
    result = catalogue.import_kev(db, who(coordinator(db)), kev())
    assert (result.format, result.added, result.updated, result.unchanged) == ("kev", 5, 0, 0)
    assert result.catalog_version == "2024.12.05"
    row = _row(db, "CVE-2024-3400")
    assert row.known_exploited
    assert (row.kev_vendor, row.kev_product) == ("Palo Alto Networks", "PAN-OS")
    assert row.kev_name == "Palo Alto Networks PAN-OS Command Injection Vulnerability"
    assert (row.kev_date_added, row.kev_due_date) == (date(2024, 4, 12), date(2024, 4, 19))
    assert row.kev_ransomware == "Unknown"
    assert row.kev_required_action is not None and row.kev_required_action.startswith("Apply mitigations")
    assert row.description is not None and "GlobalProtect" in row.description  # the short description
    assert row.cwes == ["CWE-77"]
    assert row.affected == [] and row.cvss_score is None and row.title is None
    (record,) = _imports(db)
    assert record.summary == {
        "format": "kev",
        "added": 5,
        "updated": 0,
        "unchanged": 0,
        "catalog_version": "2024.12.05",
    }
    # the newest added get the highest ids, so a page (newest id first) starts with them
    page, _ = catalogue.vulnerabilities_page(db, known_exploited_only=True, limit=2)
    assert [v.cve_id for v in page] == ["CVE-2024-3400", "CVE-2024-21762"]


def test_kev_reimport_changes_nothing_and_a_changed_entry_is_updated(db: Session) -> None:
    coord = who(coordinator(db))
    catalogue.import_kev(db, coord, kev())
    before = _row(db, "CVE-2023-4966").updated_at
    again = catalogue.import_kev(db, coord, kev())
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert _row(db, "CVE-2023-4966").updated_at == before
    changed = kev()
    changed["catalogVersion"] = "2024.12.06"
    changed["vulnerabilities"][2]["dueDate"] = "2023-11-15"
    changed["vulnerabilities"][2]["knownRansomwareCampaignUse"] = "Unknown"
    loaded = _row(db, "CVE-2023-4966")  # held by the session while the bulk update runs past it
    third = catalogue.import_kev(db, coord, changed)
    assert (third.added, third.updated, third.unchanged) == (0, 1, 4)
    assert (loaded.kev_due_date, loaded.kev_ransomware) == (date(2023, 11, 15), "Unknown")
    assert _count(db) == 5
    assert [r.summary["catalog_version"] for r in _imports(db)] == ["2024.12.05", "2024.12.05", "2024.12.06"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d["vulnerabilities"][3].update(cveID="CVE-23-34362"), "vulnerabilities.3.cveID", "not a CVE id"),
        (lambda d: d["vulnerabilities"][1].pop("dateAdded"), "vulnerabilities.1.dateAdded", "is missing"),
        (lambda d: d["vulnerabilities"][0].update(dueDate="19/04/2024"), "vulnerabilities.0.dueDate", "not a date"),
        (lambda d: d["vulnerabilities"][4].update(product=["Log4j2"]), "vulnerabilities.4.product", "not text"),
        (lambda d: d["vulnerabilities"][2].update(vendorProject="x" * 201), "vulnerabilities.2.vendorProject", "200"),
        (lambda d: d["vulnerabilities"].__setitem__(2, "CVE-2023-4966"), "vulnerabilities.2", "not an object"),
        (lambda d: d.update(count=6), "count", "cut short"),
        (
            lambda d: d["vulnerabilities"][4].update(cveID="CVE-2024-3400"),
            "vulnerabilities.4.cveID",
            "listed twice (also at vulnerabilities.0)",
        ),
    ],
)
def test_bad_kev_entries_are_named_and_nothing_is_written(db: Session, change: Any, field: str, words: str) -> None:
    coord = who(coordinator(db))
    catalogue.import_cve_records(db, coord, cve_record())
    data = kev()
    change(data)
    with pytest.raises(ValidationFailed) as caught:
        catalogue.import_kev(db, coord, data)
    assert any(e.field == field and words in e.message for e in caught.value.errors), caught.value.errors
    assert _count(db) == 1
    assert not _row(db, "CVE-2024-3400").known_exploited
    assert len(_imports(db)) == 1


def test_every_error_is_listed_up_to_a_limit(db: Session) -> None:
    data = kev()
    data["count"] = None
    data["vulnerabilities"] = [{"cveID": f"bad-{i}"} for i in range(80)]
    with pytest.raises(ValidationFailed) as caught:
        catalogue.import_kev(db, PLATFORM, data)
    errors = caught.value.errors
    assert len(errors) == catalogue.MAX_ERRORS + 1
    assert errors[0].field == "vulnerabilities.0.cveID"
    assert errors[-1].message == f"{80 * 4 - catalogue.MAX_ERRORS} more error(s) not listed"


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.RESPONDER, Role.VIEWER])
def test_only_coordinators_import(db: Session, role: Role) -> None:
    user = member(db, role=role)
    with pytest.raises(Forbidden):
        catalogue.import_kev(db, who(user), kev())
    with pytest.raises(Forbidden):
        catalogue.import_cve_records(db, who(user), cve_record())
    assert _count(db) == 0


def test_a_synthetic_catalogue_of_15000_entries_imports_in_bulk(db: Session) -> None:
    base = kev()["vulnerabilities"][0]
    entries = []
    for i in range(15_000):
        entry = dict(base)
        entry["cveID"] = f"CVE-{2010 + i % 15}-{10_000 + i}"
        entry["dateAdded"] = (date(2021, 11, 3) + timedelta(days=i % 1100)).isoformat()
        entries.append(entry)
    data = {"catalogVersion": "2099.01.01", "count": len(entries), "vulnerabilities": entries}
    with sql_statements(db) as statements:
        result = catalogue.import_kev(db, PLATFORM, data)
    assert (result.added, result.updated, result.unchanged) == (15_000, 0, 0)
    assert _count(db) == 15_000
    # bulk: the stored ids are read in chunks of 500 and the rows written in batches, never one by one
    assert len(statements) < 150, len(statements)
    entries[7]["dueDate"] = "2030-01-01"
    with sql_statements(db) as statements:
        again = catalogue.import_kev(db, PLATFORM, data)
    assert (again.added, again.updated, again.unchanged) == (0, 1, 14_999)
    assert len(statements) < 60, len(statements)


# -- CVE JSON 5 records --------------------------------------------------------------------------


def test_a_cve_record_fills_the_row_of_its_kev_entry(db: Session) -> None:
    coord = who(coordinator(db))
    catalogue.import_kev(db, coord, kev())
    result = catalogue.import_cve_records(db, coord, cve_record())
    assert (result.format, result.added, result.updated, result.unchanged) == ("cve", 0, 1, 0)
    row = _row(db, "CVE-2024-3400")
    assert row.known_exploited and row.kev_due_date == date(2024, 4, 19)  # the KEV columns stay
    assert row.title is not None and row.title.startswith("PAN-OS: Arbitrary File Creation")
    assert row.description is not None and row.description.startswith("A command injection")  # the record's
    # CVSS 3.1 (CISA's ADP) before the CNA's 4.0
    assert (row.cvss_vector, row.cvss_score) == ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0)
    assert row.published_at is not None and row.published_at.isoformat() == "2024-04-12T07:00:00+00:00"
    assert row.cve_state == "PUBLISHED" and row.cwes == ["CWE-77"]
    assert row.affected == [
        {
            "vendor": "Palo Alto Networks",
            "product": "PAN-OS",
            "versions": [
                ">=11.1.0 <11.1.0-h3",
                ">=11.1.1 <11.1.1-h1",
                ">=11.1.2 <11.1.2-h3",
                ">=11.0.0 <11.0.0-h3",
                ">=10.2.9 <10.2.9-h1",
            ],
        }
    ]
    # the catalogue again: its short description no longer replaces the record's
    assert catalogue.import_kev(db, coord, kev()).unchanged == 5
    assert _row(db, "CVE-2024-3400").description == row.description
    assert catalogue.import_cve_records(db, coord, [cve_record()]).unchanged == 1


def test_a_record_first_then_the_catalogue(db: Session) -> None:
    coord = who(coordinator(db))
    assert catalogue.import_cve_records(db, coord, cve_record()).added == 1
    assert not _row(db, "CVE-2024-3400").known_exploited
    result = catalogue.import_kev(db, coord, kev())
    assert (result.added, result.updated) == (4, 1)
    row = _row(db, "CVE-2024-3400")
    assert row.known_exploited and row.description is not None and row.description.startswith("A command injection")
    assert catalogue.known_exploited(db, ["cve-2024-3400", "CVE-2099-0001", "CVE-2021-44228"]).keys() == {
        "CVE-2024-3400",
        "CVE-2021-44228",
    }


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda r: r["cveMetadata"].update(cveId="CVE-2024-1"), "1.cveMetadata.cveId", "not a CVE id"),
        (lambda r: r.update(dataVersion="4.0"), "1.dataVersion", "not a CVE JSON 5 version"),
        (lambda r: r["cveMetadata"].update(state="RESERVED"), "1.cveMetadata.state", "not PUBLISHED or REJECTED"),
        (lambda r: r["cveMetadata"].update(datePublished="yesterday"), "1.cveMetadata.datePublished", "ISO 8601"),
        (lambda r: r["containers"].pop("cna"), "1.containers.cna", "is missing"),
        (lambda r: r["cveMetadata"].update(cveId="CVE-2024-0001"), "1.cveMetadata.cveId", "given twice (also at 0)"),
    ],
)
def test_bad_records_are_named_by_their_place_and_nothing_is_written(
    db: Session, change: Any, field: str, words: str
) -> None:
    bad = _record("CVE-2024-0002")
    change(bad)
    with pytest.raises(ValidationFailed) as caught:
        catalogue.import_cve_records(db, PLATFORM, [_record("CVE-2024-0001"), bad])
    assert any(e.field == field and words in e.message for e in caught.value.errors), caught.value.errors
    assert _count(db) == 0 and _imports(db) == []


def test_one_record_alone_names_its_fields_without_a_place(db: Session) -> None:
    bad = cve_record()
    bad["cveMetadata"]["cveId"] = "CVE 2024 3400"
    with pytest.raises(ValidationFailed) as caught:
        catalogue.import_cve_records(db, PLATFORM, bad)
    assert caught.value.errors[0].field == "cveMetadata.cveId"


def test_a_rejected_record_keeps_its_reason(db: Session) -> None:
    record = _record("CVE-2024-0100", descriptions=None, rejectedReasons=[{"lang": "en", "value": "Duplicate."}])
    record["cveMetadata"]["state"] = "REJECTED"
    catalogue.import_cve_records(db, PLATFORM, record)
    row = _row(db, "CVE-2024-0100")
    assert (row.cve_state, row.description, row.affected) == ("REJECTED", "Duplicate.", [])


@pytest.mark.parametrize(
    ("entry", "versions"),
    [
        # affected by default, except the versions listed unaffected (the Linux kernel CNA's way)
        (
            {
                "vendor": "Linux",
                "product": "Linux",
                "defaultStatus": "affected",
                "versions": [
                    {"version": "0", "lessThan": "5.15", "status": "unaffected", "versionType": "semver"},
                    {"version": "6.1.90", "lessThanOrEqual": "6.1.*", "status": "unaffected", "versionType": "semver"},
                    {"version": "6.6.30", "lessThanOrEqual": "6.6.*", "status": "unaffected", "versionType": "semver"},
                    {"version": "6.9", "lessThanOrEqual": "*", "status": "unaffected", "versionType": "semver"},
                ],
            },
            [">=5.15 <6.1.90", ">=6.2 <6.6.30", ">=6.7 <6.9"],
        ),
        # status changes inside one range
        (
            {
                "vendor": "Widgets LLC",
                "product": "Flux Capacitor",
                "versions": [
                    {
                        "version": "2.0.0",
                        "versionType": "semver",
                        "lessThan": "2.*",
                        "status": "affected",
                        "changes": [
                            {"at": "2.5.2", "status": "unaffected"},
                            {"at": "2.6.0", "status": "affected"},
                            {"at": "2.6.3", "status": "unaffected"},
                        ],
                    }
                ],
            },
            [">=2.0.0 <2.5.2", ">=2.6.0 <2.6.3"],
        ),
        ({"vendor": "x", "product": "y", "versions": [{"version": "< 2.4.58", "status": "affected"}]}, ["<2.4.58"]),
        ({"vendor": "x", "product": "y", "versions": [{"version": "n/a", "status": "affected"}]}, ["*"]),
        ({"vendor": "x", "product": "y", "versions": [{"version": "1.2", "status": "affected"}]}, ["1.2"]),
        (
            {
                "vendor": "x",
                "product": "y",
                "versions": [{"version": "0", "lessThanOrEqual": "3.1", "status": "affected"}],
            },
            ["<=3.1"],
        ),
        ({"vendor": "x", "product": "y", "defaultStatus": "affected"}, ["*"]),
    ],
)
def test_affected_versions_as_advisories_list_them(db: Session, entry: dict[str, Any], versions: list[str]) -> None:
    catalogue.import_cve_records(db, PLATFORM, _record("CVE-2024-0200", affected=[entry]))
    (product,) = _row(db, "CVE-2024-0200").affected
    assert product["versions"] == versions


def test_products_with_nothing_affected_or_no_name_are_left_out(db: Session) -> None:
    entries = [
        {"vendor": "n/a", "product": "n/a", "versions": [{"version": "n/a", "status": "affected"}]},
        {"vendor": "x", "product": "unaffected", "defaultStatus": "unaffected", "versions": []},
        {
            "vendor": "x",
            "product": "git only",
            "versions": [{"version": "abc123", "lessThan": "def456", "status": "affected", "versionType": "git"}],
        },
        {"product": "kept", "versions": [{"version": "1.0", "status": "affected"}]},
    ]
    catalogue.import_cve_records(db, PLATFORM, _record("CVE-2024-0300", affected=entries))
    assert _row(db, "CVE-2024-0300").affected == [{"vendor": "", "product": "kept", "versions": ["1.0"]}]


# -- reads ---------------------------------------------------------------------------------------


def test_vulnerabilities_page_searches_and_pages(db: Session) -> None:
    catalogue.import_kev(db, PLATFORM, kev())
    catalogue.import_cve_records(db, PLATFORM, [_record("CVE-2024-0401"), _record("CVE-2024-0402")])
    everything, _ = catalogue.vulnerabilities_page(db, limit=50)
    assert len(everything) == 7
    kev_only, _ = catalogue.vulnerabilities_page(db, known_exploited_only=True, limit=50)
    assert len(kev_only) == 5
    by_id, _ = catalogue.vulnerabilities_page(db, q="cve-2024-04", limit=50)
    assert {v.cve_id for v in by_id} == {"CVE-2024-0401", "CVE-2024-0402"}
    by_words, _ = catalogue.vulnerabilities_page(db, q="netscaler  BUFFER", limit=50)
    assert [v.cve_id for v in by_words] == ["CVE-2023-4966"]
    assert catalogue.vulnerabilities_page(db, q="50%_", limit=50)[0] == []
    first, cursor = catalogue.vulnerabilities_page(db, limit=3)
    second, last = catalogue.vulnerabilities_page(db, limit=3, cursor=cursor)
    third, end = catalogue.vulnerabilities_page(db, limit=3, cursor=last)
    assert len(first) == 3 and len(second) == 3 and len(third) == 1 and end is None
    assert {v.id for v in first + second + third} == {v.id for v in everything}
    with pytest.raises(ValidationFailed):
        catalogue.vulnerabilities_page(db, q="x" * 201)


def test_known_exploited_reads_many_ids(db: Session) -> None:
    data = kev()
    entries = []
    for i in range(1_200):
        entry = copy.deepcopy(data["vulnerabilities"][0])
        entry["cveID"] = f"CVE-2020-{20_000 + i}"
        entries.append(entry)
    catalogue.import_kev(db, PLATFORM, {"catalogVersion": "x", "vulnerabilities": entries})
    asked = [f"CVE-2020-{20_000 + i}" for i in range(0, 2_400, 2)]
    assert len(catalogue.known_exploited(db, asked)) == 600
    assert set(catalogue.vulnerabilities_by_id(db, ["CVE-2020-20001", "CVE-1999-0001"])) == {"CVE-2020-20001"}


# -- the status decisions of CVE 5, as a property ---------------------------------------------------

small_versions = st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=3).map(
    lambda parts: ".".join(map(str, parts))
)


@st.composite
def version_objects(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(small_versions)
    kind = draw(st.sampled_from(["point", "lessThan", "lessThanOrEqual", "open", "from zero"]))
    if kind == "point":
        return {"version": low, "status": "unaffected"}
    if kind == "open":
        return {"version": low, "lessThan": "*", "status": "unaffected", "versionType": "semver"}
    high = draw(small_versions)
    low, high = sorted([low, high], key=version_key)
    bound = "lessThan" if kind != "lessThanOrEqual" else "lessThanOrEqual"
    return {
        "version": "0" if kind == "from zero" else low,
        bound: high,
        "status": "unaffected",
        "versionType": "semver",
    }


def _covers(item: dict[str, Any], version: str) -> bool:
    key = version_key(version)
    low = None if item["version"] == "0" else version_key(item["version"])
    if "lessThan" not in item and "lessThanOrEqual" not in item:
        return key == low
    if low is not None and key < low:
        return False
    if item.get("lessThan") == "*":
        return True
    if "lessThan" in item:
        return key < version_key(item["lessThan"])
    return key <= version_key(item["lessThanOrEqual"])


@settings(max_examples=300)
@given(st.lists(version_objects(), max_size=5), st.lists(small_versions, min_size=1, max_size=10))
def test_affected_by_default_is_every_version_no_entry_says_is_unaffected(
    items: list[dict[str, Any]], probes: list[str]
) -> None:
    found = catalogue._affected([{"vendor": "x", "product": "y", "defaultStatus": "affected", "versions": items}])
    for probe in probes:
        expected = not any(_covers(item, probe) for item in items)
        actual = bool(found) and version_in(probe, found[0]["versions"])
        assert actual == expected, (probe, items, found)
