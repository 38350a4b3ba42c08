"""MISP tags → TLP, PAP, RSIT and back (intel.misp.tags)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from csirtnet.intel.misp import tags
from csirtnet.vocabulary import rsit
from csirtnet.vocabulary.enums import PAP, TLP


def test_tlp_tags_of_both_versions() -> None:
    assert tags.tlp_of("tlp:white") is TLP.CLEAR
    assert tags.tlp_of("tlp:clear") is TLP.CLEAR
    assert tags.tlp_of("TLP:AMBER+STRICT") is TLP.AMBER_STRICT
    assert tags.tlp_of(" tlp:red ") is TLP.RED
    assert tags.tlp_of("tlp:ex:chr") is None
    assert tags.tlp_of("tlpx:green") is None


def test_pap_tags() -> None:
    assert tags.pap_of("PAP:WHITE") is PAP.CLEAR
    assert tags.pap_of("pap:amber") is PAP.AMBER
    assert tags.pap_of("PAP:PURPLE") is None


def test_rsit_and_ecsirt() -> None:
    assert tags.rsit_of('rsit:malicious-code="c2-server"') == "malicious-code/c2-server"
    assert tags.rsit_of('ecsirt:malicious-code="c2server"') == "malicious-code/c2-server"
    assert tags.rsit_of('ecsirt:fraud="phishing"') == "fraud/phishing"
    # eCSIRT types with no clean RSIT equivalent stay tags.
    assert tags.rsit_of('ecsirt:intrusions="defacement"') is None
    assert tags.rsit_of('rsit:malicious-code="no-such-type"') is None
    assert tags.rsit_of("rsit:malicious-code") is None


def test_parse_keeps_the_strictest_and_the_rest() -> None:
    marks = tags.parse(
        [
            "tlp:green",
            "tlp:amber",
            "PAP:GREEN",
            "PAP:RED",
            'rsit:fraud="phishing"',
            'misp-galaxy:threat-actor="APT32"',
            3,
            "",
        ]
    )
    assert marks.tlp is TLP.AMBER
    assert marks.pap is PAP.RED
    assert marks.rsit == "fraud/phishing"
    assert marks.tags == ('misp-galaxy:threat-actor="APT32"',)


def test_attribute_overrides_event() -> None:
    event = tags.parse(["tlp:green", "PAP:AMBER", "osint"])
    attribute = tags.parse(["tlp:amber+strict", "c2"])
    combined = tags.combine(event, attribute)
    assert (combined.tlp, combined.pap, combined.tags) == (TLP.AMBER_STRICT, PAP.AMBER, ("osint", "c2"))


def test_to_tags() -> None:
    assert tags.to_tags(tlp=TLP.AMBER_STRICT, pap=PAP.CLEAR, rsit="fraud/phishing", tags=["tlp:red", "x", "x"]) == [
        "tlp:amber+strict",
        "PAP:CLEAR",
        'rsit:fraud="phishing"',
        "x",
    ]
    assert tags.rsit_tag("fraud/nonsense") is None


rsit_pairs = st.sampled_from([(k, t) for k, types in rsit.taxonomy().items() for t in types])


@given(tlp=st.sampled_from(list(TLP)), pap=st.sampled_from(list(PAP)), pair=rsit_pairs, other=st.lists(st.text()))
def test_round_trip(tlp: TLP, pap: PAP, pair: tuple[str, str], other: list[str]) -> None:
    written = tags.to_tags(tlp=tlp, pap=pap, rsit=f"{pair[0]}/{pair[1]}", tags=other)
    marks = tags.parse(written)
    assert (marks.tlp, marks.pap, marks.rsit) == (tlp, pap, f"{pair[0]}/{pair[1]}")
    assert all(tags.tlp_of(t) is None and tags.pap_of(t) is None for t in marks.tags)


@given(st.lists(st.one_of(st.text(), st.integers(), st.none())))
def test_any_input_parses(names: list[object]) -> None:
    marks = tags.parse(names)
    assert set(marks.tags) <= {n for n in names if isinstance(n, str)}
    assert len(marks.tags) == len(set(marks.tags))
