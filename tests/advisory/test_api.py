"""The advisory API and the CSAF provider: every route closed to anonymous callers (but the public
CSAF directory), hidden from organisations that were not told, bad input named by field; the CSAF
export passes the reference validator; TLP:CLEAR advisories appear in the public directory and its
ROLIE feed with matching hashes, member advisories only in the members' folders."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.advisory.csaf.validate import provider_metadata_errors, rolie_feed_errors, schema_errors
from tests.advisory.csaf_reference import csaf_reference_validate  # noqa: F401 (fixture)
from tests.advisory.helpers import make_world, published
from tests.incident.helpers import api


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    for method, path in [
        ("get", "/api/v1/advisories"),
        ("post", "/api/v1/advisories"),
        ("get", "/api/v1/advisories/1"),
        ("patch", "/api/v1/advisories/1"),
        ("post", "/api/v1/advisories/1/publish"),
        ("post", "/api/v1/advisories/1/answer"),
        ("get", "/api/v1/advisories/1/tracking"),
        ("get", "/api/v1/advisories/1/csaf.json"),
        ("get", "/api/v1/advisories/1/advisory.pdf"),
        ("get", "/api/v1/csaf/amber/index.txt"),
        ("get", "/api/v1/csaf/green/feed-tlp-green.json"),
    ]:
        assert getattr(client, method)(path).status_code == 401, path


def test_draft_publish_answer_and_track_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    coord, admin, outsider = api(db, w.coordinator), api(db, w.admins[0]), api(db, w.outsider)
    body = {
        "kind": "warning",
        "title": "Chiến dịch tấn công cổng thông tin tỉnh",
        "summary": "Các cổng thông tin dùng PAN-OS đang bị khai thác.",
        "severity": "high",
        "tlp": "amber",
        "cve_ids": ["cve-2024-3400"],
        "affected_products": [{"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": ["<10.2.9"]}],
        "audience": {"cluster_ids": [w.cluster.id]},
        "deadline_at": "2099-01-01T00:00:00+07:00",
    }
    created = client.post("/api/v1/advisories", json=body, headers=coord)
    assert created.status_code == 201, created.text
    advisory = created.json()
    assert advisory["status"] == "draft" and advisory["cve_ids"] == ["CVE-2024-3400"]
    assert client.get(f"/api/v1/advisories/{advisory['id']}", headers=admin).status_code == 404  # a draft
    published_ = client.post(f"/api/v1/advisories/{advisory['id']}/publish", headers=coord)
    assert published_.json()["status"] == "published"
    inbox = client.get("/api/v1/advisories?told=true", headers=admin).json()["items"]
    assert [(i["reference"], i["my_status"]) for i in inbox] == [(advisory["reference"], "pending")]
    assert client.get("/api/v1/advisories", headers=outsider).json()["items"] == []
    assert client.get(f"/api/v1/advisories/{advisory['id']}", headers=outsider).status_code == 404
    answer = client.post(f"/api/v1/advisories/{advisory['id']}/answer", json={"status": "applied"}, headers=admin)
    assert answer.json()["answer"]["status"] == "applied"
    tracking = client.get(f"/api/v1/advisories/{advisory['id']}/tracking", headers=coord).json()
    assert tracking["totals"]["applied"] == 1 and tracking["totals"]["pending"] == 5
    assert client.get(f"/api/v1/advisories/{advisory['id']}/tracking", headers=admin).status_code == 403
    pdf = client.get(f"/api/v1/advisories/{advisory['id']}/advisory.pdf", headers=admin)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_bad_input_is_named_by_field(client: Any, db: Session) -> None:
    w = make_world(db)
    coord = api(db, w.coordinator)
    bad = {
        "title": "x",
        "summary": "Tóm tắt",
        "cve_ids": ["CVE-2024-3400", "not-a-cve"],
        "cvss_vector": "CVSS:3.1/AV:X",
        "indicators": [{"type": "ipv4", "value": "999.1.1.1"}],
        "references": [{"url": "javascript:alert(1)"}],
    }
    answer = client.post("/api/v1/advisories", json=bad, headers=coord)
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"title", "cve_ids", "cvss_vector", "indicators.0", "references.0.url"} <= fields, fields
    red = client.post(
        "/api/v1/advisories",
        json={"title": "Cảnh báo đỏ", "summary": "Chỉ người được nêu tên", "tlp": "red", "audience": {"network": True}},
        headers=coord,
    )
    assert red.status_code == 422 and red.json()["errors"][0]["field"] == "audience"


def test_the_csaf_export_passes_the_reference_validator(
    client: Any,
    db: Session,
    csaf_reference_validate: Any,  # noqa: F811
) -> None:
    w = make_world(db)
    documents = []
    for tlp, cves in (
        ("amber", ["CVE-2024-3400"]),
        ("clear", []),
        ("amber+strict", ["CVE-2023-4966", "CVE-2024-1709"]),
    ):
        advisory = published(db, w.coordinator, tlp=tlp, cve_ids=cves, audience={"cluster_ids": [w.cluster.id]})
        answer = client.get(f"/api/v1/advisories/{advisory.id}/csaf.json", headers=api(db, w.admins[0]))
        assert answer.status_code == 200, answer.text
        documents.append(answer.json())
    assert [schema_errors(d) for d in documents] == [[], [], []]
    results = csaf_reference_validate(documents)
    assert [r["isValid"] for r in results] == [True, True, True], results
    assert documents[0]["document"]["distribution"]["tlp"]["label"] == "AMBER"
    assert documents[1]["document"]["distribution"]["tlp"]["label"] == "WHITE"
    assert documents[0]["vulnerabilities"][0]["cve"] == "CVE-2024-3400"


def test_a_clear_advisory_is_in_the_public_provider_directory_and_feed(client: Any, db: Session, settings: Any) -> None:
    settings.base_url = "https://csirt.example.vn"  # CSAF wants every published URL on https
    w = make_world(db)
    clear = published(db, w.coordinator, tlp="clear", audience={"network": True})
    amber = published(db, w.coordinator, tlp="amber", audience={"cluster_ids": [w.cluster.id]})
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    assert metadata["role"] == "csaf_provider" and metadata["canonical_url"].endswith("/provider-metadata.json")
    assert provider_metadata_errors(metadata) == []
    index = client.get("/.well-known/csaf/white/index.txt").text.split()
    assert len(index) == 1 and index[0].endswith(clear.reference.lower().replace("-", "-") + ".json")
    body = client.get(f"/.well-known/csaf/white/{index[0]}").content
    sha = client.get(f"/.well-known/csaf/white/{index[0]}.sha256").text.split()[0]
    assert hashlib.sha256(body).hexdigest() == sha
    sha512 = client.get(f"/.well-known/csaf/white/{index[0]}.sha512").text.split()[0]
    assert hashlib.sha512(body).hexdigest() == sha512
    whole = client.get("/.well-known/csaf/white/feed-tlp-white.json").json()
    assert rolie_feed_errors(whole) == []
    feed = whole["feed"]
    assert [e["id"] for e in feed["entry"]] == [clear.reference]
    # The AMBER advisory is nowhere public; in the members' folder only for those told.
    assert amber.reference not in client.get("/.well-known/csaf/white/changes.csv").text
    told = client.get("/api/v1/csaf/amber/index.txt", headers=api(db, w.admins[1])).text.split()
    assert len(told) == 1
    assert client.get("/api/v1/csaf/amber/index.txt", headers=api(db, w.outsider)).text == ""
    doc = client.get(f"/api/v1/csaf/amber/{told[0]}", headers=api(db, w.admins[1]))
    assert doc.json()["document"]["tracking"]["id"] == amber.reference
    assert client.get(f"/api/v1/csaf/amber/{told[0]}", headers=api(db, w.outsider)).status_code == 404


def test_catalogues_and_vendor_csaf_through_the_api(client: Any, db: Session) -> None:
    import json
    from pathlib import Path

    w = make_world(db)
    coord, admin = api(db, w.coordinator), api(db, w.admins[0])
    data = Path(__file__).parent / "data"
    kev = json.loads((data / "kev_sample.json").read_text())
    assert client.post("/api/v1/advisories/import", json=kev, headers=admin).status_code == 403
    imported = client.post("/api/v1/advisories/import", json=kev, headers=coord).json()
    assert imported["format"] == "kev" and imported["added"] == len(kev["vulnerabilities"])
    first = kev["vulnerabilities"][0]["cveID"]
    found = client.get(f"/api/v1/vulnerabilities/{first}", headers=admin).json()
    assert found["known_exploited"] is True
    assert client.get("/api/v1/vulnerabilities?known_exploited=true", headers=admin).json()["items"]
    vendor = json.loads((data / "csaf_vendor_sample.json").read_text())
    doc = client.post("/api/v1/advisories/import", json=vendor, headers=coord).json()
    assert doc["format"] == "csaf" and doc["created"] is True
    again = client.post("/api/v1/advisories/import", json=vendor, headers=coord).json()
    assert again["created"] is False and again["csaf_document_id"] == doc["csaf_document_id"]
    shown = client.get(f"/api/v1/csaf-documents/{doc['csaf_document_id']}", headers=admin).json()
    assert shown["products"] and shown["tracking_id"] == vendor["document"]["tracking"]["id"]
    broken = {**vendor, "document": {**vendor["document"], "tracking": {"id": "x"}}}
    refused = client.post("/api/v1/advisories/import", json=broken, headers=coord)
    assert refused.status_code == 422
    assert any(e["field"].startswith("/document/tracking") for e in refused.json()["errors"])
    bad = client.post("/api/v1/advisories/import", json={"hello": 1}, headers=coord)
    assert bad.status_code == 422


def test_a_draft_exports_as_a_csaf_draft_and_passes_the_reference_validator(
    client: Any,
    db: Session,
    csaf_reference_validate: Any,  # noqa: F811
) -> None:
    from tests.advisory.helpers import draft

    w = make_world(db)
    advisory = draft(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    answer = client.get(f"/api/v1/advisories/{advisory.id}/csaf.json", headers=api(db, w.coordinator))
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["document"]["tracking"]["status"] == "draft"
    assert document["document"]["tracking"]["version"].startswith("0.")
    [result] = csaf_reference_validate([document])
    assert result["isValid"], result


def test_an_advisory_naming_no_product_still_exports_valid_csaf(
    client: Any,
    db: Session,
    csaf_reference_validate: Any,  # noqa: F811
) -> None:
    w = make_world(db)
    warning = published(
        db, w.coordinator, kind="warning", tlp="clear", affected_products=[], cve_ids=[], audience={"network": True}
    )
    answer = client.get(f"/api/v1/advisories/{warning.id}/csaf.json", headers=api(db, w.coordinator))
    assert answer.status_code == 200, answer.text
    [result] = csaf_reference_validate([answer.json()])
    assert result["isValid"], result
    index = client.get("/.well-known/csaf/white/index.txt").text.split()
    assert client.get(f"/.well-known/csaf/white/{index[0]}").status_code == 200
