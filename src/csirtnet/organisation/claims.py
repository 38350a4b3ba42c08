"""Parsing constituency values: what a member claims (a prefix, an ASN, a domain) and what is looked up
(an address, an ASN, a host name). Pure functions, no database: the feed pipeline and the
property tests use them directly.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from csirtnet.models.constituency import ClaimKind

MAX_ASN = 4_294_967_295
_ASN = re.compile(r"^(?:as)?\s*(\d{1,10})$", re.IGNORECASE)
_IPV4ISH = re.compile(r"^[0-9.]+(?:/\d*)?$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class ClaimError(ValueError):
    """The value is not a prefix, ASN or domain; the message says why (English msgid)."""


@dataclass(frozen=True)
class ParsedClaim:
    kind: ClaimKind
    value: str  # canonical text
    prefix_len: int  # IP prefix length; a domain's label count; 0 for an ASN
    range_start: str | None = None  # 32 hex digits
    range_end: str | None = None

    def contains(self, other: ParsedClaim) -> bool:
        """True when `other` is this claim or lies inside it (a sub-prefix, a sub-domain)."""
        if self.kind != other.kind:
            return False
        if self.kind in (ClaimKind.IPV4, ClaimKind.IPV6):
            assert self.range_start and self.range_end and other.range_start and other.range_end
            return self.range_start <= other.range_start and other.range_end <= self.range_end
        if self.kind == ClaimKind.DOMAIN:
            return other.value == self.value or other.value.endswith("." + self.value)
        return self.value == other.value


def hex128(value: int) -> str:
    return f"{value:032x}"


def normalise_domain(text: str) -> str:
    """Lower case, no trailing dot, IDNA (punycode) for Vietnamese names; raises ClaimError."""
    name = text.strip().lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ClaimError("not a valid domain name") from exc
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ClaimError("not a valid domain name")
    if labels[-1].isdigit():
        raise ClaimError("not a valid domain name")
    return name


def parse_claim(text: str) -> ParsedClaim:
    """A claim: "203.0.113.0/24", "2001:db8::/32", "AS64500" or "64500", "example.vn"."""
    raw = (text or "").strip()
    if not raw:
        raise ClaimError("enter a prefix, an AS number or a domain")
    asn = _ASN.match(raw)
    if asn:
        number = int(asn.group(1))
        if not 0 < number <= MAX_ASN:
            raise ClaimError("AS numbers run from 1 to 4294967295")
        return ParsedClaim(ClaimKind.ASN, str(number), 0)
    if ":" in raw or _IPV4ISH.match(raw):
        try:
            network = ipaddress.ip_network(raw, strict=True)
        except ValueError as exc:
            try:
                loose = ipaddress.ip_network(raw, strict=False)
            except ValueError:
                raise ClaimError("not a valid IP prefix") from exc
            raise ClaimError(f"host bits are set; the prefix is {loose}") from exc
        kind = ClaimKind.IPV4 if network.version == 4 else ClaimKind.IPV6
        return ParsedClaim(
            kind,
            str(network),
            network.prefixlen,
            hex128(int(network.network_address)),
            hex128(int(network.broadcast_address)),
        )
    name = normalise_domain(raw)
    return ParsedClaim(ClaimKind.DOMAIN, name, name.count(".") + 1)


@dataclass(frozen=True)
class Query:
    kind: ClaimKind
    text: str  # canonical
    number: int = 0  # the address or ASN as an integer


def parse_query(text: str) -> Query:
    """What to look up: an address, an AS number, a host name (a URL or email address is reduced to it)."""
    raw = (text or "").strip()
    if not raw:
        raise ClaimError("enter an IP address, an AS number or a domain")
    asn = _ASN.match(raw)
    if asn:
        number = int(asn.group(1))
        if not 0 < number <= MAX_ASN:
            raise ClaimError("AS numbers run from 1 to 4294967295")
        return Query(ClaimKind.ASN, str(number), number)
    try:
        address = ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        kind = ClaimKind.IPV4 if address.version == 4 else ClaimKind.IPV6
        return Query(kind, str(address), int(address))
    host = raw
    if "://" in host:
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0].split("?", 1)[0]
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return Query(ClaimKind.DOMAIN, normalise_domain(host))


def candidate_prefixes(query: Query) -> list[str]:
    """Every claim value that could contain the query, most specific first."""
    if query.kind == ClaimKind.IPV4 or query.kind == ClaimKind.IPV6:
        bits = 32 if query.kind == ClaimKind.IPV4 else 128
        out = []
        for length in range(bits, -1, -1):
            mask = ((1 << bits) - 1) ^ ((1 << (bits - length)) - 1)
            network_type = ipaddress.IPv4Network if bits == 32 else ipaddress.IPv6Network
            out.append(str(network_type((query.number & mask, length))))
        return out
    if query.kind == ClaimKind.DOMAIN:
        labels = query.text.split(".")
        return [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return [query.text]
