"""A MISP feed of what one requester may see: a directory a MISP instance subscribes to ("Feeds",
format "MISP Feed") and PyMISP loads, laid out as the CIRCL OSINT feed is:
- `manifest.json` — every event's uuid → its `Orgc`, `Tag`, `info`, `date`, `analysis`,
  `threat_level_id` and `timestamp` (MISP fetches the events whose timestamp moved);
- `hashes.csv` — one line `<md5 of an attribute value>,<event uuid>` per attribute (MISP's own
  hashing: the MD5 of the value's UTF-8 text; MISP looks values up in it without fetching events);
- `<event uuid>.json` — one file per event, `{"Event": {...}}` with its attributes.

Which indicators: exactly `intel.exports_rows` (visible to the requester, not revoked or expired,
warninglisted ones left out unless asked).

Events — decided: one event per (collection, TLP, day the indicator was created). An event's TLP is
then exact (the event's tag is its attributes' TLP, never the looser or the stricter of a mix), a
day's new indicators make a new event instead of swelling old ones, and an indicator changed later
stays in its event, whose timestamp (its newest attribute's) moves, so a subscribed MISP instance
refetches it. Event uuids are UUID5s of the instance, collection, TLP and day: the same export run
twice writes the same events. Every attribute carries its TLP, PAP and RSIT as tags too, and its
other tags; its uuid is its STIX id's; `to_ids` is MISP's default for the type, off for what came
from MISP with it off (`csirtnet:to_ids="false"`).

Writing into a directory that already holds a feed replaces it: event files the new manifest no
longer lists are removed. A directory that is not empty and holds no feed is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from csirtnet.config import get_settings
from csirtnet.errors import ValidationFailed
from csirtnet.intel.exports_rows import IndicatorRow
from csirtnet.intel.misp import tags as misp_tags
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind
# Fixed forever: changing it changes every exported event's uuid.
NAMESPACE = uuid.UUID("4b7e2a10-93c4-5d51-a2f0-6c8d9e1f3a24")

# Our kind → (MISP attribute type, category, to_ids) — MISP's own defaults (describeTypes.json).
_TYPES: dict[IndicatorKind, tuple[str, str, bool]] = {
    K.IPV4: ("ip-dst", "Network activity", True),
    K.IPV6: ("ip-dst", "Network activity", True),
    K.IPV4_NET: ("ip-dst", "Network activity", True),
    K.IPV6_NET: ("ip-dst", "Network activity", True),
    K.DOMAIN: ("domain", "Network activity", True),
    K.HOSTNAME: ("hostname", "Network activity", True),
    K.URL: ("url", "Network activity", True),
    K.EMAIL: ("email-src", "Payload delivery", True),
    K.MD5: ("md5", "Payload delivery", True),
    K.SHA1: ("sha1", "Payload delivery", True),
    K.SHA256: ("sha256", "Payload delivery", True),
    K.SHA512: ("sha512", "Payload delivery", True),
    K.FILENAME: ("filename", "Payload delivery", True),
    K.ASN: ("AS", "Network activity", False),
    K.JA3: ("ja3-fingerprint-md5", "Network activity", True),
    K.STIX_PATTERN: ("stix2-pattern", "Payload installation", True),
}
# JA4 has no MISP attribute type (PyMISP's describeTypes knows none): it is left out and counted.
_TLP_COLOURS = {
    "clear": "#ffffff",
    "green": "#33ff00",
    "amber": "#ffc000",
    "amber+strict": "#ffc000",
    "red": "#ff2b2b",
}
_EVENT_FILE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$")


@dataclass
class FeedSummary:
    events: int = 0
    attributes: int = 0
    left_out: int = 0  # visible indicators of a kind MISP has no attribute type for


def md5_of(value: str) -> str:
    """MISP's feed hash of an attribute value (hashes.csv)."""
    return hashlib.md5(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def organisation() -> dict[str, str]:
    """The `Orgc` of our events: this instance (its name from the base URL, a UUID5 of it)."""
    base = get_settings().base_url.rstrip("/")
    host = urlsplit(base).hostname or base
    return {"name": f"csirtnet {host}"[:255], "uuid": str(uuid.uuid5(NAMESPACE, f"{base}/misp"))}


def _tag(name: str) -> dict[str, Any]:
    tlp = misp_tags.tlp_of(name)
    colour = _TLP_COLOURS[tlp.value] if tlp is not None else "#0088cc"
    return {"name": name, "colour": colour, "local": False, "relationship_type": ""}


def attribute_of(ind: IndicatorRow) -> dict[str, Any] | None:
    """The MISP attribute of an indicator, or None when MISP has no type for its kind."""
    found = _TYPES.get(IndicatorKind(ind.kind))
    if found is None:
        return None
    misp_type, category, to_ids = found
    value = ind.value.removeprefix("AS") if ind.kind == K.ASN.value else ind.value
    tags = ind.tags or []
    if misp_tags.NOT_FOR_DETECTION in tags:
        to_ids = False
        tags = [t for t in tags if t != misp_tags.NOT_FOR_DETECTION]
    names = misp_tags.to_tags(tlp=ind.tlp, pap=ind.pap, rsit=ind.rsit, tags=tags)
    ident = ind.stix_id.partition("--")[2] or str(uuid.uuid5(NAMESPACE, ind.stix_id))
    return {
        "uuid": ident,
        "type": misp_type,
        "category": category,
        "value": value,
        "to_ids": to_ids,
        "comment": (ind.description or "")[:65535],
        "timestamp": str(_epoch(ind.modified_at or ind.created_at)),
        "disable_correlation": False,
        "deleted": False,
        "Tag": [_tag(n) for n in names],
    }


def _day(ind: IndicatorRow) -> str:
    created = ind.created_at if ind.created_at.tzinfo else ind.created_at.replace(tzinfo=UTC)
    return created.astimezone(UTC).date().isoformat()


def _groups(rows: Iterable[IndicatorRow]) -> Iterator[tuple[tuple[str, str, str], list[IndicatorRow]]]:
    """Consecutive rows of one (collection, TLP, day); the rows come sorted by those."""
    key: tuple[str, str, str] | None = None
    group: list[IndicatorRow] = []
    for row in rows:
        here = (row.collection, row.tlp, _day(row))
        if key is not None and here != key:
            yield key, group
            group = []
        key = here
        group.append(row)
    if key is not None and group:
        yield key, group


def _prepare(out: Path) -> set[str]:
    """The event files of a previous feed in `out` (to remove those no longer listed)."""
    if out.exists() and not out.is_dir():
        raise ValidationFailed("out", f"{out} is a file, not a directory")
    out.mkdir(parents=True, exist_ok=True)
    present = {p.name for p in out.iterdir()}
    if present and "manifest.json" not in present:
        raise ValidationFailed("out", f"{out} is not empty and holds no MISP feed (no manifest.json)")
    return {name for name in present if _EVENT_FILE.match(name)}


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write(rows: Iterable[IndicatorRow], out: Path) -> FeedSummary:
    """Write the feed of `rows` (sorted by collection, TLP, created_at: exports_rows with
    `by_group=True`) into the directory `out`."""
    stale = _prepare(out)
    org = organisation()
    base = get_settings().base_url.rstrip("/")
    summary = FeedSummary()
    manifest: dict[str, Any] = {}
    hashes_part = out / "hashes.csv.part"
    with hashes_part.open("w", encoding="utf-8", newline="\n") as hashes:
        for key, group in _groups(rows):
            attributes = []
            for ind in group:
                attribute = attribute_of(ind)
                if attribute is None:
                    summary.left_out += 1
                else:
                    attributes.append(attribute)
            if not attributes:
                continue
            event_uuid, meta, event = _event(key, attributes, base, org)
            _write(out / f"{event_uuid}.json", orjson.dumps({"Event": event}))
            manifest[event_uuid] = meta
            hashes.writelines(f"{md5_of(a['value'])},{event_uuid}\n" for a in attributes)
            stale.discard(f"{event_uuid}.json")
            summary.events += 1
            summary.attributes += len(attributes)
    os.replace(hashes_part, out / "hashes.csv")
    _write(out / "manifest.json", orjson.dumps(manifest))
    for name in stale:
        (out / name).unlink(missing_ok=True)
    return summary


def _event(
    key: tuple[str, str, str], attributes: list[dict[str, Any]], base: str, org: dict[str, str]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """One event's uuid, manifest entry and body."""
    collection, tlp, day = key
    event_uuid = str(uuid.uuid5(NAMESPACE, f"{base}|{collection}|{tlp}|{day}"))
    timestamp = str(max(int(a["timestamp"]) for a in attributes))
    event_tags = [_tag(misp_tags.tlp_tag(tlp))]
    info = f"csirtnet: indicators shared in {collection} on {day} (TLP:{tlp.upper()})"
    meta = {
        "Orgc": org,
        "Tag": [{"name": t["name"], "colour": t["colour"]} for t in event_tags],
        "info": info,
        "date": day,
        "analysis": "2",
        "threat_level_id": "4",
        "timestamp": timestamp,
    }
    event = {
        "uuid": event_uuid,
        "info": info,
        "date": day,
        "analysis": "2",
        "threat_level_id": "4",
        "timestamp": timestamp,
        "publish_timestamp": timestamp,
        "published": True,
        "Orgc": org,
        "Tag": event_tags,
        "Attribute": attributes,
    }
    return event_uuid, meta, event
