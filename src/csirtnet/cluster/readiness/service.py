"""Readiness records: a member keeps its own; the coordinator reads all, a cluster lead's admins
read their cluster's. What "meeting" a criterion means is decided here, once (`meets`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.cluster import files
from csirtnet.cluster.readiness.schemas import (
    DrillRead,
    EvidenceAdd,
    EvidenceRead,
    ReadinessRead,
    ReadinessSummary,
    ReadinessUpdate,
)
from csirtnet.cluster.schemas import FileRead, OrgRef
from csirtnet.errors import ErrorList, Forbidden, NotFound, ValidationFailed
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Organisation,
    ReadinessCriterion,
    ReadinessDrill,
    ReadinessEvidence,
    ReadinessRecord,
    StoredFile,
)

MIN_YEAR = 2000
RESTORE_TEST_MAX_AGE = timedelta(days=365)
CRITERIA: tuple[ReadinessCriterion, ...] = tuple(ReadinessCriterion)


def reference_date(year: int) -> date:
    """The day a year's record is judged on: 31 December, or today while the year runs."""
    return min(cluster_authz.today(), date(year, 12, 31))


def meets(record: ReadinessRecord | None, drills: Sequence[ReadinessDrill], on: date) -> dict[str, bool]:
    """Which criteria a record meets, judged on `on`."""
    if record is None:
        return {c.value: False for c in CRITERIA}
    restore = record.last_restore_test_on
    return {
        ReadinessCriterion.ANTIMALWARE.value: bool(
            record.antimalware_deployed
            and record.antimalware_connected
            and record.antimalware_connected_on is not None
            and record.antimalware_connected_on <= on
        ),
        ReadinessCriterion.BACKUP.value: bool(
            record.backup_plan and restore is not None and restore > on - RESTORE_TEST_MAX_AGE
        ),
        ReadinessCriterion.IR_TEAM.value: bool(record.ir_team and (record.ir_contact_24x7 or "").strip()),
        ReadinessCriterion.SYSTEMS.value: bool(record.systems_inventory),
        ReadinessCriterion.DRILLS.value: any(d.held_on.year == record.year for d in drills),
    }


# -- reading ---------------------------------------------------------------------------------


def _require_visible(session: Session, who: Subject, organisation_id: int) -> Organisation:
    require(who, Permission.READINESS_READ)
    org = session.get(Organisation, organisation_id)
    visible = cluster_authz.readiness_organisation_ids(session, who)
    if org is None or (visible is not None and organisation_id not in visible):
        raise NotFound("readiness record")
    return org


def record(session: Session, organisation_id: int, year: int) -> ReadinessRecord | None:
    return session.scalar(
        select(ReadinessRecord).where(ReadinessRecord.organisation_id == organisation_id, ReadinessRecord.year == year)
    )


def drills_of(session: Session, record_ids: Sequence[int]) -> dict[int, list[ReadinessDrill]]:
    out: dict[int, list[ReadinessDrill]] = {i: [] for i in record_ids}
    if record_ids:
        for d in session.scalars(
            select(ReadinessDrill)
            .where(ReadinessDrill.record_id.in_(list(record_ids)))
            .order_by(ReadinessDrill.held_on, ReadinessDrill.id)
        ):
            out[d.record_id].append(d)
    return out


