"""kit.memory: the C library's free memory given back (glibc's malloc_trim), nothing done elsewhere."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from csirtnet.kit import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_on_glibc_free_memory_is_given_back() -> None:
    if "musl" in (ctypes.util.find_library("c") or ""):
        pytest.skip("musl has no malloc_trim")
    blocks = [bytearray(1 << 20) for _ in range(64)]  # 64 MB from the C library, then freed
    del blocks
    assert memory.give_back() is True


def test_without_malloc_trim_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_TRIM", None)
    assert memory.give_back() is False
