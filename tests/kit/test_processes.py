"""kit.processes.stop: a process that stops on SIGTERM is let go; one that ignores it is killed."""

from __future__ import annotations

import signal
import subprocess
import sys

from csirtnet.kit.processes import stop

_CHILD = """
import signal, sys, time
if sys.argv[1] == "deaf":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


def _child(kind: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", _CHILD, kind], stdout=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    return process


def test_stop_terms_then_kills_what_does_not_listen() -> None:
    polite, deaf, done = _child("polite"), _child("deaf"), subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait(30)
    stop([polite, deaf, done], grace=0.5)
    assert (polite.returncode, deaf.returncode, done.returncode) == (-signal.SIGTERM, -signal.SIGKILL, 0)
    for process in (polite, deaf):
        assert process.stdout is not None
        process.stdout.close()
