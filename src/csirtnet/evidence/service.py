"""The rules of evidence: registering an item with its collection record, and each custody step.

Every change appends its signed custody entry and its audit record in the caller's transaction
(evidence.custody); who may do what is asked of authz.evidence. Content reaches the evidence store
before the item is registered (the upload hashes it while writing); an item refers to content the
store holds, never to bytes still arriving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import evidence as rules
from csirtnet.authz.derived import guard_of
from csirtnet.authz.incident import get_visible
from csirtnet.errors import ValidationFailed
from csirtnet.evidence import custody, events, tasks
from csirtnet.evidence.schemas import (
    AnalysisRecord,
    CheckOut,
    CopyRequest,
    DisposalRecord,
    EvidenceCreate,
    Note,
    Reason,
    ReturnRecord,
    SealRecord,
    TransferOffer,
)
from csirtnet.identity.service import subject_for
from csirtnet.incident.common import next_reference
from csirtnet.kit.files import clean_filename
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    CustodyAction,
    EvidenceContent,
    EvidenceItem,
    EvidenceKind,
    EvidenceStatus,
    User,
)
from csirtnet.notification.service import notify

A = CustodyAction


class Stored:
    """What the evidence store reports of content it holds (evidence.store.Digests has it)."""

    sha256: str
    sha1: str
    md5: str
    size: int
    key_id: str | None


def _content_row(session: Session, digests: Any) -> EvidenceContent:
    row = session.scalar(select(EvidenceContent).where(EvidenceContent.sha256 == digests.sha256))
    if row is not None:
        return row  # the same bytes, stored once, linked again
    row = EvidenceContent(
        sha256=digests.sha256,
        sha1=digests.sha1,
        md5=digests.md5,
        size=digests.size,
        key_id=getattr(digests, "key_id", None),
    )
    session.add(row)
    session.flush()
    return row


def _stated_mismatch(data: EvidenceCreate, digests: Any) -> None:
    for name in ("sha256", "sha1", "md5"):
        stated = getattr(data, name)
        if stated is not None and stated != getattr(digests, name):
            raise ValidationFailed(
                name, f"the file's {name.upper()} is {getattr(digests, name)}, not {stated} as stated"
            )


def add_item(
    session: Session,
    who: Subject,
    incident_id: int,
    data: EvidenceCreate,
    *,
    stored: Any | None = None,
    filename: str | None = None,
    content_type: str | None = None,
) -> EvidenceItem:
    """Register an item collected for the incident: a digital one with the content the store holds
    (`stored`: its digests), a physical one described. Its first custody entry, "collected", names
    its hashes and makes the collector its custodian."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    rules.require_add_evidence(session, who, incident, data.tlp.value)
    if data.collected_at > utcnow():
        raise ValidationFailed("collected_at", "is in the future")
    digital = data.kind == EvidenceKind.DIGITAL
    if digital and stored is None:
        raise ValidationFailed("file", "a digital item needs its file")
    if not digital and stored is not None:
        raise ValidationFailed("file", "a physical item has no file; describe it instead")
    if stored is not None:
        _stated_mismatch(data, stored)
    content = _content_row(session, stored) if stored is not None else None
    collector = session.get(User, who.user_id) if who.user_id is not None else None
    item = EvidenceItem(
        reference=next_reference(session, "EV", EvidenceItem),
        incident_id=incident.id,
        kind=data.kind.value,
        item_type=data.item_type.value,
        title=data.title.strip(),
        description=data.description,
        tlp=data.tlp.value,
        content_id=content.id if content is not None else None,
        filename=clean_filename(filename) if digital else None,
        content_type=(content_type or "application/octet-stream")[:120] if digital else None,
        make=data.make,
        model=data.model,
        serial_number=data.serial_number,
        seal_number=data.seal_number,
        location=data.location,
        collected_by_id=who.user_id,
        collected_by_name=data.collected_by_name or (collector.full_name if collector else who.label),
        collected_at=data.collected_at,
        collected_timezone=data.collected_timezone,
        collection_place=data.collection_place,
        collection_system=data.collection_system,
        collection_address=data.collection_address,
        tool=data.tool,
        tool_version=data.tool_version,
        procedure=data.procedure,
        legal_basis=data.legal_basis,
        legal_basis_date=data.legal_basis_date,
        original=data.original,
        volatility=data.volatility.value if data.volatility else None,
        iso_stage=data.iso_stage.value,
        created_by_id=who.user_id,
    )
    if content is not None:
        item.content = content
    session.add(item)
    session.flush()
    custody.append(session, who, item, A.COLLECTED, _collected_details(item, content))
    tasks.ensure_scheduled(session)
    return item


