"""Feed jobs (feeds.tasks): the scheduler queues what is due and nothing twice; a url source is polled
from a local HTTP server into a run (a failed download is a failed run with its error, never lost);
a watched folder's new files are processed and moved to processed/ or failed/; digests whose period
ended are sent; retention runs daily and purges old events."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.feeds import reads, service, tasks
from csirtnet.feeds.schemas import FeedSourceUpdate
from csirtnet.kit.time import utcnow
from csirtnet.models import AuditRecord, FeedDigest, FeedRun, FeedSource, Job, JobStatus
from csirtnet.worker import Worker
from tests.feeds.stored import count_events, stored_events
from tests.feeds.test_sources import PLATFORM, event_line, ingest, jsonl, make_world, source_body


class _Server:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes]] = {}
        self.redirects: dict[str, str] = {}  # path -> Location
        self.hits: list[str] = []
        self.keys: list[tuple[str, str | None]] = []  # (path, its Auth-Key header)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                outer.keys.append((self.path, self.headers.get("Auth-Key")))
                if self.path in outer.redirects:
                    self.send_response(302)
                    self.send_header("Location", outer.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, body = outer.pages.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


def _serving() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    thread.join()


@pytest.fixture
def http_server() -> Iterator[_Server]:
    yield from _serving()


@pytest.fixture
def other_server() -> Iterator[_Server]:
    """A second server: another origin (its own port)."""
    yield from _serving()


def _jobs(db: Session, name: str) -> int:
    return db.scalar(select(func.count()).select_from(Job).where(Job.name == name, Job.status == "queued")) or 0


def _url_source(db: Session, url: str, name: str = "Poll") -> FeedSource:
    return service.create_source(
        db, PLATFORM, source_body(name=name, kind="url", url=url, parser="jsonl", actions=[], schedule_minutes=30)
    )


def test_a_url_source_is_polled_on_its_schedule(db: Session, database: Database, http_server: _Server) -> None:
    w = make_world(db)
    http_server.pages["/feed/events.jsonl"] = (200, jsonl(event_line("10.0.0.5"), event_line("172.16.0.1"), "oops"))
    source = _url_source(db, f"{http_server.base}/feed/events.jsonl")
    db.commit()
    assert _jobs(db, tasks.SCHEDULE_JOB) == 1  # queued when the source was configured
    queued = tasks.queue_due(db)
    assert (tasks.POLL_JOB, source.id) in queued and (tasks.RETENTION_JOB, None) in queued
    assert tasks.queue_due(db) == []  # nothing twice while it waits
    db.commit()
    Worker(database).run_until_idle()
    db.expire_all()
    run = db.scalar(select(FeedRun).where(FeedRun.source_id == source.id))
    assert run is not None and run.origin == "url" and run.status == "done" and run.files == ["events.jsonl"]
    assert (run.events, run.matched, run.quarantined) == (2, 2, 1)
    assert http_server.hits == ["/feed/events.jsonl"]
    owners = {e.organisation_id for e in stored_events(db)}
    assert owners == {w.org_a.id, w.org_b.id}
    assert tasks.queue_due(db) == []  # polled: the next poll waits for the schedule
    assert (tasks.POLL_JOB, source.id) in tasks.queue_due(db, now=utcnow() + timedelta(minutes=31))


def _keyed_source(db: Session, server: _Server, secret: str) -> FeedSource:
    """A url source polling `server`'s /feed with `secret` in Auth-Key."""
    body = source_body(
        name="Keyed", kind="url", url=f"{server.base}/feed", parser="jsonl", actions=[], url_header="Auth-Key"
    )
    return service.create_source(db, PLATFORM, body.model_copy(update={"url_secret": secret}))


