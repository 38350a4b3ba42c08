"""Our rows in STIX 2.1 and back: the pattern of a typed indicator, the indicator, sighting and
identity objects we write, and the type and value of an imported indicator's pattern when it is a
simple one.

A "simple" pattern is one observation with one equality comparison and no qualifier
(`[ipv4-addr:value = '1.2.3.4']`); only those become typed indicators (intel.ingest), everything
else stays a `stix-pattern` indicator. The grammar is checked by intel.stix.patterns (a fast path
for the common shapes, the OASIS `stix2-patterns` parser for the rest).

Identities are deterministic: `identity_id(org_id)` is a UUID5 of the instance's base URL and the
organisation's id (its bits stamped as version 4, which STIX asks of SDO ids), so that two
instances never give their organisations the same id and a re-export writes the same identity.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from csirtnet.config import get_settings
from csirtnet.errors import ValidationFailed
from csirtnet.intel import values
from csirtnet.intel.stix import patterns
from csirtnet.intel.stix.markings import MARKING_IDS
from csirtnet.models import Indicator, Organisation, Sighting
from csirtnet.models.intel import IndicatorKind
from csirtnet.vocabulary.enums import TLP

K = IndicatorKind

# (STIX object type, object path) of each typed kind; the ASN's value is an integer.
_PATHS: dict[IndicatorKind, tuple[str, str]] = {
    K.IPV4: ("ipv4-addr", "value"),
    K.IPV4_NET: ("ipv4-addr", "value"),
    K.IPV6: ("ipv6-addr", "value"),
    K.IPV6_NET: ("ipv6-addr", "value"),
    K.DOMAIN: ("domain-name", "value"),
    K.HOSTNAME: ("domain-name", "value"),
    K.URL: ("url", "value"),
    K.EMAIL: ("email-addr", "value"),
    K.MD5: ("file", "hashes.MD5"),
    K.SHA1: ("file", "hashes.'SHA-1'"),
    K.SHA256: ("file", "hashes.'SHA-256'"),
    K.SHA512: ("file", "hashes.'SHA-512'"),
    K.FILENAME: ("file", "name"),
    K.ASN: ("autonomous-system", "number"),
    K.JA3: ("network-traffic", "extensions.'x-ja3'.fingerprint"),
    K.JA4: ("network-traffic", "extensions.'x-ja4'.fingerprint"),
}

# Object path (as the pattern inspector splits it) → kind, for typing imported patterns.
_KINDS: dict[tuple[str, tuple[str, ...]], IndicatorKind] = {
    ("ipv4-addr", ("value",)): K.IPV4,
    ("ipv6-addr", ("value",)): K.IPV6,
    ("domain-name", ("value",)): K.DOMAIN,
    ("url", ("value",)): K.URL,
    ("email-addr", ("value",)): K.EMAIL,
    ("file", ("hashes", "MD5")): K.MD5,
    ("file", ("hashes", "md5")): K.MD5,
    ("file", ("hashes", "SHA-1")): K.SHA1,
    ("file", ("hashes", "SHA1")): K.SHA1,
    ("file", ("hashes", "SHA-256")): K.SHA256,
    ("file", ("hashes", "SHA256")): K.SHA256,
    ("file", ("hashes", "SHA-512")): K.SHA512,
    ("file", ("hashes", "SHA512")): K.SHA512,
    ("file", ("name",)): K.FILENAME,
    ("autonomous-system", ("number",)): K.ASN,
    ("network-traffic", ("extensions", "x-ja3", "fingerprint")): K.JA3,
    ("network-traffic", ("extensions", "x-ja4", "fingerprint")): K.JA4,
}


def stix_timestamp(dt: datetime) -> str:
    """A STIX timestamp in UTC with milliseconds ("2026-12-06T10:00:00.000Z"); a naive datetime is
    taken as UTC (SQLite gives them back naive)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(kind: IndicatorKind | str, value: str) -> str:
    """The STIX pattern of a typed indicator's value (a `stix-pattern` indicator is its value)."""
    kind = IndicatorKind(kind)
    if kind is K.STIX_PATTERN:
        return value
    object_type, path = _PATHS[kind]
    if kind is K.ASN:
        return f"[{object_type}:{path} = {int(value.upper().removeprefix('AS'))}]"
    return f"[{object_type}:{path} = {_quote(value)}]"


def check_pattern(pattern: str) -> None:
    """ValidationFailed when `pattern` is not a STIX 2.1 pattern."""
    patterns.parse(pattern)


