"""A MISP event (the core format's JSON, `{"Event": {...}}`) as STIX 2.1 objects, for the one
ingestion engine (intel.ingest) to store: a MISP event never writes rows of its own.

What one event becomes:
- an `identity` for the event's creator organisation (`Orgc`), `identity--<Orgc uuid>`;
- one `indicator` per attribute we can type (the event's attributes and those inside its MISP
  objects), with a simple pattern (`[ipv4-addr:value = '198.51.100.7']`), `valid_from`, `created`
  and `modified` from the attribute's timestamp (so a re-import of an unchanged event is a no-op
  and an edited attribute is a new version), the attribute's own TLP tag or else the event's as
  its marking, its other tags as `labels` (with `csirtnet:to_ids="false"` when MISP's `to_ids` is
  off: blocking exports leave such values out), and what MISP knew about it as custom properties:
  `x_misp_category`, `x_misp_type`, `x_misp_to_ids`, `x_misp_attribute_uuid`, `x_misp_event_uuid`,
  `x_misp_event_info`, `x_misp_comment`, `x_misp_object_name` — and our PAP and RSIT as
  `x_csirtnet_pap` and `x_csirtnet_rsit`;
- a `report` for the event (`report--<event uuid>`, its info as the name, the event's tags as
  labels) referring to the identity and its indicators — when at least one attribute was typed.

Composite attributes (`a|b`) — decided: one indicator per half that is an indicator on its own,
never a compound pattern. A compound pattern (`[file:name = 'x' AND file:hashes.MD5 = 'y']`) would
be a `stix-pattern` indicator that neither correlates nor exports as a blocklist line, which is
what these attributes are for. So:
- `domain|ip`: a domain indicator and an address indicator;
- `ip-dst|port`, `ip-src|port`, `hostname|port`: the address or host name; the port is kept as
  `x_misp_port` (a port is no indicator on its own);
- `filename|md5` (`|sha1`, `|sha256`, `|sha512`) and `malware-sample`: the hash; the file name is
  kept as `x_misp_filename` (names such as `invoice.doc` match far too much on their own).
The first (or only) indicator of an attribute is `indicator--<attribute uuid>`, a second half's id
is a UUID5 of the attribute's uuid and the half, so re-imports keep their ids.

What cannot be typed (a `link`, a `text`, a `regkey`, a value that is not what its type says, a
deleted attribute) is reported in `Converted.skipped` with the attribute's uuid, type and reason,
never dropped silently. What is not the MISP format at all (the event is no object, an attribute's
value is no text…) raises `ValidationFailed` naming the JSON path (`Event.Attribute[3].value`), and
nothing of that event is converted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from csirtnet.errors import ValidationFailed
from csirtnet.intel import values
from csirtnet.intel.misp import tags as misp_tags
from csirtnet.intel.stix.markings import MARKING_IDS
from csirtnet.intel.stix.objects import pattern_for, stix_timestamp
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind

# Fixed forever: changing it changes the ids of every second half of a composite attribute.
NAMESPACE = uuid.UUID("0e3f5c1c-7a53-5b0e-8e8e-4f1a6b9f2d71")
# Identities of MISP organisations carry no dates in the feed format; a fixed one keeps them one
# version (a renamed organisation keeps its first name here; the report and indicators say who).
IDENTITY_CREATED = "2012-01-01T00:00:00.000Z"

_HASHES = {"md5": K.MD5, "sha1": K.SHA1, "sha256": K.SHA256, "sha512": K.SHA512}
_SINGLE: dict[str, tuple[IndicatorKind, ...]] = {
    "ip-dst": (K.IPV4, K.IPV6, K.IPV4_NET, K.IPV6_NET),
    "ip-src": (K.IPV4, K.IPV6, K.IPV4_NET, K.IPV6_NET),
    "domain": (K.DOMAIN,),
    "hostname": (K.HOSTNAME,),
    "url": (K.URL,),
    "email": (K.EMAIL,),
    "email-src": (K.EMAIL,),
    "email-dst": (K.EMAIL,),
    "md5": (K.MD5,),
    "sha1": (K.SHA1,),
    "sha256": (K.SHA256,),
    "sha512": (K.SHA512,),
    "filename": (K.FILENAME,),
    "AS": (K.ASN,),
    "ja3-fingerprint-md5": (K.JA3,),
    "stix2-pattern": (K.STIX_PATTERN,),
}
_ADDRESS = _SINGLE["ip-dst"]
# The MISP types we read as composites (value "a|b"), and how.
COMPOSITES = frozenset(
    {"domain|ip", "ip-dst|port", "ip-src|port", "hostname|port", "malware-sample"} | {f"filename|{h}" for h in _HASHES}
)
TYPED = frozenset(_SINGLE) | COMPOSITES


@dataclass
class Skipped:
    """An attribute (or half of one) that became no indicator, and why."""

    attribute_uuid: str
    type: str
    reason: str

    def failure(self) -> dict[str, str]:
        """As an entry of `IntelImport.failures`."""
        return {"id": self.attribute_uuid, "version": "", "message": f"MISP {self.type!r}: {self.reason}"}


@dataclass
class Converted:
    """One event's STIX objects and what was skipped."""

    event_uuid: str
    info: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    indicators: int = 0


