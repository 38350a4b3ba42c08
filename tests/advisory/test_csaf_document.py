"""CSAF 2.0 documents built from advisories: valid for our schema check AND for the reference
validator (BSI csaf-validator-lib: strict schema + every mandatory test of section 6.1).

All documents of this module go to node in one batch (`reference`), so the module costs one node
start whatever the number of cases.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csirtnet.advisory.csaf.document import (
    CsafInput,
    CsafProduct,
    CsafRevision,
    CsafVulnerability,
    build,
    csaf_tlp_label,
    cvss_v3,
    file_name,
    is_version_range,
    semantic_version,
    version_range,
)
from csirtnet.advisory.csaf.validate import schema_errors
from csirtnet.errors import ValidationFailed
from tests.advisory.csaf_reference import reference_validator

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))


def advisory(**overrides: Any) -> CsafInput:
    """A complete Vietnamese advisory about two CVEs; override any field."""
    values: dict[str, Any] = {
        "tracking_id": "VNCSIRT-2024-0001",
        "title": "Lỗ hổng nghiêm trọng trong Apache HTTP Server và Ivanti Connect Secure",
        "lang": "vi",
        "publisher_name": "Trung tâm Ứng cứu khẩn cấp không gian mạng",
        "publisher_namespace": "https://csirt.example.vn",
        "publisher_contact": "ứng-cứu@csirt.example.vn",
        "tlp": "amber+strict",
        "summary": "Kẻ tấn công từ xa có thể thực thi mã tùy ý; đề nghị cập nhật ngay.",
        "details": "## Chi tiết\n\nLỗ hổng **tràn bộ đệm** trong mô-đun `mod_proxy`.",
        "severity": "cao",
        "products": (
            CsafProduct("Apache", "HTTP Server", ("2.4.57", "<2.4.58", ">= 2.4.0, < 2.4.50")),
            CsafProduct("Ivanti", "Connect Secure"),
            CsafProduct("Apache", "HTTP Server", ("2.4.57", "2.4.56")),
        ),
        "vulnerabilities": (
            CsafVulnerability(
                cve="CVE-2024-3400",
                title="Thực thi mã từ xa không cần xác thực",
                cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                description="Đã có mã khai thác công khai; tổ chức cần vá ngay.",
                known_exploited=True,
            ),
            CsafVulnerability(cve="CVE-2023-25690", title="HTTP request smuggling"),
        ),
        "recommended_actions": ("Cập nhật lên phiên bản 2.4.58.", "Chặn truy cập quản trị từ Internet."),
        "references": (("https://httpd.apache.org/security/vulnerabilities_24.html", "Apache httpd 2.4"),),
        "revisions": (
            CsafRevision("1.0", T0, "Phát hành lần đầu"),
            CsafRevision("1.1", T0 + timedelta(days=2), "Bổ sung sản phẩm bị ảnh hưởng"),
        ),
        "initial_release_date": T0,
        "current_release_date": (T0 + timedelta(days=2)).astimezone(HANOI),
        "status": "final",
        "self_url": "https://csirt.example.vn/.well-known/csaf/amber/2024/vncsirt-2024-0001.json",
    }
    values.update(overrides)
    return CsafInput(**values)


def no_cve_advisory() -> CsafInput:
    """An English TLP:CLEAR warning about a product, with no CVE, reference or version."""
    return advisory(
        tracking_id="VNCSIRT-W-2024/07",
        lang="en",
        title="Phishing campaign impersonating the tax office",
        tlp="clear",
        summary="A phishing campaign sends fake tax refund notices.",
        details="",
        severity="",
        products=(CsafProduct("Microsoft", "Outlook"),),
        vulnerabilities=(),
        references=(),
        recommended_actions=(),
        revisions=(CsafRevision("1", T0, "Initial release"),),
        current_release_date=T0,
        status="interim",
        self_url=None,
        publisher_contact=None,
    )


def random_vectors(count: int) -> list[str]:
    """CVSS 3.0 and 3.1 vectors with every metric drawn at random, temporal and environmental ones too."""
    rng = random.Random(20240501)
    base = {
        "AV": "NALP",
        "AC": "LH",
        "PR": "NLH",
        "UI": "NR",
        "S": "UC",
        "C": "NLH",
        "I": "NLH",
        "A": "NLH",
    }
    optional = {
        "E": "XUPFH",
        "RL": "XOTWU",
        "RC": "XURC",
        "CR": "XLMH",
        "IR": "XLMH",
        "AR": "XLMH",
        "MAV": "XNALP",
        "MAC": "XLH",
        "MPR": "XNLH",
        "MUI": "XNR",
        "MS": "XUC",
        "MC": "XNLH",
        "MI": "XNLH",
        "MA": "XNLH",
    }
    vectors = []
    for index in range(count):
        parts = [f"CVSS:{'3.1' if index % 2 else '3.0'}"]
        parts += [f"{metric}:{rng.choice(values)}" for metric, values in base.items()]
        if index % 3:
            parts += [f"{metric}:{rng.choice(values)}" for metric, values in optional.items() if rng.random() < 0.6]
        vectors.append("/".join(parts))
    return vectors


def cases() -> dict[str, dict[str, Any]]:
    """Every document this module sends to the reference validator, by name."""
    documents = {
        "vi-amber-strict-cves": build(advisory()),
        "en-clear-no-cve": build(no_cve_advisory()),
        "vi-red": build(advisory(tlp="red", tracking_id="VNCSIRT-2024-0002")),
        "en-amber": build(advisory(tlp="amber", lang="en", self_url=None)),
        "green-cvss30": build(
            advisory(
                tlp="green",
                vulnerabilities=(
                    CsafVulnerability(
                        title="Information disclosure",
                        cvss_vector="CVSS:3.0/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N/E:P/RL:O/RC:C/CR:H/MAV:A",
                    ),
                ),
            )
        ),
        "many-cvss-vectors": build(
            advisory(
                vulnerabilities=tuple(
                    CsafVulnerability(title=f"Scored weakness {i}", cvss_vector=vector)
                    for i, vector in enumerate(random_vectors(120))
                )
            )
        ),
    }
    broken = build(advisory(tracking_id="BROKEN-1"))
    broken["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999")
    documents["broken-missing-product"] = broken
    return documents


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return cases()


@pytest.fixture(scope="module")
def reference(documents: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    names = list(documents)
    results = reference_validator()([documents[name] for name in names])
    return dict(zip(names, results, strict=True))


VALID_CASES = [name for name in cases() if not name.startswith("broken")]


@pytest.mark.parametrize("name", VALID_CASES)
def test_the_reference_validator_accepts_the_document(name: str, reference: dict[str, dict[str, Any]]) -> None:
    result = reference[name]
    assert result["errors"] == []
    assert result["isValid"] is True


@pytest.mark.parametrize("name", VALID_CASES)
def test_our_schema_check_accepts_the_document_strictly(name: str, documents: dict[str, dict[str, Any]]) -> None:
    assert schema_errors(documents[name]) == []
    assert schema_errors(documents[name], strict=True) == []


def test_the_reference_validator_catches_a_product_id_nobody_defines(reference: dict[str, dict[str, Any]]) -> None:
    """Proof the batch check can fail: the same document with one dangling product id does."""
    result = reference["broken-missing-product"]
    assert result["isValid"] is False
    assert {e["test"] for e in result["errors"]} == {"mandatoryTest_6_1_1"}
    assert result["errors"][0]["instancePath"] == "/vulnerabilities/0/product_status/known_affected/5"


# -- what the document says ----------------------------------------------------------------------------


def test_document_header_tlp_and_versions() -> None:
    doc = build(advisory())["document"]
    assert doc["category"] == "csaf_security_advisory"
    assert doc["csaf_version"] == "2.0"
    assert doc["distribution"] == {
        "tlp": {"label": "AMBER", "url": "https://www.first.org/tlp/"},
        "text": "TLP:AMBER+STRICT",
    }
    assert doc["aggregate_severity"] == {"text": "cao"}
    tracking = doc["tracking"]
    assert tracking["version"] == "1.1.0"
    assert [r["number"] for r in tracking["revision_history"]] == ["1.0.0", "1.1.0"]
    assert tracking["current_release_date"] == "2024-05-03T08:00:00Z"  # UTC, whatever zone it came in
    assert tracking["generator"]["engine"]["name"] == "csirtnet"
    assert doc["references"][0] == {
        "category": "self",
        "summary": "Bản CSAF của khuyến cáo này",
        "url": "https://csirt.example.vn/.well-known/csaf/amber/2024/vncsirt-2024-0001.json",
    }
    assert [n["category"] for n in doc["notes"]] == ["summary", "details", "legal_disclaimer"]
    assert "Lỗ hổng **tràn bộ đệm**" in doc["notes"][1]["text"]  # Markdown and diacritics kept as written


@pytest.mark.parametrize(
    ("tlp", "label", "text"),
    [
        ("clear", "WHITE", None),
        ("green", "GREEN", None),
        ("amber", "AMBER", None),
        ("amber+strict", "AMBER", "TLP:AMBER+STRICT"),
        ("red", "RED", None),
    ],
)
def test_tlp_2_maps_to_the_csaf_labels(tlp: str, label: str, text: str | None) -> None:
    distribution = build(advisory(tlp=tlp))["document"]["distribution"]
    assert distribution["tlp"]["label"] == label
    assert distribution.get("text") == text
    assert csaf_tlp_label(tlp) == label


def test_product_tree_merges_entries_and_gives_each_leaf_one_id() -> None:
    built = build(advisory())
    apache, ivanti = built["product_tree"]["branches"]
    assert (apache["name"], ivanti["name"]) == ("Apache", "Ivanti")
    httpd = apache["branches"][0]
    assert [(b["category"], b["name"]) for b in httpd["branches"]] == [
        ("product_version", "2.4.57"),
        ("product_version_range", "vers:generic/<2.4.58"),
        ("product_version_range", "vers:generic/>=2.4.0|<2.4.50"),
        ("product_version", "2.4.56"),
    ]
    # A product without versions is affected in all of them: a product_name leaf.
    assert ivanti["branches"][0]["product"] == {"name": "Ivanti Connect Secure", "product_id": "CSAFPID-0005"}
    ids = [b["product"]["product_id"] for b in httpd["branches"]] + ["CSAFPID-0005"]
    assert len(set(ids)) == 5
    for vulnerability in built["vulnerabilities"]:
        assert vulnerability["product_status"]["known_affected"] == ids
        for remediation in vulnerability["remediations"]:
            assert remediation["category"] == "mitigation"
            assert remediation["product_ids"] == ids


def test_all_versions_covers_the_listed_ones() -> None:
    tree = build(advisory(products=(CsafProduct("A", "B", ("1.0",)), CsafProduct("A", "B"))))["product_tree"]
    assert tree["branches"][0]["branches"] == [
        {"category": "product_name", "name": "B", "product": {"name": "A B", "product_id": "CSAFPID-0001"}}
    ]


def test_vulnerabilities_carry_cve_score_threat_and_reference() -> None:
    first, second = build(advisory())["vulnerabilities"]
    assert first["cve"] == "CVE-2024-3400"
    assert first["scores"][0]["cvss_v3"] == {
        "version": "3.1",
        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "baseScore": 9.8,
        "baseSeverity": "CRITICAL",
    }
    assert first["threats"] == [{"category": "exploit_status", "details": "Đã bị khai thác trong thực tế."}]
    assert first["references"][0]["url"] == "https://www.cve.org/CVERecord?id=CVE-2024-3400"
    assert "scores" not in second and "threats" not in second
    assert second["notes"][0]["text"] == "HTTP request smuggling"


def test_an_advisory_without_cve_still_has_one_vulnerability_and_an_external_reference() -> None:
    built = build(no_cve_advisory())
    [vulnerability] = built["vulnerabilities"]
    assert "cve" not in vulnerability
    assert vulnerability["title"] == "Phishing campaign impersonating the tax office"
    assert vulnerability["notes"][0]["text"] == "A phishing campaign sends fake tax refund notices."
    assert vulnerability["product_status"] == {"known_affected": ["CSAFPID-0001"]}
    assert built["document"]["references"] == [
        {"category": "external", "summary": "Publisher", "url": "https://csirt.example.vn"}
    ]
    assert built["document"]["tracking"]["version"] == "1.0.0"
    assert "aggregate_severity" not in built["document"]
    assert "distribution" in built["document"] and "text" not in built["document"]["distribution"]


def test_cve_records_stand_in_for_missing_references() -> None:
    refs = build(advisory(references=(), self_url=None))["document"]["references"]
    assert [r["url"] for r in refs] == [
        "https://www.cve.org/CVERecord?id=CVE-2024-3400",
        "https://www.cve.org/CVERecord?id=CVE-2023-25690",
    ]


def test_the_build_is_deterministic() -> None:
    assert build(advisory()) == build(advisory())


# -- refusing what cannot be published ------------------------------------------------------------------


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_bad_input_is_refused_with_every_field_named() -> None:
    bad = advisory(
        tracking_id=" padded",
        lang="fr",
        publisher_namespace="http://csirt.example.vn",
        tlp="white",
        status="withdrawn",
        products=(CsafProduct("", "HTTP Server"),),
        vulnerabilities=(
            CsafVulnerability(title="A", cve="CVE-24-1"),
            CsafVulnerability(title="B", cvss_vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            CsafVulnerability(title="C", cvss_vector="CVSS:3.1/AV:N"),
        ),
        references=(("ftp://example.com/x", ""), ("https://example.vn/tài-liệu", "Tài liệu")),
    )
    with pytest.raises(ValidationFailed) as exc:
        build(bad)
    assert fields_of(exc) == {
        "tracking_id",
        "lang",
        "publisher_namespace",
        "tlp",
        "status",
        "products[0].vendor",
        "vulnerabilities[0].cve",
        "vulnerabilities[1].cvss_vector",
        "vulnerabilities[2].cvss_vector",
        "references[0].url",
        "references[0].summary",
        "references[1].url",
    }


def test_an_advisory_needs_a_product() -> None:
    with pytest.raises(ValidationFailed) as exc:
        build(advisory(products=()))
    assert fields_of(exc) == {"products"}


def test_revisions_must_rise_in_number_and_date() -> None:
    with pytest.raises(ValidationFailed) as exc:
        build(
            advisory(
                revisions=(
                    CsafRevision("1.1", T0, "b"),
                    CsafRevision("1.0", T0 + timedelta(days=1), "a"),
                    CsafRevision("2.x", T0, "c"),
                    CsafRevision("3.0", T0, " "),
                ),
                current_release_date=T0,
            )
        )
    assert fields_of(exc) == {
        "revisions[1].number",
        "revisions[2].number",
        "revisions[2].date",
        "revisions[3].summary",
    }


def test_naive_dates_and_a_duplicate_cve_are_refused() -> None:
    naive = datetime(2024, 5, 1, 8, 0)  # naive: the input under test
    duplicate = CsafVulnerability(cve="CVE-2024-3400", title="again")
    with pytest.raises(ValidationFailed) as exc:
        build(
            advisory(
                initial_release_date=naive,
                vulnerabilities=(*advisory().vulnerabilities, duplicate),
            )
        )
    assert fields_of(exc) == {"initial_release_date", "vulnerabilities[2].cve"}


def test_a_released_document_has_no_zero_version() -> None:
    with pytest.raises(ValidationFailed) as exc:
        build(advisory(revisions=(CsafRevision("0.9", T0, "pre"),), current_release_date=T0))
    assert fields_of(exc) == {"revisions[0].number"}


# -- the small conversions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "semver"), [("1", "1.0.0"), ("1.0", "1.0.0"), ("1.1", "1.1.0"), ("2.10", "2.10.0"), ("1.2.3", "1.2.3")]
)
def test_semantic_version(number: str, semver: str) -> None:
    assert semantic_version(number) == semver


@pytest.mark.parametrize("number", ["", "1.", "01.0", "1.0.0.0", "v1", "1.0-rc1"])
def test_semantic_version_refuses(number: str) -> None:
    with pytest.raises(ValueError):
        semantic_version(number)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<2.4.58", "vers:generic/<2.4.58"),
        (">=1.0 <1.2", "vers:generic/>=1.0|<1.2"),
        (">= 1.0, <= 1.2", "vers:generic/>=1.0|<=1.2"),
        ("vers:npm/>=1.0.0|<2.0.0", "vers:npm/>=1.0.0|<2.0.0"),
        ("all versions before 2.0", "all versions before 2.0"),
        ("< >", "< >"),
    ],
)
def test_version_range(text: str, expected: str) -> None:
    assert is_version_range(text)
    assert version_range(text) == expected


@pytest.mark.parametrize("version", ["2.4.57", "10.0.19045.3693", "R2 SP1", "v1.2-beta"])
def test_exact_versions_are_not_ranges(version: str) -> None:
    assert not is_version_range(version)


def test_cvss_scores_follow_first() -> None:
    assert cvss_v3("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")["baseScore"] == 7.8
    score = cvss_v3("CVSS:3.0/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N/E:P/RL:O")
    assert (score["baseScore"], score["baseSeverity"]) == (3.0, "LOW")
    assert score["temporalSeverity"] == "LOW" and "environmentalScore" not in score


@pytest.mark.parametrize(
    ("tracking_id", "name"),
    [
        ("cisco-sa-20190513-secureboot", "cisco-sa-20190513-secureboot.json"),
        ("Example Company - 2019-YH3234", "example_company_-_2019-yh3234.json"),
        ("RHBA-2019:0024", "rhba-2019_0024.json"),
        ("2022_#01-A", "2022_01-a.json"),
        ("VNCSIRT-W-2024/07", "vncsirt-w-2024_07.json"),
        ("Cảnh báo số 7", "c_nh_b_o_s_7.json"),
    ],
)
def test_file_name_examples(tracking_id: str, name: str) -> None:
    assert file_name(tracking_id) == name


@given(st.text(min_size=1))
def test_file_name_property(tracking_id: str) -> None:
    name = file_name(tracking_id)
    assert re.fullmatch(r"[+\-a-z0-9_]+\.json", name)
    assert "__" not in name
    # Characters the rule keeps survive in place, lowercased.
    kept = re.sub(r"[^+\-a-z0-9]", "", tracking_id.lower())
    assert re.sub(r"[^+\-a-z0-9]", "", name.removesuffix(".json")) == kept
    # A file name's stem is its own file name: nothing left to replace.
    assert file_name(name.removesuffix(".json")) == name


def test_an_empty_tracking_id_has_no_file_name() -> None:
    with pytest.raises(ValueError):
        file_name("")
