"""The limit on requests in flight (csirtnet.middleware.InFlightLimitMiddleware): requests past the
limit wait before reaching the app, and a slot is given back as soon as the response starts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from starlette.types import Message, Receive, Scope, Send

from csirtnet.middleware import InFlightLimitMiddleware

T = TypeVar("T")


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a loop of its own, in a thread: a browser test earlier in the same
    process may have left an event loop running in this one."""
    out: list[T] = []
    failed: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(make()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return out[0]


def _scope() -> Scope:
    return {"type": "http", "method": "GET", "path": "/", "headers": []}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def test_no_more_than_the_limit_reach_the_app_at_once() -> None:
    inside = 0
    most = 0
    done = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)  # the request's database work
        inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = InFlightLimitMiddleware(app, limit=3)

    async def one() -> None:
        nonlocal done
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        await limited(_scope(), _receive, send)
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        done += 1

    async def run() -> None:
        await asyncio.gather(*(one() for _ in range(12)))

    _run(run)
    assert (most, done) == (3, 12)


def test_a_streaming_answer_gives_its_slot_back_when_it_starts() -> None:
    """With one slot, a second request is served while the first still streams its body."""
    release_body = asyncio.Event
    order: list[str] = []

    async def run() -> None:
        body_may_end = release_body()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            if scope["path"] == "/download":
                order.append("download started")
                await body_may_end.wait()
                order.append("download ended")
            else:
                order.append("page served")
            await send({"type": "http.response.body", "body": b""})

        limited = InFlightLimitMiddleware(app, limit=1)

        async def send(message: Message) -> None:
            return None

        download = asyncio.create_task(limited({**_scope(), "path": "/download"}, _receive, send))
        await asyncio.sleep(0)
        await asyncio.wait_for(limited(_scope(), _receive, send), timeout=2)
        body_may_end.set()
        await download

    _run(run)
    assert order == ["download started", "page served", "download ended"]


def test_a_failing_request_gives_its_slot_back() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    limited = InFlightLimitMiddleware(app, limit=1)

    async def send(message: Message) -> None:
        return None

    async def run() -> int:
        failures = 0
        for _ in range(3):
            try:
                await asyncio.wait_for(limited(_scope(), _receive, send), timeout=2)
            except RuntimeError:
                failures += 1
        return failures

    assert _run(run) == 3