def _fail(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(path, message)


def _text(obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(f"{path}.{key}", "is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(f"{path}.{key}", "must be text")
    return str(value)


def _uuid(obj: Mapping[str, Any], path: str, *, required: bool) -> str | None:
    raw = _text(obj, "uuid", path, required=required)
    if raw is None:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise _fail(f"{path}.uuid", f"{raw[:60]!r} is not a UUID") from None


def _list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(f"{path}.{key}", "must be a list")
    return value


def _dict(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "must be an object")
    return value


def _tag_names(obj: Mapping[str, Any], path: str) -> list[str]:
    names: list[str] = []
    for i, tag in enumerate(_list(obj, "Tag", path)):
        here = f"{path}.Tag[{i}]"
        name = _text(_dict(tag, here), "name", here, required=True)
        assert name is not None
        names.append(name)
    return names


def _moment(obj: Mapping[str, Any], path: str, fallback: datetime) -> datetime:
    """An epoch-seconds `timestamp` (MISP writes it as text), or `fallback` when there is none."""
    raw = obj.get("timestamp")
    if raw is None or raw == "":
        return fallback
    try:
        seconds = int(str(raw))
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        raise _fail(f"{path}.timestamp", f"{str(raw)[:40]!r} is not a time in seconds since 1970") from None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _event_day(event: Mapping[str, Any]) -> datetime:
    """When an event without a timestamp happened: its `date` (midnight UTC), else now."""
    raw = event.get("date")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw[:10]).replace(tzinfo=UTC)
        except ValueError:
            raise _fail("Event.date", f"{raw[:40]!r} is not a date (YYYY-MM-DD)") from None
    return datetime.now(UTC)


def unwrap(data: Any) -> Mapping[str, Any]:
    """The event object of a MISP event document: `{"Event": {...}}`, the bare event, or a MISP
    API answer `{"response": [{"Event": {...}}]}`."""
    if isinstance(data, dict) and isinstance(data.get("response"), list) and data["response"]:
        data = data["response"][0]
    if isinstance(data, dict) and "Event" in data:
        return _dict(data["Event"], "Event")
    if isinstance(data, dict) and ("Attribute" in data or "info" in data) and "uuid" in data:
        return data
    raise _fail("Event", 'is missing (a MISP event is {"Event": {...}})')


def _normal(kinds: tuple[IndicatorKind, ...], raw: str) -> values.Value:
    """The value as the first of `kinds` that takes it (an ip-dst may be an address or a network)."""
    if kinds == _ADDRESS:
        detected = values.detect(raw)
        kinds = (detected,) if detected in _ADDRESS else (K.IPV4,)
    last: ValidationFailed | None = None
    for kind in kinds:
        try:
            return values.normalise(kind, raw)
        except ValidationFailed as exc:
            last = exc
    assert last is not None
    raise last


def _halves(misp_type: str, raw: str) -> tuple[list[tuple[tuple[IndicatorKind, ...], str]], dict[str, str]]:
    """[(kinds, value)] to type, and the custom properties the other halves become."""
    if misp_type in _SINGLE:
        return [(_SINGLE[misp_type], raw)], {}
    if "|" not in raw:
        raise ValueError(f"a {misp_type} value is two parts separated by '|'")
    left, right = raw.rsplit("|", 1) if misp_type.endswith("|port") else raw.split("|", 1)
    if misp_type == "domain|ip":
        return [((K.DOMAIN,), left), (_ADDRESS, right)], {}
    if misp_type.endswith("|port"):
        kinds = (K.HOSTNAME,) if misp_type == "hostname|port" else _ADDRESS
        return [(kinds, left)], {"x_misp_port": right.strip()}
    # filename|<hash>, malware-sample (filename|md5)
    hash_kind = _HASHES.get(misp_type.partition("|")[2], K.MD5)
    return [((hash_kind,), right)], {"x_misp_filename": left}


def _half_id(attribute_uuid: str, index: int) -> str:
    if index == 0:
        return f"indicator--{attribute_uuid}"
    return f"indicator--{uuid.uuid5(NAMESPACE, f'{attribute_uuid}/{index}')}"


def _markings(tlp: Any) -> list[str]:
    return [MARKING_IDS[tlp]] if tlp is not None else []


def _attributes(event: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], str, str | None]]:
    """Every attribute of the event: (attribute, its JSON path, the name of its MISP object)."""
    for i, attribute in enumerate(_list(event, "Attribute", "Event")):
        path = f"Event.Attribute[{i}]"
        yield _dict(attribute, path), path, None
    for j, obj in enumerate(_list(event, "Object", "Event")):
        opath = f"Event.Object[{j}]"
        mapping = _dict(obj, opath)
        name = _text(mapping, "name", opath)
        if _bool(mapping.get("deleted", False)):
            continue
        for i, attribute in enumerate(_list(mapping, "Attribute", opath)):
            path = f"{opath}.Attribute[{i}]"
            yield _dict(attribute, path), path, name


