"""`csirtnet worker --stage parse|enrich|store|all`: stages of the feed pipeline over NATS JetStream.

`--stage` names one stage, several (`enrich,store`) or `all`; each named stage gets its own worker
(connection and pull subscription) in the process. Start any number per stage, on any machine that
reaches the NATS server (CSIRTNET_NATS_URL), the database (enrich, store) and the files (parse).
Each worker pulls one message at a time from its stage's durable consumer, does the work in a thread
(the event loop keeps the connection alive and tells the server the message is in progress every
`ack_wait / 3`), publishes what it made to the next stage, and acknowledges only after that (the
store stage: after its database commit and the run's completion check). A worker that dies — SIGKILL
included — leaves its message unacknowledged: the server delivers it again after `ack_wait`, and the
work is idempotent (same batch ids, the server's message-id dedupe, `feed_batch`). A message that
has failed `max_deliver - 1` times is not tried again: its run is marked failed with the error.
SIGTERM or Ctrl-C: the message in hand is finished (a parse worker hands the rest of its file back
instead), then the worker exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import nats
import polars as pl
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext

from csirtnet.feeds.nats import runs, topology
from csirtnet.feeds.nats.codec import Batch, FileEnd, FileJob, decode
from csirtnet.feeds.nats.stages import EnrichStage, FileReader, StoreStage, hold
from csirtnet.feeds.nats.topology import Topology, publish
from csirtnet.kit.aio import run_async

if TYPE_CHECKING:
    from csirtnet.config import Settings
    from csirtnet.db import Database

log = logging.getLogger("csirtnet.feeds.nats")

PAYLOAD_SHARE = 0.7  # of the server's max_payload a parsed batch may use (enrichment adds columns)


class GiveUp(Exception):
    """The message cannot be processed, now or later: its run fails."""


def run_stages(stages: tuple[str, ...], *, settings: Settings, db: Database, topology_: Topology | None = None) -> int:
    """Run a worker for each of `stages` in this process until SIGTERM/SIGINT; the exit code.

    Several stages in one process share its cores: `--stage all` on each of N machines (or N
    processes on one) scales the whole pipeline with N, where one process per stage needs three."""
    if not settings.nats_url:
        log.error("CSIRTNET_NATS_URL is not set: the stages need a NATS server with JetStream")
        return 2
    workers = [
        StageWorker(stage, url=settings.nats_url, db=db, batch_rows=settings.feeds_batch_rows, topology_=topology_)
        for stage in stages
    ]

    def stop() -> None:
        for w in workers:
            w.stop.set()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        await asyncio.gather(*(w.serve() for w in workers))

    try:
        run_async(serve())
    except (OSError, nats.errors.NoServersError) as exc:
        log.error("cannot reach NATS at %s: %s", settings.nats_url, exc)
        return 1
    return 0


class StageWorker:
    def __init__(
        self, stage: str, *, url: str, db: Database, batch_rows: int = 50_000, topology_: Topology | None = None
    ) -> None:
        self.stage = stage
        self.url = url
        self.db = db
        self.batch_rows = batch_rows
        self.topology = topology_ or Topology.from_env()
        self.stop = asyncio.Event()
        self.handled = 0
        self._enrich = EnrichStage(db) if stage == "enrich" else None
        self._store = StoreStage(db) if stage == "store" else None
        self.limit = 0  # bytes a parsed batch may take (from the server's max_payload, once connected)
        self.max_payload = 0
        self.js: JetStreamContext

    async def serve(self) -> None:
        nc = await nats.connect(
            self.url, name=f"csirtnet-{self.stage}-{os.getpid()}", max_reconnect_attempts=-1, reconnect_time_wait=1
        )
        try:
            js = nc.jetstream(timeout=topology.PUBLISH_TIMEOUT)
            await topology.ensure(js, self.topology)
            self.limit = int(nc.max_payload * PAYLOAD_SHARE)
            self.max_payload = nc.max_payload
            self.js = js
            sub = await js.pull_subscribe_bind(self.topology.durable(self.stage), self.topology.stream)
            log.info(
                "feed stage worker started",
                extra={"stage": self.stage, "stream": self.topology.stream, "threads": pl.thread_pool_size()},
            )
            while not self.stop.is_set():
                try:
                    messages = await sub.fetch(1, timeout=1.0)
                except NatsTimeout:
                    continue
                except nats.errors.Error as exc:  # reconnecting: the client retries for us
                    log.warning("feed stage cannot fetch", extra={"stage": self.stage, "error": repr(exc)})
                    await asyncio.sleep(1.0)
                    continue
                for msg in messages:
                    try:
                        await self.handle(msg)
                    except Exception:  # the server away mid-message: it is delivered again later
                        log.exception("feed message left unacknowledged", extra={"stage": self.stage})
        finally:
            with contextlib.suppress(Exception):
                await nc.close()

    # -- one message ----------------------------------------------------------------------------
    async def handle(self, msg: Msg) -> None:
        delivered = msg.metadata.num_delivered
        try:
            if delivered >= self.topology.max_deliver:
                raise GiveUp(f"not processed after {delivered - 1} attempts")
            await self._beating(msg, self._work(msg))
            self.handled += 1
        except Exception as exc:  # noqa: BLE001 - every failure is either retried or recorded on its run
            error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, GiveUp | ValueError) or delivered >= self.topology.max_deliver - 1:
                log.error("feed message given up", extra={"stage": self.stage, "error": error})
                await self._give_up(msg, error)
                await msg.term()
            else:
                log.warning("feed message failed, will retry", extra={"stage": self.stage, "error": error})
                await msg.nak(delay=min(30.0, 0.5 * 2**delivered))

    async def _beating(self, msg: Msg, work: Awaitable[None]) -> None:
        """Run `work`, telling the server every ack_wait / 3 that `msg` is still being worked on."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.topology.ack_wait / 3)
                with contextlib.suppress(Exception):
                    await msg.in_progress()

        beater = asyncio.create_task(beat())
        try:
            await work
        finally:
            beater.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beater

    async def _work(self, msg: Msg) -> None:
        handler: dict[str, Callable[[Msg], Awaitable[None]]] = {
            "parse": self._parse,
            "enrich": self._enrich_one,
            "store": self._store_one,
        }
        await handler[self.stage](msg)

    async def _parse(self, msg: Msg) -> None:
        job = decode(msg.data)
        if not isinstance(job, FileJob):
            raise ValueError(f"the parse stage takes file jobs, not {type(job).__name__}")
        reader = FileReader(job, batch_rows=self.batch_rows, limit=self.limit)
        batches = reader.messages()
        error: str | None = None
        while True:
            try:
                item = await asyncio.to_thread(next, batches, None)
            except Exception as exc:  # noqa: BLE001 - the file's failure, reported on its run
                error = f"{job.name}: {type(exc).__name__}: {exc}"
                log.warning("feed file failed", extra={"run_id": job.run_id, "file": job.name, "error": error})
                break
            if item is None:
                break
            await publish(self.js, self.topology.subject("enrich"), *item)
            hold("parse")
            if self.stop.is_set():  # stopping mid-file: another worker reads it again (same batches)
                await msg.nak()
                return
        await publish(self.js, self.topology.subject("store"), *reader.end(error))
        await msg.ack_sync()

    async def _enrich_one(self, msg: Msg) -> None:
        assert self._enrich is not None
        stage = self._enrich
        message = decode(msg.data)
        msg_id, data = await asyncio.to_thread(stage.process, message)
        if len(data) > self.max_payload:
            raise GiveUp(f"the enriched batch is larger than a message ({len(data)} > {self.max_payload} bytes)")
        await publish(self.js, self.topology.subject("store"), msg_id, data)
        await msg.ack_sync()

    async def _store_one(self, msg: Msg) -> None:
        assert self._store is not None
        message = decode(msg.data)
        run_id = await asyncio.to_thread(self._store.process, message)
        await asyncio.to_thread(self._check, run_id)
        await msg.ack_sync()

    def _check(self, run_id: int) -> None:
        with self.db.unit_of_work(write=False) as session:
            if runs.finish_if_complete(session, run_id):
                log.info("feed run finished", extra={"run_id": run_id})

    async def _give_up(self, msg: Msg, error: str) -> None:
        """Fail the message's run with `error` (a message that is not ours is only dropped)."""
        try:
            message = decode(msg.data)
        except ValueError:
            return
        label = _label(message)
        try:
            await asyncio.to_thread(self._fail, message.run_id, f"{label}: {error}")
        except Exception:  # the database is away too: the run stays running, logged
            log.exception("could not mark the run failed", extra={"run_id": message.run_id})

    def _fail(self, run_id: int, error: str) -> None:
        with self.db.unit_of_work() as session:
            runs.fail(session, run_id, error)


def _label(message: FileJob | FileEnd | Batch) -> str:
    if isinstance(message, Batch):
        return f"batch {message.batch_id}"
    if isinstance(message, FileJob):
        return f"file {message.name}"
    return f"end of file #{message.file_no}"
