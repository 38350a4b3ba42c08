"""Streamed evidence uploads: a large file is hashed while it is written and registered; a stated
hash that differs, bad metadata, a missing file, no right to add, a failed transaction or a client
that disconnects halfway (against a real server) leave nothing registered and no file behind."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.evidence import service
from csirtnet.models import EvidenceContent, EvidenceCustodyEntry, EvidenceItem
from tests.evidence.test_service import World, make_world
from tests.incident.helpers import api

BOUNDARY = "csirtnet-test-boundary-7f3a"
MIB = 1024 * 1024


def metadata(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "item_type": "disk_image",
        "title": "Ảnh đĩa máy chủ web",
        "collected_at": "2026-12-01T09:30:00+07:00",
        "collected_timezone": "Asia/Ho_Chi_Minh",
        "tool": "dc3dd",
        "tool_version": "7.3.1",
    }
    values.update(overrides)
    return values


def pattern(size: int, seed: int = 7) -> Iterator[bytes]:
    """`size` bytes, produced 1 MiB at a time (never the whole file in memory)."""
    block = hashlib.sha256(str(seed).encode()).digest() * (MIB // 32)
    sent = 0
    while sent < size:
        piece = block[: min(MIB, size - sent)]
        sent += len(piece)
        yield piece


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def multipart(
    meta: dict[str, Any] | None, chunks: Iterable[bytes] | None, *, file_first: bool = False
) -> Iterator[bytes]:
    def meta_part() -> Iterator[bytes]:
        if meta is not None:
            yield (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\n'
                f"Content-Type: application/json\r\n\r\n{json.dumps(meta)}\r\n"
            ).encode()

    def file_part() -> Iterator[bytes]:
        if chunks is not None:
            yield (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="web-01 ổ đĩa.dd"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            yield from chunks
            yield b"\r\n"

    parts = [file_part, meta_part] if file_first else [meta_part, file_part]
    for part in parts:
        yield from part()
    yield f"--{BOUNDARY}--\r\n".encode()


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def files_under(settings: Settings) -> list[Path]:
    root = settings.data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def post(client: Any, db: Session, w: World, body: Iterable[bytes], user: Any = None) -> Any:
    return client.post(
        f"/api/v1/incidents/{w.incident.id}/evidence/upload",
        content=body,
        headers={**HEADERS, **api(db, user or w.custodian)},
    )


def test_a_large_upload_is_hashed_stored_and_registered(client: Any, db: Session, settings: Settings) -> None:
    w = make_world(db)
    size = 9 * MIB + 123
    digest = sha256_of(pattern(size))
    answer = post(client, db, w, multipart(metadata(sha256=digest.upper()), pattern(size)))
    assert answer.status_code == 201, answer.text
    item = answer.json()
    assert item["content"]["sha256"] == digest and item["content"]["size"] == size
    assert item["filename"] == "web-01 ổ đĩa.dd" and item["custodian_id"] == w.custodian.id
    assert len(files_under(settings)) == 1  # the content, no temporary file left
    download = client.get(f"/api/v1/evidence/{item['id']}/content", headers=api(db, w.analyst))
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == digest
    assert "attachment" in download.headers["content-disposition"]
    log = client.get(f"/api/v1/evidence/{item['id']}/custody", headers=api(db, w.analyst)).json()
    assert [e["action"] for e in log] == ["collected", "downloaded"]
    assert log[0]["entry"]["details"]["sha256"] == digest


@pytest.mark.parametrize("field", ["sha256", "sha1", "md5"])
def test_a_stated_hash_that_differs_is_refused_and_leaves_nothing(
    client: Any, db: Session, settings: Settings, field: str
) -> None:
    w = make_world(db)
    wrong = {"sha256": "a" * 64, "sha1": "b" * 40, "md5": "c" * 32}[field]
    answer = post(client, db, w, multipart(metadata(**{field: wrong}), pattern(3 * MIB)))
    assert answer.status_code == 422
    error = answer.json()["errors"][0]
    assert error["field"] == field
    actual = hashlib.new(field, b"".join(pattern(3 * MIB))).hexdigest()
    assert wrong in error["message"] and actual in error["message"]
    assert count(db, EvidenceItem) == 0 and count(db, EvidenceContent) == 0
    assert files_under(settings) == []


def test_bad_requests_name_their_field_and_leave_nothing(client: Any, db: Session, settings: Settings) -> None:
    w = make_world(db)
    cases: list[tuple[Iterable[bytes], str]] = [
        (multipart(metadata(item_type="floppy"), pattern(MIB)), "metadata.item_type"),
        (multipart(metadata(kind="physical", item_type="hard_disk"), pattern(MIB)), "metadata.kind"),
        (multipart(metadata(), pattern(MIB), file_first=True), "metadata"),
        (multipart(metadata(), None), "file"),
        (multipart(None, None), "metadata"),
        ([b"not multipart at all"], "file"),
    ]
    for body, field in cases:
        answer = post(client, db, w, body)
        assert answer.status_code == 422, (field, answer.text)
        assert answer.json()["errors"][0]["field"] == field
    plain = client.post(
        f"/api/v1/incidents/{w.incident.id}/evidence/upload",
        content=b"{}",
        headers={"Content-Type": "application/json", **api(db, w.custodian)},
    )
    assert plain.status_code == 422 and plain.json()["errors"][0]["field"] == "file"
    assert count(db, EvidenceItem) == 0 and files_under(settings) == []


def test_who_may_not_add_uploads_nothing(client: Any, db: Session, settings: Settings) -> None:
    w = make_world(db)
    anonymous = client.post(
        f"/api/v1/incidents/{w.incident.id}/evidence/upload",
        content=multipart(metadata(), pattern(MIB)),
        headers=HEADERS,
    )
    assert anonymous.status_code == 401
    assert post(client, db, w, multipart(metadata(), pattern(MIB)), user=w.outsider).status_code == 404
    assert post(client, db, w, multipart(metadata(), pattern(MIB)), user=w.plain).status_code == 403
    assert count(db, EvidenceItem) == 0 and files_under(settings) == []


def test_a_transaction_that_fails_removes_the_stored_file_unless_another_item_has_it(
    client: Any, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = make_world(db)
    first = post(client, db, w, multipart(metadata(), pattern(2 * MIB, seed=1)))
    assert first.status_code == 201
    real = service.add_item

    def add_then_fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr("csirtnet.evidence.upload.service.add_item", add_then_fail)
    with pytest.raises(RuntimeError):
        post(client, db, w, multipart(metadata(), pattern(2 * MIB, seed=2)))
    with pytest.raises(RuntimeError):  # the same bytes as the registered item: they stay
        post(client, db, w, multipart(metadata(), pattern(2 * MIB, seed=1)))
    assert [p.name for p in files_under(settings)] == [first.json()["content"]["sha256"]]
    assert count(db, EvidenceItem) == 1 and count(db, EvidenceContent) == 1


# -- against a real server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def live(
    committing_database: Database, settings: Settings
) -> Iterator[tuple[int, subprocess.Popen[bytes], World, dict[str, str]]]:
    with committing_database.unit_of_work() as s:
        w = make_world(s)
        headers = api(s, w.custodian)
    port = _free_port()
    env = {
        **os.environ,
        "CSIRTNET_DATABASE_URL": committing_database.engine.url.render_as_string(hide_password=False),
        "CSIRTNET_DATA_DIR": str(settings.data_dir),
        "CSIRTNET_SECRET_KEY": settings.secret_key,
        "CSIRTNET_IN_PROCESS_WORKER": "false",
        "CSIRTNET_LOG_JSON": "false",
        # Evidence uploads stream past the request size limit of everything else (middleware).
        "CSIRTNET_MAX_UPLOAD_BYTES": str(4 * MIB),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "csirtnet.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def serving() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                return False

        _wait_for("the server", serving)
        yield port, process, w, headers
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _upload(port: int, w: World, headers: dict[str, str], body: Iterable[bytes]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "POST",
            f"/api/v1/incidents/{w.incident.id}/evidence/upload",
            body=iter(body),
            headers={**HEADERS, **headers},
            encode_chunked=True,
        )
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def test_a_client_that_disconnects_halfway_leaves_nothing(
    live: tuple[int, subprocess.Popen[bytes], World, dict[str, str]], committing_database: Database, settings: Settings
) -> None:
    port, _process, w, headers = live
    size = 64 * MIB
    head = b"".join(multipart(metadata(), []))[: -len(f"\r\n--{BOUNDARY}--\r\n")]
    incoming = settings.data_dir / "evidence" / ".incoming"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        request = (
            f"POST /api/v1/incidents/{w.incident.id}/evidence/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {headers['Authorization']}\r\nContent-Type: {HEADERS['Content-Type']}\r\n"
            f"Content-Length: {len(head) + size + 100}\r\n\r\n"
        ).encode()
        sock.sendall(request + head)
        sent = 0
        for chunk in pattern(size // 2):
            sock.sendall(chunk)
            sent += len(chunk)
        _wait_for("the server to write the file", lambda: incoming.is_dir() and any(incoming.iterdir()))
        sock.shutdown(socket.SHUT_RDWR)
    _wait_for("the temporary file to go", lambda: not any(incoming.iterdir()))
    time.sleep(0.5)  # the request's transaction has ended too
    assert files_under(settings) == []
    with committing_database.unit_of_work() as s:
        assert count(s, EvidenceItem) == 0 and count(s, EvidenceCustodyEntry) == 0
    # The server is still fine and takes the next upload.
    status, body = _upload(port, w, headers, multipart(metadata(), pattern(MIB)))
    assert status == 201, body


def test_the_server_streams_a_large_upload_in_bounded_memory(
    live: tuple[int, subprocess.Popen[bytes], World, dict[str, str]], committing_database: Database, settings: Settings
) -> None:
    port, process, w, headers = live
    status, body = _upload(port, w, headers, multipart(metadata(title="warm-up"), pattern(8 * MIB, seed=3)))
    assert status == 201, body
    before = _peak_rss(process.pid)
    size = 256 * MIB
    status, body = _upload(port, w, headers, multipart(metadata(sha256=sha256_of(pattern(size))), pattern(size)))
    assert status == 201, body
    grown = _peak_rss(process.pid) - before
    assert grown < 64 * MIB, f"the server's peak memory grew by {grown // MIB} MiB for a {size // MIB} MiB upload"
    assert json.loads(body)["content"]["size"] == size
    with committing_database.unit_of_work() as s:
        assert count(s, EvidenceItem) == 2


def test_only_the_evidence_uploads_go_past_the_request_size_limit() -> None:
    from csirtnet.middleware import UNLIMITED_PATHS

    assert UNLIMITED_PATHS.match("/api/v1/incidents/12/evidence/upload")
    assert UNLIMITED_PATHS.match("/incidents/12/evidence")  # the page's streamed upload
    for limited in (
        "/api/v1/incidents/12/evidence",  # a physical item's JSON
        "/api/v1/incidents/12/attachments",
        "/incidents/12/evidence/check",
        "/incidents/12/evidence/upload/x",
        "/report",
    ):
        assert not UNLIMITED_PATHS.match(limited), limited
