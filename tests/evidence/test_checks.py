"""Verification names exactly what is wrong with an item: a changed byte, a missing file, an
edited, removed or reordered custody entry, a cut log, content swapped under a signed entry, or a
custodian the log does not derive; a new failure tells the coordinators once."""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.evidence import chain, checks, custody, service
from csirtnet.evidence.schemas import CheckOut, EvidenceCreate, Note, TransferOffer
from csirtnet.evidence.store import evidence_store
from csirtnet.identity.service import subject_for
from csirtnet.incident import participants
from csirtnet.incident.schemas import ParticipantCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import EvidenceCustodyEntry, EvidenceItem, Notification, User
from tests.incident.helpers import coordinator, member, open_incident

PLATFORM = Subject.system("test")


def _case(db: Session) -> tuple[User, User, User, EvidenceItem]:
    coord = coordinator(db)
    reporter = member(db)
    holder, analyst = member(db), member(db)
    incident = open_incident(db, coord, reporter)
    for user, role in ((holder, "custodian"), (analyst, "analyst")):
        participants.add(db, subject_for(coord), incident.id, ParticipantCreate(user_id=user.id, evidence_role=role))
    stored = evidence_store().ingest_stream(io.BytesIO(b"GET /index.php 200\n" * 5000))
    item = service.add_item(
        db,
        subject_for(holder),
        incident.id,
        EvidenceCreate(item_type="log", title="web log", collected_at=utcnow() - timedelta(hours=1)),
        stored=stored,
        filename="access.log",
    )
    service.offer_transfer(db, subject_for(holder), item.id, TransferOffer(to_user_id=analyst.id, reason="analysis"))
    service.acknowledge_transfer(db, subject_for(analyst), item.id, Note())
    service.check_out(db, subject_for(analyst), item.id, CheckOut(purpose="timeline"))
    service.check_in(db, subject_for(analyst), item.id, Note())
    db.flush()
    return coord, holder, analyst, item


def _entry(item: EvidenceItem, seq: int):  # type: ignore[no-untyped-def]
    return (EvidenceCustodyEntry.item_id == item.id) & (EvidenceCustodyEntry.seq == seq)


def _codes(db: Session, item: EvidenceItem) -> list[str]:
    db.expire_all()
    fresh = db.get(EvidenceItem, item.id)
    assert fresh is not None
    return [p["code"] for p in checks.verify_item(db, fresh).problems]


def test_an_untouched_item_holds_and_its_custodian_is_the_one_who_acknowledged(db: Session) -> None:
    _coord, _holder, analyst, item = _case(db)
    assert item.custodian_id == analyst.id and item.entry_count == 5
    assert checks.verify_item(db, item).ok
    assert custody.derive(custody.parsed(r) for r in custody.entries_of(db, item)).custodian_id == analyst.id


def test_a_changed_byte_on_disk_is_named(db: Session) -> None:
    _c, _h, _a, item = _case(db)
    assert item.content is not None
    path = evidence_store().path_for(item.content.sha256)
    os.chmod(path, 0o644)
    with open(path, "r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 1]))
    finding = checks.verify_item(db, item)
    assert [p["code"] for p in finding.problems] == ["content"]
    assert "changed" in finding.problems[0]["message"]


def test_a_missing_file_is_named(db: Session) -> None:
    _c, _h, _a, item = _case(db)
    assert item.content is not None
    evidence_store().path_for(item.content.sha256).unlink()
    assert _codes(db, item) == ["missing"]


def test_an_edited_entry_is_named_by_its_place(db: Session) -> None:
    _c, _h, _a, item = _case(db)
    row = db.scalar(select(EvidenceCustodyEntry).where(_entry(item, 2)))
    assert row is not None
    entry = json.loads(row.entry)
    entry["details"]["reason"] = "nothing happened"
    db.execute(update(EvidenceCustodyEntry).where(EvidenceCustodyEntry.id == row.id).values(entry=json.dumps(entry)))
    db.expire_all()
    problems = checks.verify_item(db, db.get(EvidenceItem, item.id)).problems  # type: ignore[arg-type]
    assert [(p["code"], p["seq"]) for p in problems] == [("hash", 2)]


def test_a_re_hashed_forgery_fails_its_signature(db: Session) -> None:
    _c, _h, _a, item = _case(db)
    rows = custody.entries_of(db, item)
    entry = custody.parsed(rows[-1])
    entry["details"]["note"] = "forged"
    forged = chain.entry_hash(entry)
    db.execute(
        update(EvidenceCustodyEntry)
        .where(EvidenceCustodyEntry.id == rows[-1].id)
        .values(entry=chain.canonical(entry).decode(), hash=forged)
    )
    db.execute(update(EvidenceItem).where(EvidenceItem.id == item.id).values(last_hash=forged))
    assert _codes(db, item) == ["signature"]


def test_a_removed_entry_in_the_middle_is_named(db: Session) -> None:
    _c, _h, _a, item = _case(db)
    db.execute(delete(EvidenceCustodyEntry).where(_entry(item, 3)))
    codes = _codes(db, item)
    assert "seq" in codes and "prev" in codes and "head" in codes


def test_reordered_entries_are_named(db: Session) -> None:
    _c, _h, _a, item = _case(db)
    rows = custody.entries_of(db, item)
    (a, a_seq), (b, b_seq) = (rows[2].id, rows[2].seq), (rows[3].id, rows[3].seq)
    db.execute(update(EvidenceCustodyEntry).where(EvidenceCustodyEntry.id == a).values(seq=-1))
    db.execute(update(EvidenceCustodyEntry).where(EvidenceCustodyEntry.id == b).values(seq=a_seq))
    db.execute(update(EvidenceCustodyEntry).where(EvidenceCustodyEntry.id == a).values(seq=b_seq))
    assert "prev" in _codes(db, item)


def test_a_cut_tail_is_named_even_when_the_chain_left_is_whole(db: Session) -> None:
    _c, _h, _a, item = _case(db)
    db.execute(delete(EvidenceCustodyEntry).where(_entry(item, 5)))
    assert "head" in _codes(db, item)


def test_a_custodian_the_log_does_not_derive_is_named(db: Session) -> None:
    _c, holder, _a, item = _case(db)
    db.execute(update(EvidenceItem).where(EvidenceItem.id == item.id).values(custodian_id=holder.id))
    assert _codes(db, item) == ["state"]


def test_a_failure_is_recorded_and_tells_the_coordinators_once(db: Session) -> None:
    coord, _h, _a, item = _case(db)
    assert item.content is not None
    evidence_store().path_for(item.content.sha256).unlink()
    for _ in range(2):
        checks.record(db, PLATFORM, item, checks.verify_item(db, item), trigger="schedule")
    db.flush()
    told = db.scalars(
        select(Notification).where(
            Notification.user_id == coord.id, Notification.event_type == "evidence.verification_failed"
        )
    ).all()
    assert len(told) == 1 and told[0].params["reference"] == item.reference
    assert item.check_ok is False


def test_what_a_step_changes_on_the_item_is_kept_with_its_entry(db: Session) -> None:
    from csirtnet.evidence.schemas import SealRecord

    _c, _h, analyst, item = _case(db)
    service.seal(db, subject_for(analyst), item.id, SealRecord(seal_number="BK-0147", location="Tủ số 2"))
    db.flush()
    db.expire_all()
    fresh = db.get(EvidenceItem, item.id)
    assert fresh is not None and (fresh.seal_number, fresh.location, fresh.entry_count) == ("BK-0147", "Tủ số 2", 6)