def convert(data: Any) -> Converted:
    """The STIX objects of one MISP event (see the module page). ValidationFailed naming the JSON
    path when `data` is not a MISP event."""
    event = unwrap(data)
    event_uuid = _uuid(event, "Event", required=True)
    assert event_uuid is not None
    info = _text(event, "info", "Event") or ""
    event_time = _moment(event, "Event", _event_day(event))
    event_marks = misp_tags.parse(_tag_names(event, "Event"))
    out = Converted(event_uuid, info)

    orgc = event.get("Orgc")
    identity_ref: str | None = None
    if orgc is not None:
        org = _dict(orgc, "Event.Orgc")
        org_name = _text(org, "name", "Event.Orgc") or "MISP organisation"
        org_uuid = _uuid(org, "Event.Orgc", required=False) or str(uuid.uuid5(NAMESPACE, f"orgc/{org_name}"))
        identity_ref = f"identity--{org_uuid}"
        out.objects.append(
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": identity_ref,
                "created": IDENTITY_CREATED,
                "modified": IDENTITY_CREATED,
                "name": org_name[:250],
                "identity_class": "organization",
            }
        )

    refs: list[str] = []
    for attribute, path, object_name in _attributes(event):
        for obj in _indicators(attribute, path, object_name, event_uuid, info, event_time, event_marks, out):
            if identity_ref:
                obj["created_by_ref"] = identity_ref
            out.objects.append(obj)
            refs.append(obj["id"])
            out.indicators += 1

    if refs:
        published_raw = event.get("publish_timestamp") or event.get("timestamp")
        published = _moment({"timestamp": published_raw}, "Event", event_time) if published_raw else event_time
        report: dict[str, Any] = {
            "type": "report",
            "spec_version": "2.1",
            "id": f"report--{event_uuid}",
            "created": stix_timestamp(event_time),
            "modified": stix_timestamp(event_time),
            "name": info[:250] or f"MISP event {event_uuid}",
            "report_types": ["threat-report"],
            "published": stix_timestamp(published),
            "object_refs": ([identity_ref] if identity_ref else []) + refs,
            "x_misp_event_uuid": event_uuid,
        }
        if event_marks.tags:
            report["labels"] = list(event_marks.tags)
        if event_marks.tlp is not None:
            report["object_marking_refs"] = _markings(event_marks.tlp)
        if identity_ref:
            report["created_by_ref"] = identity_ref
        date = _text(event, "date", "Event")
        if date:
            report["x_misp_date"] = date
        out.objects.append(report)
    return out


