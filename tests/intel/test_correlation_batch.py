"""Import-time correlation: the set-based passes count what the one-value reads find, flag the
values over the limit, and tell an importer only what it may see."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from csirtnet.authz import Subject
from csirtnet.config import Settings, get_settings
from csirtnet.incident import observables
from csirtnet.incident.schemas import ObservableCreate
from csirtnet.intel import correlation
from csirtnet.intel import values as V
from csirtnet.intel.correlation_batch import correlate_new
from csirtnet.models import OverCorrelatedValue
from tests.factories import make_organisation
from tests.incident.helpers import coordinator, member, open_incident, who
from tests.intel.test_correlation import make_indicator

SYSTEM = Subject.system("test")


def value(raw: str, kind: str | None = None) -> V.Value:
    return V.normalise(kind or V.detect(raw) or "domain", raw)


STORED = [
    "198.51.100.7",
    "198.51.100.0/24",
    "198.51.0.0/16",
    "2001:db8::/32",
    "2001:db8:1::5",
    "evil.example.vn",
    "a.evil.example.vn",
    "https://b.evil.example.vn/x",
    "ceo@evil.example.vn",
    "e" * 64,
]
NEW = [
    "198.51.100.7",  # exact + in the /24 and the /16
    "198.51.100.0/25",  # in the /24 and /16, holds .7
    "198.51.0.0/16",  # exact, holds the /24 and .7
    "2001:db8:1::/48",  # in the /32, holds ::5
    "2001:db8:ffff::1",  # in the /32
    "example.vn",  # holds everything under it
    "evil.example.vn",  # exact, holds a., the URL and the e-mail
    "x.a.evil.example.vn",  # under a. and evil.
    "http://evil.example.vn/",  # host is a stored domain
    "E" * 64,  # exact
    "203.0.113.1",  # nothing
]


def test_batch_counts_agree_with_the_reads(db) -> None:
    for raw in STORED:
        make_indicator(db, raw)
    result = correlation.correlate_batch(db, [value(raw) for raw in NEW])
    assert result["values"] == len(NEW) and result["flagged"] == []
    for raw in NEW:
        v = value(raw)
        expected = correlation.for_value(db, SYSTEM, v)
        got = result["counts"].get((v.kind.value, v.value), {"indicators": 0})
        assert got["indicators"] == expected.count, raw
    assert result["counts"][("domain", "example.vn")]["indicators"] == 4
    assert ("ipv4", "203.0.113.1") not in result["counts"]
    assert result["correlated"] == len(NEW) - 1


def test_batch_counts_observables_and_advisories(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    for kind, raw in (
        ("ip", "192.0.2.9"),
        ("domain", "c2.bad.example.vn"),
        ("url", "http://bad.example.vn/p"),
        ("sha256", "a" * 64),
    ):
        observables.add(db, who(coord), incident.id, ObservableCreate(kind=kind, value=raw))
    from tests.advisory.helpers import draft

    draft(
        db,
        coord,
        indicators=[{"type": "network", "value": "192.0.2.0/24"}, {"type": "domain", "value": "bad.example.vn"}],
    )
    new = [
        value("192.0.2.9"),
        value("192.0.2.0/26"),
        value("bad.example.vn"),
        value("A" * 64),
        value("x.c2.bad.example.vn"),
    ]
    counts = correlation.correlate_batch(db, new)["counts"]
    assert counts[("ipv4", "192.0.2.9")] == {"indicators": 0, "observables": 1, "advisories": 1}
    assert counts[("ipv4-net", "192.0.2.0/26")] == {"indicators": 0, "observables": 1, "advisories": 1}
    assert counts[("domain", "bad.example.vn")] == {"indicators": 0, "observables": 2, "advisories": 1}
    assert counts[("sha256", "a" * 64)] == {"indicators": 0, "observables": 1, "advisories": 0}
    assert counts[("domain", "x.c2.bad.example.vn")] == {"indicators": 0, "observables": 1, "advisories": 1}
    # The importer is told only what it may see: an outsider sees none of it.
    outsider = member(db)
    summary = correlate_new(db, who(outsider), new)
    assert summary.correlated == 0 and summary.matches == {}
    assert correlate_new(db, who(coord), new).correlated == 5


@pytest.fixture
def limit_of_three(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CSIRTNET_INTEL_CORRELATION_LIMIT", "3")
    get_settings.cache_clear()
    yield 3
    get_settings.cache_clear()


def test_values_over_the_limit_are_flagged(db, limit_of_three) -> None:
    org = make_organisation(db)
    bob = member(db, org=org)
    for _ in range(3):
        make_indicator(db, "9.9.9.9", by=bob)
    for raw in ("8.8.8.8", "8.8.8.8", "8.8.8.8", "8.8.8.0/24"):
        make_indicator(db, raw, by=bob)
    result = correlation.correlate_batch(db, [value("9.9.9.9"), value("8.8.8.8")])
    assert result["flagged"] == [("ipv4", "8.8.8.8")]  # 4 > 3; 9.9.9.9 is at the limit
    row = db.scalar(select(OverCorrelatedValue).where(OverCorrelatedValue.value == "8.8.8.8"))
    assert row is not None and row.matches == 4 and row.kind == "ipv4"
    assert correlation.is_over_correlated(db, "ipv4", "8.8.8.8") == 4
    assert correlation.is_over_correlated(db, "ipv4", "9.9.9.9") is None
    # Again: the record is refreshed, not duplicated.
    make_indicator(db, "8.8.0.0/16", by=bob)
    correlation.correlate_batch(db, [value("8.8.8.8")])
    assert [r.matches for r in db.scalars(select(OverCorrelatedValue))] == [5]
    summary = correlate_new(db, who(bob), [value("8.8.8.8"), value("9.9.9.9")])
    assert summary.flagged == 1 and summary.matches == {("ipv4", "8.8.8.8"): 5, ("ipv4", "9.9.9.9"): 3}
