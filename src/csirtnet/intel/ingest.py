"""The one ingestion engine: every import path (a STIX file, the CLI, a TAXII POST, a MISP event or
feed converted to STIX first, a federation pull) ends in `run`.

What it does with a stream of STIX 2.1 objects, in chunks of `CHUNK` objects (one lookup and one
bulk insert per chunk and table — COPY on PostgreSQL, with the new indicators' ids taken from their
sequence up front; executemany on SQLite — never an ORM object per STIX object):
- checks each object (a dict; `type` and an `id` of that type with an RFC 4122 UUID; STIX 2.1 only;
  the properties its type requires; timestamps; an indicator's pattern against the OASIS grammar)
  and skips what fails, keeping the object's id and the reason (the first `MAX_REPORTED` in
  `IntelImport.failures`, every one counted in `skipped`);
- keeps every valid object, whatever its type (SDOs, SROs, SCOs, marking and extension
  definitions, custom `x-` objects), as a `StixObject` version: its compact JSON as received,
  unknown and custom properties included. The same (collection, id, modified) again is a no-op
  (`unchanged`); a `modified` not seen before is a new version (`versions`), a new id a new object
  (`created`);
- takes each object's TLP from its `object_marking_refs` (the TLP 2.0 and TLP 1.0 marking
  definitions, and TLP marking definitions the stream itself defines), else `default_tlp`; the TLP
  marking definitions themselves are TLP:CLEAR;
- makes a typed `Indicator` for each STIX indicator (pattern_type "stix"): simple patterns become
  their type and normalised value (`objects.typed_from_pattern`), others `stix-pattern`
  indicators; values found on a warninglist are marked. A newer version of an indicator updates
  its typed row; an older one is only stored. An indicator whose id is already typed in another
  collection is stored without a second typed row (`Indicator.stix_id` is unique);
- writes ONE audit record for the whole import ("intel.import", counts only, no values);
- imports into the same collection take turns (an advisory lock on PostgreSQL), so two at once
  never both store the same version.

Memory: the objects are consumed as they come (`objects` may be a generator); only ids and
versions seen in this run are kept.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

import orjson
from sqlalchemy import JSON, String, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import intel as authz_intel
from csirtnet.errors import ValidationFailed
from csirtnet.intel import collections as intel_collections
from csirtnet.intel import values
from csirtnet.intel.stix import markings
from csirtnet.intel.stix.objects import value_from_pattern
from csirtnet.kit.time import utcnow
from csirtnet.models import Indicator, IntelImport, StixObject
from csirtnet.models.intel import IndicatorKind, IndicatorOrigin
from csirtnet.vocabulary.enums import TLP

CHUNK = 5000
MAX_REPORTED = 1000  # failures (and successes) kept on the import row; every one is counted

Progress = Callable[[int], None]

_ID = re.compile(
    r"^([a-z][a-z0-9-]{0,248}[a-z0-9])--"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
# Up to nanoseconds: the stored version (`StixObject.modified`) is kept as written, in 40 characters.
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
MAX_ID = 100  # StixObject.stix_id

SCO_TYPES = frozenset(
    [
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    ]
)
_SDO_REQUIRED: dict[str, tuple[str, ...]] = {
    "attack-pattern": ("name",),
    "campaign": ("name",),
    "course-of-action": ("name",),
    "grouping": ("context", "object_refs"),
    "identity": ("name",),
    "incident": ("name",),
    "indicator": ("pattern", "pattern_type", "valid_from"),
    "infrastructure": ("name",),
    "intrusion-set": ("name",),
    "location": (),
    "malware": ("is_family",),
    "malware-analysis": ("product",),
    "note": ("content", "object_refs"),
    "observed-data": ("first_observed", "last_observed", "number_observed"),
    "opinion": ("opinion", "object_refs"),
    "report": ("name", "published", "object_refs"),
    "threat-actor": ("name",),
    "tool": ("name",),
    "vulnerability": ("name",),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
    "sighting": ("sighting_of_ref",),
    "language-content": ("object_ref", "contents"),
    "extension-definition": ("name", "schema", "version", "extension_types", "created_by_ref"),
}
_SCO_REQUIRED: dict[str, tuple[str, ...]] = {
    "autonomous-system": ("number",),
    "directory": ("path",),
    "domain-name": ("value",),
    "email-addr": ("value",),
    "email-message": ("is_multipart",),
    "ipv4-addr": ("value",),
    "ipv6-addr": ("value",),
    "mac-addr": ("value",),
    "mutex": ("name",),
    "network-traffic": ("protocols",),
    "software": ("name",),
    "url": ("value",),
}


class Skip(Exception):
    """An object that is not stored, with the property at fault and why."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")