def _indicators(
    attribute: Mapping[str, Any],
    path: str,
    object_name: str | None,
    event_uuid: str,
    info: str,
    event_time: datetime,
    event_marks: misp_tags.Markings,
    out: Converted,
) -> Iterator[dict[str, Any]]:
    misp_type = _text(attribute, "type", path, required=True)
    assert misp_type is not None
    raw = _text(attribute, "value", path, required=True)
    assert raw is not None
    attribute_uuid = _uuid(attribute, path, required=False) or str(
        uuid.uuid5(NAMESPACE, f"{event_uuid}/{misp_type}/{raw}")
    )
    when = _moment(attribute, path, event_time)
    marks = misp_tags.combine(event_marks, misp_tags.parse(_tag_names(attribute, path)))
    if _bool(attribute.get("deleted", False)):
        out.skipped.append(Skipped(attribute_uuid, misp_type, "deleted in MISP"))
        return
    if misp_type not in TYPED:
        out.skipped.append(Skipped(attribute_uuid, misp_type, "not a type csirtnet keeps as an indicator"))
        return
    try:
        halves, extra = _halves(misp_type, raw)
    except ValueError as exc:
        out.skipped.append(Skipped(attribute_uuid, misp_type, str(exc)))
        return
    category = _text(attribute, "category", path)
    comment = _text(attribute, "comment", path)
    to_ids = _bool(attribute.get("to_ids", False))
    labels = list(marks.tags) + ([] if to_ids else [misp_tags.NOT_FOR_DETECTION])
    stamp = stix_timestamp(when)
    for index, (kinds, half) in enumerate(halves):
        try:
            normal = _normal(kinds, half)
        except ValidationFailed as exc:
            reason = exc.errors[0].message if exc.errors else str(exc)
            out.skipped.append(Skipped(attribute_uuid, misp_type, reason))
            continue
        try:
            pattern = pattern_for(normal.kind, normal.value)
        except (KeyError, ValueError) as exc:  # pragma: no cover - every typed kind has a pattern
            out.skipped.append(Skipped(attribute_uuid, misp_type, str(exc)))
            continue
        obj: dict[str, Any] = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": _half_id(attribute_uuid, index),
            "created": stamp,
            "modified": stamp,
            "name": normal.value if len(normal.value) <= 250 else normal.value[:247] + "...",
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": stamp,
            "indicator_types": ["malicious-activity"],
            "x_misp_type": misp_type,
            "x_misp_attribute_uuid": attribute_uuid,
            "x_misp_to_ids": to_ids,
            "x_misp_event_uuid": event_uuid,
            "x_misp_event_info": info,
        }
        if comment:
            obj["description"] = comment
            obj["x_misp_comment"] = comment
        if category:
            obj["x_misp_category"] = category
        if object_name:
            obj["x_misp_object_name"] = object_name
        obj.update(extra)
        if marks.tlp is not None:
            obj["object_marking_refs"] = _markings(marks.tlp)
        if labels:
            obj["labels"] = labels
        if marks.pap is not None:
            obj["x_csirtnet_pap"] = marks.pap.value
        if marks.rsit is not None:
            obj["x_csirtnet_rsit"] = marks.rsit
        yield obj