def read(session: Session, who: Subject, organisation_id: int, year: int) -> ReadinessRead:
    """A member's record for a year (an empty one when nothing was filed)."""
    org = _require_visible(session, who, organisation_id)
    row = record(session, organisation_id, year)
    drills = drills_of(session, [row.id])[row.id] if row else []
    evidence: list[EvidenceRead] = []
    if row is not None:
        for ev, stored in session.execute(
            select(ReadinessEvidence, StoredFile)
            .join(StoredFile, StoredFile.id == ReadinessEvidence.stored_file_id)
            .where(ReadinessEvidence.record_id == row.id)
            .order_by(ReadinessEvidence.criterion, ReadinessEvidence.id)
        ):
            evidence.append(
                EvidenceRead(
                    id=ev.id,
                    criterion=ev.criterion,
                    file=FileRead.model_validate(stored),
                    dated_on=ev.dated_on,
                    note=ev.note,
                )
            )
    blank = ReadinessRecord(organisation_id=organisation_id, year=year)
    source = row or blank
    return ReadinessRead(
        organisation=OrgRef.model_validate(org),
        year=year,
        recorded=row is not None,
        antimalware_deployed=bool(source.antimalware_deployed),
        antimalware_connected=bool(source.antimalware_connected),
        antimalware_connected_on=source.antimalware_connected_on,
        backup_plan=bool(source.backup_plan),
        last_restore_test_on=source.last_restore_test_on,
        ir_team=bool(source.ir_team),
        ir_contact_24x7=source.ir_contact_24x7,
        systems_inventory=bool(source.systems_inventory),
        systems_approved_count=source.systems_approved_count,
        statement=source.statement,
        drills=[
            DrillRead(
                id=d.id, name=d.name, held_on=d.held_on, result=d.result, rank=d.rank, participants=d.participants
            )
            for d in drills
        ],
        evidence=evidence,
        meets=meets(row, drills, reference_date(year)),
        can_edit=cluster_authz.can_edit_readiness(who, organisation_id),
        updated_at=row.updated_at if row else None,
    )


def records(session: Session, who: Subject, *, year: int | None = None) -> Select[ReadinessRecord]:
    """The records the subject may read."""
    require(who, Permission.READINESS_READ)
    query = select(ReadinessRecord)
    visible = cluster_authz.readiness_organisation_ids(session, who)
    if visible is not None:
        query = query.where(ReadinessRecord.organisation_id.in_(sorted(visible)))
    if year is not None:
        query = query.where(ReadinessRecord.year == year)
    return query


def summaries(session: Session, rows: Sequence[ReadinessRecord]) -> list[ReadinessSummary]:
    drills = drills_of(session, [r.id for r in rows])
    orgs = {
        o.id: o
        for o in session.scalars(select(Organisation).where(Organisation.id.in_([r.organisation_id for r in rows])))
    }
    return [
        ReadinessSummary(
            organisation=OrgRef.model_validate(orgs[r.organisation_id]),
            year=r.year,
            meets=meets(r, drills[r.id], reference_date(r.year)),
            updated_at=r.updated_at,
        )
        for r in rows
    ]


# -- writing ---------------------------------------------------------------------------------


def _require_edit(session: Session, who: Subject, organisation_id: int, year: int) -> Organisation:
    require(who, Permission.READINESS_WRITE)
    org = _require_visible(session, who, organisation_id)
    if not cluster_authz.can_edit_readiness(who, organisation_id):
        raise Forbidden("Each member keeps its own readiness record")
    if year < MIN_YEAR or year > cluster_authz.today().year:
        raise ValidationFailed("year", f"must be between {MIN_YEAR} and {cluster_authz.today().year}")
    return org


def _validate(data: ReadinessUpdate, year: int) -> None:
    today = cluster_authz.today()
    errors = ErrorList()
    if data.antimalware_connected and not data.antimalware_deployed:
        errors.add("antimalware_connected", "deploy the anti-malware system before connecting it")
    if data.antimalware_connected and data.antimalware_connected_on is None:
        errors.add("antimalware_connected_on", "give the day it was connected")
    if data.antimalware_connected_on is not None and not data.antimalware_connected:
        errors.add("antimalware_connected_on", "only when the system is connected")
    for name in ("antimalware_connected_on", "last_restore_test_on"):
        value = getattr(data, name)
        if value is not None and value > today:
            errors.add(name, "cannot be in the future")
    if data.ir_team and not (data.ir_contact_24x7 or "").strip():
        errors.add("ir_contact_24x7", "give the team's 24/7 contact")
    for index, drill in enumerate(data.drills or []):
        if drill.held_on.year != year:
            errors.add(f"drills.{index}.held_on", f"must fall in {year}")
        if drill.held_on > today:
            errors.add(f"drills.{index}.held_on", "cannot be in the future")
        if drill.rank is not None and drill.participants is not None and drill.rank > drill.participants:
            errors.add(f"drills.{index}.rank", "cannot exceed the number of participants")
    errors.raise_if_any()


