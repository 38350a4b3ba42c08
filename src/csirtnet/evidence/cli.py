"""`csirtnet evidence …`: add files (large images with a progress bar), list, verify, export, the key.

Each command acts as the platform unless `--as EMAIL` names the user acting (then that user's
rights apply and the custody log names them; an item added as the platform has no custodian until
a coordinator hands it to someone who acknowledges).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from csirtnet.cli_common import AsUser, acting_subject, fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from csirtnet.evidence.store import Digests, EvidenceStore

app = typer.Typer(help="Evidence: add, list, verify, export, the signing key", no_args_is_help=True)
err = Console(stderr=True)


def _incident_id(session: Session, ident: str) -> int:
    from sqlalchemy import select

    from csirtnet.models import Incident

    if ident.isdigit():
        return int(ident)
    found = session.scalar(select(Incident.id).where(Incident.reference == ident.strip().upper()))
    if found is None:
        raise fail(f"no incident {ident}")
    return found


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def _ingest(store: EvidenceStore, path: Path, expected_sha256: str | None) -> Digests:
    """Stream one file into the store with a progress bar; HashMismatch leaves nothing behind."""
    from csirtnet.evidence.store import ExpectedHashes

    expected = ExpectedHashes(sha256=expected_sha256) if expected_sha256 else None
    size = path.stat().st_size
    with _bar() as bar, path.open("rb", buffering=0) as fh:
        task = bar.add_task(path.name[:40], total=size)
        return store.ingest_stream(fh, expected, on_progress=lambda done: bar.update(task, completed=done))


@app.command("add")
def add(
    files: Annotated[
        list[Path], typer.Argument(help="The files to register, each one item", exists=True, dir_okay=False)
    ],
    incident: Annotated[str, typer.Option("--incident", help="Incident reference (SC-…) or id")],
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="The SHA-256 computed at acquisition (one FILE only)")
    ] = None,
    item_type: Annotated[
        str, typer.Option("--type", help="disk_image, memory_image, log, packet_capture, mailbox, …")
    ] = "other_file",
    title: Annotated[str | None, typer.Option("--title", help="Default: the file name")] = None,
    tlp: Annotated[str, typer.Option("--tlp", help="clear, green, amber, amber+strict or red")] = "amber",
    collected_at: Annotated[
        str | None, typer.Option("--collected-at", help="ISO 8601, e.g. 2026-12-06T09:30 (default: now)")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="Zone of the collection")] = "Asia/Ho_Chi_Minh",
    place: Annotated[str | None, typer.Option("--place", help="Where it was collected")] = None,
    system: Annotated[str | None, typer.Option("--system", help="The system it came from")] = None,
    tool: Annotated[str | None, typer.Option("--tool", help="Acquisition tool")] = None,
    tool_version: Annotated[str | None, typer.Option("--tool-version")] = None,
    procedure: Annotated[str | None, typer.Option("--procedure", help="Command or procedure used")] = None,
    legal_basis: Annotated[str | None, typer.Option("--legal-basis", help="Decision or warrant number")] = None,
    collected_by: Annotated[str | None, typer.Option("--collected-by", help="Default: the user acting")] = None,
    copy: Annotated[bool, typer.Option("--copy", help="The file is a copy, not the original")] = False,
    as_user: AsUser = None,
) -> None:
    """Stream files into the evidence store (SHA-256, SHA-1, MD5) and register each as an item.

    Prints one line per item: <id> TAB <sha256> TAB <file name>. A stated hash that differs, or
    any other failure, registers nothing."""
    from pydantic import ValidationError

    from csirtnet.authz import evidence as rules
    from csirtnet.authz.incident import get_visible
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.evidence import service
    from csirtnet.evidence.schemas import EvidenceCreate
    from csirtnet.evidence.store import HashMismatch, evidence_store
    from csirtnet.evidence.upload import remove_unreferenced

    if sha256 and len(files) > 1:
        raise fail("--sha256 states the hash of one file; give one FILE with it", 2)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"--timezone: {timezone} is not a time zone name", 2) from None
    try:
        moment = datetime.fromisoformat(collected_at) if collected_at else datetime.now(zone)
    except ValueError:
        raise fail("--collected-at: not an ISO 8601 date and time", 2) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    records: list[EvidenceCreate] = []
    for path in files:
        try:
            records.append(
                EvidenceCreate.model_validate(
                    {
                        "kind": "digital",
                        "item_type": item_type,
                        "title": title or path.name,
                        "tlp": tlp,
                        "sha256": sha256,
                        "collected_at": moment,
                        "collected_timezone": timezone,
                        "collected_by_name": collected_by,
                        "collection_place": place,
                        "collection_system": system,
                        "tool": tool,
                        "tool_version": tool_version,
                        "procedure": procedure,
                        "legal_basis": legal_basis,
                        "original": not copy,
                    }
                )
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "input"
            raise fail(f"{where}: {first.get('msg')}", 2) from None
    db = database()
    store = evidence_store()
    # The right to add is checked before hours of hashing, then again when registering.
    try:
        with db.unit_of_work(write=False) as session:
            who = acting_subject(session, as_user)
            incident_id = _incident_id(session, incident)
            found = get_visible(session, who, incident_id, audit_read=False)
            for record in records:
                rules.require_add_evidence(session, who, found, record.tlp.value)
    except AppError as exc:
        raise fail(exc.message) from exc
    stored: list[Digests] = []
    try:
        for path in files:
            stored.append(_ingest(store, path, sha256))
        with db.unit_of_work() as session:
            who = acting_subject(session, as_user)
            items = [
                service.add_item(
                    session, who, incident_id, record, stored=digests, filename=path.name, content_type=None
                )
                for path, record, digests in zip(files, records, stored, strict=False)
            ]
            lines = [
                f"{item.id}\t{digests.sha256}\t{path.name}"
                for item, digests, path in zip(items, stored, files, strict=False)
            ]
    except BaseException as exc:
        for digests in stored:
            remove_unreferenced(store, db.engine, digests)
        if isinstance(exc, HashMismatch):
            raise fail(f"{files[0]}: {exc}") from exc
        if isinstance(exc, AppError):
            raise fail(exc.message) from exc
        raise
    for line in lines:
        sys.stdout.write(line + "\n")


@app.command("list")
def list_items(
    incident: Annotated[str, typer.Option("--incident", help="Incident reference (SC-…) or id")],
    as_user: AsUser = None,
) -> None:
    """The incident's items: id, reference, type, status, SHA-256, title (tab-separated)."""
    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.evidence import repository

    try:
        with database().unit_of_work(write=False) as session:
            who = acting_subject(session, as_user)
            rows = [
                "\t".join(
                    [
                        str(item.id),
                        item.reference,
                        item.item_type,
                        item.status,
                        item.content.sha256 if item.content is not None else "-",
                        item.title,
                    ]
                )
                for item in repository.items_of_incident(session, who, _incident_id(session, incident))
            ]
    except AppError as exc:
        raise fail(exc.message) from exc
    for row in rows:
        sys.stdout.write(row + "\n")


