"""How the evidence store's bytes move (evidence/store.py): a pool of page-aligned buffers fanned
out to worker threads (MD5; SHA-256 and SHA-1; the file), the AES-256-GCM sealing of chunks, and
the writes to disk (O_DIRECT while whole blocks, a full disk named as such). The store's docstring
says why it is built this way and what the sealed format is.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import queue
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BUFFER = 1024 * 1024  # what the threads see at once: hashlib releases the GIL for the whole buffer
IN_FLIGHT = 3  # buffers between the reader and the slowest thread (MD5): 3 MiB (+1 MiB when sealing)
SEAL_CHUNK = 1024 * 1024  # plaintext bytes per sealed chunk
MAX_SEAL_CHUNK = 64 * 1024 * 1024  # the most a header may state (a larger one was edited)
MAGIC = b"CSEV1"
TAG = 16
HEADER_LEN = len(MAGIC) + 16 + 8 + 4
_O_DIRECT = getattr(os, "O_DIRECT", 0)
DIRECT_ALIGN = 4096  # O_DIRECT writes: whole blocks from aligned memory (BUFFER is a multiple)


class DiskFull(OSError):
    """The evidence store's disk filled up while writing; nothing was stored."""


# --- the pipeline: a pool of large buffers fanned out to worker threads -------------------------


class Ticket:
    """One buffer in flight: released (back to the pool) when every lane is done with it."""

    __slots__ = ("buffer", "lock", "pending", "pipeline")

    def __init__(self, pipeline: Pipeline, buffer: mmap.mmap | None, lanes: int) -> None:
        self.pipeline, self.buffer, self.pending = pipeline, buffer, lanes
        self.lock = threading.Lock()

    def done(self) -> None:
        with self.lock:
            self.pending -= 1
            last = self.pending == 0
        if last:
            self.pipeline.release(self.buffer)


class Lane(threading.Thread):
    """A thread applying its functions, in order, to every buffer it is handed."""

    def __init__(self, work: list[Callable[[memoryview], object]]) -> None:
        super().__init__(daemon=True, name="evidence-lane")
        self.work = work
        self.inbox: queue.SimpleQueue[tuple[memoryview, Ticket] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None

    def run(self) -> None:
        while (item := self.inbox.get()) is not None:
            view, ticket = item
            if self.error is None:
                try:
                    for step in self.work:
                        step(view)
                except BaseException as exc:  # noqa: BLE001 - kept, and raised in the caller's thread
                    self.error = exc
            ticket.done()


class Pipeline:
    def __init__(self, lanes: list[list[Callable[[memoryview], object]]]) -> None:
        self.slots = threading.Semaphore(IN_FLIGHT)
        self.free: list[mmap.mmap] = []
        self.free_lock = threading.Lock()
        self.lanes = [Lane(work) for work in lanes]
        for lane in self.lanes:
            lane.start()

    def take(self) -> mmap.mmap:
        """A pool buffer for the caller to fill (waits while IN_FLIGHT buffers are in the lanes).
        Anonymous maps are page-aligned, as O_DIRECT writes need."""
        self.slots.acquire()
        with self.free_lock:
            return self.free.pop() if self.free else mmap.mmap(-1, BUFFER)

    def give_back(self, buffer: mmap.mmap | None) -> None:
        self.release(buffer)

    def release(self, buffer: mmap.mmap | None) -> None:
        if buffer is not None:
            with self.free_lock:
                self.free.append(buffer)
        self.slots.release()

    def send(self, view: memoryview, buffer: mmap.mmap | None) -> None:
        """Hand a view to every lane; the caller must have taken a slot (take(), or slots.acquire())."""
        ticket = Ticket(self, buffer, len(self.lanes))
        for lane in self.lanes:
            lane.inbox.put((view, ticket))

    def error(self) -> BaseException | None:
        return next((lane.error for lane in self.lanes if lane.error is not None), None)

    def close(self) -> None:
        for lane in self.lanes:
            lane.inbox.put(None)
        for lane in self.lanes:
            lane.join()


# --- sealing and opening chunks ---------------------------------------------------------------


def aad(header: bytes, index: int, last: bool) -> bytes:
    return header + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class Sealer:
    """Cuts the plaintext into SEAL_CHUNK pieces and writes each one sealed; the last is only
    known at finish(), so one full piece is held back until more data arrives."""

    def __init__(self, key: bytes, key_id: str, sink: Callable[[memoryview | bytes], None]) -> None:
        self.aead = AESGCM(key)
        self.base_nonce = secrets.token_bytes(8)
        self.header = MAGIC + key_id.encode("ascii") + self.base_nonce + SEAL_CHUNK.to_bytes(4, "big")
        self.sink = sink
        self.pending = bytearray(SEAL_CHUNK)
        self.fill = 0
        self.index = 0
        sink(self.header)

    def _seal(self, piece: memoryview, last: bool) -> None:
        nonce = self.base_nonce + self.index.to_bytes(4, "big")
        self.sink(self.aead.encrypt(nonce, piece, aad(self.header, self.index, last)))
        self.index += 1

    def feed(self, view: memoryview) -> None:
        while view:
            if self.fill == SEAL_CHUNK:  # more data follows: the held piece was not the last
                self._seal(memoryview(self.pending), last=False)
                self.fill = 0
            take = min(len(view), SEAL_CHUNK - self.fill)
            self.pending[self.fill : self.fill + take] = view[:take]
            self.fill += take
            view = view[take:]

    def finish(self) -> None:
        self._seal(memoryview(self.pending)[: self.fill], last=True)


class DirectFile:
    """The plain file's writer: O_DIRECT (the page-aligned pool buffers go to the disk without a
    copy into the page cache, which on the machine measured cost more CPU than SHA-256) for as
    long as every write is a whole number of blocks; then, for the tail, ordinary writes."""

    def __init__(self, fd: int, direct: bool) -> None:
        self.fd, self.direct = fd, direct

    def write(self, view: memoryview) -> None:
        if self.direct and len(view) % DIRECT_ALIGN:
            fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~_O_DIRECT)
            self.direct = False
        write_all(self.fd, view)


class Gathered:
    """The sealed file's writer: the cipher's pieces (1 MiB + 16 bytes each) gathered into one
    page-aligned buffer, so that they too go out in whole aligned blocks (O_DIRECT)."""

    def __init__(self, out: DirectFile) -> None:
        self.out = out
        self.buffer = mmap.mmap(-1, BUFFER)
        self.fill = 0

    def write(self, data: memoryview | bytes) -> None:
        view = memoryview(data)
        while view:
            take = min(len(view), BUFFER - self.fill)
            self.buffer[self.fill : self.fill + take] = view[:take]
            self.fill += take
            view = view[take:]
            if self.fill == BUFFER:
                self.flush()

    def flush(self) -> None:
        if self.fill:
            self.out.write(memoryview(self.buffer)[: self.fill])
            self.fill = 0


def open_temp(path: Path, direct: bool) -> tuple[int, bool]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    if direct and _O_DIRECT:
        try:
            return os.open(path, flags | _O_DIRECT, 0o600), True
        except OSError as exc:  # a filesystem without O_DIRECT (EINVAL): write through the page cache
            if exc.errno != errno.EINVAL:
                raise
            path.unlink(missing_ok=True)
    return os.open(path, flags, 0o600), False


def write_all(fd: int, data: memoryview | bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(exc.errno, "The evidence store's disk is full; the file was not stored") from exc
            raise
        view = view[written:]
