"""Importing a file or directory of indicators: the format is detected, and every format ends in the
one ingestion engine (intel.ingest) — a STIX 2.1 bundle directly, a MISP event or a MISP feed
directory through intel.misp.importer (converted to STIX first).

Formats (`detect_format`):
- "stix": a STIX 2.1 bundle (`{"type": "bundle", "id": "bundle--…", "objects": […]}`);
- "misp-event": a MISP event document (`{"Event": {…}}`, or the bare event with `Attribute`);
- "misp-feed": a directory holding a MISP feed's `manifest.json`.

A bundle is read whole with orjson (about 4 times its size in Python objects: a 45 MB bundle peaks
at 321 MB for the whole process) and its objects are handed to the engine one by one, each dropped
once handed; bundles beyond `MAX_BUNDLE_BYTES` (200 MB, whose peak stays under 1 GB) are refused with
a message saying so (split them, or post them to TAXII in pages).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.errors import ValidationFailed
from csirtnet.intel import ingest
from csirtnet.models import IntelImport
from csirtnet.models.intel import IndicatorOrigin
from csirtnet.vocabulary.enums import TLP

FORMATS = ("stix", "misp-event", "misp-feed")
MAX_BUNDLE_BYTES = 200 * 1024 * 1024  # its peak stays under 1 GB (docs/benchmarks.md)
_PEEK = 256 * 1024
_BUNDLE = re.compile(rb'"type"\s*:\s*"bundle"')
_EVENT = re.compile(rb'^\s*\{\s*"(Event|response)"\s*:|"Attribute"\s*:')
_BUNDLE_ID = re.compile(r"^bundle--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

Progress = Callable[[int], None]


def _detect(head: bytes, tail: bytes) -> str | None:
    if _BUNDLE.search(head) or _BUNDLE.search(tail):
        return "stix"
    if _EVENT.search(head):
        return "misp-event"
    return None


def detect_format(path: Path) -> str:
    """ "stix", "misp-event" or "misp-feed"; ValidationFailed (field "path") when it is none of them."""
    path = Path(path)
    if path.is_dir():
        if (path / "manifest.json").is_file():
            return "misp-feed"
        raise ValidationFailed("path", f"{path} is a directory without a MISP feed's manifest.json")
    if not path.is_file():
        raise ValidationFailed("path", f"{path} does not exist")
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(_PEEK)
        tail = b""
        if size > _PEEK:
            handle.seek(max(_PEEK, size - _PEEK))
            tail = handle.read()
    found = _detect(head, tail)
    if found is None:
        raise ValidationFailed("path", f"{path.name} is neither a STIX 2.1 bundle nor a MISP event (JSON)")
    return found


def detect_bytes(data: bytes, name: str = "file") -> str:
    """ "stix" or "misp-event" for an uploaded document; ValidationFailed (field "file") otherwise."""
    found = _detect(data[:_PEEK], data[-_PEEK:])
    if found is None:
        raise ValidationFailed("file", f"{name} is neither a STIX 2.1 bundle nor a MISP event (JSON)")
    return found


def read_bundle(data: bytes, name: str = "bundle") -> list[Any]:
    """The objects of a STIX bundle's bytes; ValidationFailed naming the property at fault."""
    try:
        bundle = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed("bundle", f"{name} is not JSON: {exc}") from None
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise ValidationFailed("type", f"{name} is not a STIX bundle (its type must be 'bundle')")
    if not isinstance(bundle.get("id"), str) or not _BUNDLE_ID.match(bundle["id"]):
        raise ValidationFailed("id", f"{name}: the bundle's id must be bundle--<UUID>")
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        raise ValidationFailed("objects", f"{name}: the bundle's objects must be a list")
    return objects


def drain(objects: list[Any]) -> Iterator[Any]:
    """The list's items in order, each dropped from the list once handed out (memory falls as the
    engine goes)."""
    objects.reverse()
    while objects:
        yield objects.pop()


def read_file(path: Path) -> list[Any]:
    size = path.stat().st_size
    if size > MAX_BUNDLE_BYTES:
        raise ValidationFailed("path", f"{path.name} is larger than {MAX_BUNDLE_BYTES // 2**20} MB: split the bundle")
    return read_bundle(path.read_bytes(), path.name)


def import_bundle(
    session: Session,
    who: Subject,
    data: bytes,
    *,
    source: str,
    collection: str,
    default_tlp: TLP,
    origin: IndicatorOrigin = IndicatorOrigin.STIX,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IntelImport:
    """Import a STIX bundle's bytes (an upload, a TAXII POST body)."""
    objects = read_bundle(data, source)
    del data
    if on_total is not None:
        on_total(len(objects))
    return ingest.run(
        session,
        who,
        drain(objects),
        collection=collection,
        source=source,
        fmt="stix",
        origin=origin,
        default_tlp=default_tlp,
        progress=progress,
    )


def import_upload(
    session: Session,
    who: Subject,
    data: bytes,
    *,
    filename: str,
    collection: str,
    default_tlp: TLP,
) -> IntelImport:
    """Import an uploaded STIX bundle or MISP event (detected from its bytes)."""
    if detect_bytes(data, filename) == "stix":
        return import_bundle(session, who, data, source=filename, collection=collection, default_tlp=default_tlp)
    from csirtnet.intel.misp import importer

    return importer.import_event(session, who, data, source=filename, collection=collection, default_tlp=default_tlp)


def import_path(
    session: Session,
    who: Subject,
    path: Path,
    *,
    collection: str,
    default_tlp: TLP,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IntelImport:
    """Import a STIX bundle, a MISP event file or a MISP feed directory (detected) into
    `collection`. `progress` is called with the number of objects handled since its last call,
    `on_total` once with the number to expect when it is known up front."""
    path = Path(path)
    fmt = detect_format(path)
    if fmt == "stix":
        objects = read_file(path)
        if on_total is not None:
            on_total(len(objects))
        return ingest.run(
            session,
            who,
            drain(objects),
            collection=collection,
            source=path.name,
            fmt="stix",
            origin=IndicatorOrigin.STIX,
            default_tlp=default_tlp,
            progress=progress,
        )
    from csirtnet.intel.misp import importer

    if fmt == "misp-event":
        return importer.import_event(
            session,
            who,
            path.read_bytes(),
            source=path.name,
            collection=collection,
            default_tlp=default_tlp,
            progress=progress,
        )
    return importer.import_feed_dir(
        session, who, path, collection=collection, default_tlp=default_tlp, progress=progress
    )
