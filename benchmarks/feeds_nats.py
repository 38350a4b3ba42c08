"""Feeds over NATS JetStream: throughput of the scaled pipeline with 1 and 2 worker processes.

Generates `--files` Shadowserver scan_smb reports of `--rows` rows in all (benchmarks/feeds_data.py:
1,000 members, 2,000 prefixes with more-specific delegations, 10 % duplicate rows, 5 % addresses
nobody owns), writes the constituency into a fresh PostgreSQL database (csirtnet_bench_feeds_nats),
then for each layout of `--layout` and each worker count N of `--workers`: starts N `csirtnet worker
--stage all` processes (layout `all`: each runs every stage) or N `csirtnet worker --stage
parse|enrich|store` processes per stage (layout `stage`), on a stream of its own, waits until every
one is up, submits the files as one run of a new source (so every measurement starts with an empty
dedupe window), and times submit → the run finished by the store stage. Prints events/s for each N,
how busy the cores were meanwhile (all processes, from /proc/stat), the workers' own CPU time (per
stage in layout `stage`) and the load average before and after (the machine has two cores and is
shared: 3 N worker processes, NATS and PostgreSQL compete).

Run by hand, never in the test suite; it talks to 127.0.0.1 only (PostgreSQL :5432, NATS :4222).

    .venv/bin/python -m benchmarks.feeds_nats [--rows 1000000] [--files 4] [--workers 1,2] [--layout all,stage]
        [--threads N]

Results go in docs/benchmarks.md ("Feeds").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import feeds_data
from benchmarks.feeds_e2e import _environment, fresh_database, load, machine
from csirtnet.kit.processes import stop

DATABASE = "csirtnet_bench_feeds_nats"
STAGES = ("parse", "enrich", "store")


def reports(rows: int, files: int, work: Path, the_plan: feeds_data.Plan) -> list[Path]:
    """`files` reports of rows/files rows each (seeds differ, so do most addresses), made once."""
    paths = []
    for n in range(files):
        folder = work / f"rows-{rows}-part-{n}-of-{files}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / feeds_data.REPORT_NAME
        done = folder / "complete"
        if not done.exists():
            stats = feeds_data.write_report(the_plan, rows // files, path, seed=15 + n)
            done.write_text(str(stats.rows))
            print(f"generated {stats.rows:,} rows, {stats.bytes / 1e6:,.0f} MB", file=sys.stderr)
        paths.append(path)
    return paths


def start_workers(
    count: int, layout: str, env: dict[str, str], logs: Path, threads: int | None = None
) -> list[subprocess.Popen[bytes]]:
    """`count` processes per stage (layout "stage") or `count` processes running every stage ("all");
    `threads`: their --threads (else the worker's default, 1)."""
    processes = []
    for stage in STAGES if layout == "stage" else ("all",):
        for n in range(count):
            with (logs / f"{stage}-{n}.log").open("wb") as out:
                processes.append(
                    subprocess.Popen(  # noqa: S603 - this interpreter, our own module
                        [sys.executable, "-m", "csirtnet.cli", "worker", "--stage", stage]
                        + (["--threads", str(threads)] if threads else []),
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        started = sum(p.read_text().count("feed stage worker started") for p in logs.glob("*.log"))
        if started == 3 * count:
            return processes
        if any(p.poll() is not None for p in processes):
            break
        time.sleep(0.2)
    stop(processes, grace=30)
    raise RuntimeError("workers did not start: " + " | ".join(p.read_text()[-500:] for p in logs.glob("*.log")))


def delete_stream(url: str, stream: str) -> None:
    import nats

    from csirtnet.feeds.nats import topology

    async def go() -> None:
        nc = await nats.connect(url)
        try:
            await topology.delete(nc.jetstream(), topology.Topology(stream=stream))
        finally:
            await nc.close()

    asyncio.run(go())


def cpu_times() -> tuple[int, int]:
    """The machine's (busy, total) CPU time in clock ticks since boot, all cores (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(f) for f in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def process_cpu(pid: int) -> float:
    """A process's user + system CPU seconds so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    url: str, nats_url: str, files: list[Path], workers: int, layout: str, tmp: Path, threads: int | None = None
) -> dict[str, Any]:
    from csirtnet.authz import Subject
    from csirtnet.db import Database, make_engine
    from csirtnet.feeds.nats.submit import submit_paths, wait
    from csirtnet.feeds.nats.topology import Topology
    from csirtnet.models import FeedSource

    database = Database(make_engine(url))
    name = f"bench-nats-{layout}-{workers}-{os.getpid()}-{int(time.time())}"
    with database.unit_of_work() as session:
        session.add(FeedSource(name=name, provider="Shadowserver", kind="file", parser="shadowserver", tlp="amber"))
    stream = f"CSIRTNET_BENCH_{workers}_{os.getpid()}"
    env = {
        **os.environ,
        "CSIRTNET_DATABASE_URL": url,
        "CSIRTNET_NATS_URL": nats_url,
        "CSIRTNET_NATS_STREAM": stream,
        "CSIRTNET_LOG_LEVEL": "INFO",
    }
    logs = tmp / f"logs-{layout}-{workers}"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    processes = start_workers(workers, layout, env, logs, threads)
    try:
        before = load()
        busy0, total0 = cpu_times()
        cpu0 = [process_cpu(p.pid) for p in processes]
        t0 = time.perf_counter()
        run_id = submit_paths(
            database, name, files, who=Subject.system("benchmark"), nats_url=nats_url, topology_=Topology(stream=stream)
        )
        summary = wait(database, run_id, timeout=3600, poll=0.1)
        seconds = time.perf_counter() - t0
        busy1, total1 = cpu_times()
        names = STAGES if layout == "stage" else ("all",)
        stage_cpu = {stage: 0.0 for stage in names}
        for i, p in enumerate(processes):
            stage_cpu[names[i // workers]] += process_cpu(p.pid) - cpu0[i]
    finally:
        stop(processes, grace=30)
        delete_stream(nats_url, stream)
        database.engine.dispose()
    if summary.status != "done":
        raise RuntimeError(f"run {run_id} {summary.status}: {summary.error}")
    return {
        "workers": workers,
        "layout": layout,
        "events": summary.events,
        "stored": summary.matched + summary.unmatched,
        "duplicates": summary.duplicates,
        "seconds": round(seconds, 2),
        "events_per_second": round(summary.events / seconds),
        "load_before": before,
        "load_after": load(),
        "cores_busy": round(100 * (busy1 - busy0) / max(total1 - total0, 1)),  # % of all cores, any process
        "stage_cpu_seconds": {stage: round(v, 1) for stage, v in stage_cpu.items()},  # the workers' own
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=4, help="the report is split in this many files")
    parser.add_argument("--workers", default="1,2", help="worker processes (per stage), one measurement each")
    parser.add_argument(
        "--layout",
        default="all,stage",
        help="all: each worker process runs every stage (--stage all); stage: that many processes per stage",
    )
    parser.add_argument("--threads", type=int, help="the workers' --threads (default: theirs, 1)")
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "csirtnet-feeds-nats")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    _environment(args.work)
    os.environ["CSIRTNET_LOG_LEVEL"] = "INFO"  # the workers say when they are up
    the_plan = feeds_data.plan()
    files = reports(args.rows, args.files, args.work, the_plan)
    url = fresh_database("postgresql", args.work, DATABASE)
    from csirtnet.db import Database, make_engine

    database = Database(make_engine(url))
    with database.unit_of_work() as session:
        feeds_data.populate(session, the_plan)
    database.engine.dispose()
    print(f"machine: {machine()}")
    print(f"{args.rows:,} rows in {args.files} files, PostgreSQL, NATS at {args.nats_url}")
    for layout in args.layout.split(","):
        for workers in (int(w) for w in args.workers.split(",")):
            result = measure(url, args.nats_url, files, workers, layout, args.work, args.threads)
            what = "per stage" if layout == "stage" else "running every stage"
            print(
                f"{workers} worker process(es) {what}: {result['events']:,} events ({result['stored']:,} stored, "
                f"{result['duplicates']:,} duplicates) in {result['seconds']:.1f} s = "
                f"{result['events_per_second']:,} events/s, the cores {result['cores_busy']} % busy "
                f"(load {result['load_before']} -> {result['load_after']}); the workers' CPU seconds per stage: "
                + ", ".join(f"{stage} {v}" for stage, v in result["stage_cpu_seconds"].items()),
                flush=True,
            )


if __name__ == "__main__":
    main()
