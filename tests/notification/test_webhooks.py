"""Webhooks delivered to a real HTTP receiver on loopback, signed, and retried when it fails."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.db import Database
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.identity.service import subject_for
from csirtnet.models import Job, JobStatus
from csirtnet.notification import service
from csirtnet.vocabulary import Role
from csirtnet.worker import Worker
from tests.factories import make_organisation, make_user


@dataclass
class Receiver:
    url: str
    status: int = 200
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/csirtnet"
    yield state
    server.shutdown()
    server.server_close()


def webhook_jobs(db: Session) -> list[Job]:
    return list(db.scalars(select(Job).where(Job.name == "notification.deliver_webhook").order_by(Job.id)))


def test_delivery_is_signed_json(database: Database, db: Session, receiver: Receiver) -> None:
    org = make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    endpoint = service.create_webhook(db, subject_for(admin), org.id, receiver.url, ["system.announcement"])
    data = {"title": "Cảnh báo lỗ hổng", "severity": "serious", "ids": [1, 2]}
    assert service.emit_webhooks(db, org.id, "system.announcement", data, guard=None) == 1
    assert service.emit_webhooks(db, org.id, "system.job_failed", {"job": "x"}, guard=None) == 0, "not subscribed"
    db.flush()
    assert Worker(database).run_until_idle() == 1

    [(headers, body)] = receiver.requests
    payload = json.loads(body)
    assert payload["event"] == "system.announcement"
    assert payload["data"] == data
    assert headers["content-type"] == "application/json"
    assert headers["x-csirtnet-event"] == "system.announcement"
    assert headers["x-csirtnet-delivery"] == payload["delivery_id"]
    timestamp = headers["x-csirtnet-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(endpoint.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-csirtnet-signature"], f"sha256={expected}")
    forged = hmac.new(b"another secret", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["x-csirtnet-signature"] != f"sha256={forged}"
    [job] = webhook_jobs(db)
    db.refresh(job)
    assert job.status == JobStatus.DONE.value


def test_a_failing_receiver_means_a_retry(database: Database, db: Session, receiver: Receiver) -> None:
    org = make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    service.create_webhook(db, subject_for(admin), org.id, receiver.url, [])  # every event
    service.emit_webhooks(db, org.id, "system.announcement", {"n": 1}, guard=None)
    db.flush()
    receiver.status = 500
    Worker(database).run_until_idle()

    assert len(receiver.requests) == 1
    [job] = webhook_jobs(db)
    db.refresh(job)
    assert (job.status, job.attempts) == (JobStatus.QUEUED.value, 1)
    assert "500" in (job.last_error or "")
    assert job.max_attempts == 10


def test_inactive_or_other_organisations_endpoints_get_nothing(
    database: Database, db: Session, receiver: Receiver
) -> None:
    org, other = make_organisation(db), make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    endpoint = service.create_webhook(db, subject_for(admin), org.id, receiver.url, [])
    endpoint.active = False
    db.flush()
    assert service.emit_webhooks(db, org.id, "system.announcement", {}, guard=None) == 0
    assert service.emit_webhooks(db, other.id, "system.announcement", {}, guard=None) == 0
    Worker(database).run_until_idle()
    assert receiver.requests == []


def test_only_an_organisations_admin_manages_its_webhooks(db: Session) -> None:
    org, other = make_organisation(db), make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    responder = make_user(db, roles=[Role.RESPONDER], organisation=org)
    with pytest.raises(NotFound):
        service.create_webhook(db, subject_for(admin), other.id, "https://example.vn/hook", [])
    with pytest.raises(Forbidden):
        service.create_webhook(db, subject_for(responder), org.id, "https://example.vn/hook", [])
    with pytest.raises(ValidationFailed) as err:
        service.create_webhook(db, subject_for(admin), org.id, "ftp://example.vn/hook", [])
    assert err.value.errors[0].field == "url"
    with pytest.raises(ValidationFailed) as err:
        service.create_webhook(db, subject_for(admin), org.id, "https://example.vn/hook", ["no.such_event"])
    assert err.value.errors[0].field == "event_types"
