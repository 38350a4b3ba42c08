"""Run a coroutine to its end from synchronous code, whatever the calling thread is doing.

`asyncio.run` refuses to start while an event loop runs in the calling thread — and one may: a
library's synchronous API can keep a loop running in the main thread (Playwright's does, for the
whole of a test session that drives a browser). Then the coroutine runs on a loop of its own in a
short-lived thread, and the caller waits for it; otherwise it is plain `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)`, in a thread of its own when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-async") as pool:
        return pool.submit(asyncio.run, coroutine).result()
