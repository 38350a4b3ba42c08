"""The hash-chained audit log, and `csirtnet audit verify` catching edits, removals and reorderings
made behind the platform's back with SQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.audit.service import GENESIS, compute_hash
from csirtnet.authz import Subject
from csirtnet.context import RequestContext, reset, set_current
from csirtnet.db import Database
from csirtnet.identity.service import subject_for
from csirtnet.models import AuditRecord
from tests.factories import make_user
from tests.helpers import run_cli


def test_records_form_a_chain(db: Session) -> None:
    user = make_user(db)
    token = set_current(RequestContext("req-0001-abcd", "203.0.113.9"))
    try:
        first = audit.record(db, subject_for(user), "test.first", user, note="ghi chú")
    finally:
        reset(token)
    second = audit.record(db, Subject.system(), "test.second", ("incident", 42), organisation_id=7, n=2)
    start = first.seq - 1
    assert second.seq == first.seq + 1
    assert (first.actor_user_id, first.actor_label, first.object_type, first.object_id) == (
        user.id,
        user.email,
        "user_account",
        str(user.id),
    )
    assert (first.request_id, first.ip, first.organisation_id) == ("req-0001-abcd", "203.0.113.9", user.organisation_id)
    assert (second.object_type, second.object_id, second.organisation_id, second.actor_user_id) == (
        "incident",
        "42",
        7,
        None,
    )
    assert second.prev_hash == first.hash
    assert first.prev_hash == (GENESIS if start == 0 else db.get(AuditRecord, start).hash)  # type: ignore[union-attr]
    assert first.hash == compute_hash(first) and len(first.hash) == 64
    assert audit.verify_chain(db) == (second.seq, None)


@pytest.mark.committing
def test_concurrent_writers_keep_the_chain_linear(committing_database: Database) -> None:
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            for i in range(15):
                with committing_database.unit_of_work() as s:
                    audit.record(s, Subject.system(name), "test.concurrent", ("thing", i), writer=name)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"writer-{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with committing_database.unit_of_work(write=False) as s:
        assert audit.verify_chain(s) == (45, None)
        assert list(s.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq))) == list(range(1, 46))


@pytest.mark.committing
def test_audit_verify_command_finds_tampering(committing_database: Database) -> None:
    database = committing_database
    with database.unit_of_work() as s:
        user = make_user(s)
        who = subject_for(user)
        for step in range(5):
            audit.record(s, who, "incident.updated", ("incident", 1), step=step, note=f"bước {step}")
    table = AuditRecord.__table__
    postgres = database.dialect == "postgresql"

    ok = run_cli(database, "audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert "audit chain intact: 5 record(s)" in ok.output

    # 1. Someone rewrites what a record says.
    with database.engine.begin() as conn:
        original = conn.execute(select(table.c.summary).where(table.c.seq == 3)).scalar_one()
        summary = "CAST(:summary AS jsonb)" if postgres else ":summary"
        conn.execute(text(f"UPDATE audit_record SET summary = {summary} WHERE seq = 3"), {"summary": '{"step": 99}'})  # noqa: S608
    edited = run_cli(database, "audit", "verify")
    assert edited.exit_code == 1
    assert "audit chain broken at record 3" in edited.output and "edited after it was written" in edited.output
    assert "2 record(s) before it are intact" in edited.output
    with database.engine.begin() as conn:
        conn.execute(update(table).where(table.c.seq == 3).values(summary=original))
    assert run_cli(database, "audit", "verify").exit_code == 0, "put back, it verifies again"

    # 2. Someone swaps two records' contents (a reordering).
    columns = [c for c in table.c if c.name != "seq"]
    with database.engine.begin() as conn:
        two, three = (conn.execute(select(*columns).where(table.c.seq == n)).one()._asdict() for n in (2, 3))
        conn.execute(update(table).where(table.c.seq == 2).values(**three))
        conn.execute(update(table).where(table.c.seq == 3).values(**two))
    swapped = run_cli(database, "audit", "verify")
    assert swapped.exit_code == 1
    assert "audit chain broken at record 2" in swapped.output and "removed or reordered" in swapped.output
    with database.engine.begin() as conn:
        conn.execute(update(table).where(table.c.seq == 2).values(**two))
        conn.execute(update(table).where(table.c.seq == 3).values(**three))
    assert run_cli(database, "audit", "verify").exit_code == 0

    # 3. Someone removes a record.
    with database.engine.begin() as conn:
        conn.execute(delete(table).where(table.c.seq == 4))
    removed = run_cli(database, "audit", "verify")
    assert removed.exit_code == 1
    assert "audit chain broken at record 4" in removed.output and "record 4 is missing (next is 5)" in removed.output
