"""Serving the web app with several processes, each on its own listening socket (ADR 0014).

uvicorn's `--workers` shares one listening socket between its processes, and the kernel hands a new
connection to whichever process wakes first: the same one, mostly. Browsers and API clients keep
their connections open, so one process ended up serving 92 % of the requests of the 20-user
benchmark while the other idled, and pages queued behind each other (docs/benchmarks.md). Here
every process opens its own socket on the same address with SO_REUSEPORT, and the kernel spreads
connections over them by a hash of the client's address and port.

The parent only supervises: it starts the processes, starts a new one when one dies, and on
SIGINT or SIGTERM asks each to finish (uvicorn then ends its open requests) and waits for them.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from typing import Any

log = logging.getLogger("csirtnet.serving")

STOP_SECONDS = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes may bind too (SO_REUSEPORT)."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


def freeze_startup_heap() -> None:
    """Move everything alive once the app has started (its routes, templates, mappers, settings)
    out of the collector's sight (ADR 0024). A full collection then scans only what requests made:
    measured on a scoreboard of 500 teams, the slowest of 40 recomputations fell from 166 ms (a full
    collection walking the whole heap) to 62 ms. Objects made later are collected as before."""
    gc.collect()
    gc.freeze()


def make_server(config: Any, ready: Any = None) -> Any:
    """A uvicorn server that freezes the start-up heap once it serves (and sets `ready`, if given)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                freeze_startup_heap()
                if ready is not None:
                    ready.set()

    return Server(config)


def _serve_one(host: str, port: int, options: dict[str, Any], ready: Any) -> None:
    """One web process: its own socket, one uvicorn server (runs in the child). Sets `ready` once
    it serves, so the parent can tell a failed start (stop) from a later death (start another)."""
    import uvicorn

    from csirtnet.config import get_settings
    from csirtnet.logging_setup import configure

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    sock = listening_socket(host, port)
    config = uvicorn.Config("csirtnet.app:create_app", factory=True, log_config=None, **options)
    with contextlib.suppress(KeyboardInterrupt):  # the terminal's Ctrl-C reaches the whole group
        make_server(config, ready).run(sockets=[sock])


@dataclass
class _Worker:
    process: SpawnProcess
    ready: Any


def run_workers(host: str, port: int, workers: int, **options: Any) -> int:
    """Serve with `workers` processes until SIGINT or SIGTERM; the exit status (1 when a process
    failed to start: a broken configuration fails the same way every time, so nothing restarts)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise RuntimeError("several web processes need SO_REUSEPORT (Linux, BSD, macOS)")
    # Bind once here first: a taken address is reported now, not by every child in turn.
    listening_socket(host, port).close()
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> _Worker:
        ready = context.Event()
        process = context.Process(target=_serve_one, args=(host, port, options, ready), daemon=False)
        process.start()
        return _Worker(process, ready)

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(workers)]
    status = 0
    try:
        while not stop.wait(0.5):
            for index, worker in enumerate(running):
                if worker.process.is_alive():
                    continue
                code = worker.process.exitcode
                if not worker.ready.is_set():
                    log.error("web process %s failed to start (exit %s); stopping", worker.process.pid, code)
                    status = 1
                    stop.set()
                    break
                log.warning("web process %s ended (exit %s); starting another", worker.process.pid, code)
                running[index] = start()
    finally:
        for worker in running:
            if worker.process.is_alive() and worker.process.pid is not None:
                os.kill(worker.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for worker in running:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
    sys.stdout.flush()
    return status
