"""The scaled pipeline (feeds.nats) against the real NATS server at 127.0.0.1:4222 (JetStream on):
the message codec, batches cut to fit a message the same way twice, back-pressure, and stage
workers as real processes: SIGKILLed in the middle of a batch and restarted, every event is stored
exactly once, the run's counts are right, each member has one digest and is mailed once.

Each test uses a stream of its own (CSIRTNET_NATS_STREAM) and deletes it afterwards. Under CI=true a
NATS server that cannot be reached fails the tests; elsewhere they skip."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import polars as pl
import pytest
from sqlalchemy import func, select

from csirtnet.authz import Subject
from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.feeds import event as ev
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.nats import codec, runs, topology
from csirtnet.feeds.nats.stages import FileReader
from csirtnet.feeds.nats.submit import Input, submit, wait
from csirtnet.feeds.nats.topology import STAGES, Topology, stages_named
from csirtnet.feeds.nats.worker import StageWorker
from csirtnet.feeds.parsers import Quarantined
from csirtnet.kit.aio import run_async
from csirtnet.kit.files import blob_store
from csirtnet.kit.processes import stop as stop_processes
from csirtnet.models import (
    AuditRecord,
    ConstituencyClaim,
    FeedBatch,
    FeedBlock,
    FeedDigest,
    FeedQuarantine,
    FeedRun,
    FeedSource,
    Job,
)
from csirtnet.organisation.claims import parse_claim
from tests.conftest import IN_CI
from tests.factories import make_organisation, make_user
from tests.feeds.stored import count_events, stored_events
from tests.helpers import run_cli

NATS_URL = os.environ.get("CSIRTNET_TEST_NATS_URL", "nats://127.0.0.1:4222")
HEADER = '"timestamp","ip","port","hostname","tag","asn","geo","region","city","smb_version_string"'
REPORT = "2026-12-05-scan_smb-vn-geo.csv"


def _nats_or_skip() -> None:
    async def probe() -> None:
        nc = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False)
        try:
            await nc.jetstream().account_info()
        finally:
            await nc.close()

    try:
        run_async(probe())
    except Exception as exc:  # noqa: BLE001
        message = f"NATS with JetStream at {NATS_URL} is unreachable: {exc!r}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the NATS tests must run)", pytrace=False)
        pytest.skip(message)


@pytest.fixture
def layout() -> Iterator[Topology]:
    """A stream of this test's own, with a short ack_wait so a killed worker's message returns soon."""
    _nats_or_skip()
    made = Topology(stream=f"CSIRTNET_TEST_{uuid.uuid4().hex[:10].upper()}", ack_wait=2.0)

    async def with_js(action: str) -> None:
        nc = await nats.connect(NATS_URL)
        try:
            js = nc.jetstream()
            await (topology.ensure(js, made) if action == "ensure" else topology.delete(js, made))
        finally:
            await nc.close()

    run_async(with_js("ensure"))
    yield made
    run_async(with_js("delete"))


def _source(**overrides: object) -> SourceConfig:
    values: dict[str, object] = {"id": 1, "name": "shadowserver", "provider": "Shadowserver", "parser": "shadowserver"}
    values.update(overrides)
    return SourceConfig(**values)  # type: ignore[arg-type]


# -- the codec and the cut, without a server -------------------------------------------------------


def test_messages_round_trip_with_their_events_columnar() -> None:
    frame = ev.conform(
        pl.DataFrame(
            {
                "source.ip": ["192.0.2.1", "2001:db8::1"],
                "source.port": [445, None],
                "time.source": [datetime(2026, 12, 5, tzinfo=UTC), None],
                ev.LINE: [2, 3],
            }
        )
    )
    source = _source(mapping={"columns": {}}, extra={"note": "kept"})
    batch = codec.Batch(
        run_id=7,
        batch_id=codec.batch_id(7, 1, 3),
        seq_start=1000,
        source=source,
        frame=frame,
        quarantined=(Quarantined("r.csv", 4, "bad address", "x,y"),),
        report_type="scan_smb",
    )
    back = codec.decode(codec.encode(batch))
    assert isinstance(back, codec.Batch)
    assert back.frame.equals(frame) and back.frame.schema == frame.schema
    assert (back.batch_id, back.seq_start, back.source, back.quarantined, back.report_type) == (
        "7:1:3",
        1000,
        source,
        batch.quarantined,
        "scan_smb",
    )
    assert back.msg_id == "parsed:7:1:3"
    job = codec.FileJob(run_id=7, file_no=2, name="a.csv", source=source, seq_base=5, seq_room=9, sha256="ab" * 32)
    assert codec.decode(codec.encode(job)) == job
    end = codec.FileEnd(run_id=7, file_no=2, batches=4, error="gone")
    assert codec.decode(codec.encode(end)) == end
    with pytest.raises(ValueError, match="not a csirtnet feed message"):
        codec.decode(b'{"kind": "batch"}')


def _report(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _row(ip: str, port: int = 445, tag: str = "smb") -> str:
    noise = hashlib.sha256(f"{ip}:{port}".encode()).hexdigest()[:24]  # what compresses badly, as real data
    return (
        f'"2026-12-05 00:01:23","{ip}","{port}","h{noise}.example.vn","{tag}","64500","VN","Ha Noi","Ha Noi","{noise}"'
    )


def test_a_file_is_cut_to_fit_a_message_and_the_same_way_twice(tmp_path: Path) -> None:
    ips = [str(ipaddress.IPv4Address(0xC6336400 + i)) for i in range(3000)]
    rows = [_row(ip) for ip in ips]
    rows[10] = '"2026-12-05 00:01:23","not-an-ip","445"'  # line 12: quarantined
    path = _report(tmp_path / REPORT, rows)
    job = codec.FileJob(
        run_id=5, file_no=1, name=REPORT, source=_source(), seq_base=100, seq_room=10_000, path=str(path)
    )

    def read() -> tuple[list[tuple[str, bytes]], int]:
        reader = FileReader(job, batch_rows=2000, limit=30_000)
        return list(reader.messages()), reader.batches

    first, count = read()
    again, _ = read()
    assert first == again  # same ids, same bytes: a file read again makes the same batches
    assert count == len(first) > 3  # 2,000 rows do not fit in 30 kB: cut
    batches = [codec.decode(data) for _, data in first]
    assert all(isinstance(b, codec.Batch) for b in batches)
    assert all(len(data) <= 30_000 for _, data in first)
    events = pl.concat([b.frame for b in batches if isinstance(b, codec.Batch)])
    assert events["source.ip"].to_list() == [ip for n, ip in enumerate(ips) if n != 10]
    starts = [b.seq_start for b in batches if isinstance(b, codec.Batch)]
    heights = [b.frame.height for b in batches if isinstance(b, codec.Batch)]
    assert starts == [100 + sum(heights[:n]) for n in range(len(heights))]
    assert [b.batch_id for b in batches if isinstance(b, codec.Batch)] == [f"5:1:{n}" for n in range(count)]
    lost = [q for b in batches if isinstance(b, codec.Batch) for q in b.quarantined]
    assert [(q.line, q.file) for q in lost] == [(12, REPORT)]
    _, end = FileReader(job, batch_rows=2000, limit=30_000).end("boom")
    assert codec.decode(end) == codec.FileEnd(5, 1, 0, "boom")

    small = codec.FileJob(run_id=5, file_no=0, name=REPORT, source=_source(), seq_base=0, seq_room=10, path=str(path))
    with pytest.raises(ValueError, match="more than 10 events"):
        list(FileReader(small, batch_rows=2000, limit=30_000).messages())


# -- the server ------------------------------------------------------------------------------------


def test_a_full_stage_refuses_publishers_until_its_workers_take_messages(layout: Topology) -> None:
    tight = Topology(stream=layout.stream, max_pending=2, ack_wait=2.0)

    async def scenario() -> tuple[bool, int]:
        nc = await nats.connect(NATS_URL)
        try:
            js = nc.jetstream()
            await topology.ensure(js, tight)  # the stream now holds 2 messages per subject
            subject = tight.subject("enrich")
            for n in range(2):
                await topology.publish(js, subject, f"m{n}", b"x")
            third = asyncio.create_task(topology.publish(js, subject, "m2", b"x"))
            await asyncio.sleep(0.5)
            blocked = not third.done()
            sub = await js.pull_subscribe_bind(tight.durable("enrich"), tight.stream)
            (msg,) = await sub.fetch(1, timeout=2)
            await msg.ack_sync()
            await asyncio.wait_for(third, timeout=5)
            await topology.publish(js, subject, "m0", b"x")  # a message id seen before: dropped
            info = await js.stream_info(tight.stream)
            return blocked, info.state.messages
        finally:
            await nc.close()

    blocked, held = run_async(scenario())
    assert blocked
    assert held == 2


# -- real worker processes, one killed mid-batch --------------------------------------------------


def _seed(database: Database, rows: int) -> tuple[int, dict[str, int], list[str]]:
    """Three members (one a delegation inside another's range), a user each, a source; the report's
    lines (every 10th a duplicate of the one before, every 50th outside every member, two bad ones)."""
    with database.unit_of_work() as session:
        orgs = {}
        for name, prefix in (("a", "198.51.100.0/24"), ("b", "198.51.100.128/26"), ("c", "203.0.113.0/24")):
            org = make_organisation(session)
            make_user(session, organisation=org)
            parsed = parse_claim(prefix)
            session.add(
                ConstituencyClaim(
                    organisation_id=org.id,
                    kind=parsed.kind.value,
                    value=parsed.value,
                    prefix_len=parsed.prefix_len,
                    range_start=parsed.range_start,
                    range_end=parsed.range_end,
                )
            )
            orgs[name] = org.id
        source = FeedSource(
            name=f"ss-{uuid.uuid4().hex[:6]}", provider="Shadowserver", parser="shadowserver", tlp="amber"
        )
        session.add(source)
        session.flush()
        source_id = source.id
    lines: list[str] = []
    inside = [*ipaddress.ip_network("198.51.100.0/24"), *ipaddress.ip_network("203.0.113.0/24")]
    for n in range(rows):
        if n % 10 == 9:
            lines.append(lines[-1])
        elif n % 50 == 49:
            lines.append(_row(f"192.0.2.{n % 250}", port=n))
        else:
            lines.append(_row(str(inside[n % len(inside)]), port=1000 + n))
    if rows > 17:
        lines[5] = '"2026-12-05 00:01:23","300.1.1.1","445"'
        lines[17] = '"not a time","198.51.100.7","445","h","t","1","VN","x","y","z"'
    return source_id, orgs, lines


def _worker(
    stage: str, env: dict[str, str], log: Path, hold: Path | None = None, *options: str
) -> subprocess.Popen[bytes]:
    extra = {"CSIRTNET_FEEDS_NATS_HOLD": f"{stage}:{hold}"} if hold else {}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "csirtnet.cli", "worker", "--stage", stage, *options],
            env={**env, **extra},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _until(done: object, timeout: float, what: str, logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(done) and done():
            return
        time.sleep(0.1)
    raise AssertionError(
        f"{what} within {timeout} s; worker logs:\n" + "\n".join(p.read_text() for p in logs.glob("*.log"))
    )


def _worker_env(database: Database, layout: Topology, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CSIRTNET_DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
        "CSIRTNET_DATA_DIR": str(tmp_path),
        "CSIRTNET_NATS_URL": NATS_URL,
        "CSIRTNET_NATS_STREAM": layout.stream,
        "CSIRTNET_NATS_ACK_WAIT": str(layout.ack_wait),
        "CSIRTNET_FEEDS_BATCH_ROWS": "100",
        "CSIRTNET_LOG_JSON": "false",
        "CSIRTNET_IN_PROCESS_WORKER": "false",
    }


def _submit(database: Database, source_id: int, report: Path, env: dict[str, str]) -> int:
    """`csirtnet feed submit REPORT --source NAME`; the run's id."""
    import csirtnet.feeds.nats.cli  # noqa: F401 - registers `csirtnet feed submit` (the lead mounts it)

    with database.unit_of_work() as session:
        name = session.get(FeedSource, source_id).name  # type: ignore[union-attr]
    result = run_cli(
        database,
        "feed",
        "submit",
        str(report),
        "--source",
        name,
        env={k: env[k] for k in ("CSIRTNET_NATS_URL", "CSIRTNET_NATS_STREAM", "CSIRTNET_NATS_ACK_WAIT")},
    )
    assert result.exit_code == 0, result.output
    return int(result.stdout.split()[-1])


def test_sigkilled_workers_lose_no_event_and_double_no_digest(
    committing_database: Database, layout: Topology, tmp_path: Path
) -> None:
    source_id, orgs, lines = _seed(committing_database, 1500)
    report = _report(tmp_path / REPORT, lines)
    env = _worker_env(committing_database, layout, tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    parse_held, store_held = tmp_path / "parse.held", tmp_path / "store.held"
    workers = {
        "parse": _worker("parse", env, logs / "parse-1.log", hold=parse_held),
        "enrich": _worker("enrich", env, logs / "enrich.log"),
        "store": _worker("store", env, logs / "store-1.log", hold=store_held),
    }
    try:
        run_id = _submit(committing_database, source_id, report, env)
        # The parse worker has published a batch and holds the rest of the file; the store worker has
        # written a batch and holds it uncommitted. Both die without a word.
        _until(lambda: parse_held.exists() and store_held.exists(), 60, "both workers held", logs)
        for stage in ("parse", "store"):
            workers[stage].send_signal(signal.SIGKILL)
            workers[stage].wait(10)
        with committing_database.unit_of_work() as session:
            assert session.get(FeedRun, run_id).status == "running"  # type: ignore[union-attr]
            assert count_events(session) == 0
        workers["parse"] = _worker("parse", env, logs / "parse-2.log")
        workers["store"] = _worker("store", env, logs / "store-2.log")
        summary = wait(committing_database, run_id, timeout=90)
    finally:
        stop_processes(list(workers.values()))
    _check_counts(committing_database, run_id, source_id, orgs, lines, summary.status)


def test_workers_running_every_stage_share_the_run(
    committing_database: Database, layout: Topology, tmp_path: Path
) -> None:
    """`csirtnet worker --stage all`, twice: each process takes messages of every stage from the same
    durable consumers; every event is stored once, each member has one digest. A stage worker's
    batch work is single-threaded unless `--threads` says otherwise."""
    source_id, orgs, lines = _seed(committing_database, 1200)
    report = _report(tmp_path / REPORT, lines)
    env = _worker_env(committing_database, layout, tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    env.pop("POLARS_MAX_THREADS", None)
    workers = [_worker("all", env, logs / "all-0.log"), _worker("all", env, logs / "all-1.log", None, "--threads", "2")]
    try:
        run_id = _submit(committing_database, source_id, report, env)
        summary = wait(committing_database, run_id, timeout=90)
    finally:
        stop_processes(workers)
    for n, threads in enumerate((1, 2)):
        text = (logs / f"all-{n}.log").read_text()
        started = {line.split("stage=")[1].split()[0] for line in text.splitlines() if "worker started" in line}
        assert started == set(STAGES), text
        assert text.count(f"threads={threads}") == 3, text
    _check_counts(committing_database, run_id, source_id, orgs, lines, summary.status)


@pytest.mark.parametrize(
    ("text", "stages"), [("store", ("store",)), ("store, parse", ("parse", "store")), ("all", STAGES)]
)
def test_stage_names(text: str, stages: tuple[str, ...]) -> None:
    assert stages_named(text) == stages


def test_an_unknown_stage_is_named(database: Database) -> None:
    """Refused before anything else: no logging set up, no thread count set in the environment."""
    threads, level = os.environ.get("POLARS_MAX_THREADS"), logging.getLogger().level
    result = run_cli(database, "worker", "--stage", "parse,sort")
    assert result.exit_code == 1
    assert "--stage: 'sort' is not parse, enrich, store or all" in result.output
    assert (os.environ.get("POLARS_MAX_THREADS"), logging.getLogger().level) == (threads, level)


def _expected(lines: list[str]) -> tuple[int, dict[str, int], int]:
    """(events parsed, events stored per owner ("" = nobody), quarantined) computed from the lines."""
    seen: set[tuple[str, str]] = set()
    owners: dict[str, int] = {}
    parsed = quarantined = 0
    b_net, a_net, c_net = (ipaddress.ip_network(n) for n in ("198.51.100.128/26", "198.51.100.0/24", "203.0.113.0/24"))
    for line in lines:
        cells = line.replace('"', "").split(",")
        if len(cells) != 10 or cells[0] == "not a time":
            quarantined += 1
            continue
        parsed += 1
        key = (cells[1], cells[2])
        if key in seen:
            continue
        seen.add(key)
        ip = ipaddress.ip_address(cells[1])
        owner = "b" if ip in b_net else "a" if ip in a_net else "c" if ip in c_net else ""
        owners[owner] = owners.get(owner, 0) + 1
    return parsed, owners, quarantined


def _check_counts(
    database: Database, run_id: int, source_id: int, orgs: dict[str, int], lines: list[str], status: str
) -> None:
    parsed, owners, quarantined = _expected(lines)
    stored = sum(owners.values())
    with database.unit_of_work() as session:
        run = session.get(FeedRun, run_id)
        assert run is not None
        assert (status, run.error, run.report_type) == ("done", None, "scan_smb")
        assert (run.events, run.matched, run.unmatched, run.duplicates, run.quarantined) == (
            parsed,
            stored - owners.get("", 0),
            owners.get("", 0),
            parsed - stored,
            quarantined,
        )
        events = [(e.seq, e.organisation_id) for e in stored_events(session, FeedBlock.run_id == run_id)]
        assert len(events) == len({seq for seq, _ in events}) == stored  # each stored once
        per_org = {org: sum(1 for _, o in events if o == org) for org in orgs.values()}
        assert per_org == {orgs[k]: owners[k] for k in ("a", "b", "c")}
        assert (
            session.scalar(select(func.count()).select_from(FeedQuarantine).where(FeedQuarantine.run_id == run_id)) == 2
        )
        ended, files, batches, announced = runs.progress(session, run_id)
        assert (ended, files) == (1, 1) and batches == announced > 10
        assert (
            session.scalar(select(func.count()).select_from(FeedBatch).where(FeedBatch.run_id == run_id)) == batches + 1
        )
        digests = session.scalars(select(FeedDigest).where(FeedDigest.source_id == source_id)).all()
        assert sorted((d.organisation_id, d.events) for d in digests) == sorted(per_org.items())

    from csirtnet.feeds.digests import EMAIL_JOB, send_due

    later = datetime.now(UTC) + timedelta(days=3)
    sent = []
    for _ in range(2):  # a second sender finds nothing left to send
        with database.unit_of_work() as session:
            sent.append(send_due(session, later))
    with database.unit_of_work() as session:
        mails = session.scalars(select(Job).where(Job.name == EMAIL_JOB)).all()
        assert sent == [3, 0]
        assert sorted(j.payload["digest_id"] for j in mails) == sorted(d.id for d in digests)


# -- stage workers in this process: failures end up on the run -----------------------------------


@contextmanager
def _stage_workers(database: Database, layout: Topology) -> Iterator[None]:
    """One worker per stage, in a thread of this process (cheaper than processes where none is killed)."""
    loop = asyncio.new_event_loop()
    workers = [StageWorker(stage, url=NATS_URL, db=database, batch_rows=100, topology_=layout) for stage in STAGES]

    async def serve() -> None:
        await asyncio.gather(*(w.serve() for w in workers))

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield
    finally:
        for w in workers:
            loop.call_soon_threadsafe(w.stop.set)
        thread.join(30)
        loop.close()


def test_a_file_that_cannot_be_read_fails_its_run_and_the_others_are_stored(
    committing_database: Database, layout: Topology, tmp_path: Path, settings: Settings
) -> None:
    source_id, _orgs, lines = _seed(committing_database, 300)
    with committing_database.unit_of_work() as session:
        name = session.get(FeedSource, source_id).name  # type: ignore[union-attr]
    sha, _ = blob_store().put_bytes(("\n".join([HEADER, *lines]) + "\n").encode())
    (tmp_path / "notes.csv").write_text("hello,world\n1,2\n")  # no report: one quarantined line, no events
    files = [
        Input(REPORT, sha256=sha),
        Input("gone.csv", path=tmp_path / "gone.csv"),
        Input("notes.csv", path=tmp_path / "notes.csv"),
    ]
    with _stage_workers(committing_database, layout):
        run_id = submit(
            committing_database, name, files, who=Subject.system("test"), nats_url=NATS_URL, topology_=layout
        )
        summary = wait(committing_database, run_id, timeout=60)
    parsed, owners, quarantined = _expected(lines)
    assert summary.status == "failed"
    assert summary.error is not None and "gone.csv: FileNotFoundError" in summary.error
    assert (summary.events, summary.matched + summary.unmatched, summary.quarantined) == (
        parsed,
        sum(owners.values()),
        quarantined + 1,
    )
    with committing_database.unit_of_work() as session:
        assert count_events(session, FeedBlock.run_id == run_id) == sum(owners.values())
        assert runs.progress(session, run_id)[:2] == (3, 3)
        refused = session.scalars(select(FeedQuarantine).where(FeedQuarantine.file == "notes.csv")).all()
        assert [(q.run_id, q.line) for q in refused] == [(run_id, 1)]
        finished = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "feed.run_finished", AuditRecord.object_id == str(run_id))
        ).all()
        assert len(finished) == 1


def test_a_batch_that_cannot_be_stored_is_given_up_and_fails_its_run(
    committing_database: Database, layout: Topology
) -> None:
    source_id, _, _ = _seed(committing_database, 0)
    with committing_database.unit_of_work() as session:
        run_id, config = runs.create_run(
            session, Subject.system("test"), SourceConfig(id=source_id, name="", provider="", parser=""), ["x.csv"]
        )
    frame = ev.conform(pl.DataFrame({"source.ip": ["198.51.100.1"]}))
    unenriched = codec.Batch(
        run_id=run_id, batch_id=codec.batch_id(run_id, 0, 0), seq_start=0, source=config, frame=frame
    )

    async def send() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            js = nc.jetstream()
            await topology.publish(js, layout.subject("store"), "enriched:x", codec.encode(unenriched))
            await topology.publish(js, layout.subject("store"), "junk", b"not ours")
        finally:
            await nc.close()

    with _stage_workers(committing_database, layout):
        run_async(send())
        summary = wait(committing_database, run_id, timeout=30)
    assert summary.status == "failed"
    assert (
        summary.error
        == f"batch {run_id}:0:0: ValueError: batch {run_id}:0:0 reached the store stage without enrichment"
    )


def test_submit_names_what_is_missing(committing_database: Database, tmp_path: Path) -> None:
    import csirtnet.feeds.nats.cli  # noqa: F401 - registers `csirtnet feed submit` (the lead mounts it)

    report = _report(tmp_path / REPORT, [_row("198.51.100.1")])
    result = run_cli(committing_database, "feed", "submit", str(report), env={"CSIRTNET_NATS_URL": ""})
    assert result.exit_code == 1
    assert "CSIRTNET_NATS_URL: not set" in result.output
    result = run_cli(
        committing_database, "feed", "submit", str(tmp_path / "nope.csv"), env={"CSIRTNET_NATS_URL": NATS_URL}
    )
    assert result.exit_code == 1
    assert "PATH:" in result.output and "nope.csv does not exist" in result.output
    with committing_database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(FeedRun)) == 0
