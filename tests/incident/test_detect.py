"""The observable detector (incident.observables.detect) on generated input: every IPv4/IPv6
address, domain, URL, email address and MD5/SHA-1/SHA-256 hash is found with its kind, defanged or
not, in the same canonical form the one-at-a-time form stores; anything else is refused with a
ValueError, never another error; pasted text is parsed line by line with duplicates merged."""

from __future__ import annotations

import ipaddress
import string

from hypothesis import given
from hypothesis import strategies as st

from csirtnet.incident.observables import detect, normalise, parse_paste

label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
tld = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=6)
domains = st.builds(lambda parts, top: ".".join([*parts, top]), st.lists(label, min_size=1, max_size=3), tld)
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(lambda a: a.compressed)
hashes = st.sampled_from([32, 40, 64]).flatmap(
    lambda n: st.text(alphabet="0123456789abcdefABCDEF", min_size=n, max_size=n)
)
paths = st.text(alphabet=string.ascii_letters + string.digits + "/-_.", max_size=20)
urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}", st.sampled_from(["http", "https"]), domains, paths
)
emails = st.builds(lambda local, host: f"{local}@{host}", label, domains)


def defang(value: str, how: int) -> str:
    if how == 0:
        return value
    out = value.replace("http", "hxxp", 1) if value.startswith("http") else value
    if how == 1:
        return out.replace(".", "[.]")
    if how == 2:
        return out.replace("@", "[@]").replace(".", "(.)")
    return out.replace("://", "[://]").replace(".", "[dot]")


@given(domains, st.integers(0, 3))
def test_domains(value: str, how: int) -> None:
    kind, found = detect(defang(value, how))
    if kind == "domain":
        assert found == normalise("domain", value)
    else:  # a domain made of hexadecimal letters of a hash's length is a hash; never the case here
        raise AssertionError((value, kind))


@given(st.one_of(ipv4, ipv6), st.integers(0, 1))
def test_addresses(value: str, how: int) -> None:
    shown = defang(value, how) if ":" not in value else value
    assert detect(shown) == ("ip", ipaddress.ip_address(value).compressed)


@given(hashes)
def test_hashes(value: str) -> None:
    kind, found = detect(value)
    assert kind == {32: "md5", 40: "sha1", 64: "sha256"}[len(value)] and found == value.lower()


@given(urls, st.integers(0, 3))
def test_urls(value: str, how: int) -> None:
    assert detect(defang(value, how)) == ("url", normalise("url", value))


@given(emails, st.integers(0, 2))
def test_emails(value: str, how: int) -> None:
    assert detect(defang(value, how)) == ("email", normalise("email", value))


@given(st.text(max_size=80))
def test_anything_else_is_a_value_error(text: str) -> None:
    try:
        kind, value = detect(text)
    except ValueError:
        return
    assert kind in {"ip", "domain", "url", "email", "md5", "sha1", "sha256"} and value


@given(st.lists(st.one_of(ipv4, domains, hashes), min_size=1, max_size=20), st.integers(1, 3))
def test_a_paste_merges_its_duplicates(values: list[str], repeat: int) -> None:
    text = "\n".join(", ".join([v] * repeat) for v in values)
    found = parse_paste(text)
    assert not [v for v in found if v.problem]
    firsts = [v for v in found if v.duplicate_of is None]
    assert len({(v.kind, v.value) for v in found}) == len(firsts)
    for v in found:
        assert v.line == values.index(v.raw) + 1 or v.duplicate_of is not None
