"""Exporting evidence for legal proceedings: the items `who` may handle, each with an "exported"
custody entry, written as the package of evidence.package (a folder for the CLI, a zip for the API
and the web page).

The "exported" entry is appended first and the package built from the log as it then stands, in the
same transaction: the package states its own export, and a package whose transaction did not commit
names an entry the database never kept (the folder is removed; a zip already sent cannot be, which
is why the zip is built before the answer starts: see `export_zip`).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import evidence as rules
from csirtnet.config import get_settings
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.evidence import chain, custody, signing
from csirtnet.evidence.store import EvidenceStore, evidence_store
from csirtnet.kit.dates import format_date, format_datetime
from csirtnet.kit.time import utcnow
from csirtnet.models import CustodyAction, EvidenceItem, Incident, User
from csirtnet.vocabulary import labels

if TYPE_CHECKING:
    # The package (and its PDF form) is imported when a package is written, not with the app.
    from csirtnet.evidence.package import ExportItem, PackageInfo

MAX_ITEMS = 500


def _both(table: dict[str, str], code: str | None) -> str:
    """A stored code named in Vietnamese and English, as the bilingual form writes it."""
    if not code:
        return ""
    vi, en = labels.name(table, code, "vi"), labels.name(table, code, "en")
    return vi if vi == en else f"{vi} / {en}"


def collection_record(item: EvidenceItem) -> dict[str, str]:
    """The item's collection record as the package states it: the moment in the zone it was
    collected in (with its offset), every code named in both languages, empty values left out."""
    original = "Bản gốc / Original" if item.original else "Bản sao / Copy"
    values = {
        "collected_by": item.collected_by_name,
        "collected_at": f"{format_datetime(item.collected_at, 'en', item.collected_timezone, with_zone=True)}"
        f" {item.collected_timezone}",
        "place": item.collection_place,
        "system": item.collection_system,
        "address": item.collection_address,
        "tool": item.tool,
        "tool_version": item.tool_version,
        "procedure": item.procedure,
        "legal_basis": item.legal_basis,
        "legal_basis_date": format_date(item.legal_basis_date, "en") if item.legal_basis_date else None,
        "original_or_copy": original,
        "volatility": _both(labels.VOLATILITY, item.volatility),
        "iso_stage": _both(labels.ISO_STAGES, item.iso_stage),
    }
    return {key: str(value) for key, value in values.items() if value}


def _links(session: Session, item: EvidenceItem) -> list[chain.Link]:
    links = []
    for row in custody.entries_of(session, item):
        try:
            entry = json.loads(row.entry)
        except ValueError:
            entry = {"unreadable": row.entry}  # shipped as found: verify.py names it
        links.append(chain.Link(entry=entry if isinstance(entry, dict) else {}, hash=row.hash, signature=row.signature))
    return links


def _opener(store: EvidenceStore, sha256: str) -> Callable[[], AbstractContextManager[Iterable[bytes]]]:
    @contextmanager
    def open_content() -> Iterator[Iterable[bytes]]:
        with store.open_plain(sha256) as chunks:
            yield chunks

    return open_content


def export_item(session: Session, item: EvidenceItem, store: EvidenceStore) -> ExportItem:
    """One item as the package states it, with its log as it stands now."""
    from csirtnet.evidence.package import ExportItem

    incident = session.get(Incident, item.incident_id)
    custodian = session.get(User, item.custodian_id) if item.custodian_id is not None else None
    source = session.get(EvidenceItem, item.source_item_id) if item.source_item_id is not None else None
    content = item.content
    return ExportItem(
        reference=item.reference,
        incident_reference=incident.reference if incident is not None else str(item.incident_id),
        title=item.title,
        kind=item.kind,
        item_type=item.item_type,
        tlp=item.tlp,
        collection=collection_record(item),
        current_custodian=(custodian.full_name or custodian.email) if custodian is not None else "—",
        entries=_links(session, item),
        filename=item.filename,
        size=content.size if content is not None else None,
        sha256=content.sha256 if content is not None else None,
        sha1=content.sha1 if content is not None else None,
        md5=content.md5 if content is not None else None,
        make=item.make,
        model=item.model,
        serial_number=item.serial_number,
        seal_number=item.seal_number,
        location=item.location,
        source_reference=source.reference if source is not None else None,
        open_content=_opener(store, content.sha256) if content is not None else None,
    )


def package_info(session: Session, who: Subject) -> PackageInfo:
    from csirtnet.evidence.package import PackageInfo

    settings = get_settings()
    return PackageInfo(
        exported_at=utcnow(),
        exported_by=str(custody.actor_of(session, who)["name"]),
        platform_name="csirtnet",
        base_url=settings.base_url,
        public_key_pem=signing.public_pem(),
        sign=lambda message: signing.sign(message),
    )


def prepare(
    session: Session, who: Subject, ids: Sequence[int], *, with_files: bool, via: str
) -> tuple[list[ExportItem], PackageInfo]:
    """Record the export in each item's log and read the items as the package will state them.
    Every id must name an item `who` may handle (NotFound names the first that does not)."""
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationFailed("id", "name at least one evidence item")
    if len(wanted) > MAX_ITEMS:
        raise ValidationFailed("id", f"at most {MAX_ITEMS} items in one package")
    items: list[EvidenceItem] = []
    for item_id in wanted:
        try:
            item = rules.get_visible_item(session, who, item_id)
        except NotFound:
            raise NotFound(f"evidence item {item_id}") from None
        rules.require_handle(session, who, item)
        items.append(item)
    for item in items:
        custody.append(session, who, item, CustodyAction.EXPORTED, {"via": via, "with_files": with_files})
    store = evidence_store()
    return [export_item(session, item, store) for item in items], package_info(session, who)


def export_to_folder(session: Session, who: Subject, ids: Sequence[int], dest: Path, *, with_files: bool) -> Path:
    """Write the package as the new folder `dest` (the CLI); the caller's transaction commits the
    "exported" entries."""
    from csirtnet.evidence.package import write_package

    items, info = prepare(session, who, ids, with_files=with_files, via="cli")
    return write_package(dest, items, info, with_files=with_files)


def export_zip(session: Session, who: Subject, ids: Sequence[int], stream: IO[bytes], *, with_files: bool) -> None:
    """Write the package as a zip to `stream` (the caller's transaction commits the entries)."""
    from csirtnet.evidence.package import write_zip

    items, info = prepare(session, who, ids, with_files=with_files, via="api")
    write_zip(stream, items, info, with_files=with_files)


class _Pipe:
    """A write-only file whose writes a reader takes as chunks (a bounded queue: a slow client
    holds the writer back, memory stays a few buffers)."""

    def __init__(self) -> None:
        self.chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=8)
        self.closed = threading.Event()
        self.pending = bytearray()

    def write(self, data: bytes) -> int:
        self.pending += data
        if len(self.pending) >= 1024 * 1024:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.pending:
            self._put(bytes(self.pending))
            self.pending = bytearray()

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.closed.is_set():
            try:
                self.chunks.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("the client went away")

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


def zip_chunks(items: Sequence[ExportItem], info: PackageInfo, *, with_files: bool) -> Iterator[bytes]:
    """The zip of an already prepared package, chunk by chunk, written by a thread as it is read
    (evidence of any size, a few MiB of memory). Closing the iterator stops the writer."""
    from csirtnet.evidence.package import write_zip

    pipe = _Pipe()

    def produce() -> None:
        try:
            write_zip(pipe, items, info, with_files=with_files)  # type: ignore[arg-type]
            pipe.flush()
            pipe._put(None)
        except BrokenPipeError:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, raised there
            try:
                pipe._put(exc)
            except BrokenPipeError:
                return

    worker = threading.Thread(target=produce, name="evidence-zip", daemon=True)
    worker.start()
    try:
        while True:
            item = pipe.chunks.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        pipe.closed.set()
        worker.join(timeout=5)


def zip_name() -> str:
    return f"evidence-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.zip"
