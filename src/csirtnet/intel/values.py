"""Indicator values: detect the type of a pasted value, normalise it, and derive the keys that make
"IP in network" and "domain under domain" index range scans (models.intel explains the keys).

Normalised forms (what is stored and compared):
- addresses in their compressed form (`2001:db8::1`), networks as `address/prefix` with the host
  bits cleared; a /32 (/128) network is an address;
- domains and hostnames in lower case, without a trailing dot, internationalised names in their
  ASCII (IDNA) form; e-mail addresses with a lower-cased domain;
- URLs with a lower-cased scheme and host, otherwise as given;
- hashes, JA3 and JA4 fingerprints in lower case; ASNs as `AS<number>`;
- defanged values (`hxxp://`, `example[.]vn`, `1.2.3[.]4`) are refanged first.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from csirtnet.errors import ValidationFailed
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_HASH_BY_LENGTH = {32: K.MD5, 40: K.SHA1, 64: K.SHA256, 128: K.SHA512}
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_ASN = re.compile(r"^(?:as|asn)\s*(\d{1,10})$", re.IGNORECASE)
_JA4 = re.compile(r"^[tqd]\d{2}[di]\d{4}[a-z0-9]{2}_[0-9a-f]{12}_[0-9a-f]{12}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_URL_SCHEMES = ("http", "https", "ftp", "ftps", "sftp", "ws", "wss", "tcp", "udp", "smb", "file", "ldap")
_MAX = 2048


@dataclass(frozen=True)
class Value:
    """A normalised indicator value with its range and domain keys."""

    kind: IndicatorKind
    value: str
    ip_lo: str | None = None
    ip_hi: str | None = None
    rdomain: str | None = None


def refang(text: str) -> str:
    """Undo the usual defanging: hxxp, [.] (.) {.}, [:], [@] and "[dot]"."""
    out = text.strip()
    out = re.sub(r"^hxxp", "http", out, flags=re.IGNORECASE)
    out = re.sub(r"^fxp", "ftp", out, flags=re.IGNORECASE)
    for fanged, plain in (("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("[:]", ":"), ("[@]", "@")):
        out = out.replace(fanged, plain)
    return out


def ip_key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """32 hex digits that order IPv4 (mapped into ::ffff:0:0/96) and IPv6 addresses alike."""
    number = int(address) + (0xFFFF00000000 if address.version == 4 else 0)
    return f"{number:032x}"


def network_keys(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[str, str]:
    return ip_key(network.network_address), ip_key(network.broadcast_address)


def reverse_domain(domain: str) -> str:
    """ "www.example.vn" → "vn.example.www." (every name under example.vn starts with "vn.example.")."""
    return ".".join(reversed(domain.split("."))) + "."


def parent_domains(domain: str) -> list[str]:
    """The domain and every domain above it that has at least two labels (example.vn, not vn)."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or [domain]


def _fail(field: str, kind: str, raw: str) -> ValidationFailed:
    shown = raw if len(raw) <= 80 else raw[:77] + "…"
    return ValidationFailed(field, f"{shown!r} is not a valid {kind}")


def normalise_domain(raw: str, field: str = "value") -> str:
    text = refang(raw).lower().rstrip(".")
    try:
        ascii_name = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise _fail(field, "domain", raw) from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise _fail(field, "domain", raw)
    if labels[-1].isdigit():
        raise _fail(field, "domain", raw)
    return ascii_name


def _address(raw: str, kind: IndicatorKind, field: str) -> Value:
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        raise _fail(field, kind.value, raw) from None
    if (address.version == 4) != (kind is K.IPV4):
        raise _fail(field, kind.value, raw)
    key = ip_key(address)
    return Value(kind, address.compressed, ip_lo=key, ip_hi=key)


def _network(raw: str, kind: IndicatorKind, field: str) -> Value:
    try:
        network = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise _fail(field, kind.value, raw) from None
    if (network.version == 4) != (kind is K.IPV4_NET):
        raise _fail(field, kind.value, raw)
    if network.num_addresses == 1:
        single = K.IPV4 if network.version == 4 else K.IPV6
        return _address(str(network.network_address), single, field)
    lo, hi = network_keys(network)
    return Value(kind, network.compressed, ip_lo=lo, ip_hi=hi)


def _url(raw: str, field: str) -> Value:
    try:
        parts = urlsplit(raw)
        host = parts.hostname
    except ValueError:
        raise _fail(field, "URL", raw) from None
    if parts.scheme.lower() not in _URL_SCHEMES or not host:
        raise _fail(field, "URL", raw)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal: the port follows the bracket
        port = hostport[hostport.index("]") + 1 :]
    else:
        port = hostport[len(host) :] if hostport.lower().startswith(host.lower()) else ""
    user = userinfo + "@" if userinfo else ""  # kept as given: user names and passwords are case-sensitive
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        key = ip_key(address)
        shown = f"[{address.compressed}]" if address.version == 6 else address.compressed
        rebuilt = urlunsplit((parts.scheme.lower(), user + shown + port, parts.path, parts.query, parts.fragment))
        return Value(K.URL, rebuilt, ip_lo=key, ip_hi=key)
    name = normalise_domain(host, field)
    rebuilt = urlunsplit((parts.scheme.lower(), user + name + port, parts.path, parts.query, parts.fragment))
    return Value(K.URL, rebuilt, rdomain=reverse_domain(name))