def _collected_details(item: EvidenceItem, content: EvidenceContent | None) -> dict[str, Any]:
    """What the first entry binds under the platform's signature: the content's hashes and the
    collection record, so neither can be changed later without the log showing it."""
    details: dict[str, Any] = {
        "incident_id": item.incident_id,
        "kind": item.kind,
        "item_type": item.item_type,
        "title": item.title,
        "tlp": item.tlp,
        "collected_by": item.collected_by_name,
        "collected_at": item.collected_at.isoformat(),
        "collected_timezone": item.collected_timezone,
        "place": item.collection_place,
        "system": item.collection_system,
        "address": item.collection_address,
        "tool": item.tool,
        "tool_version": item.tool_version,
        "procedure": item.procedure,
        "legal_basis": item.legal_basis,
        "legal_basis_date": item.legal_basis_date.isoformat() if item.legal_basis_date else None,
        "original": item.original,
        "volatility": item.volatility,
        "iso_stage": item.iso_stage,
        "make": item.make,
        "model": item.model,
        "serial_number": item.serial_number,
        "seal_number": item.seal_number,
        "location": item.location,
    }
    if content is not None:
        details.update(
            filename=item.filename, size=content.size, sha256=content.sha256, sha1=content.sha1, md5=content.md5
        )
    return details


def _live(item: EvidenceItem) -> None:
    if item.status in (EvidenceStatus.RETURNED.value, EvidenceStatus.DISPOSED.value):
        raise ValidationFailed("status", f"the item was {item.status}; its custody has ended")


def _item_for_step(
    session: Session, who: Subject, item_id: int, rule: Callable[[Session, Subject, EvidenceItem, str], None], step: str
) -> EvidenceItem:
    """The item a custody step acts on: visible to `who`, allowed by authz.evidence's `rule`, and
    still in custody (not returned or disposed of)."""
    item = rules.get_visible_item(session, who, item_id)
    rule(session, who, item, step)
    _live(item)
    return item


def seal(session: Session, who: Subject, item_id: int, data: SealRecord) -> EvidenceItem:
    """Record that the item was sealed (seal number, where it is kept)."""
    item = _item_for_step(session, who, item_id, rules.require_custodian_or_coordinator, "a seal")
    item.seal_number = data.seal_number
    if data.location:
        item.location = data.location
    custody.append(session, who, item, A.SEALED, data.model_dump())
    return item


def offer_transfer(session: Session, who: Subject, item_id: int, data: TransferOffer) -> EvidenceItem:
    """Offer the item to another handler; custody moves when they acknowledge."""
    item = rules.get_visible_item(session, who, item_id)
    rules.require_custodian_or_coordinator(session, who, item, "a transfer")
    _live(item)
    if item.status == EvidenceStatus.CHECKED_OUT.value:
        raise ValidationFailed("status", "check the item back in before handing it over")
    if item.pending_to_id is not None:
        raise ValidationFailed("to_user_id", "a transfer is already waiting; cancel it first")
    receiver = session.get(User, data.to_user_id)
    if receiver is None or not receiver.is_active:
        raise ValidationFailed("to_user_id", "no such active user")
    if receiver.id == item.custodian_id:
        raise ValidationFailed("to_user_id", "that person already holds the item")
    if not rules.may_receive(session, subject_for(receiver), item):
        raise ValidationFailed("to_user_id", "that person may not handle this item (no evidence role on the incident)")
    custodian = session.get(User, item.custodian_id) if item.custodian_id else None
    custody.append(
        session,
        who,
        item,
        A.TRANSFER_OFFERED,
        {
            "from_id": item.custodian_id,
            "from": custodian.full_name if custodian else None,
            "to_id": receiver.id,
            "to": receiver.full_name,
            "reason": data.reason,
        },
    )
    notify(
        session,
        events.TRANSFER_OFFERED.key,
        [receiver],
        {"reference": item.reference},
        link=f"/evidence/{item.id}",
        guard=guard_of(item),
    )
    return item


def acknowledge_transfer(session: Session, who: Subject, item_id: int, data: Note) -> EvidenceItem:
    """The receiver confirms they now hold the item: custody moves to them."""
    item = rules.get_visible_item(session, who, item_id)
    rules.require_receiver(who, item)
    rules.require_handle(session, who, item)
    previous = session.get(User, item.custodian_id) if item.custodian_id else None
    custody.append(
        session,
        who,
        item,
        A.TRANSFER_ACKNOWLEDGED,
        {"from_id": item.custodian_id, "from": previous.full_name if previous else None, "note": data.note},
    )
    return item


def decline_transfer(session: Session, who: Subject, item_id: int, data: Reason) -> EvidenceItem:
    """The receiver refuses the item: it stays with its custodian."""
    item = rules.get_visible_item(session, who, item_id)
    rules.require_receiver(who, item)
    custody.append(session, who, item, A.TRANSFER_DECLINED, {"reason": data.reason})
    return item


