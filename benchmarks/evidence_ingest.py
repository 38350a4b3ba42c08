"""Evidence ingest: how fast the evidence store takes in and re-hashes a large file, against
`openssl dgst -sha256` on the same file in the same run (the issue's yardstick).

For each `--size`, a file of random bytes is written to a temporary directory (removed at the end)
and read once so every measurement starts from a warm page cache. Then, best of `--repeat`:

- openssl      `openssl dgst -sha256 FILE` (wall time of the process);
- ingest       `EvidenceStore.ingest_stream`: SHA-256, SHA-1 and MD5 computed while the file is
               written to the store, fsync and link included; unencrypted (the default) and
               encrypted (AES-256-GCM);
- verify       `EvidenceStore.rehash(sha256)`: SHA-256 only, what verification runs; and
               `rehash(sha256, all_hashes=True)`.

Each figure is printed in GB/s (10^9 bytes per second), as a share of openssl's and with the CPU
seconds it took (all threads; on a machine shared with other work, wall time can only be as low
as CPU time divided by the cores actually free); `results` holds them all (`--json FILE` writes
it), with the peak RSS of this process. Measurements are grouped by
what they exercise (`MEASURES`, chosen with `--only`): `store` is the store called in-process; `cli` runs
`csirtnet evidence add` on a demo instance; `http` streams the file to `csirtnet serve` on 127.0.0.1
(the server's peak RSS read from /proc after the runs).

Run by hand, never by the test suite (docs/benchmarks.md, "Evidence ingest"):

    .venv/bin/python benchmarks/evidence_ingest.py --size 200M --size 2G --only store --only cli --only http

`--dir` should be on the filesystem the store lives on in production: the write and its fsync
are part of the ingest figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from csirtnet.evidence.store import BUFFER, EvidenceStore

UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}
Results = dict[str, dict[str, Any]]


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def make_file(path: Path, size: int) -> None:
    """Random bytes (incompressible, no repeated blocks), written in 4 MiB pieces."""
    with path.open("wb") as out:
        left = size
        while left:
            piece = os.urandom(min(BUFFER, left))
            out.write(piece)
            left -= len(piece)


def warm(path: Path) -> None:
    with path.open("rb", buffering=0) as handle:
        buffer = bytearray(BUFFER)
        while handle.readinto(buffer):
            pass


class Timing(NamedTuple):
    wall: float  # seconds
    cpu: float  # CPU seconds of this process and its children (user + system), all threads


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def best_of(repeat: int, run: Callable[[], object], setup: Callable[[], object] | None = None) -> Timing:
    """The run with the shortest wall time of `repeat` (the machine's noise only adds time);
    `setup` runs before each, untimed. The CPU time says what the work costs whatever else the
    machine is doing: when wall < CPU, the threads ran in parallel."""
    best = Timing(float("inf"), 0.0)
    for _ in range(repeat):
        if setup is not None:
            setup()
        cpu, start = _cpu(), time.perf_counter()
        run()
        took = Timing(time.perf_counter() - start, _cpu() - cpu)
        best = min(best, took)
    return best


def measure_openssl(path: Path, repeat: int) -> Timing:
    def run() -> None:
        # openssl from PATH, on a file this script made: the yardstick the issue names.
        subprocess.run(["openssl", "dgst", "-sha256", str(path)], check=True, capture_output=True)  # noqa: S603, S607

    return best_of(repeat, run)


def measure_store(path: Path, size: int, work: Path, repeat: int, results: dict[str, Timing]) -> None:
    """The store in-process: ingest (plain, encrypted), then verify and a full re-hash."""
    for label, key in (("plain", None), ("encrypted", os.urandom(32))):
        store = EvidenceStore(work / f"store-{label}", key)
        measure_one_store(path, store, label, repeat, results)
        shutil.rmtree(store.root, ignore_errors=True)


def measure_one_store(path: Path, store: EvidenceStore, label: str, repeat: int, results: dict[str, Timing]) -> None:
    stored: list[str] = []

    def fresh() -> None:
        # Each run stores anew (or dedupe would skip the write), with no writeback of the
        # previous copy still going on, as for openssl.
        shutil.rmtree(store.root, ignore_errors=True)
        os.sync()

    def ingest() -> None:
        with path.open("rb", buffering=0) as handle:
            stored.append(store.ingest_stream(handle).sha256)

    results[f"ingest_{label}"] = best_of(repeat, ingest, setup=fresh)
    # The ingest wrote past the page cache (O_DIRECT): the first re-hash reads the disk, the
    # best of several is the warm figure, like openssl's.
    results[f"verify_{label}"] = best_of(repeat, lambda: store.rehash(stored[-1]))
    results[f"rehash_all_{label}"] = best_of(repeat, lambda: store.rehash(stored[-1], all_hashes=True))


# -- the CLI and the HTTP API, on a demo instance of their own ---------------------------------------

# Peak resident memory of the processes measured: the CLI (the largest child so far) and the server.
PEAK_RSS_MIB: dict[str, float] = {}
# The demo incident whose evidence custodian is the FPT responder (references run per year).
DEFACEMENT = f"SC-{time.gmtime().tm_year}-000004"
CUSTODIAN = "ungcuu@fpt.demo"


def _csirtnet(data: Path, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSIRTNET_DATA_DIR": str(data), "CSIRTNET_LOG_JSON": "false", "CSIRTNET_MAIL_ENABLED": "false"}
    command = [sys.executable, "-m", "csirtnet.cli", *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, **kwargs)  # noqa: S603


def _demo_instance(work: Path) -> Path:
    data = work / "instance"
    if not (data / "csirtnet.db").exists():
        _csirtnet(data, "demo")
    return data


def _incident_reference(data: Path) -> str:
    listing = _csirtnet(data, "evidence", "list", "--incident", DEFACEMENT)
    assert listing.returncode == 0
    return DEFACEMENT


def _reset_evidence(data: Path) -> None:
    """Each run stores anew: the content leaves the store and the database (dedupe would skip it)."""
    import sqlite3

    shutil.rmtree(data / "evidence", ignore_errors=True)
    with sqlite3.connect(data / "csirtnet.db") as db:
        demo_items = 4
        db.execute("DELETE FROM evidence_check WHERE item_id > ?", (demo_items,))
        db.execute("DELETE FROM evidence_custody_entry WHERE item_id > ?", (demo_items,))
        db.execute("DELETE FROM evidence_item WHERE id > ?", (demo_items,))
        db.execute("DELETE FROM evidence_content WHERE id > 2")
    os.sync()


def measure_cli(path: Path, size: int, work: Path, repeat: int, results: dict[str, Timing]) -> None:
    """`csirtnet evidence add --incident REF FILE`: the whole command (start-up included), and the
    command's own peak memory (the kernel's account of that child, from wait4)."""
    data = _demo_instance(work)
    reference = _incident_reference(data)
    env = {**os.environ, "CSIRTNET_DATA_DIR": str(data), "CSIRTNET_LOG_JSON": "false"}
    command = [sys.executable, "-m", "csirtnet.cli", "evidence", "add", "--incident", reference, "--type", "disk_image"]
    peaks: list[int] = []

    def add() -> None:
        child = subprocess.Popen([*command, str(path)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        assert child.returncode == 0, "csirtnet evidence add failed"
        peaks.append(usage.ru_maxrss)

    results["cli_add"] = best_of(repeat, add, setup=lambda: _reset_evidence(data))
    PEAK_RSS_MIB[f"cli_{size}"] = max(peaks) / 1024


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_rss_mib(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_http(path: Path, size: int, work: Path, repeat: int, results: dict[str, Timing]) -> None:
    """`POST /api/v1/incidents/{id}/evidence/upload` to `csirtnet serve` on 127.0.0.1 (one web
    process, its worker off), streamed by httpx from this process: multipart, metadata then file.
    The server's peak RSS is read from /proc after the runs."""
    import httpx

    data = _demo_instance(work)
    token = (
        _csirtnet(
            data,
            "token",
            "create",
            CUSTODIAN,
            "--name",
            "bench",
            "--scope",
            "evidence:write",
            "--scope",
            "evidence:read",
            "--scope",
            "incidents:read",
        )
        .stdout.strip()
        .splitlines()[-1]
        .split()[-1]
    )
    port = _free_port()
    env = {
        **os.environ,
        "CSIRTNET_DATA_DIR": str(data),
        "CSIRTNET_IN_PROCESS_WORKER": "false",
        "CSIRTNET_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "csirtnet.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        incident = httpx.get(f"{base}/api/v1/incidents", params={"q": DEFACEMENT}, headers=headers).json()
        incident_id = incident["items"][0]["id"]
        metadata = json.dumps(
            {"item_type": "disk_image", "title": "bench image", "collected_at": "2026-01-01T00:00:00+07:00"}
        )

        def upload() -> None:
            with path.open("rb") as handle, httpx.Client(timeout=600) as client:
                answer = client.post(
                    f"{base}/api/v1/incidents/{incident_id}/evidence/upload",
                    headers=headers,
                    files={"metadata": (None, metadata, "application/json"), "file": ("image.dd", handle)},
                )
                answer.raise_for_status()

        results["http_upload"] = best_of(repeat, upload, setup=lambda: _reset_evidence(data))
        PEAK_RSS_MIB[f"server_{size}"] = _peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


MEASURES: dict[str, Callable[[Path, int, Path, int, dict[str, Timing]], None]] = {
    "store": measure_store,
    "cli": measure_cli,
    "http": measure_http,
}


def report(label: str, size: int, timings: dict[str, Timing]) -> None:
    base = timings["openssl_sha256"].wall
    print(f"\n{label} ({size:,} bytes)")
    print(f"  {'measure':<22}{'seconds':>9}{'CPU s':>8}{'GB/s':>8}{'vs openssl':>12}")
    for name, took in timings.items():
        print(f"  {name:<22}{took.wall:>9.3f}{took.cpu:>8.2f}{size / took.wall / 1e9:>8.3f}{base / took.wall:>11.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", action="append", default=[], help="e.g. 200M, 2G (repeatable)")
    parser.add_argument("--only", action="append", choices=sorted(MEASURES), default=[])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per figure")
    parser.add_argument("--dir", type=Path, default=None, help="where the file and the stores go")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    sizes = args.size or ["200M"]
    only = args.only or ["store"]

    machine = platform.processor() or platform.machine()
    print(f"{platform.node()}: {machine}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True, check=True)  # noqa: S607
    print(openssl.stdout.strip())
    results: Results = {}
    work = Path(tempfile.mkdtemp(prefix="csirtnet-evidence-bench-", dir=args.dir))
    try:
        for text in sizes:
            size = parse_size(text)
            path = work / "input.bin"
            make_file(path, size)
            warm(path)
            timings: dict[str, Timing] = {"openssl_sha256": measure_openssl(path, args.repeat)}
            for name in only:
                MEASURES[name](path, size, work, args.repeat, timings)
            base = timings["openssl_sha256"].wall
            results[text] = {
                "bytes": size,
                "seconds": {name: took.wall for name, took in timings.items()},
                "cpu_seconds": {name: took.cpu for name, took in timings.items()},
                "gb_per_s": {name: size / took.wall / 1e9 for name, took in timings.items()},
                "vs_openssl": {name: base / took.wall for name, took in timings.items()},
            }
            report(text, size, timings)
            path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # ru_maxrss is in KiB on Linux: the peak of this process, all sizes together.
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["peak_rss_mib"] = {"this_process": peak_mib, **PEAK_RSS_MIB}
    print(f"\npeak RSS of this process: {peak_mib:.0f} MiB")
    for name, mib in PEAK_RSS_MIB.items():
        print(f"peak RSS, {name.replace('_', ' after ', 1)} bytes: {mib:.0f} MiB")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
