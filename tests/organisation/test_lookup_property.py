"""The prefix matcher against a brute-force reference: for any set of claims and any address, the
in-process index and the database lookup both answer with the longest matching claim."""

from __future__ import annotations

import ipaddress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csirtnet.authz import Subject
from csirtnet.models import ConstituencyClaim
from csirtnet.organisation import constituency
from csirtnet.organisation.claims import parse_claim, parse_query
from csirtnet.organisation.lookup import ClaimRow, ConstituencyIndex
from tests.factories import make_organisation

v4_prefix = st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)).map(
    lambda t: ipaddress.IPv4Network((t[0] & ~((1 << (32 - t[1])) - 1) & 0xFFFFFFFF, t[1]))
)
v6_prefix = st.tuples(st.integers(0, 2**128 - 1), st.integers(0, 128)).map(
    lambda t: ipaddress.IPv6Network((t[0] & ~((1 << (128 - t[1])) - 1) & (2**128 - 1), t[1]))
)


def _reference(prefixes: list[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network]], address: int) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, -claim id)
    owner = None
    for claim_id, net in prefixes:
        if int(net.network_address) <= address <= int(net.broadcast_address):
            key = (net.prefixlen, -claim_id)
            if best is None or key > best:
                best, owner = key, claim_id
    return owner


def _near(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> st.SearchStrategy[int]:
    return st.integers(int(net.network_address), int(net.broadcast_address))


@settings(max_examples=200, deadline=None)
@given(st.lists(v4_prefix, min_size=1, max_size=30), st.data())
def test_ipv4_index_matches_brute_force(prefixes, data) -> None:
    rows = [ClaimRow(i + 1, "ipv4", str(p), i + 1, f"Org {i}", None) for i, p in enumerate(prefixes)]
    index = ConstituencyIndex(rows)
    numbered = list(enumerate(prefixes, start=1))
    edges = [a for p in prefixes for a in (int(p.network_address) - 1, int(p.broadcast_address) + 1) if 0 <= a < 2**32]
    asked = [
        data.draw(
            st.one_of(
                st.integers(0, 2**32 - 1), st.sampled_from(prefixes).flatmap(_near), st.sampled_from(edges or [0])
            )
        )
        for _ in range(20)
    ] + [0, 2**32 - 1]
    # The batch lookup (flattened intervals, numpy) answers exactly as the trie, in order.
    assert index.lookup_ipv4_many(asked) == [index.lookup_ipv4(a) for a in asked]
    for address in asked:
        expected_net = _reference(numbered, address)
        got = index.lookup_ipv4(address)
        expected_value = str(prefixes[expected_net - 1]) if expected_net else None
        assert (got.matched if got else None) == expected_value
        # Ties between equal prefixes go to the older claim.
        if expected_net:
            assert got is not None and got.claim_id == min(cid for cid, p in numbered if str(p) == expected_value)


@settings(max_examples=100, deadline=None)
@given(st.lists(v6_prefix, min_size=1, max_size=20), st.data())
def test_ipv6_index_matches_brute_force(prefixes, data) -> None:
    rows = [ClaimRow(i + 1, "ipv6", str(p), i + 1, f"Org {i}", None) for i, p in enumerate(prefixes)]
    index = ConstituencyIndex(rows)
    numbered = list(enumerate(prefixes, start=1))
    for _ in range(10):
        address = data.draw(st.sampled_from(prefixes).flatmap(_near))
        expected = _reference(numbered, address)
        got = index.lookup(str(ipaddress.IPv6Address(address)))
        assert (got.matched if got else None) == (str(prefixes[expected - 1]) if expected else None)


labels = st.text(alphabet="abcx", min_size=1, max_size=3)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(labels, min_size=1, max_size=3), min_size=1, max_size=10),
    st.lists(labels, min_size=1, max_size=4),
)
def test_domain_index_matches_longest_label_suffix(claims, query) -> None:
    names = [".".join([*c, "vn"]) for c in claims]
    rows = [ClaimRow(i + 1, "domain", n, i + 1, "", None) for i, n in enumerate(names)]
    index = ConstituencyIndex(rows)
    host = ".".join([*query, "vn"])
    candidates = [(n.count("."), -i, n) for i, n in enumerate(names, start=1) if host == n or host.endswith("." + n)]
    got = index.lookup_domain(host)
    assert (got.matched if got else None) == (max(candidates)[2] if candidates else None)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(v4_prefix.filter(lambda n: n.prefixlen >= 8), min_size=1, max_size=8, unique=True), st.data())
def test_database_lookup_matches_brute_force(db, prefixes, data) -> None:
    savepoint = db.begin_nested()
    try:
        org = make_organisation(db)
        numbered = []
        for net in prefixes:
            parsed = parse_claim(str(net))
            claim = ConstituencyClaim(
                organisation_id=org.id,
                kind="ipv4",
                value=parsed.value,
                prefix_len=parsed.prefix_len,
                range_start=parsed.range_start,
                range_end=parsed.range_end,
            )
            db.add(claim)
            db.flush()
            numbered.append((claim.id, net))
        for _ in range(5):
            address = data.draw(st.sampled_from(prefixes).flatmap(_near))
            expected = _reference(numbered, address)
            text = str(ipaddress.IPv4Address(address))
            # The shared index (rebuilt: every example's claims give the dataset a new version) and
            # the database query agree with the reference.
            result = constituency.lookup(db, Subject.system("t"), text)
            assert (result.owner.claim_id if result.owner else None) == expected
            direct = constituency.lookup_in_database(db, parse_query(text))
            assert (direct.claim_id if direct else None) == expected
    finally:
        savepoint.rollback()