def _warninglist_checker() -> Callable[[str, str], list[str]] | None:
    """The hook that marks values found on a warninglist (intel.warninglists), or None when that
    part is not there. Tests replace it."""
    try:
        from csirtnet.config import get_settings
        from csirtnet.intel import warninglists
    except ImportError:  # pragma: no cover - the part is optional
        return None
    matcher = warninglists.matcher(get_settings())
    return matcher.check


warninglist_hook: Callable[[], Callable[[str, str], list[str]] | None] = _warninglist_checker


@dataclass
class _Accepted:
    obj: dict[str, Any]
    stix_id: str
    stix_type: str
    modified: str  # as written ("" when the object has neither modified nor created)
    moment: datetime | None  # `modified` (or `created`) parsed, to order versions
    tlp: TLP
    typed: values.Value | None = None  # an indicator's simple pattern, typed
    index: int = 0  # its place in the chunk


@dataclass
class _Run:
    row: IntelImport
    who: Subject
    collection: str
    origin: IndicatorOrigin
    default_tlp: TLP
    check_warninglists: Callable[[str, str], list[str]] | None
    local_tlp: dict[str, TLP] = field(default_factory=dict)  # TLP marking definitions the stream defines
    identities: dict[str, str] = field(default_factory=dict)  # identity id -> name, seen in the stream
    seen: dict[str, set[str]] = field(default_factory=dict)  # id -> versions stored in this run
    indicator_updates: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    successes: list[dict[str, Any]] = field(default_factory=list)
    # Counted here and written to the row once (an ORM attribute set per object costs).
    counts: dict[str, int] = field(default_factory=dict)

    def fail(self, obj: Any, index: int, message: str) -> None:
        self.counts["skipped"] += 1
        if len(self.failures) < MAX_REPORTED:
            found = obj.get("id") if isinstance(obj, dict) else None
            ident = found if isinstance(found, str) else f"object #{index}"
            version = (obj.get("modified") or obj.get("created")) if isinstance(obj, dict) else None
            self.failures.append(
                {"id": ident[:200], "version": str(version or "")[:40], "message": f"{ident[:200]}: {message}"}
            )

    def succeed(self, item: _Accepted) -> None:
        if len(self.successes) < MAX_REPORTED:
            self.successes.append({"id": item.stix_id, "version": item.modified})


