"""The rules of evidence end to end, through the services: adding digital and physical items,
transfers that move custody only when acknowledged, check-out and in by the custodian alone,
analysis, copies on the same stored content, disposal by a coordinator, views and downloads in
the log, and who sees nothing at all."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.evidence import checks, repository, service
from csirtnet.evidence.schemas import (
    AnalysisRecord,
    CheckOut,
    CopyRequest,
    DisposalRecord,
    EvidenceCreate,
    Note,
    Reason,
    SealRecord,
    TransferOffer,
)
from csirtnet.evidence.store import Digests, evidence_store
from csirtnet.incident import participants
from csirtnet.incident.schemas import ParticipantCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import EvidenceContent, EvidenceCustodyEntry, EvidenceItem, Incident, Notification, User
from tests.factories import make_organisation
from tests.incident.helpers import coordinator, member, open_incident, who

LOG = b"2026-12-06T08:00:01+07:00 sshd[311]: Accepted password for root from 203.0.113.9\n" * 200


@dataclass
class World:
    coord: User
    reporter: User
    custodian: User
    analyst: User
    plain: User  # a participant without an evidence role
    outsider: User  # a member of another organisation
    incident: Incident


def make_world(db: Session) -> World:
    coord = coordinator(db)
    org = make_organisation(db, kind="province")
    reporter = member(db, org)
    incident = open_incident(db, coord, reporter)
    custodian = member(db, org)
    analyst = member(db, org)
    plain = member(db, org)
    for user, role in ((custodian, "custodian"), (analyst, "analyst"), (plain, None)):
        participants.add(db, who(coord), incident.id, ParticipantCreate(user_id=user.id, evidence_role=role))
    outsider = member(db)
    db.flush()
    return World(coord, reporter, custodian, analyst, plain, outsider, incident)


def record(**overrides: Any) -> EvidenceCreate:
    values: dict[str, Any] = {
        "item_type": "log",
        "title": "Nhật ký SSH của máy chủ web",
        "collected_at": (utcnow() - timedelta(hours=2)).isoformat(),
        "collected_timezone": "Asia/Ho_Chi_Minh",
        "collection_place": "Trung tâm dữ liệu Hà Nội",
        "tool": "rsync",
        "tool_version": "3.2.7",
        "legal_basis": "QĐ 12/2026",
    }
    values.update(overrides)
    return EvidenceCreate.model_validate(values)


def stored(content: bytes = LOG) -> Digests:
    return evidence_store().ingest_stream([content])


def add_digital(db: Session, user: User, incident: Incident, content: bytes = LOG, **overrides: Any) -> EvidenceItem:
    return service.add_item(
        db, who(user), incident.id, record(**overrides), stored=stored(content), filename="auth.log"
    )


def actions(db: Session, item: EvidenceItem) -> list[str]:
    return [row.action for row in repository.custody_of(db, item)]


def test_a_digital_item_records_its_hashes_and_collector_holds_it(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    assert item.content is not None
    assert item.content.sha256 == hashlib.sha256(LOG).hexdigest()
    assert item.content.md5 == hashlib.md5(LOG, usedforsecurity=False).hexdigest()
    assert item.custodian_id == w.custodian.id and item.status == "held"
    first = repository.custody_of(db, item)[0]
    assert first.action == "collected" and '"sha256":"' + item.content.sha256 in first.entry
    assert checks.verify_item(db, item).ok


def test_a_physical_item_is_described_and_needs_no_file(db: Session) -> None:
    w = make_world(db)
    data = record(kind="physical", item_type="hard_disk", make="Seagate", serial_number="ZA1234", seal_number="NP-01")
    item = service.add_item(db, who(w.coord), w.incident.id, data)
    assert item.content is None and item.serial_number == "ZA1234"
    with pytest.raises(ValidationFailed) as refused:
        service.add_item(db, who(w.coord), w.incident.id, data, stored=stored())
    assert refused.value.errors[0].field == "file"


def test_a_stated_hash_that_differs_is_refused(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(ValidationFailed) as refused:
        add_digital(db, w.custodian, w.incident, sha256="0" * 64)
    assert refused.value.errors[0].field == "sha256"
    assert db.scalar(select(func.count()).select_from(EvidenceItem)) == 0


def test_custody_moves_only_when_the_receiver_acknowledges(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    service.offer_transfer(db, who(w.custodian), item.id, TransferOffer(to_user_id=w.analyst.id, reason="phân tích"))
    assert item.custodian_id == w.custodian.id and item.pending_to_id == w.analyst.id
    told = db.scalars(
        select(Notification).where(Notification.user_id == w.analyst.id, Notification.event_type.like("evidence.%"))
    ).all()
    assert [(n.event_type, n.params["reference"], n.link) for n in told] == [
        ("evidence.transfer_offered", item.reference, f"/evidence/{item.id}")
    ]
    with pytest.raises(Forbidden):  # only the receiver acknowledges
        service.acknowledge_transfer(db, who(w.coord), item.id, Note())
    service.acknowledge_transfer(db, who(w.analyst), item.id, Note(note="đã nhận"))
    assert item.custodian_id == w.analyst.id and item.pending_to_id is None
    assert actions(db, item) == ["collected", "transfer_offered", "transfer_acknowledged"]
    assert checks.verify_item(db, item).ok


def test_a_declined_transfer_leaves_the_item_with_its_custodian(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    service.offer_transfer(db, who(w.custodian), item.id, TransferOffer(to_user_id=w.analyst.id, reason="x"))
    service.decline_transfer(db, who(w.analyst), item.id, Reason(reason="không có thiết bị"))
    assert item.custodian_id == w.custodian.id and item.pending_to_id is None
    with pytest.raises(ValidationFailed) as refused:  # no evidence role: may not receive it
        service.offer_transfer(db, who(w.custodian), item.id, TransferOffer(to_user_id=w.plain.id, reason="x"))
    assert refused.value.errors[0].field == "to_user_id"


def test_only_the_custodian_checks_out_checks_in_and_records_analysis(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    with pytest.raises(Forbidden):
        service.check_out(db, who(w.analyst), item.id, CheckOut(purpose="phân tích"))
    with pytest.raises(Forbidden):
        service.check_out(db, who(w.coord), item.id, CheckOut(purpose="phân tích"))
    service.check_out(db, who(w.custodian), item.id, CheckOut(purpose="phân tích"))
    assert item.status == "checked_out"
    with pytest.raises(ValidationFailed):  # checked out: no hand-over until it is back
        service.offer_transfer(db, who(w.custodian), item.id, TransferOffer(to_user_id=w.analyst.id, reason="x"))
    analysis = AnalysisRecord(tool="Volatility", tool_version="3", findings="Có mã độc")
    service.record_analysis(db, who(w.custodian), item.id, analysis)
    service.check_in(db, who(w.custodian), item.id, Note())
    assert item.status == "held"
    assert actions(db, item)[-3:] == ["checked_out", "analysed", "checked_in"]


def test_a_copy_links_the_same_stored_content_twice(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    again = add_digital(db, w.analyst, w.incident, title="Nộp lại cùng tệp")
    copy = service.copy(db, who(w.analyst), item.id, CopyRequest(reason="bản làm việc"))
    assert copy.source_item_id == item.id and copy.custodian_id == w.analyst.id and not copy.original
    assert item.content_id == again.content_id == copy.content_id
    assert db.scalar(select(func.count()).select_from(EvidenceContent)) == 1
    assert len(list(evidence_store())) == 1
    assert actions(db, item)[-1] == "copied" and actions(db, copy) == ["copied"]
    assert checks.verify_item(db, copy).ok


def test_disposal_is_for_coordinators(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    data = DisposalRecord(method="tiêu huỷ", authorisation="QĐ 99/2026")
    with pytest.raises(Forbidden):
        service.dispose(db, who(w.custodian), item.id, data)
    service.dispose(db, who(w.coord), item.id, data)
    assert item.status == "disposed" and item.custodian_id is None
    with pytest.raises(ValidationFailed) as ended:  # its custody has ended
        service.seal(db, who(w.coord), item.id, SealRecord(seal_number="NP-02"))
    assert ended.value.errors[0].field == "status"


def test_views_and_downloads_are_custody_entries(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    service.record_view(db, who(w.analyst), item, via="web")
    service.record_download(db, who(w.analyst), item.id, via="api")
    rows = repository.custody_of(db, item)
    assert [r.action for r in rows] == ["collected", "viewed", "downloaded"]
    assert rows[-1].actor_id == w.analyst.id


def test_outsiders_and_participants_without_an_evidence_role_see_nothing(db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    for stranger in (w.outsider, w.plain, w.reporter):
        with pytest.raises(NotFound):
            repository.get_item(db, who(stranger), item.id)
        assert repository.items_by_ids(db, who(stranger), [item.id]) == []
        with pytest.raises((NotFound, Forbidden)):
            service.record_download(db, who(stranger), item.id, via="api")
    assert db.scalar(select(func.count()).select_from(EvidenceCustodyEntry)) == 1


def test_red_evidence_is_hidden_from_a_coordinator_not_named(db: Session) -> None:
    w = make_world(db)
    red = add_digital(db, w.custodian, w.incident, tlp="red")
    amber = add_digital(db, w.custodian, w.incident, content=b"other")
    other_coord = coordinator(db)
    seen = [i.id for i in repository.items_of_incident(db, who(other_coord), w.incident.id)]
    assert seen == [amber.id]
    with pytest.raises(NotFound):
        repository.get_item(db, who(other_coord), red.id)
    assert repository.get_item(db, who(w.analyst), red.id).id == red.id
