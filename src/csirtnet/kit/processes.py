"""Stopping child processes: asked first, killed when they do not listen."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterable


def stop(processes: Iterable[subprocess.Popen[bytes]], *, grace: float = 15.0) -> None:
    """SIGTERM to each process still running, then wait up to `grace` seconds for each; SIGKILL to
    those still running after that."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
