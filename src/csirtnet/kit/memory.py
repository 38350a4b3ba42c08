"""Free memory back to the system between units of bulk work (the feed engine's batches).

numpy's arrays, zstd's buffers, Python's large strings and bytes come from the C library's malloc.
glibc keeps what a thread frees in that thread's arena, and raises its threshold for `mmap` each time
a large block is freed, so after a few batches the blocks of tens of megabytes a batch allocates are
carved from arenas that it seldom gives back: resident memory then depends on how the last batches'
blocks happened to interleave. `malloc_trim(0)` returns every arena's free pages (the top of the heap
and whole free pages inside it); after each stored batch it took the peak of a 1,000,000-row run
from about 375 to 356 MB (docs/benchmarks.md), at no measurable cost in speed. Elsewhere than glibc it
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable


def _trimmer() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # musl and other C libraries have no malloc_trim
        return None
    trim.argtypes = [ctypes.c_size_t]  # type: ignore[attr-defined]
    trim.restype = ctypes.c_int  # type: ignore[attr-defined]
    return trim


_TRIM = _trimmer()


def give_back() -> bool:
    """Return the C library's free memory to the system; True when it could (glibc)."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