def test_a_keyed_source_sends_its_key_to_its_own_origin_only(
    db: Session, database: Database, http_server: _Server, other_server: _Server
) -> None:
    w = make_world(db)
    key = "k3y-" + "x" * 40
    source = _keyed_source(db, http_server, key)
    db.commit()
    assert source.url_secret_sealed is not None and key not in source.url_secret_sealed
    # Same origin: the key follows the redirect. Another origin: it does not.
    http_server.redirects["/feed"] = "/feed/today.jsonl"
    http_server.redirects["/feed/today.jsonl"] = f"{other_server.base}/mirror.jsonl"
    other_server.pages["/mirror.jsonl"] = (200, jsonl(event_line("10.0.0.5")))
    run_id = tasks.poll(source.id)
    db.expire_all()
    run = db.get(FeedRun, run_id)
    assert run is not None and run.status == "done" and run.events == 1, run and run.error
    assert http_server.keys == [("/feed", key), ("/feed/today.jsonl", key)]
    assert other_server.keys == [("/mirror.jsonl", None)]
    assert {e.organisation_id for e in stored_events(db)} == {w.org_a.id}
    # Nowhere readable: not in the audit, not in what the API answers.
    audits = db.scalars(select(AuditRecord)).all()
    assert not [a.action for a in audits if key in json.dumps(a.summary, default=str)]
    read = reads.get_source(db, PLATFORM, source.id)
    assert read.has_url_secret and read.url_header == "Auth-Key" and key not in read.model_dump_json()


def test_a_key_that_no_longer_opens_is_a_failed_run(db: Session, http_server: _Server) -> None:
    make_world(db)
    source = _keyed_source(db, http_server, "k")
    source.url_secret_sealed = service.URL_SECRETS.seal("k", secret_key="another platform's key")
    db.commit()
    run = db.get(FeedRun, tasks.poll(source.id))
    assert run is not None and run.status == "failed" and "set it again" in (run.error or "")
    assert http_server.hits == []  # nothing was fetched without its key


def test_a_failed_download_is_a_failed_run(db: Session, http_server: _Server) -> None:
    make_world(db)
    missing = _url_source(db, f"{http_server.base}/gone.csv", name="Gone")
    closed = _url_source(db, "http://127.0.0.1:9/r.jsonl", name="Closed")
    db.commit()
    for source, error in ((missing, "HTTP 404"), (closed, "download failed")):
        run_id = tasks.poll(source.id)
        db.expire_all()
        run = db.get(FeedRun, run_id)
        assert run is not None and run.status == "failed" and run.origin == "url", source.name
        assert error in (run.error or "") and run.events == 0
        assert db.get(FeedSource, source.id).last_run_at is not None  # type: ignore[union-attr]
    assert count_events(db) == 0
    service.update_source(db, PLATFORM, missing.id, FeedSourceUpdate.model_validate({"enabled": False}))
    db.commit()
    assert tasks.poll(missing.id) is None  # a disabled source is not polled


def test_a_watched_folder_processes_new_files_and_moves_them(db: Session, settings: Settings) -> None:
    make_world(db)
    folder = settings.data_dir / "feeds" / "sensors"
    folder.mkdir(parents=True)
    source = service.create_source(
        db, PLATFORM, source_body(name="Drop", kind="folder", folder=str(folder), parser="jsonl", actions=[])
    )
    db.commit()
    (folder / "a.jsonl").write_bytes(jsonl(event_line("10.0.0.5")))
    (folder / "b.jsonl").write_bytes(jsonl(event_line("10.0.0.6"), "not json"))
    (folder / "broken.jsonl.gz").write_bytes(b"this is not gzip")
    (folder / ".hidden.jsonl").write_bytes(jsonl(event_line("10.0.0.7")))
    (folder / "c.jsonl.part").write_bytes(jsonl(event_line("10.0.0.8")))
    assert (tasks.SCAN_JOB, source.id) in tasks.queue_due(db)
    done = tasks.scan(source.id)
    assert done == [("a.jsonl", "done"), ("b.jsonl", "done"), ("broken.jsonl.gz", "failed")]
    assert sorted(p.name for p in (folder / "processed").iterdir()) == ["a.jsonl", "b.jsonl"]
    assert [p.name for p in (folder / "failed").iterdir()] == ["broken.jsonl.gz"]
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [".hidden.jsonl", "c.jsonl.part"]
    db.expire_all()
    runs = db.scalars(select(FeedRun).where(FeedRun.source_id == source.id).order_by(FeedRun.id)).all()
    assert [(r.origin, r.status, r.events, r.quarantined) for r in runs][:2] == [
        ("folder", "done", 1, 0),
        ("folder", "done", 1, 1),
    ]
    assert runs[2].status == "failed" and runs[2].error
    assert tasks.scan(source.id) == []  # nothing new
    (folder / "a.jsonl").write_bytes(jsonl(event_line("10.0.0.9")))  # the same name again: both kept
    assert tasks.scan(source.id) == [("a.jsonl", "done")]
    assert len(list((folder / "processed").iterdir())) == 3