@app.command("verify")
def verify(
    ids: Annotated[list[int] | None, typer.Argument(help="Item ids (or --all)")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Every item")] = False,
    deep: Annotated[bool, typer.Option("--deep", help="Also recompute SHA-1 and MD5")] = False,
) -> None:
    """Re-hash stored content and check every custody chain and signature; exit 1 when anything
    fails, naming each item and what is wrong. Each check is kept in the item's history."""
    from csirtnet.authz import Subject
    from csirtnet.cli import database
    from csirtnet.evidence import checks, signing
    from csirtnet.evidence.store import evidence_store

    if not ids and not all_items:
        raise fail("name the items to verify, or --all", 2)
    store = evidence_store()
    swept = store.sweep_incoming()  # part files of uploads whose process died
    if swept:
        typer.echo(f"removed {swept} unfinished upload file(s) left by processes that died", err=True)
    key = signing.public_key()
    platform = Subject.system("cli")
    failed = 0
    lines: list[str] = []
    with database().unit_of_work() as session:
        items = list(checks.items_to_check(session, None if all_items else list(ids or [])))
        missing = sorted(set(ids or []) - {item.id for item in items}) if not all_items else []
        for item_id in missing:
            failed += 1
            lines.append(f"FAIL\t{item_id}\tno such evidence item")
        for item in items:
            finding = checks.verify_item(session, item, store=store, key=key, deep=deep)
            checks.record(session, platform, item, finding, trigger="cli")
            if finding.ok:
                lines.append(f"OK\t{item.reference}\t{item.title}")
            else:
                failed += 1
                problems = "; ".join(str(p["message"]) for p in finding.problems)
                lines.append(f"FAIL\t{item.reference}\t{problems}")
    for line in lines:
        sys.stdout.write(line + "\n")
    err.print(f"{len(lines) - failed} held, {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("export")
def export_command(
    ids: Annotated[list[int], typer.Argument(help="Item ids")],
    out: Annotated[Path, typer.Option("--out", help="The package folder to create (must not exist)")],
    without_files: Annotated[bool, typer.Option("--without-files", help="Leave the items' files out")] = False,
    as_user: AsUser = None,
) -> None:
    """Write the legal export package (files, manifest, SHA256SUMS, custody log and form, key,
    verify.py, README.txt); each item's log records the export."""
    import shutil

    from csirtnet.cli import database
    from csirtnet.errors import AppError
    from csirtnet.evidence import export

    if out.exists():
        raise fail(f"{out} already exists", 2)
    written: Path | None = None
    try:
        with database().unit_of_work() as session:
            who = acting_subject(session, as_user)
            written = export.export_to_folder(session, who, ids, out, with_files=not without_files)
    except BaseException as exc:
        if written is not None:  # the entries it states were not kept
            shutil.rmtree(written, ignore_errors=True)
        if isinstance(exc, AppError):
            raise fail(exc.message) from exc
        raise
    err.print(f"wrote {written}: check it with `sha256sum -c SHA256SUMS` and `python3 verify.py`", highlight=False)


@app.command("key")
def key() -> None:
    """Print the platform's Ed25519 evidence public key (PEM) and its SHA-256 fingerprint."""
    from csirtnet.evidence import signing

    sys.stdout.write(signing.public_pem().decode("ascii"))
    sys.stdout.write(f"SHA-256 fingerprint: {signing.fingerprint(signing.public_key())}\n")