def _moment(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise Skip(name, "is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z, up to nanoseconds)")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Skip(name, "is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z, up to nanoseconds)") from None


def _tlp_of_marking(obj: dict[str, Any]) -> TLP | None:
    """The TLP a marking definition in the stream stands for (TLP 2.0 extension or TLP 1.0 form)."""
    ext = obj.get("extensions")
    if isinstance(ext, dict):
        tlp2 = ext.get(markings.TLP2_EXTENSION_ID)
        if isinstance(tlp2, dict) and isinstance(tlp2.get("tlp_2_0"), str):
            try:
                return TLP(tlp2["tlp_2_0"].lower())
            except ValueError:
                return None
    definition = obj.get("definition")
    if obj.get("definition_type") == "tlp" and isinstance(definition, dict):
        level = str(definition.get("tlp", "")).lower()
        return TLP.CLEAR if level == "white" else TLP(level) if level in {t.value for t in TLP} else None
    return None


def check(obj: Any, run: _Run) -> _Accepted:
    """The object, checked; Skip naming the property at fault otherwise."""
    if not isinstance(obj, dict):
        raise Skip("object", "is not a JSON object")
    stix_type = obj.get("type")
    if not isinstance(stix_type, str) or not stix_type:
        raise Skip("type", "missing required property")
    ident = obj.get("id")
    if not isinstance(ident, str):
        raise Skip("id", "missing required property")
    if len(ident) > MAX_ID:
        raise Skip("id", f"is longer than {MAX_ID} characters (its type is too long to be kept)")
    match = _ID.match(ident)
    if match is None:
        raise Skip("id", "is not a STIX identifier (type--UUID)")
    if match.group(1) != stix_type:
        raise Skip("id", f"does not start with its type {stix_type!r}")
    if stix_type == "bundle":
        raise Skip("type", "a bundle inside a bundle is not an object")
    spec = obj.get("spec_version")
    is_sco = stix_type in SCO_TYPES
    if spec is None and not is_sco:
        raise Skip("spec_version", "missing required property (STIX 2.1 objects carry it; STIX 2.0 is not supported)")
    if spec is not None and spec != "2.1":
        raise Skip("spec_version", f"unsupported spec_version {spec!r} (only STIX 2.1)")
    required = _SCO_REQUIRED.get(stix_type, ()) if is_sco else _SDO_REQUIRED.get(stix_type, ())
    for name in required:
        if obj.get(name) is None:
            raise Skip(name, "missing required property")
    created_at: datetime | None = None
    modified_at: datetime | None = None
    if stix_type == "marking-definition":
        created_at = _moment(obj.get("created"), "created")
    elif not is_sco:
        if "created" in obj or stix_type in _SDO_REQUIRED:
            created_at = _moment(obj.get("created"), "created")
        if "modified" in obj or stix_type in _SDO_REQUIRED:
            modified_at = _moment(obj.get("modified"), "modified")
        if created_at is not None and modified_at is not None and modified_at < created_at:
            raise Skip("modified", "is earlier than created")
    if stix_type == "indicator" and obj.get("pattern_type") == "stix":
        if not isinstance(obj.get("pattern"), str):
            raise Skip("pattern", "is not a string")
        _moment(obj.get("valid_from"), "valid_from")
    modified = obj.get("modified") or obj.get("created") or ""
    tlp: TLP | None
    if stix_type == "marking-definition":
        own = _tlp_of_marking(obj)
        if own is not None:
            run.local_tlp[ident] = own
            tlp = TLP.CLEAR
        else:
            tlp = _object_tlp(obj, run)
    else:
        tlp = _object_tlp(obj, run)
    if stix_type == "identity" and isinstance(obj.get("name"), str):
        run.identities[ident] = obj["name"]
    return _Accepted(obj, ident, stix_type, str(modified), modified_at or created_at, tlp)


def _object_tlp(obj: dict[str, Any], run: _Run) -> TLP:
    refs = obj.get("object_marking_refs")
    if not isinstance(refs, list):
        return run.default_tlp
    found = markings.tlp_from_refs(refs)
    local = [run.local_tlp[r] for r in refs if isinstance(r, str) and r in run.local_tlp]
    if local:
        found = markings.strictest([*local, *([found] if found else [])])
    return found or run.default_tlp


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _among(session: Session, column: Any, keys: Iterable[str]) -> Any:
    """`column IN keys`: one array parameter on PostgreSQL (thousands of bound parameters cost more
    to send than the lookup itself), IN on SQLite."""
    keys = list(keys)
    if _is_pg(session):
        return column == any_(bindparam("keys", keys, type_=ARRAY(String), expanding=False))
    return column.in_(keys)


def _copy(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys): COPY on PostgreSQL in the session's transaction
    (JSON columns as JSONB, found once per table rather than value by value), executemany on SQLite."""
    if not rows:
        return
    if not _is_pg(session):
        session.execute(insert(table), rows)
        return
    from psycopg.types.json import Jsonb

    session.flush()
    columns = list(rows[0])
    json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON | JSONB)]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in columns]
            for i in json_at:
                values[i] = Jsonb(values[i], dumps=_json_text)
            copy.write_row(values)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _new_ids(session: Session, table: Any, n: int) -> list[int] | None:
    """`n` ids taken from the table's sequence (PostgreSQL), so that COPY can write them and no
    query has to find them afterwards; None on SQLite."""
    if not _is_pg(session):
        return None
    return list(
        session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
    )


def _serialise(session: Session, collection: str) -> None:
    """Imports into one collection take turns (PostgreSQL: a transaction-scoped advisory lock), so
    that two imports of the same objects at once cannot both find them new and collide on
    (collection, id, modified); SQLite has one writer at a time anyway."""
    if _is_pg(session):
        digest = hashlib.blake2b(f"intel.ingest:{collection}".encode(), digest_size=8).digest()
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int.from_bytes(digest, "big", signed=True)})


def _chunks(objects: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(objects)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _existing_versions(session: Session, collection: str, ids: list[str]) -> dict[str, set[str]]:
    # By id alone (its own index), the collection compared here: on a table just filled in this
    # transaction, the planner has no statistics and would scan the collection's index instead.
    out: dict[str, set[str]] = {}
    for stix_id, modified, where in session.execute(
        select(StixObject.stix_id, StixObject.modified, StixObject.collection).where(
            _among(session, StixObject.stix_id, ids)
        )
    ):
        if where == collection:
            out.setdefault(stix_id, set()).add(modified)
    return out


def _text(value: Any, limit: int | None = None) -> str | None:
    """A text property for a column: NUL characters dropped (PostgreSQL refuses them in text; the
    stored JSON keeps them, escaped), cut to `limit`."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("\x00", "") if "\x00" in value else value
    return text if limit is None else text[:limit]


def _indicator_row(item: _Accepted, run: _Run, now: datetime) -> dict[str, Any] | None:
    obj = item.obj
    if item.typed is not None:
        normal = item.typed
    else:
        pattern = obj["pattern"]
        if len(pattern) > 2048:
            return None  # kept as the STIX object only
        normal = values.Value(IndicatorKind.STIX_PATTERN, pattern)
    if "\x00" in normal.value:
        return None  # PostgreSQL keeps no NUL in text: kept as the STIX object only
    created = datetime.fromisoformat(obj["created"])
    confidence = obj.get("confidence")
    labels = [x for x in (_text(label, 200) for label in obj.get("labels") or []) if x][:50]
    warninglists: list[str] = []
    if run.check_warninglists is not None and normal.kind is not IndicatorKind.STIX_PATTERN:
        warninglists = run.check_warninglists(normal.kind.value, normal.value)
    valid_until = obj.get("valid_until")
    creator = obj.get("created_by_ref")
    return {
        "stix_id": item.stix_id,
        "collection": run.collection,
        "kind": normal.kind.value,
        "value": normal.value,
        "ip_lo": normal.ip_lo,
        "ip_hi": normal.ip_hi,
        "rdomain": normal.rdomain,
        "tlp": item.tlp.value,
        "pap": "amber",
        "confidence": confidence if isinstance(confidence, int) and 0 <= confidence <= 100 else 50,
        "valid_from": datetime.fromisoformat(obj["valid_from"]),
        "valid_until": _until(valid_until),
        "source_organisation_id": run.who.organisation_id,
        "source_name": _text(run.identities.get(creator) if isinstance(creator, str) else None, 200),
        "origin": run.origin.value,
        "origin_ref": run.row.uuid,
        "description": _text(obj.get("description")),
        "tags": labels,
        "rsit": None,
        "warninglists": warninglists,
        "revoked": obj.get("revoked") is True,
        "sightings_count": 0,
        "false_positive_count": 0,
        "first_seen_at": None,
        "last_seen_at": None,
        "created_by_id": run.who.user_id,
        "created_at": created,
        "modified_at": item.moment or now,
    }


def _until(value: Any) -> datetime | None:
    if isinstance(value, str) and _TIMESTAMP.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


_UPDATED = [
    "kind",
    "value",
    "ip_lo",
    "ip_hi",
    "rdomain",
    "tlp",
    "confidence",
    "valid_from",
    "valid_until",
    "description",
    "tags",
    "warninglists",
    "revoked",
    "modified_at",
    "origin_ref",
]


def _store_chunk(session: Session, run: _Run, chunk: list[Any], first_index: int) -> None:
    now = utcnow()
    accepted: list[_Accepted] = []
    for offset, obj in enumerate(chunk):
        try:
            accepted.append(check(obj, run))
            accepted[-1].index = offset
        except Skip as exc:
            run.fail(obj, first_index + offset, str(exc))
    if not accepted:
        return
    existing = _existing_versions(session, run.collection, list({a.stix_id for a in accepted}))
    new: list[_Accepted] = []
    for item in accepted:
        stored = run.seen.setdefault(item.stix_id, set())
        if item.modified in stored or item.modified in existing.get(item.stix_id, ()):
            run.counts["unchanged"] += 1
            continue
        if item.stix_type == "indicator" and item.obj.get("pattern_type") == "stix":
            # Checked only for versions not stored yet: a re-import does not parse them again.
            try:
                item.typed = value_from_pattern(item.obj["pattern"])
            except ValidationFailed as exc:
                run.fail(item.obj, first_index + item.index, f"pattern: {str(exc).removeprefix('pattern: ')}")
                continue
        if stored or item.stix_id in existing:
            run.counts["versions"] += 1
        else:
            run.counts["created"] += 1
        stored.add(item.modified)
        new.append(item)
        run.succeed(item)
    if not new:
        return
    indicator_ids = _indicators(session, run, [i for i in new if i.stix_type == "indicator"], now)
    rows = []
    for item in new:
        created = item.obj.get("created")
        rows.append(
            {
                "collection": run.collection,
                "stix_id": item.stix_id,
                "stix_type": item.stix_type[:64],
                "spec_version": "2.1",
                "modified": item.modified[:40],
                "created": created[:40] if isinstance(created, str) else None,
                "date_added": now,
                "tlp": item.tlp.value,
                "organisation_id": run.who.organisation_id,
                "created_by_id": run.who.user_id,
                "indicator_id": indicator_ids.get(item.stix_id),
                "body": orjson.dumps(item.obj).decode(),
            }
        )
    _copy(session, StixObject.__table__, rows)


def _indicators(session: Session, run: _Run, items: list[_Accepted], now: datetime) -> dict[str, int]:
    """Typed indicators of the chunk's new indicator versions: inserted, or updated when newer;
    the ids of the typed rows by STIX id (for `StixObject.indicator_id`)."""
    typable = [i for i in items if i.obj.get("pattern_type") == "stix"]
    if not typable:
        return {}
    known = {
        stix_id: (ident, collection, modified_at)
        for ident, stix_id, collection, modified_at in session.execute(
            select(Indicator.id, Indicator.stix_id, Indicator.collection, Indicator.modified_at).where(
                _among(session, Indicator.stix_id, {i.stix_id for i in typable})
            )
        )
    }
    inserts: dict[str, dict[str, Any]] = {}
    updates: dict[int, dict[str, Any]] = {}
    for item in typable:
        row = _indicator_row(item, run, now)
        if row is None:
            continue
        if item.stix_id in known:
            ident, collection, modified_at = known[item.stix_id]
            if collection != run.collection or row["modified_at"] <= modified_at:
                continue
            row = {name: row[name] for name in _UPDATED}
            row["id"] = ident
            updates[ident] = row
            known[item.stix_id] = (ident, collection, row["modified_at"])
        elif item.stix_id not in inserts or row["modified_at"] > inserts[item.stix_id]["modified_at"]:
            inserts[item.stix_id] = row
    if updates:
        session.execute(update(Indicator), list(updates.values()))
        run.indicator_updates += len(updates)
    if inserts:
        ids = _new_ids(session, Indicator.__table__, len(inserts))
        if ids is not None:
            for new_id, row in zip(ids, inserts.values(), strict=True):
                row["id"] = new_id
                known[row["stix_id"]] = (new_id, run.collection, row["modified_at"])
        _copy(session, Indicator.__table__, list(inserts.values()))
        run.counts["indicators"] += len(inserts)
        if ids is None:
            for ident, stix_id in session.execute(
                select(Indicator.id, Indicator.stix_id).where(_among(session, Indicator.stix_id, inserts))
            ):
                known[stix_id] = (ident, run.collection, inserts[stix_id]["modified_at"])
    return {stix_id: ident for stix_id, (ident, collection, _) in known.items() if collection == run.collection}


_COUNTS = ("total", "created", "versions", "unchanged", "skipped", "indicators")


def start(
    session: Session,
    who: Subject,
    *,
    collection: str,
    source: str,
    fmt: str,
    default_tlp: TLP,
) -> IntelImport:
    """A pending import row (a TAXII POST answers with its status before the objects are in)."""
    collection = intel_collections.check_key(collection)
    authz_intel.require_write_collection(session, who, collection)
    row = IntelImport(
        uuid=str(uuid.uuid4()),
        format=fmt[:20],
        source=source[:400],
        collection=collection,
        status="pending",
        total=0,
        created=0,
        versions=0,
        unchanged=0,
        skipped=0,
        indicators=0,
        successes=[],
        failures=[],
        tlp=TLP(default_tlp).value,
        organisation_id=who.organisation_id,
        created_by_id=who.user_id,
        started_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def run(
    session: Session,
    who: Subject,
    objects: Iterable[Any],
    *,
    collection: str,
    source: str,
    fmt: str,
    origin: IndicatorOrigin,
    default_tlp: TLP,
    progress: Progress | None = None,
    import_row: IntelImport | None = None,
) -> IntelImport:
    """Import `objects` (STIX 2.1 dicts) into `collection` for `who`; the import's row with its
    counts and what was skipped. `progress` is called with the number of objects handled since its
    last call. Never commits."""
    row = import_row or start(session, who, collection=collection, source=source, fmt=fmt, default_tlp=default_tlp)
    if import_row is not None:
        authz_intel.require_write_collection(session, who, row.collection)
    _serialise(session, row.collection)
    state = _Run(
        row=row,
        who=who,
        collection=row.collection,
        origin=IndicatorOrigin(origin),
        default_tlp=TLP(default_tlp),
        check_warninglists=warninglist_hook(),
    )
    state.failures = list(row.failures or [])
    state.successes = list(row.successes or [])
    state.counts = {name: getattr(row, name) or 0 for name in _COUNTS}
    index = 0
    for chunk in _chunks(objects):
        _store_chunk(session, state, chunk, index)
        index += len(chunk)
        state.counts["total"] += len(chunk)
        if progress is not None:
            progress(len(chunk))
    row.failures = state.failures
    row.successes = state.successes
    for name in _COUNTS:
        setattr(row, name, state.counts[name])
    row.status = "complete"
    row.finished_at = utcnow()
    session.flush()
    audit.record(
        session,
        who,
        "intel.import",
        row,
        format=row.format,
        collection=row.collection,
        total=row.total,
        created=row.created,
        versions=row.versions,
        unchanged=row.unchanged,
        skipped=row.skipped,
        indicators=row.indicators,
        indicators_updated=state.indicator_updates,
    )
    return row
