"""A MISP event as STIX 2.1 objects (intel.misp.convert)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance

from csirtnet.errors import ValidationFailed
from csirtnet.intel.misp import convert
from csirtnet.intel.stix.markings import MARKING_IDS, marking_objects
from csirtnet.vocabulary.enums import TLP

FEED = Path(__file__).parent / "fixtures" / "misp_feed"
PHISHING = "5f0c2b6e-8a1d-4e0b-9c3e-2a7d1e4b9f01"
BOTNET = "6a1d3c7f-9b2e-4f1c-8d4f-3b8e2f5c0a12"


def load(event_uuid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FEED / f"{event_uuid}.json").read_text())
    return data


def indicators(result: convert.Converted) -> dict[str, dict[str, Any]]:
    return {o["pattern"]: o for o in result.objects if o["type"] == "indicator"}


def test_event_becomes_indicators_identity_and_report() -> None:
    result = convert.convert(load(PHISHING))
    by_pattern = indicators(result)
    ip = by_pattern["[ipv4-addr:value = '203.0.113.45']"]
    assert ip["id"] == "indicator--a1000001-0000-4000-8000-000000000001"
    assert ip["valid_from"] == ip["modified"] == "2025-11-20T12:00:00.000Z"
    assert ip["object_marking_refs"] == [MARKING_IDS[TLP.GREEN]]
    assert ip["x_misp_category"] == "Network activity"
    assert ip["x_misp_to_ids"] is True
    assert ip["x_misp_event_uuid"] == PHISHING
    assert ip["x_csirtnet_rsit"] == "malicious-code/c2-server"
    assert ip["labels"] == ['misp-galaxy:threat-actor="APT32"', 'osint:source-type="blog-post"']
    assert ip["description"] == ip["x_misp_comment"] == "C2 server"
    # The attribute's own TLP tag wins over the event's.
    strict = by_pattern["[ipv4-addr:value = '203.0.113.99']"]
    assert strict["object_marking_refs"] == [MARKING_IDS[TLP.AMBER_STRICT]]
    # Attributes inside MISP objects are read too.
    assert by_pattern["[file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661']"]["x_misp_object_name"] == "file"
    identity = next(o for o in result.objects if o["type"] == "identity")
    assert identity["name"] == "CIRCL"
    report = next(o for o in result.objects if o["type"] == "report")
    assert report["id"] == f"report--{PHISHING}"
    assert set(report["object_refs"]) == {identity["id"], *(o["id"] for o in by_pattern.values())}
    assert all(o["created_by_ref"] == identity["id"] for o in by_pattern.values())


def test_composites_split_into_typed_halves() -> None:
    by_pattern = indicators(convert.convert(load(PHISHING)))
    assert by_pattern["[ipv4-addr:value = '198.51.100.23']"]["x_misp_port"] == "8443"
    domain = by_pattern["[domain-name:value = 'cdn-vcb-secure.net']"]
    address = by_pattern["[ipv4-addr:value = '192.0.2.77']"]
    assert domain["id"] == "indicator--a1000001-0000-4000-8000-000000000008"
    assert address["id"] != domain["id"] and address["x_misp_attribute_uuid"] == domain["x_misp_attribute_uuid"]
    sha = by_pattern["[file:hashes.'SHA-256' = '9b74c9897bac770ffc029102a200c5de5f7f2a6a0f3e3c1b0e1b8f2e4d6a8c0e']"]
    assert sha["x_misp_filename"] == "HoaDon_2026.scr"


def test_untyped_attributes_are_reported_not_dropped() -> None:
    result = convert.convert(load(BOTNET))
    skipped = {(s.attribute_uuid, s.type): s.reason for s in result.skipped}
    assert skipped == {
        ("a2000002-0000-4000-8000-000000000005", "ip-dst"): "'999.1.1.1' is not a valid ipv4",
        ("a2000002-0000-4000-8000-000000000006", "domain"): "deleted in MISP",
    }
    phishing = convert.convert(load(PHISHING))
    assert {s.type for s in phishing.skipped} == {"link", "text"}
    assert phishing.skipped[0].failure()["id"] == "a1000001-0000-4000-8000-00000000000b"
    # eCSIRT's c2server is RSIT's c2-server; PAP from the event, the attribute's own where it has one.
    by_pattern = indicators(result)
    assert by_pattern["[file:hashes.'SHA-1' = 'a9993e364706816aba3e25717850c26c9cd0d89d']"]["x_csirtnet_pap"] == "amber"
    net = by_pattern["[ipv4-addr:value = '198.51.100.0/24']"]
    assert (net["x_csirtnet_pap"], net["object_marking_refs"]) == ("green", [MARKING_IDS[TLP.GREEN]])


def test_the_objects_pass_the_oasis_validator() -> None:
    objects = [o for u in (PHISHING, BOTNET) for o in convert.convert(load(u)).objects]
    bundle = {
        "type": "bundle",
        "id": "bundle--0b2c6f7e-0d52-4c8e-9b61-7f1c2e3d4a5b",
        "objects": marking_objects() + objects,
    }
    result = validate_instance(bundle, ValidationOptions(version="2.1", strict=False))
    assert result.is_valid, [str(e) for e in result.errors]


def test_same_event_same_objects() -> None:
    assert convert.convert(load(PHISHING)).objects == convert.convert(load(PHISHING)).objects


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda e: e["Event"].pop("uuid"), "Event.uuid"),
        (lambda e: e["Event"].__setitem__("Attribute", {"a": 1}), "Event.Attribute"),
        (lambda e: e["Event"]["Attribute"][2].__setitem__("value", ["x"]), "Event.Attribute[2].value"),
        (lambda e: e["Event"]["Attribute"][0].__setitem__("timestamp", "yesterday"), "Event.Attribute[0].timestamp"),
        (lambda e: e["Event"]["Object"][0]["Attribute"][1].pop("type"), "Event.Object[0].Attribute[1].type"),
        (lambda e: e["Event"]["Tag"].append({"colour": "#fff"}), "Event.Tag[4].name"),
    ],
)
def test_not_a_misp_event_names_the_json_path(mutate: Any, path: str) -> None:
    data = copy.deepcopy(load(PHISHING))
    mutate(data)
    with pytest.raises(ValidationFailed) as caught:
        convert.convert(data)
    assert caught.value.errors[0].field == path


def test_not_an_event_at_all() -> None:
    with pytest.raises(ValidationFailed) as caught:
        convert.convert([1, 2])
    assert caught.value.errors[0].field == "Event"


misp_types = st.sampled_from([*sorted(convert.TYPED), "link", "text", "regkey", "yara"])


@given(misp_type=misp_types, value=st.text(max_size=80))
def test_any_attribute_value_is_typed_or_skipped(misp_type: str, value: str) -> None:
    event = {
        "Event": {
            "uuid": PHISHING,
            "info": "x",
            "timestamp": "1700000000",
            "Attribute": [{"uuid": "a1000001-0000-4000-8000-000000000001", "type": misp_type, "value": value}],
        }
    }
    result = convert.convert(event)
    assert result.indicators + len(result.skipped) >= 1
    for skipped in result.skipped:
        assert skipped.attribute_uuid == "a1000001-0000-4000-8000-000000000001" and skipped.reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@given(
    event=st.fixed_dictionaries(
        {"uuid": st.just(PHISHING)},
        optional={
            "info": json_values,
            "timestamp": json_values,
            "date": json_values,
            "Tag": json_values,
            "Orgc": json_values,
            "Object": json_values,
            "Attribute": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "type": misp_types | json_values,
                        "value": json_values,
                        "uuid": json_values,
                        "timestamp": json_values,
                        "to_ids": json_values,
                        "deleted": json_values,
                        "Tag": json_values,
                    },
                ),
                max_size=3,
            )
            | json_values,
        },
    )
)
def test_any_json_is_converted_or_refused_with_its_path(event: dict[str, Any]) -> None:
    try:
        result = convert.convert({"Event": event})
    except ValidationFailed as exc:
        assert exc.errors and exc.errors[0].field.startswith("Event")
    else:
        assert all(o["type"] in ("identity", "indicator", "report") for o in result.objects)
