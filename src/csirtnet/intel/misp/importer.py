"""MISP events and feeds in, through the one ingestion engine (`intel.ingest.run`): every event is
converted to STIX 2.1 first (intel.misp.convert), so MISP writes no rows of its own.

- `import_event` — one MISP event document (`{"Event": {...}}`, as MISP's "Download as JSON" or
  its API writes it).
- `import_feed_dir` — a MISP feed directory as the CIRCL OSINT feed is laid out: `manifest.json`
  (event uuid → metadata) lists the events, `<event uuid>.json` holds each, `hashes.csv` holds
  `<md5 of a value>,<event uuid>` lines (checked; MISP uses it for lookups without fetching).
  Only the events the manifest lists are read, as MISP does.

Transactions — decided: a feed is ONE import (one `IntelImport` row, one audit record, the
caller's one transaction), not one per event. Each event file is read and converted whole before
any of its objects reaches the engine, so a bad file (not JSON, not a MISP event, an event uuid
other than its file's name, missing) contributes nothing, is reported naming the file and the JSON
path, and the other files import. That takes two passes over the files (check and convert, then
hand the objects to the engine): the first pass keeps the converted events up to `CACHE_OBJECTS`
objects, and converts the rest again in the second, so a large feed is never held in memory.
One transaction per event would write an audit record per event (the audit chain takes a lock per
record) and leave a half-imported feed on a crash; a re-run of a feed is a no-op for what is
already in (the engine is idempotent), so the whole feed is redone instead.

What the engine does not read from STIX (our PAP and RSIT, carried as `x_csirtnet_pap` /
`x_csirtnet_rsit`) is set on the typed indicators this import made or updated afterwards, one
UPDATE per distinct (PAP, RSIT, event) and chunk of ids; `origin_ref` becomes the MISP event's uuid.
Attributes that could not be typed are in `IntelImport.failures` with their uuid, type and reason,
and counted in `skipped` (and `total`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import update
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.errors import ValidationFailed
from csirtnet.intel import ingest
from csirtnet.intel.misp import convert
from csirtnet.models import Indicator, IntelImport
from csirtnet.models.intel import IndicatorOrigin
from csirtnet.vocabulary.enums import TLP

Progress = Callable[[int], None]
_HASH_LINE = re.compile(r"^[0-9a-f]{32},[0-9a-fA-F-]{36}$")
_UPDATE_CHUNK = 500
# Converted events kept from the checking pass for the storing pass, up to this many STIX objects
# (about 50 MB); events beyond it are converted again.
CACHE_OBJECTS = 50_000


@dataclass
class _Marks:
    """PAP, RSIT and event of the typed indicators, by STIX id, to set after the engine ran."""

    by_group: dict[tuple[str | None, str | None, str], list[str]] = field(default_factory=dict)

    def add(self, converted: convert.Converted) -> None:
        for obj in converted.objects:
            if obj["type"] != "indicator":
                continue
            key = (obj.get("x_csirtnet_pap"), obj.get("x_csirtnet_rsit"), converted.event_uuid)
            self.by_group.setdefault(key, []).append(obj["id"])


def _message(exc: ValidationFailed) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in exc.errors) if exc.errors else str(exc)


def _report(row: IntelImport, entries: list[dict[str, Any]]) -> None:
    """Add what MISP conversion skipped to the import row (capped like the engine's own)."""
    if not entries:
        return
    row.skipped += len(entries)
    row.total += len(entries)
    room = ingest.MAX_REPORTED - len(row.failures or [])
    row.failures = list(row.failures or []) + entries[: max(0, room)]


def _finish(session: Session, row: IntelImport, marks: _Marks) -> None:
    for (pap, rsit, event_uuid), ids in marks.by_group.items():
        for start in range(0, len(ids), _UPDATE_CHUNK):
            chunk = ids[start : start + _UPDATE_CHUNK]
            values: dict[str, Any] = {"origin_ref": event_uuid}
            if pap is not None:
                values["pap"] = pap
            if rsit is not None:
                values["rsit"] = rsit
            # Only rows this import wrote (the engine marks them with its uuid): a newer local
            # edit of an indicator keeps its own PAP and RSIT.
            session.execute(
                update(Indicator)
                .where(Indicator.stix_id.in_(chunk), Indicator.origin_ref == row.uuid)
                .values(**values)
                .execution_options(synchronize_session=False)
            )


def _parse(data: bytes | str | dict[str, Any] | list[Any]) -> Any:
    if isinstance(data, bytes | str):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ValidationFailed("Event", f"is not JSON: {exc}") from None
    return data


def import_event(
    session: Session,
    who: Subject,
    data: bytes | str | dict[str, Any] | list[Any],
    *,
    source: str,
    collection: str,
    default_tlp: TLP,
    progress: Progress | None = None,
) -> IntelImport:
    """Import one MISP event into `collection`. ValidationFailed naming the JSON path when it is not
    a MISP event (nothing is imported). Never commits."""
    converted = convert.convert(_parse(data))
    row = ingest.start(session, who, collection=collection, source=source, fmt="misp-event", default_tlp=default_tlp)
    _report(row, [s.failure() for s in converted.skipped])
    marks = _Marks()
    marks.add(converted)
    ingest.run(
        session,
        who,
        converted.objects,
        collection=collection,
        source=source,
        fmt="misp-event",
        origin=IndicatorOrigin.MISP,
        default_tlp=default_tlp,
        progress=progress,
        import_row=row,
    )
    _finish(session, row, marks)
    return row


@dataclass
class _Feed:
    path: Path
    events: list[str]  # uuids the manifest lists, in its order
    failures: list[dict[str, Any]] = field(default_factory=list)
    good: list[str] = field(default_factory=list)

    def fail(self, ident: str, message: str) -> None:
        self.failures.append({"id": ident[:200], "version": "", "message": message})


def _manifest(path: Path) -> list[str]:
    manifest = path / "manifest.json"
    if not path.is_dir():
        raise ValidationFailed("path", f"{path} is not a directory")
    if not manifest.is_file():
        raise ValidationFailed("manifest.json", f"{manifest} is missing: not a MISP feed directory")
    try:
        data = orjson.loads(manifest.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed("manifest.json", f"is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed("manifest.json", "must be an object of event uuid → event metadata")
    events: list[str] = []
    for key, meta in data.items():
        try:
            events.append(str(uuid.UUID(key)))
        except ValueError:
            raise ValidationFailed(f"manifest.json: {key[:60]}", "is not an event uuid") from None
        if not isinstance(meta, dict):
            raise ValidationFailed(f"manifest.json: {key}", "must be an object (the event's metadata)")
    return events


def _check_hashes(feed: _Feed) -> None:
    hashes = feed.path / "hashes.csv"
    if not hashes.is_file():
        return
    with hashes.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if text and not _HASH_LINE.match(text):
                feed.fail(f"hashes.csv:{number}", f"hashes.csv line {number}: not '<md5>,<event uuid>'")


def _convert_file(feed: _Feed, event_uuid: str) -> convert.Converted | None:
    name = f"{event_uuid}.json"
    path = feed.path / name
    if not path.is_file():
        feed.fail(name, f"{name}: listed in manifest.json but missing")
        return None
    try:
        converted = convert.convert(orjson.loads(path.read_bytes()))
    except orjson.JSONDecodeError as exc:
        feed.fail(name, f"{name}: is not JSON: {exc}")
        return None
    except ValidationFailed as exc:
        feed.fail(name, f"{name}: {_message(exc)}")
        return None
    if converted.event_uuid != event_uuid:
        feed.fail(name, f"{name}: Event.uuid: {converted.event_uuid} is not the event the file is named for")
        return None
    return converted


def import_feed_dir(
    session: Session,
    who: Subject,
    path: Path,
    *,
    collection: str,
    default_tlp: TLP,
    progress: Progress | None = None,
) -> IntelImport:
    """Import a MISP feed directory into `collection` (see the module page). ValidationFailed when
    the directory is no feed (no or a bad manifest.json); a bad event file is reported, not fatal.
    Never commits."""
    path = Path(path)
    feed = _Feed(path, _manifest(path))
    _check_hashes(feed)
    skipped: list[dict[str, Any]] = []
    cache: dict[str, convert.Converted] = {}
    cached = 0
    for event_uuid in feed.events:
        converted = _convert_file(feed, event_uuid)
        if converted is not None:
            feed.good.append(event_uuid)
            skipped.extend(s.failure() for s in converted.skipped)
            if cached + len(converted.objects) <= CACHE_OBJECTS:
                cache[event_uuid] = converted
                cached += len(converted.objects)
    source = str(path)
    row = ingest.start(session, who, collection=collection, source=source, fmt="misp-feed", default_tlp=default_tlp)
    _report(row, feed.failures + skipped)
    marks = _Marks()

    def objects() -> Iterator[dict[str, Any]]:
        for event_uuid in feed.good:
            converted = cache.pop(event_uuid, None) or _convert_file(feed, event_uuid)
            if converted is None:  # changed between the passes: still nothing of it
                continue
            marks.add(converted)
            yield from converted.objects

    ingest.run(
        session,
        who,
        objects(),
        collection=collection,
        source=source,
        fmt="misp-feed",
        origin=IndicatorOrigin.MISP,
        default_tlp=default_tlp,
        progress=progress,
        import_row=row,
    )
    _finish(session, row, marks)
    return row