_FIELDS = (
    "antimalware_deployed",
    "antimalware_connected",
    "antimalware_connected_on",
    "backup_plan",
    "last_restore_test_on",
    "ir_team",
    "ir_contact_24x7",
    "systems_inventory",
    "systems_approved_count",
    "statement",
)


def save(session: Session, who: Subject, organisation_id: int, year: int, data: ReadinessUpdate) -> ReadinessRecord:
    """File or update the member's record for the year; every problem is reported before saving."""
    _require_edit(session, who, organisation_id, year)
    _validate(data, year)
    row = record(session, organisation_id, year)
    created = row is None
    if row is None:
        row = ReadinessRecord(organisation_id=organisation_id, year=year)
        session.add(row)
    changes: dict[str, object] = {}
    for name in _FIELDS:
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip() or None
        if created or value != getattr(row, name):
            changes[name] = value if created else {"from": getattr(row, name), "to": value}
            setattr(row, name, value)
    row.updated_by_id = who.user_id
    session.flush()
    if data.drills is not None:
        before = [(d.name, d.held_on, d.result, d.rank, d.participants) for d in drills_of(session, [row.id])[row.id]]
        after = [(d.name.strip(), d.held_on, d.result, d.rank, d.participants) for d in data.drills]
        if before != after:
            session.execute(delete(ReadinessDrill).where(ReadinessDrill.record_id == row.id))
            for d in data.drills:
                session.add(
                    ReadinessDrill(
                        record_id=row.id,
                        name=d.name.strip(),
                        held_on=d.held_on,
                        result=(d.result or "").strip() or None,
                        rank=d.rank,
                        participants=d.participants,
                    )
                )
            changes["drills"] = [
                {"name": d.name, "held_on": d.held_on, "rank": d.rank, "of": d.participants} for d in data.drills
            ]
    if changes:
        row.updated_at = utcnow()
        audit.record(
            session,
            who,
            "readiness.filed" if created else "readiness.updated",
            row,
            organisation_id=organisation_id,
            year=year,
            changes=changes,
        )
    session.flush()
    return row


def add_evidence(
    session: Session, who: Subject, organisation_id: int, year: int, data: EvidenceAdd
) -> ReadinessEvidence:
    """Attach a dated document to one criterion of the record."""
    _require_edit(session, who, organisation_id, year)
    row = record(session, organisation_id, year)
    if row is None:
        raise ValidationFailed("year", f"file the {year} record before adding evidence")
    if data.dated_on is not None and data.dated_on > cluster_authz.today():
        raise ValidationFailed("dated_on", "cannot be in the future")
    (stored,) = files.claim(session, who, [data.file_id], "file_id")
    evidence = ReadinessEvidence(
        record_id=row.id,
        criterion=data.criterion.value,
        stored_file_id=stored.id,
        dated_on=data.dated_on,
        note=(data.note or "").strip() or None,
    )
    session.add(evidence)
    session.flush()
    audit.record(
        session,
        who,
        "readiness.evidence_added",
        evidence,
        organisation_id=organisation_id,
        year=year,
        criterion=evidence.criterion,
        sha256=stored.sha256,
        filename=stored.filename,
    )
    return evidence


def _evidence(session: Session, organisation_id: int, year: int, evidence_id: int) -> ReadinessEvidence:
    row = record(session, organisation_id, year)
    evidence = session.get(ReadinessEvidence, evidence_id)
    if row is None or evidence is None or evidence.record_id != row.id:
        raise NotFound("evidence")
    return evidence


def remove_evidence(session: Session, who: Subject, organisation_id: int, year: int, evidence_id: int) -> None:
    _require_edit(session, who, organisation_id, year)
    evidence = _evidence(session, organisation_id, year, evidence_id)
    audit.record(
        session,
        who,
        "readiness.evidence_removed",
        evidence,
        organisation_id=organisation_id,
        year=year,
        criterion=evidence.criterion,
    )
    session.delete(evidence)
    session.flush()


def evidence_file(session: Session, who: Subject, organisation_id: int, year: int, evidence_id: int) -> StoredFile:
    _require_visible(session, who, organisation_id)
    evidence = _evidence(session, organisation_id, year, evidence_id)
    stored = session.get(StoredFile, evidence.stored_file_id)
    if stored is None:
        raise NotFound("evidence")
    return stored
