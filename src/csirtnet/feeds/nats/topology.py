"""The JetStream layout of the scaled pipeline: one work-queue stream, a subject and a durable pull
consumer per stage, and the limits that make it push back instead of growing.

    csirtnet feed submit ──> <prefix>.parse ──(parse)──> <prefix>.enrich ──(enrich)──> <prefix>.store ──(store)──> DB
                                                    └────────────── end of file ─────────────────┘

- The stream keeps each message until a worker of its stage acknowledges it (work-queue retention), on
  disk, so a stopped or killed worker loses nothing: what it had not acknowledged is delivered again
  after `ack_wait` (a worker that is still busy tells the server so with `in_progress`).
- Back-pressure: each subject holds at most `max_pending` messages (`discard_new_per_subject`): a
  stage whose next stage is behind is refused the publish and waits, and in turn stops taking work,
  down to `csirtnet feed submit`. Memory and disk are bounded whatever the input size.
- Each durable consumer hands out at most `max_ack_pending` unacknowledged messages, shared by all
  the workers of its stage.
- Every publish carries `Nats-Msg-Id` (`<kind>:<batch id>`), so a batch published again within
  `duplicate_window` (a parse worker killed halfway through a file re-reads it) is dropped by the
  server; after the window the store stage still recognises it by its batch id (`feed_batch`).

The stream's name comes from CSIRTNET_NATS_STREAM (default CSIRTNET_FEEDS), the subjects from the
name (CSIRTNET_FEEDS -> csirtnet.feeds.parse …), so tests and several installations can share a server.
A consumer is created with the configuration of the first worker or submit that finds it missing;
changing `ack_wait` later means deleting the consumer (`nats consumer rm`) while the stage is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass

from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError

STAGES: tuple[str, ...] = ("parse", "enrich", "store")
DEFAULT_STREAM = "CSIRTNET_FEEDS"
STREAM_ENV = "CSIRTNET_NATS_STREAM"
ACK_WAIT_ENV = "CSIRTNET_NATS_ACK_WAIT"
PUBLISH_TIMEOUT = 30.0  # seconds for the server to store a message (a batch is up to 1 MiB)


def stages_named(text: str) -> tuple[str, ...]:
    """The stages `--stage` names: one (`parse`), several (`enrich,store`) or `all`; ValueError naming
    what is unknown."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return STAGES
    unknown = [n for n in names if n not in STAGES]
    if unknown or not names:
        raise ValueError(f"--stage: {', '.join(map(repr, unknown)) or 'nothing'} is not parse, enrich, store or all")
    return tuple(s for s in STAGES if s in names)


@dataclass(frozen=True)
class Topology:
    stream: str = DEFAULT_STREAM
    max_pending: int = 32  # messages waiting per subject before publishers are refused
    max_ack_pending: int = 16  # unacknowledged messages per stage, all its workers together
    ack_wait: float = 60.0  # seconds without progress before a message is delivered again
    max_deliver: int = 10  # deliveries before a message is given up (its run is marked failed)
    duplicate_window: float = 3600.0  # seconds the server remembers message ids

    @classmethod
    def from_env(cls) -> Topology:
        """The defaults, with the stream's name from CSIRTNET_NATS_STREAM and `ack_wait` from
        CSIRTNET_NATS_ACK_WAIT (seconds; tests shorten it so a killed worker's message returns soon)."""
        ack_wait = os.environ.get(ACK_WAIT_ENV)
        return cls(
            stream=os.environ.get(STREAM_ENV) or DEFAULT_STREAM,
            ack_wait=float(ack_wait) if ack_wait else cls.ack_wait,
        )

    @property
    def prefix(self) -> str:
        return self.stream.lower().replace("_", ".")

    def subject(self, stage: str) -> str:
        if stage not in STAGES:
            raise ValueError(f"stage: {stage!r} is not one of {', '.join(STAGES)}")
        return f"{self.prefix}.{stage}"

    def durable(self, stage: str) -> str:
        return f"{self.stream}_{stage}".upper()

    def stream_config(self) -> api.StreamConfig:
        return api.StreamConfig(
            name=self.stream,
            description="csirtnet feed pipeline: file jobs and event batches between stages",
            subjects=[self.subject(s) for s in STAGES],
            retention=api.RetentionPolicy.WORK_QUEUE,
            storage=api.StorageType.FILE,
            discard=api.DiscardPolicy.NEW,
            discard_new_per_subject=True,
            max_msgs_per_subject=self.max_pending,
            duplicate_window=self.duplicate_window,
        )

    def consumer_config(self, stage: str) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            durable_name=self.durable(stage),
            description=f"csirtnet feed pipeline, stage {stage}",
            filter_subject=self.subject(stage),
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
            max_ack_pending=self.max_ack_pending,
            max_waiting=512,
        )


async def ensure(js: JetStreamContext, topology: Topology) -> None:
    """Create the stream and the three consumers, or bring them to this configuration (idempotent:
    every worker and every submit calls it, in any order)."""
    try:
        await js.add_stream(topology.stream_config())
    except BadRequestError:  # it exists with another configuration: ours wins
        await js.update_stream(topology.stream_config())
    for stage in STAGES:
        config = topology.consumer_config(stage)
        try:
            await js.consumer_info(topology.stream, topology.durable(stage))
        except NotFoundError:
            await js.add_consumer(topology.stream, config)


async def delete(js: JetStreamContext, topology: Topology) -> None:
    """Remove the stream with its consumers and messages (tests; an operator resetting the pipeline)."""
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(topology.stream)


async def publish(js: JetStreamContext, subject: str, msg_id: str, data: bytes) -> None:
    """Publish with `Nats-Msg-Id`; while the subject is full (back-pressure), wait and try again."""
    delay = 0.02
    while True:
        try:
            await js.publish(subject, data, timeout=PUBLISH_TIMEOUT, headers={"Nats-Msg-Id": msg_id})
            return
        except ServiceUnavailableError:  # 10077: the stage behind us holds max_pending messages
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