def test_digests_are_sent_when_their_period_ends(db: Session) -> None:
    w = make_world(db)
    source = service.create_source(db, PLATFORM, source_body())
    now = utcnow()
    digest = FeedDigest(
        organisation_id=w.org_a.id,
        source_id=source.id,
        period_start=now - timedelta(hours=25),
        period_end=now - timedelta(hours=1),
        events=3,
        tlp="amber",
    )
    db.add(digest)
    db.flush()
    assert (tasks.SEND_JOB, None) in tasks.queue_due(db)
    assert (tasks.SEND_JOB, None) not in tasks.queue_due(db)  # one waiting is enough
    tasks.send_digests(db)
    db.refresh(digest)
    assert digest.status == "sent"
    db.execute(update(Job).where(Job.name == tasks.SEND_JOB).values(status=JobStatus.DONE.value))
    assert (tasks.SEND_JOB, None) not in tasks.queue_due(db)  # none left to send


def test_retention_runs_daily_and_purges_old_events(db: Session, database: Database, settings: Settings) -> None:
    make_world(db)
    source = service.create_source(db, PLATFORM, source_body(name="Sensors", kind="api", parser="jsonl", actions=[]))
    db.commit()
    old = utcnow() - timedelta(days=settings.feeds_retention_days + 2)
    ingest(database, source, jsonl(event_line("10.0.0.5")), now=old)
    ingest(database, source, jsonl(event_line("10.0.0.6")))
    assert count_events(db) == 2
    assert (tasks.RETENTION_JOB, None) in tasks.queue_due(db)
    db.commit()
    Worker(database).run_until_idle()
    db.expire_all()
    assert [e.source_ip for e in stored_events(db)] == ["10.0.0.6"]
    assert db.scalar(select(Job.status).where(Job.name == tasks.RETENTION_JOB)) == "done"
    assert (tasks.RETENTION_JOB, None) not in tasks.queue_due(db)  # done within the day
    assert (tasks.RETENTION_JOB, None) in tasks.queue_due(db, now=utcnow() + timedelta(days=1, minutes=1))


def test_the_scheduler_keeps_itself_queued_while_a_source_is_enabled(db: Session) -> None:
    assert tasks.ensure_scheduled(db) is False  # no source
    source = service.create_source(db, PLATFORM, source_body())
    assert _jobs(db, tasks.SCHEDULE_JOB) == 1 and tasks.ensure_scheduled(db) is False
    db.execute(update(Job).where(Job.name == tasks.SCHEDULE_JOB).values(status=JobStatus.DONE.value))
    tasks.schedule(db)
    assert _jobs(db, tasks.SCHEDULE_JOB) == 1
    source.enabled = False
    db.execute(update(Job).where(Job.name == tasks.SCHEDULE_JOB).values(status=JobStatus.DONE.value))
    db.flush()
    tasks.schedule(db)
    assert _jobs(db, tasks.SCHEDULE_JOB) == 0
