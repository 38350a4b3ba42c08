"""The offline CSAF 2.0 schema check: errors point at the value at fault, CVSS schemas resolve locally."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from csirtnet.advisory.csaf.document import build
from csirtnet.advisory.csaf.provider import provider_metadata
from csirtnet.advisory.csaf.validate import (
    CsafError,
    json_pointer,
    provider_metadata_errors,
    require_valid,
    schema_errors,
)
from csirtnet.errors import ValidationFailed
from tests.advisory.test_csaf_document import advisory


@pytest.fixture
def valid() -> dict[str, Any]:
    return build(advisory())


def test_a_valid_document_has_no_errors(valid: dict[str, Any]) -> None:
    assert schema_errors(valid) == []
    require_valid(valid)


def test_errors_name_the_json_path(valid: dict[str, Any]) -> None:
    broken = copy.deepcopy(valid)
    broken["document"]["tracking"]["id"] = " leading space"
    del broken["document"]["tracking"]["version"]
    broken["document"]["tracking"]["current_release_date"] = "2024-13-45T00:00:00Z"
    broken["document"]["publisher"]["namespace"] = "not a uri"
    broken["document"]["references"][1]["url"] = "https://example.vn/tài-liệu"  # an IRI, not a URI
    broken["vulnerabilities"][0]["cve"] = "CVE-2024"
    errors = schema_errors(broken)
    assert [e.path for e in errors] == [
        "/document/publisher/namespace",
        "/document/references/1/url",
        "/document/tracking/current_release_date",
        "/document/tracking/id",
        "/document/tracking/version",
        "/vulnerabilities/0/cve",
    ]
    assert all(isinstance(e, CsafError) and e.message for e in errors)


def test_cvss_is_checked_against_firsts_schema_offline(valid: dict[str, Any]) -> None:
    """The CVSS schemas are $refs to first.org; they resolve from the package, and they are applied."""
    broken = copy.deepcopy(valid)
    broken["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 11
    errors = schema_errors(broken)
    assert [e.path for e in errors] == ["/vulnerabilities/0/scores/0/cvss_v3/baseScore"]


def test_strict_refuses_members_the_standard_does_not_define(valid: dict[str, Any]) -> None:
    extended = copy.deepcopy(valid)
    extended["document"]["x_csirtnet"] = {"internal": True}
    assert schema_errors(extended) == []
    assert [e.path for e in schema_errors(extended, strict=True)] == ["/document"]


def test_require_valid_refuses_with_every_path(valid: dict[str, Any]) -> None:
    broken = copy.deepcopy(valid)
    del broken["document"]["title"]
    broken["product_tree"]["branches"][0]["category"] = "brand"
    with pytest.raises(ValidationFailed) as exc:
        require_valid(broken)
    fields = [e.field for e in exc.value.errors]
    assert "/document/title" in fields
    assert any(field.startswith("/product_tree/branches/0") for field in fields)
    assert exc.value.status == 422


def test_a_non_object_is_an_error_at_the_root() -> None:
    assert schema_errors([]) == [CsafError("", "[] is not of type 'object'")]
    with pytest.raises(ValidationFailed) as exc:
        require_valid("text")
    assert exc.value.errors[0].field == "/"


def test_a_hostile_document_gets_a_bounded_list() -> None:
    doc = build(advisory())
    doc["vulnerabilities"] = [{"cve": "bad", "notes": "x"} for _ in range(300)]
    errors = schema_errors(doc)
    assert len(errors) == 101
    assert errors[-1].message.startswith("more than 100 errors")


def test_json_pointer_escapes() -> None:
    assert json_pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    assert json_pointer([]) == ""


def test_provider_metadata_validates_against_the_provider_schema() -> None:
    metadata = provider_metadata(
        "https://csirt.example.vn",
        "Trung tâm Ứng cứu",
        "https://csirt.example.vn",
        datetime(2024, 5, 1, tzinfo=UTC),
        [("clear", "https://csirt.example.vn/.well-known/csaf/feed-tlp-white.json", "Khuyến cáo TLP:CLEAR")],
        ["https://csirt.example.vn/.well-known/csaf/white/"],
        [("8F5F 2679 07B2 C455 9DB3 60DB 2294 BA7D 2B22 98B1", "https://csirt.example.vn/.well-known/csaf/key.asc")],
    )
    assert provider_metadata_errors(metadata) == []
    metadata["public_openpgp_keys"][0]["fingerprint"] = "1234"
    metadata["canonical_url"] = "https://csirt.example.vn/metadata.json"
    assert [e.path for e in provider_metadata_errors(metadata)] == [
        "/canonical_url",
        "/public_openpgp_keys/0/fingerprint",
        "/public_openpgp_keys/0/fingerprint",
    ]