def normalise(kind: IndicatorKind | str, raw: str, field: str = "value") -> Value:
    """The normalised value of a given kind; ValidationFailed naming `field` when it is not one."""
    try:
        kind = IndicatorKind(kind)
    except ValueError:
        raise ValidationFailed("kind", f"{kind!r} is not an indicator type") from None
    text = refang(raw) if kind is not K.STIX_PATTERN else raw.strip()
    if not text:
        raise ValidationFailed(field, "must not be empty")
    if len(text) > _MAX:
        raise ValidationFailed(field, f"is longer than {_MAX} characters")
    if kind in (K.IPV4, K.IPV6):
        return _address(text, kind, field)
    if kind in (K.IPV4_NET, K.IPV6_NET):
        return _network(text, kind, field)
    if kind in (K.DOMAIN, K.HOSTNAME):
        name = normalise_domain(text, field)
        return Value(kind, name, rdomain=reverse_domain(name))
    if kind is K.URL:
        return _url(text, field)
    if kind is K.EMAIL:
        if not _EMAIL.match(text):
            raise _fail(field, "e-mail address", raw)
        local, _, domain = text.rpartition("@")
        name = normalise_domain(domain, field)
        return Value(kind, f"{local}@{name}", rdomain=reverse_domain(name))
    if kind in (K.MD5, K.SHA1, K.SHA256, K.SHA512, K.JA3):
        want = 32 if kind in (K.MD5, K.JA3) else {K.SHA1: 40, K.SHA256: 64, K.SHA512: 128}[kind]
        if len(text) != want or not _HEX.match(text):
            raise _fail(field, kind.value, raw)
        return Value(kind, text.lower())
    if kind is K.JA4:
        if not _JA4.match(text.lower()):
            raise _fail(field, "JA4 fingerprint", raw)
        return Value(kind, text.lower())
    if kind is K.ASN:
        match = _ASN.match(text) or (re.match(r"^(\d{1,10})$", text))
        if not match or not 0 < int(match.group(1)) < 2**32:
            raise _fail(field, "AS number", raw)
        return Value(kind, f"AS{int(match.group(1))}")
    if kind is K.FILENAME:
        if "\x00" in text or "/" in text or "\\" in text:
            raise _fail(field, "file name", raw)
        return Value(kind, text)
    # A STIX pattern: kept as written; intel.stix checks its grammar.
    if not (text.startswith("[") and text.endswith("]")):
        raise _fail(field, "STIX pattern", raw)
    return Value(kind, text)


def detect(raw: str) -> IndicatorKind | None:
    """The type a pasted value most likely is, or None. A 32-digit hex value is an MD5 (a JA3 is
    only ever given as one explicitly)."""
    text = refang(raw)
    if not text:
        return None
    if text.startswith("[") and text.endswith("]"):
        return K.STIX_PATTERN
    if "://" in text:
        return K.URL
    if _HEX.match(text) and len(text) in _HASH_BY_LENGTH:
        return _HASH_BY_LENGTH[len(text)]
    if _JA4.match(text.lower()):
        return K.JA4
    if _ASN.match(text):
        return K.ASN
    if "/" in text:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None
        return K.IPV4_NET if network.version == 4 else K.IPV6_NET
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is not None:
        return K.IPV4 if address.version == 4 else K.IPV6
    if "@" in text:
        return K.EMAIL if _EMAIL.match(text) else None
    try:
        normalise_domain(text)
    except ValidationFailed:
        return None
    return K.DOMAIN


@dataclass(frozen=True)
class Parsed:
    """One token of pasted text: its line, and either its value or why it is not one."""

    line: int
    raw: str
    value: Value | None
    error: str | None


_SPLIT = re.compile(r"[\s,;]+")


def parse_text(text: str) -> list[Parsed]:
    """Every token of pasted text (one per line, or separated by spaces, commas or semicolons), typed
    and normalised; a token that is no indicator is kept with its line and the reason. Lines that
    start with '#' are comments."""
    out: list[Parsed] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        tokens = [stripped] if stripped.startswith("[") else [t for t in _SPLIT.split(stripped) if t]
        for token in tokens:
            kind = detect(token)
            if kind is None:
                out.append(Parsed(number, token, None, "not a recognised indicator type"))
                continue
            try:
                out.append(Parsed(number, token, normalise(kind, token), None))
            except ValidationFailed as exc:
                out.append(Parsed(number, token, None, exc.errors[0].message if exc.errors else str(exc)))
    return out
