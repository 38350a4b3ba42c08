"""Property tests of intel.values: detection and normalisation never fail but with a named
ValidationFailed, normalising twice changes nothing, defanged values type and normalise as their
plain form, the range keys order addresses and hold exactly a network's addresses, reversed
domains make "under" a prefix, and pasted text is always accounted for token by token."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from csirtnet.errors import ValidationFailed
from csirtnet.intel import values
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
tlds = st.from_regex(r"[a-z]{2,6}", fullmatch=True)
domains = st.builds(lambda parts, tld: ".".join([*parts, tld]), st.lists(labels, min_size=1, max_size=4), tlds)
ipv4 = st.ip_addresses(v=4)
ipv6 = st.ip_addresses(v=6)
any_ip = st.one_of(ipv4, ipv6)


def defang(text: str) -> str:
    return text.replace(".", "[.]").replace("http", "hxxp", 1)


@given(st.text(max_size=300))
@settings(max_examples=300)
@example("[")
@example("a@b@c")
@example("http://[::1")
@example("AS 99999999999")
def test_detect_and_normalise_never_fail_but_with_a_named_error(text: str) -> None:
    kind = values.detect(text)
    for candidate in [kind] if kind is not None else list(K):
        try:
            result = values.normalise(candidate, text)
        except ValidationFailed as exc:
            assert exc.errors and exc.errors[0].field in ("value", "kind")
            continue
        assert result.kind in K


candidates = st.one_of(
    st.text(max_size=100),
    domains,
    domains.map(str.upper),
    domains.map(defang),
    any_ip.map(str),
    st.builds(lambda d, p: f"hxxp://{d}/{p}", domains, st.text(max_size=20)),
    st.builds(lambda a, p: f"{a}/{p}", any_ip, st.integers(0, 140)),
    st.builds(lambda u, d: f"{u}@{d}", st.text(min_size=1, max_size=10), domains),
    st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32),
    st.from_regex(r"(AS|as|ASN ?)[0-9]{1,11}", fullmatch=True),
)


@given(candidates)
@settings(max_examples=400)
def test_whatever_detect_types_normalises_the_same_twice(text: str) -> None:
    kind = values.detect(text)
    if kind is None:
        return
    try:
        once = values.normalise(kind, text)
    except ValidationFailed:
        return
    twice = values.normalise(once.kind, once.value)
    assert twice == once
    assert values.detect(once.value) in (once.kind, None) or once.kind in (K.HOSTNAME, K.JA3)


@given(any_ip)
def test_addresses_are_detected_normalised_and_keyed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    text = str(address) if address.version == 4 else address.exploded.upper()
    kind = K.IPV4 if address.version == 4 else K.IPV6
    assert values.detect(text) is kind
    v = values.normalise(kind, text)
    assert v.value == address.compressed and v.ip_lo == v.ip_hi == values.ip_key(address)
    assert len(v.ip_lo or "") == 32


@given(any_ip, any_ip)
def test_range_keys_order_addresses_of_the_same_family_as_numbers(
    a: ipaddress.IPv4Address | ipaddress.IPv6Address, b: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> None:
    assume(a.version == b.version)
    assert (values.ip_key(a) < values.ip_key(b)) == (int(a) < int(b))


@given(any_ip, st.integers(0, 128), any_ip)
def test_a_network_s_keys_hold_exactly_its_addresses(
    base: ipaddress.IPv4Address | ipaddress.IPv6Address,
    prefix: int,
    probe: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    bits = 32 if base.version == 4 else 128
    network = ipaddress.ip_network(f"{base}/{prefix % (bits + 1)}", strict=False)
    kind = K.IPV4_NET if base.version == 4 else K.IPV6_NET
    v = values.normalise(kind, str(network))
    assert v.ip_lo is not None and v.ip_hi is not None and v.ip_lo <= v.ip_hi
    key = values.ip_key(probe)
    inside = probe.version == base.version and probe in network
    if probe.version == 4 and base.version == 6:  # IPv4 is keyed as mapped into ::ffff:0:0/96
        inside = ipaddress.IPv6Address(0xFFFF00000000 + int(probe)) in network
    assert (v.ip_lo <= key <= v.ip_hi) == inside


@given(domains)
def test_a_defanged_domain_is_its_plain_form(domain: str) -> None:
    assume(not domain.rsplit(".", 1)[-1].isdigit())
    assert values.detect(defang(domain)) is K.DOMAIN
    assert values.normalise(K.DOMAIN, defang(domain.upper())).value == domain


@given(domains, st.from_regex(r"/[a-zA-Z0-9/._-]{0,30}", fullmatch=True))
def test_a_defanged_url_is_its_plain_form_with_host_and_scheme_lower_cased(domain: str, path: str) -> None:
    assume(not domain.rsplit(".", 1)[-1].isdigit())
    plain = f"http://{domain}{path}"
    shouted = f"HTTP://{domain.upper()}{path}"
    assert values.detect(defang(plain)) is K.URL
    assert values.normalise(K.URL, shouted).value == plain
    assert values.normalise(K.URL, defang(plain)).value == plain


@given(domains, domains)
def test_reversed_domains_make_under_a_prefix(child: str, parent: str) -> None:
    under = child == parent or child.endswith("." + parent)
    assert values.reverse_domain(child).startswith(values.reverse_domain(parent)) == under
    if under:
        assert parent in values.parent_domains(child) or parent.count(".") == 0


@given(st.sampled_from([32, 40, 64, 128]), st.data())
def test_hashes_are_detected_by_length_and_lower_cased(length: int, data: st.DataObject) -> None:
    digest = data.draw(st.text(alphabet="0123456789abcdefABCDEF", min_size=length, max_size=length))
    kind = values.detect(digest)
    assert kind == {32: K.MD5, 40: K.SHA1, 64: K.SHA256, 128: K.SHA512}[length]
    assert values.normalise(kind, digest).value == digest.lower()


@given(st.integers(1, 2**32 - 1), st.sampled_from(["AS{}", "as{}", "ASN {}", "{}"]))
def test_as_numbers(number: int, form: str) -> None:
    assert values.normalise(K.ASN, form.format(number)).value == f"AS{number}"


@pytest.mark.parametrize("bad", ["AS0", "AS4294967296", "ASX"])
def test_bad_as_numbers_are_named(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        values.normalise(K.ASN, bad, "asn")
    assert exc.value.errors[0].field == "asn"


@given(st.text(max_size=500))
@settings(max_examples=300)
def test_pasted_text_is_accounted_for_token_by_token(text: str) -> None:
    parsed = values.parse_text(text)
    lines = text.splitlines()
    for p in parsed:
        assert 1 <= p.line <= len(lines)
        assert (p.value is None) != (p.error is None)
        assert p.raw and p.raw in lines[p.line - 1]


def test_pasted_text_of_every_kind() -> None:
    text = "\n".join(
        [
            "# a comment",
            "1.2.3[.]4, 2001:DB8::1; 10.0.0.0/8",
            "hxxps://evil[.]example[.]vn/a?b=1 EVIL.example.vn",
            "user@EXAMPLE.vn",
            "AS13335",
            "[ipv4-addr:value = '1.2.3.4']",
            "nonsense!",
        ]
    )
    got = [
        (p.line, p.value.kind if p.value else None, p.value.value if p.value else None) for p in values.parse_text(text)
    ]
    assert got == [
        (2, K.IPV4, "1.2.3.4"),
        (2, K.IPV6, "2001:db8::1"),
        (2, K.IPV4_NET, "10.0.0.0/8"),
        (3, K.URL, "https://evil.example.vn/a?b=1"),
        (3, K.DOMAIN, "evil.example.vn"),
        (4, K.EMAIL, "user@example.vn"),
        (5, K.ASN, "AS13335"),
        (6, K.STIX_PATTERN, "[ipv4-addr:value = '1.2.3.4']"),
        (7, None, None),
    ]


@given(any_ip, st.sampled_from(["", ":8080"]), st.sampled_from(["", "Admin@", "u:PassWord@"]))
@example(ipaddress.ip_address("2001:db8::1"), ":8080", "USER@")
def test_a_url_with_an_address_is_written_with_the_address_compressed_and_its_user_kept(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: str, user: str
) -> None:
    # found here: an IPv6 host kept its long form (two spellings of one URL) and the user part of
    # an address URL was lower-cased (it is case-sensitive, and kept for a named host)
    long = address.exploded.upper()
    host, short = (f"[{long}]", f"[{address.compressed}]") if address.version == 6 else (long, address.compressed)
    v = values.normalise(K.URL, f"HTTP://{user}{host}{port}/Path")
    assert v.value == f"http://{user}{short}{port}/Path"
    assert v.ip_lo == v.ip_hi == values.ip_key(address)
    assert values.normalise(K.URL, v.value) == v