def _typed(object_type: str, path: tuple[str, ...], raw: str) -> values.Value | None:
    kind = _KINDS.get((object_type, path))
    if kind is None:
        return None
    if kind in (K.IPV4, K.IPV6) and "/" in raw:
        kind = K.IPV4_NET if kind is K.IPV4 else K.IPV6_NET
    try:
        return values.normalise(kind, raw)
    except ValidationFailed:
        return None


def typed_from_pattern(pattern: str) -> tuple[IndicatorKind, str] | None:
    """(kind, normalised value) when `pattern` is a simple pattern of a type we index; None when it
    is valid but not simple (or of another type, or its value is not one of that type).
    ValidationFailed (field "pattern") when it is not a valid STIX pattern."""
    typed = value_from_pattern(pattern)
    return None if typed is None else (typed.kind, typed.value)


def value_from_pattern(pattern: str) -> values.Value | None:
    """`typed_from_pattern` with the value's range and domain keys (intel.values.Value)."""
    parsed = patterns.parse(pattern)
    if not parsed.simple:
        return None
    comparison = parsed.comparisons[0]
    if comparison.op not in ("=", "=="):
        return None
    literal = comparison.literal
    if literal.startswith("'"):
        if comparison.object_type == "autonomous-system":
            return None
        return _typed(comparison.object_type, comparison.path, comparison.value or "")
    if comparison.object_type == "autonomous-system" and literal.isdigit():
        return _typed(comparison.object_type, comparison.path, literal)
    return None


def identity_id(org_id: int) -> str:
    """The STIX identity id of an organisation of this instance (deterministic)."""
    base = get_settings().base_url.rstrip("/")
    digest = uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/organisations/{org_id}")
    # STIX 2.1 wants version-4 ids for SDOs: the UUID5's bits stamped as version 4 (deterministic).
    return f"identity--{uuid.UUID(bytes=digest.bytes, version=4)}"


def identity_object(org: Organisation) -> dict[str, Any]:
    created = stix_timestamp(org.created_at)
    modified = stix_timestamp(org.updated_at or org.created_at)
    out: dict[str, Any] = {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(org.id),
        "created": created,
        "modified": max(created, modified),
        "name": org.name,
        "identity_class": "organization",
    }
    if org.name_en:
        out["description"] = org.name_en
    if org.incident_email:
        out["contact_information"] = org.incident_email
    return out


def _markings(tlp: str) -> list[str]:
    return [MARKING_IDS[TLP(tlp)]]


def indicator_object(ind: Indicator, *, created_by_ref: str | None) -> dict[str, Any]:
    """The STIX indicator of a typed indicator (its `stix_id`, timestamps, TLP marking)."""
    created = stix_timestamp(ind.created_at)
    modified = max(created, stix_timestamp(ind.modified_at or ind.created_at))
    valid_from = stix_timestamp(ind.valid_from or ind.created_at)
    out: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ind.stix_id,
        "created": created,
        "modified": modified,
        "name": ind.value if len(ind.value) <= 250 else ind.value[:247] + "...",
        "pattern": pattern_for(ind.kind, ind.value),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": valid_from,
        "confidence": max(0, min(100, int(ind.confidence if ind.confidence is not None else 50))),
        "object_marking_refs": _markings(ind.tlp),
    }
    out["description"] = ind.description or f"{IndicatorKind(ind.kind).value} indicator, {TLP(ind.tlp).label}"
    if ind.valid_until is not None:
        until = stix_timestamp(ind.valid_until)
        if until > valid_from:
            out["valid_until"] = until
    if ind.tags:
        out["labels"] = list(ind.tags)
    if ind.revoked:
        out["revoked"] = True
    if created_by_ref:
        out["created_by_ref"] = created_by_ref
    return out


def sighting_object(s: Sighting, ind: Indicator) -> dict[str, Any]:
    """The STIX sighting of an indicator: who saw it (the organisation's identity), when, how
    often; a false-positive report carries the label "false-positive"."""
    created = stix_timestamp(s.created_at)
    first = stix_timestamp(s.first_seen_at)
    last = max(first, stix_timestamp(s.last_seen_at))
    out: dict[str, Any] = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": s.stix_id,
        "created": created,
        "modified": max(created, last),
        "sighting_of_ref": ind.stix_id,
        "first_seen": first,
        "last_seen": last,
        "count": max(0, min(999_999_999, int(s.count))),
        "object_marking_refs": _markings(s.tlp),
    }
    if s.organisation_id is not None:
        out["where_sighted_refs"] = [identity_id(s.organisation_id)]
        out["created_by_ref"] = identity_id(s.organisation_id)
    if s.note:
        out["description"] = s.note
    if s.false_positive:
        out["labels"] = ["false-positive"]
    return out
