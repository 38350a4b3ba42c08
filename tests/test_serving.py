"""`csirtnet serve --workers N`: every process listens on its own socket (SO_REUSEPORT), so the
kernel spreads kept-alive connections over all of them (ADR 0014); a process that dies is replaced;
Ctrl-C stops them all; a taken address is reported."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the sockets from /proc (Linux)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tcp_sockets(port: int, state: str, side: int) -> set[int]:
    """Inodes of TCP sockets in `state` (hex, as /proc prints it) whose local (side=1) or remote
    (side=2) port is `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == state and int(fields[side].rsplit(":", 1)[1], 16) == port:
                found.add(int(fields[9]))
    return found


def _sockets_of(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _web_processes(pid: int, port: int) -> list[int]:
    """The children listening on the port (multiprocessing also starts a resource tracker)."""
    listeners = _tcp_sockets(port, "0A", 1)
    return [child for child in _children(pid) if _sockets_of(child) & listeners]


def _wait_for(what: str, check: object, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _serving(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def serve_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CSIRTNET_DATA_DIR": str(tmp_path),
        "CSIRTNET_DATABASE_URL": "",
        "CSIRTNET_IN_PROCESS_WORKER": "false",
        "CSIRTNET_LOG_JSON": "false",
        "CSIRTNET_FIRST_ADMIN_PASSWORD": "a long first admin password",
    }


@pytest.fixture
def server(serve_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "csirtnet.cli", "serve", "--port", str(port), "--workers", "2"],
        env=serve_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            for child in _children(process.pid) if Path(f"/proc/{process.pid}").exists() else []:
                os.kill(child, signal.SIGKILL)
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_every_process_listens_serves_is_replaced_and_stops(server: tuple[subprocess.Popen[str], int]) -> None:
    process, port = server
    _wait_for("two listening sockets", lambda: len(_tcp_sockets(port, "0A", 1)) == 2 or process.poll() is not None)
    assert process.poll() is None, process.communicate()[0]
    _wait_for("/healthz", lambda: _serving(port))
    children = _web_processes(process.pid, port)
    assert len(children) == 2, "one listening socket in each process"

    # 24 kept-alive connections: the kernel hands them to both processes (all 24 to one of two
    # sockets would happen once in 8 million runs).
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for _ in range(24)]
    try:
        assert all(c.get("/healthz").status_code == 200 for c in clients)
        established = _tcp_sockets(port, "01", 1)
        served = {child: len(_sockets_of(child) & established) for child in children}
        assert sum(served.values()) == 24, served
        assert all(n > 0 for n in served.values()), served
    finally:
        for c in clients:
            c.close()

    os.kill(children[0], signal.SIGKILL)
    _wait_for(
        "a replacement process",
        lambda: len([c for c in _web_processes(process.pid, port) if c != children[0]]) == 2,
    )
    assert _serving(port)

    process.send_signal(signal.SIGINT)
    assert process.wait(45) == 0
    assert not _tcp_sockets(port, "0A", 1)


def test_a_taken_address_is_reported(serve_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "csirtnet.cli", "serve", "--port", str(port), "--workers", "2"],
            env=serve_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr
