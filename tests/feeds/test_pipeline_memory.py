"""The engine's memory does not grow with its input: a run of ten times the events, in ten times the
batches, peaks at about the same resident size (a coarse check, never a timing)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.db import Database
from csirtnet.feeds.pipeline.runner import run_streams
from tests.feeds.test_pipeline import HEADER, NAME, T0, make_source, make_world

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1 << 20


def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class Generated(io.RawIOBase):
    """A scan_smb report of `rows` distinct addresses, made as it is read (never whole in memory);
    it notes the process's resident size as it goes."""

    def __init__(self, rows: int) -> None:
        self._lines = self._make(rows)
        self._pending = b""
        self.peak = resident()

    @staticmethod
    def _make(rows: int) -> Iterator[bytes]:
        yield (HEADER + "\n").encode()
        for i in range(rows):
            ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            yield f'"2026-12-05 00:01:23","{ip}","445","","smb","","VN","HA NOI","HA NOI"\n'.encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            line = next(self._lines, None)
            if line is None:
                break
            self._pending += line
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.peak = max(self.peak, resident())
        return n


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CSIRTNET_FEEDS_BATCH_ROWS", "2000")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_peak_memory_does_not_grow_with_the_input(database: Database, db: Session, small_batches: None) -> None:
    make_world(db)
    source = make_source(db)
    db.commit()
    who = Subject.system("test")

    def peak_of(rows: int) -> int:
        stream = Generated(rows)
        summary = run_streams(
            database, source.name, [(NAME, io.BufferedReader(stream))], who=who, origin="upload", now=T0
        )
        assert (summary.status, summary.events) == ("done", rows)
        return stream.peak

    peak_of(2_000)  # warm: imports, the index, the database's caches
    small = peak_of(20_000)
    large = peak_of(200_000)  # 100 batches: holding them all would take hundreds of MB more
    assert large - small < 60 * MB, f"peak grew by {(large - small) / MB:.0f} MB for 10x the events"
