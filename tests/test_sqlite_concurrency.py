"""A write on a read path never fails the read (issue 10), against a real server over a database
that commits: 8 concurrent first calls of a never-used API token (its last-use write) all answer,
and an export's audit record waits for a writer that holds the database instead of failing with
"database is locked". Every SQLite connection runs in WAL with a busy timeout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select, text

from csirtnet import audit
from csirtnet.authz import ANONYMOUS
from csirtnet.db import Database
from csirtnet.models import ApiToken, AuditRecord
from tests.factories import make_user
from tests.incident.helpers import api, coordinator, member, open_incident

pytestmark = pytest.mark.timeout(120)


@dataclass
class Server:
    url: str
    database: Database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(committing_database: Database, settings) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    import uvicorn

    from csirtnet.app import create_app

    port = _free_port()
    app = create_app(settings, committing_database, start_worker=False)
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", committing_database)
    uv.should_exit = True
    thread.join(timeout=30)


def _together(n: int, call) -> list[httpx.Response | BaseException]:  # type: ignore[no-untyped-def]
    """`call()` from n threads released at the same instant; each answer or exception."""
    barrier = threading.Barrier(n)
    results: list[httpx.Response | BaseException] = [RuntimeError("no answer")] * n

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_every_sqlite_connection_runs_in_wal_with_a_busy_timeout(new_database) -> None:  # type: ignore[no-untyped-def]
    sqlite = new_database("sqlite", migrated=True)  # SQLite's own pragmas: runs once, not per backend
    for session in (sqlite.session(), sqlite.session(write=True)):
        with session:
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert int(session.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000


def test_concurrent_first_calls_of_a_token_all_answer(server: Server) -> None:
    with server.database.unit_of_work() as session:
        headers = api(session, make_user(session))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answers = _together(8, lambda: client.get("/api/v1/me", headers=headers))
    statuses = [a.status_code if isinstance(a, httpx.Response) else repr(a) for a in answers]
    assert statuses == [200] * 8, [a.text if isinstance(a, httpx.Response) else a for a in answers]
    with server.database.unit_of_work(write=False) as session:
        assert session.scalar(select(ApiToken.last_used_at)) is not None  # the use is still recorded


def test_an_export_waits_for_a_busy_writer_and_is_audited(server: Server) -> None:
    with server.database.unit_of_work() as session:
        coord = coordinator(session)
        incident_id = open_incident(session, coord, member(session)).id
        headers = api(session, coord)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # the token's first use is past
        holding = threading.Event()

        def busy_writer() -> None:  # as the worker sending mail: a write transaction that takes a while
            with server.database.unit_of_work() as session:
                audit.record(session, ANONYMOUS, "test.holding")
                holding.set()
                time.sleep(1.5)

        writer = threading.Thread(target=busy_writer)
        writer.start()
        assert holding.wait(10)
        started = time.monotonic()
        r = client.get(f"/api/v1/incidents/{incident_id}/export.pdf?form=initial&lang=en", headers=headers)
        writer.join(timeout=30)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF")
    assert time.monotonic() - started < 30
    with server.database.unit_of_work(write=False) as session:
        actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)).all()
        assert actions[-2:] == ["test.holding", "incident.exported"]
        _checked, broken = audit.verify_chain(session)
        assert broken is None
