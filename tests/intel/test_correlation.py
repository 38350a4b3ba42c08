"""Correlation on read: exact, IP in network and domain under domain (both ways), each side shown
only to who may see it, and the over-correlation flag decided over what the reader may see."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from csirtnet.advisory import service as advisory_service
from csirtnet.advisory.schemas import AdvisoryCreate
from csirtnet.authz import Subject
from csirtnet.config import Settings, get_settings
from csirtnet.incident import observables
from csirtnet.incident.schemas import ObservableCreate
from csirtnet.intel import correlation
from csirtnet.intel import values as V
from csirtnet.models import Indicator, Organisation, User
from tests.factories import make_organisation
from tests.incident.helpers import coordinator, member, open_incident, who


def make_indicator(
    db: Session,
    raw: str,
    *,
    by: User | None = None,
    org: Organisation | None = None,
    tlp: str = "green",
    collection: str = "national",
    kind: str | None = None,
) -> Indicator:
    detected = kind or V.detect(raw)
    assert detected is not None, raw
    value = V.normalise(detected, raw)
    ind = Indicator(
        stix_id=f"indicator--{uuid.uuid4()}",
        collection=collection,
        kind=value.kind.value,
        value=value.value,
        ip_lo=value.ip_lo,
        ip_hi=value.ip_hi,
        rdomain=value.rdomain,
        tlp=tlp,
        source_organisation_id=org.id if org else (by.organisation_id if by else None),
        created_by_id=by.id if by else None,
    )
    db.add(ind)
    db.flush()
    return ind


def values_of(found: correlation.Correlations, relation: str) -> list[str]:
    return sorted(m.value for m in found.group(relation).indicators)  # type: ignore[arg-type]


SYSTEM = Subject.system("test")


def test_exact_match_and_domain_equals_hostname(db) -> None:
    a = make_indicator(db, "203.0.113.7")
    b = make_indicator(db, "203.0.113[.]7", collection="outbox:1")
    make_indicator(db, "203.0.113.8")
    host = make_indicator(db, "evil.example.vn", kind="hostname")
    dom = make_indicator(db, "EVIL.example.vn")
    assert values_of(correlation.for_indicator(db, SYSTEM, a), "exact") == ["203.0.113.7"]
    assert [m.indicator_id for m in correlation.for_indicator(db, SYSTEM, a).exact.indicators] == [b.id]
    assert [m.indicator_id for m in correlation.for_indicator(db, SYSTEM, dom).exact.indicators] == [host.id]


def test_ip_in_network_both_ways(db) -> None:
    address = make_indicator(db, "198.51.100.77")
    network = make_indicator(db, "198.51.100.0/24")
    wider = make_indicator(db, "198.51.0.0/16")
    make_indicator(db, "198.51.101.1")  # in the /16, not in the /24
    make_indicator(db, "198.52.0.1")  # in neither
    found = correlation.for_indicator(db, SYSTEM, address)
    assert values_of(found, "in_network") == ["198.51.0.0/16", "198.51.100.0/24"]
    found = correlation.for_indicator(db, SYSTEM, network)
    assert values_of(found, "in_network") == ["198.51.0.0/16", "198.51.100.77"]
    found = correlation.for_indicator(db, SYSTEM, wider)
    assert values_of(found, "in_network") == ["198.51.100.0/24", "198.51.100.77", "198.51.101.1"]
    assert found.exact.indicators == []


def test_ipv6_in_network_and_url_with_an_address(db) -> None:
    address = make_indicator(db, "2001:db8:5::1")
    network = make_indicator(db, "2001:db8::/32")
    make_indicator(db, "2001:db9::1")
    url = make_indicator(db, "http://198.51.100.9/payload")
    v4net = make_indicator(db, "198.51.100.0/25")
    assert values_of(correlation.for_indicator(db, SYSTEM, address), "in_network") == ["2001:db8::/32"]
    assert values_of(correlation.for_indicator(db, SYSTEM, network), "in_network") == ["2001:db8:5::1"]
    assert values_of(correlation.for_indicator(db, SYSTEM, url), "in_network") == ["198.51.100.0/25"]
    assert values_of(correlation.for_indicator(db, SYSTEM, v4net), "in_network") == [url.value]


def test_domain_under_domain_both_ways_and_url_host(db) -> None:
    parent = make_indicator(db, "evil.example.vn")
    child = make_indicator(db, "cdn.login.evil.example.vn")
    url = make_indicator(db, "hxxps://login.evil.example[.]vn/a?b=1")
    email = make_indicator(db, "ceo@evil.example.vn")
    make_indicator(db, "notevil.example.vn")  # a sibling that merely ends the same way
    make_indicator(db, "example.vn.evil.com")
    found = correlation.for_indicator(db, SYSTEM, parent)
    assert values_of(found, "under_domain") == sorted([child.value, url.value, email.value])
    assert values_of(correlation.for_indicator(db, SYSTEM, child), "under_domain") == ["evil.example.vn"]
    assert values_of(correlation.for_indicator(db, SYSTEM, url), "under_domain") == ["evil.example.vn"]
    assert values_of(correlation.for_indicator(db, SYSTEM, email), "under_domain") == ["evil.example.vn"]


def test_incident_observable_shown_to_the_coordinator_not_to_an_outsider(db) -> None:
    coord, reporter = coordinator(db), member(db)
    outsider = member(db)
    incident = open_incident(db, coord, reporter)
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value="c2.evil.example.vn"))
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="ip", value="192.0.2.44"))
    shared = make_indicator(db, "evil.example.vn", by=outsider)
    net = make_indicator(db, "192.0.2.0/24", by=outsider)

    seen = correlation.for_indicator(db, who(coord), shared)
    assert [(m.reference, m.observable_value) for m in seen.under_domain.incidents] == [
        (incident.reference, "c2.evil.example.vn")
    ]
    assert [m.observable_value for m in correlation.for_indicator(db, who(coord), net).in_network.incidents] == [
        "192.0.2.44"
    ]
    for ind in (shared, net):
        hidden = correlation.for_indicator(db, who(outsider), ind)
        assert hidden.empty and hidden.too_many is None
    # The incident's page (the reporter sees it): the shared indicators its observables match.
    page = correlation.for_incident(db, who(reporter), incident)
    assert {key: [m.value for m in c.under_domain.indicators + c.in_network.indicators] for key, c in page.items()} == {
        ("domain", "c2.evil.example.vn"): ["evil.example.vn"],
        ("ip", "192.0.2.44"): ["192.0.2.0/24"],
    }


def test_amber_strict_indicator_is_not_revealed_through_another_organisations_indicator(db) -> None:
    org_a, org_b = make_organisation(db), make_organisation(db)
    alice, bob = member(db, org=org_a), member(db, org=org_b)
    secret = make_indicator(db, "10.20.30.40", by=alice, tlp="amber+strict")
    make_indicator(db, "secret.example.vn", by=alice, tlp="amber+strict")
    mine = make_indicator(db, "10.20.30.40", by=bob, tlp="green")
    net = make_indicator(db, "10.20.0.0/16", by=bob, tlp="green")
    dom = make_indicator(db, "example.vn", by=bob, tlp="green")
    for ind in (mine, net, dom):
        found = correlation.for_indicator(db, who(bob), ind)
        shown = [m.value for g in (found.exact, found.in_network, found.under_domain) for m in g.indicators]
        assert "10.20.30.40" not in shown or ind is net, shown
        assert "secret.example.vn" not in shown
    assert secret.id not in [m.indicator_id for m in correlation.for_indicator(db, who(bob), net).in_network.indicators]
    # Alice's own organisation sees the link from Bob's green indicator.
    assert [m.indicator_id for m in correlation.for_indicator(db, who(alice), mine).exact.indicators] == [secret.id]


def test_advisory_indicators_follow_the_advisory(db) -> None:
    coord = coordinator(db)
    outsider = member(db)
    draft = advisory_service.create(
        db,
        who(coord),
        AdvisoryCreate.model_validate(
            {
                "kind": "warning",
                "title": "Chiến dịch lừa đảo",
                "summary": "Tên miền giả mạo.",
                "severity": "medium",
                "tlp": "amber",
                "indicators": [{"type": "network", "value": "203.0.113.0/24"}, {"type": "domain", "value": "x.vn"}],
            }
        ),
    )
    ind = make_indicator(db, "203.0.113.5")
    seen = correlation.for_indicator(db, who(coord), ind)
    assert [(m.reference, m.indicator_value) for m in seen.in_network.advisories] == [
        (draft.reference, "203.0.113.0/24")
    ]
    assert correlation.for_indicator(db, who(outsider), ind).empty


@pytest.fixture
def limit_of_three(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CSIRTNET_INTEL_CORRELATION_LIMIT", "3")
    get_settings.cache_clear()
    yield 3
    get_settings.cache_clear()


def test_over_correlation_at_the_limit_over_what_the_reader_sees(db, limit_of_three) -> None:
    org_a, org_b = make_organisation(db), make_organisation(db)
    alice, bob = member(db, org=org_a), member(db, org=org_b)
    probe = make_indicator(db, "8.8.8.8", by=bob)
    for _ in range(3):
        make_indicator(db, "8.8.8.8", by=bob)
    at_limit = correlation.for_indicator(db, who(bob), probe)
    assert at_limit.too_many is None and len(at_limit.exact.indicators) == 3
    # One more that Bob may not see: Bob's answer does not change (no oracle on hidden objects).
    make_indicator(db, "8.8.8.8", by=alice, tlp="amber+strict")
    assert correlation.for_indicator(db, who(bob), probe).too_many is None
    # One more he may see: the flag, with the count, instead of links.
    make_indicator(db, "8.8.8.0/24", by=bob)
    over = correlation.for_indicator(db, who(bob), probe)
    assert over.too_many == 4 and over.count == 0
    assert correlation.for_indicator(db, SYSTEM, probe).too_many == 5


_octet = st.integers(0, 255)
_address = st.builds(lambda a, b: f"10.{a}.{b}.1", _octet, _octet)
_network = st.builds(lambda a, p: f"10.{a}.0.0/{p}", _octet, st.integers(8, 24))
_label = st.sampled_from(["a", "b", "evil", "x-1"])
_domain = st.builds(lambda ls: ".".join([*ls, "example", "vn"]), st.lists(_label, max_size=3))
_url = st.builds(lambda d: f"https://{d}/p", _domain)
_text = st.one_of(_address, _network, _domain, _url, st.just("2001:db8::1"), st.just("2001:db8::/48"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=_text, b=_text)
def test_relation_is_symmetric_and_agrees_with_ipaddress(a: str, b: str) -> None:
    va = V.normalise(V.detect(a) or "domain", a)
    vb = V.normalise(V.detect(b) or "domain", b)
    assert correlation.relation(va, vb) == correlation.relation(vb, va)
    if correlation.relation(va, vb) == "in_network":
        na, nb = V.ipaddress.ip_network(va.value), V.ipaddress.ip_network(vb.value)
        assert na.subnet_of(nb) or nb.subnet_of(na)  # type: ignore[arg-type]


def test_the_incident_page_reads_what_each_observable_reads(db, limit_of_three) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    for kind, raw in (
        ("ip", "8.8.8.8"),
        ("domain", "x.evil.example.vn"),
        ("url", "http://evil.example.vn/a"),
        ("md5", "b" * 32),
    ):
        observables.add(db, who(coord), incident.id, ObservableCreate(kind=kind, value=raw))
    for raw in ("8.8.8.8", "8.8.8.8", "8.8.0.0/16", "8.0.0.0/8", "evil.example.vn", "b" * 32):
        make_indicator(db, raw)
    page = correlation.for_incident(db, who(reporter), incident)
    assert page[("ip", "8.8.8.8")].too_many == 4
    for o in observables.observables_of(db, who(reporter), incident):
        one = correlation.for_observable(db, who(reporter), o)
        assert page.get((o.kind, o.value), correlation.Correlations(o.kind, o.value)) == one, o.value


def test_the_observables_tab_shows_matching_shared_indicators(client, db) -> None:
    import pyotp

    from tests.helpers import login

    secret = pyotp.random_base32()
    coord = coordinator(db, totp_secret=secret)
    org_a, org_b = make_organisation(db), make_organisation(db)
    reporter, other = member(db, org=org_a), member(db, org=org_b)
    incident = open_incident(db, coord, reporter)
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value="c2.evil.example.vn"))
    green = make_indicator(db, "evil.example.vn", by=coord)
    strict = make_indicator(db, "c2.evil.example.vn", by=other, tlp="amber+strict")
    login(client, coord.email, totp_secret=secret)
    html = client.get(f"/incidents/{incident.id}/observables").text
    assert 'data-testid="shared-indicators"' in html and f"/indicators/{green.id}" in html
    assert f"/indicators/{strict.id}" not in html  # AMBER+STRICT of another organisation
    client.cookies.clear()
    login(client, reporter.email)
    html = client.get(f"/incidents/{incident.id}/observables").text
    assert f"/indicators/{green.id}" in html and f"/indicators/{strict.id}" not in html