def cancel_transfer(session: Session, who: Subject, item_id: int, data: Note) -> EvidenceItem:
    """Withdraw an offer nobody has acknowledged yet."""
    item = rules.get_visible_item(session, who, item_id)
    rules.require_custodian_or_coordinator(session, who, item, "a cancelled transfer")
    if item.pending_to_id is None:
        raise ValidationFailed("status", "no transfer of this item is waiting")
    custody.append(session, who, item, A.TRANSFER_CANCELLED, {"to_id": item.pending_to_id, "note": data.note})
    return item


def check_out(session: Session, who: Subject, item_id: int, data: CheckOut) -> EvidenceItem:
    """The custodian takes the item out of storage for analysis."""
    item = _item_for_step(session, who, item_id, rules.require_custodian, "a check-out")
    if item.status == EvidenceStatus.CHECKED_OUT.value:
        raise ValidationFailed("status", "the item is already checked out")
    custody.append(session, who, item, A.CHECKED_OUT, {"purpose": data.purpose})
    return item


def check_in(session: Session, who: Subject, item_id: int, data: Note) -> EvidenceItem:
    """The custodian puts the item back into storage."""
    item = rules.get_visible_item(session, who, item_id)
    rules.require_custodian(session, who, item, "a check-in")
    if item.status != EvidenceStatus.CHECKED_OUT.value:
        raise ValidationFailed("status", "the item is not checked out")
    custody.append(session, who, item, A.CHECKED_IN, {"note": data.note, "location": item.location})
    return item


def record_analysis(session: Session, who: Subject, item_id: int, data: AnalysisRecord) -> EvidenceItem:
    """What the custodian's analysis used and found."""
    item = _item_for_step(session, who, item_id, rules.require_custodian, "an analysis")
    custody.append(session, who, item, A.ANALYSED, data.model_dump())
    return item


def copy(session: Session, who: Subject, item_id: int, data: CopyRequest) -> EvidenceItem:
    """A working copy of a digital item: a new item on the same stored content (stored once),
    linked to its source, held by who made it; both logs record the copy."""
    source = rules.get_visible_item(session, who, item_id)
    rules.require_handle(session, who, source)
    _live(source)
    if source.kind != EvidenceKind.DIGITAL.value or source.content is None:
        raise ValidationFailed("item", "only a digital item is copied here; a physical item's image is a new item")
    item = EvidenceItem(
        reference=next_reference(session, "EV", EvidenceItem),
        incident_id=source.incident_id,
        kind=source.kind,
        item_type=source.item_type,
        title=(data.title or f"{source.title} (copy)")[:300],
        description=source.description,
        tlp=source.tlp,
        content_id=source.content_id,
        filename=source.filename,
        content_type=source.content_type,
        collected_by_id=who.user_id,
        collected_by_name=custody.actor_of(session, who)["name"],
        collected_at=utcnow(),
        collected_timezone=source.collected_timezone,
        collection_place=source.collection_place,
        collection_system=source.collection_system,
        collection_address=source.collection_address,
        tool="csirtnet copy",
        procedure=f"copy of {source.reference}",
        legal_basis=source.legal_basis,
        legal_basis_date=source.legal_basis_date,
        original=False,
        volatility=source.volatility,
        iso_stage=source.iso_stage,
        source_item_id=source.id,
        created_by_id=who.user_id,
    )
    item.content = source.content
    session.add(item)
    session.flush()
    content = source.content
    custody.append(session, who, source, A.COPIED, {"copy": item.reference, "reason": data.reason})
    details = _collected_details(item, content)
    details.update(source=source.reference, reason=data.reason)
    custody.append(session, who, item, A.COPIED, details)
    return item


def return_item(session: Session, who: Subject, item_id: int, data: ReturnRecord) -> EvidenceItem:
    """The item went back to its owner: its custody here ends."""
    item = _item_for_step(session, who, item_id, rules.require_custodian_or_coordinator, "a return")
    custody.append(session, who, item, A.RETURNED, data.model_dump())
    return item


def dispose(session: Session, who: Subject, item_id: int, data: DisposalRecord) -> EvidenceItem:
    """The item was destroyed or released under an authorisation; a coordinator records it. Its
    bytes stay in the write-once store (another item may share them) and its log stays whole."""
    item = rules.get_visible_item(session, who, item_id)
    rules.require_dispose(session, who, item)
    _live(item)
    custody.append(session, who, item, A.DISPOSED, data.model_dump())
    return item


def record_view(session: Session, who: Subject, item: EvidenceItem, *, via: str) -> None:
    """Looking at an item's record is itself in its log (the platform's own reads are not)."""
    if who.user_id is not None:
        custody.append(session, who, item, A.VIEWED, {"via": via})


def record_download(session: Session, who: Subject, item_id: int, *, via: str) -> EvidenceItem:
    """The item whose content is about to be sent, with the download in its log."""
    item = rules.get_visible_item(session, who, item_id)
    if item.content is None:
        raise ValidationFailed("item", "a physical item has no file to download")
    custody.append(session, who, item, A.DOWNLOADED, {"via": via, "sha256": item.content.sha256})
    return item
