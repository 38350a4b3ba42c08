"""Feeds end to end: csirtnet's embedded engine against IntelMQ 3.5 on the same Shadowserver report.

`compare` (the default) generates a scan_smb report of `--rows` rows and the constituency
(benchmarks/feeds_data.py: 1,000 members, 2,000 prefixes with more-specific delegations, 10 %
duplicate rows, 5 % addresses nobody owns), writes the constituency into a fresh database (through
the models, set-based), then in the same run:

- ours: `csirtnet.feeds.pipeline.runner.run_paths` on the report (parse, owner lookup, dedupe,
  store, digest counts, rules), on PostgreSQL (COPY) and on SQLite, each in a child process of its
  own so its peak RSS is its own;
- IntelMQ: benchmarks/feeds_intelmq.py (its own virtual environment, in process: Shadowserver
  parser, owner-lookup expert, Redis deduplicator, SQL output to PostgreSQL) on the first
  `--intelmq-rows` rows of the same file — IntelMQ handles one event at a time (its rate does not
  depend on the count) at 70–700 events/s on this machine, so the whole million would take hours;

and prints events/s of each, the ratio, and the load average before and after each figure (the
machine has two cores and is shared). `memory` runs ours on PostgreSQL over reports of each of
`--sizes` rows (default 1M and 10M) and prints each one's peak RSS: it must not grow with the input;
with `--parts`, also each 1M-row part of the 10M report as a report of its own (the first part is
the 1M report): a peak is set by the heaviest batches, wherever in the input they lie. `stages` runs
our steps one after the other without the parse thread and times each (parse, enrich, dedupe key,
claim keys, event rows, COPY/insert, digests, rules): where time goes. `batches` runs ours over one
report `--runs` times and reads the peak of each stored batch (VmHWM, reset after each batch): how
the per-batch peaks spread, whether they rise through a run, how much of them repeats from run to
run (the batch) and how much does not (timing), and how far the first million rows' maximum lies
below the whole run's (ADR 0028).

Run by hand, never in the test suite; it only talks to 127.0.0.1 (PostgreSQL :5432, Redis :6379)
and stops by itself. Databases (dropped and created again by each run): csirtnet_bench_feeds,
csirtnet_bench_feeds_<rows> (memory), csirtnet_bench_feeds_stages, csirtnet_bench_feeds_intelmq;
reports are kept in --work (/tmp/csirtnet-feeds-bench: 10M rows are 2.1 GB).

    .venv/bin/python -m benchmarks.feeds_e2e compare [--rows 1000000] [--intelmq-rows 20000]
    .venv/bin/python -m benchmarks.feeds_e2e memory [--sizes 1000000,10000000] [--parts]
    .venv/bin/python -m benchmarks.feeds_e2e stages [--rows 200000] [--backends postgresql]
    .venv/bin/python -m benchmarks.feeds_e2e batches --rows 3000000 [--runs 2]

Results go in docs/benchmarks.md ("Feeds").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import csirtnet  # noqa: F401 - first: it sets polars' allocator up before feeds_data loads polars
from benchmarks import feeds_data

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "csirtnet_bench_feeds"
PROGRESS_SECONDS = float(os.environ.get("BENCH_PROGRESS_SECONDS", "10"))
SOURCE_NAME = "shadowserver"
NOW = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # the report's day: every event inside the dedupe window


def _environment(tmp: Path) -> None:
    os.environ.setdefault("CSIRTNET_DATA_DIR", str(tmp))
    os.environ.setdefault("CSIRTNET_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("CSIRTNET_LOG_JSON", "false")
    os.environ.setdefault("CSIRTNET_LOG_LEVEL", "WARNING")
    os.environ["CSIRTNET_IN_PROCESS_WORKER"] = "false"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def machine() -> dict[str, str]:
    """The facts docs/benchmarks.md prints beside the figures."""
    import polars as pl

    model = "?"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():  # noqa: S607
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "polars": pl.__version__,
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


def fresh_database(backend: str, tmp: Path, name: str = PG_DATABASE) -> str:
    """A new, migrated database for ours (PostgreSQL: `name`); its URL."""
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    from csirtnet.db import make_engine
    from csirtnet.migrate import upgrade

    if backend == "sqlite":
        path = tmp / f"{name}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = make_engine(PG_ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url, poolclass=NullPool)
    upgrade(engine)
    engine.dispose()
    return url


def prepare(url: str, the_plan: feeds_data.Plan) -> None:
    """The constituency and the Shadowserver source (as `csirtnet feed run` creates it)."""
    from csirtnet.db import Database, make_engine
    from csirtnet.models import FeedSource

    database = Database(make_engine(url))
    with database.unit_of_work() as session:
        feeds_data.populate(session, the_plan)
        session.add(
            FeedSource(name=SOURCE_NAME, provider="Shadowserver", kind="file", parser="shadowserver", tlp="amber")
        )


def report(rows: int, work: Path, the_plan: feeds_data.Plan) -> Path:
    """The report of `rows` rows, generated once per size into `work`."""
    folder = work / f"rows-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / feeds_data.REPORT_NAME
    done = folder / "complete"
    if not done.exists():
        stats = feeds_data.write_report(the_plan, rows, path)
        done.write_text(json.dumps(stats.__dict__))
        print(
            f"generated {stats.rows:,} rows ({stats.copies:,} duplicates, {stats.outside:,} outside every member), "
            f"{stats.bytes / 1e6:,.0f} MB in {stats.seconds:.1f} s",
            file=sys.stderr,
        )
    feeds_data.write_plan(the_plan, work / "plan.json")
    return path


def child(mode: str, url: str, path: Path, tmp: Path) -> dict[str, Any]:
    """Run `mode` (_ours / _stages) in a fresh interpreter; its JSON result."""
    env = {**os.environ, "CSIRTNET_DATABASE_URL": url, "CSIRTNET_DATA_DIR": str(tmp)}
    command = [sys.executable, "-m", "benchmarks.feeds_e2e", mode, "--url", url, "--file", str(path)]
    before = load()
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed (its error is above)")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_before"], result["load_after"] = before, load()
    return result


def run_ours(url: str, path: Path) -> dict[str, Any]:
    """In the child: one run_paths over the report, timed."""
    from csirtnet.authz import Subject
    from csirtnet.db import Database, make_engine
    from csirtnet.feeds.pipeline.runner import run_paths

    database = Database(make_engine(url))
    who = Subject.system("benchmark")
    size = path.stat().st_size
    cpu0, t0 = time.process_time(), time.perf_counter()
    shown = [t0]

    def progress(done: int) -> None:  # every 10 s on standard error: a long run shows where it is
        now = time.perf_counter()
        if now - shown[0] >= PROGRESS_SECONDS:
            shown[0] = now
            print(f"  {done / size:6.1%} of {path.name} after {now - t0:,.0f} s, peak RSS {_peak_mb():,.0f} MB "
                  f"(now {_peak_mb('VmRSS'):,.0f}), load {load()}", file=sys.stderr, flush=True)  # fmt: skip

    summary = run_paths(database, SOURCE_NAME, [path], who=who, origin="cli", progress=progress, now=NOW)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return {
        "backend": database.engine.dialect.name,
        "status": summary.status,
        "error": summary.error,
        "events": summary.events,
        "matched": summary.matched,
        "unmatched": summary.unmatched,
        "duplicates": summary.duplicates,
        "quarantined": summary.quarantined,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "events_per_s": summary.events / seconds,
        "events_per_cpu_s": summary.events / cpu,
        "peak_rss_mb": _peak_mb(),
    }


def run_batches(url: str, path: Path) -> dict[str, Any]:
    """In the child: run_ours, with the peak resident size of each stored batch: VmHWM read, then
    reset (`/proc/self/clear_refs`), right after the engine gives the batch's memory back (its
    `give_back`, wrapped here; the engine's code unchanged). The first batch's peak includes the
    start (imports, the owner tables); the last is usually a partial batch."""
    from csirtnet.feeds.pipeline import runner

    peaks: list[float] = []
    given_back: Callable[[], bool] = getattr(runner, "give_back")  # noqa: B009 - not re-exported

    def measured() -> bool:
        done = given_back()
        peaks.append(_peak_mb())
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        return done

    setattr(runner, "give_back", measured)  # noqa: B010 - as above
    result = run_ours(url, path)
    result["peak_rss_mb"] = max([result["peak_rss_mb"], *peaks])
    result["batch_peaks_mb"] = peaks
    return result


def _peak_mb(field: str = "VmHWM") -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss would include the parent's memory at
    fork time, which Linux carries over an exec); `field="VmRSS"`: its resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_stages(url: str, path: Path) -> dict[str, Any]:
    """In the child: parse, enrich and store one after the other, each step of store_batch timed
    by wrapping the functions it calls (no change to the engine's code)."""
    import polars as pl

    from csirtnet.config import get_settings
    from csirtnet.db import Database, make_engine
    from csirtnet.feeds import parsers
    from csirtnet.feeds.config import SourceConfig
    from csirtnet.feeds.pipeline import enrich, runner, store
    from csirtnet.models import FeedRun

    database = Database(make_engine(url))
    seconds: dict[str, float] = defaultdict(float)

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - t0

        return wrapper

    for name in ("prepare", "dedupe_key", "event_json", "_claim_batch", "_claim_keys", "event_blocks",
                 "ensure_partitions", "_write_blocks", "_write_quarantine"):  # fmt: skip
        if hasattr(store, name):
            setattr(store, name, timed(f"store.{name}", getattr(store, name)))
    try:
        from csirtnet.feeds import digests, rules

        digests.count_batch = timed("digests.count_batch", digests.count_batch)
        rules.apply = timed("rules.apply", rules.apply)
    except ImportError:
        pass
    with database.unit_of_work() as session:
        source = runner.load_source(session, SOURCE_NAME)
        config = SourceConfig.from_row(source)
        run = FeedRun(source_id=source.id, origin="cli", files=[path.name], status="running", started_at=NOW)
        session.add(run)
        session.flush()
        run_id = run.id
    t0 = time.perf_counter()
    with database.unit_of_work(write=False) as session:
        enricher = enrich.Enricher.build(session)
    seconds["enrich.build"] = time.perf_counter() - t0
    total0 = time.perf_counter()
    events = 0
    batches = parsers.parse_path(path, config, batch_rows=get_settings().feeds_batch_rows)
    seq = 0
    for number in range(1_000_000):
        t0 = time.perf_counter()
        parsed = next(batches, None)
        seconds["parse"] += time.perf_counter() - t0
        if parsed is None:
            break
        t0 = time.perf_counter()
        frame: pl.DataFrame = enricher.enrich(parsed.frame)
        seconds["enrich"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        with database.unit_of_work() as session:
            store.store_batch(session, config, run_id=run_id, batch_id=f"{run_id}:0:{number}", seq_start=seq,
                              frame=frame, now=NOW, quarantined=parsed.quarantined)  # fmt: skip
            t1 = time.perf_counter()
        seconds["commit"] += time.perf_counter() - t1
        seconds["store_batch"] += t1 - t0
        seq += parsed.frame.height
        events += parsed.frame.height
    total = time.perf_counter() - total0
    return {"events": events, "seconds": total, "events_per_s": events / total, "stages": dict(seconds)}


def compare(args: argparse.Namespace, tmp: Path) -> None:
    the_plan = feeds_data.plan()
    path = report(args.rows, args.work, the_plan)
    facts = machine()
    results: dict[str, dict[str, Any]] = {}
    for backend in args.backends.split(","):
        url = fresh_database(backend, tmp)
        prepare(url, the_plan)
        results[backend] = child("_ours", url, path, tmp)
        print(f"ours ({backend}): {json.dumps(results[backend])}", file=sys.stderr)
    if args.intelmq_rows:
        before = load()
        command = [
            sys.executable, "-m", "benchmarks.feeds_intelmq", "--input", str(path), "--plan",
            str(args.work / "plan.json"), "--rows", str(args.intelmq_rows), "--output", args.intelmq_output,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SystemExit(f"IntelMQ failed:\n{done.stderr[-4000:]}")
        results["intelmq"] = json.loads(done.stdout.strip().splitlines()[-1])
        results["intelmq"]["load_before"], results["intelmq"]["load_after"] = before, load()
        print(f"intelmq: {json.dumps(results['intelmq'])}", file=sys.stderr)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{when}; {facts}")
    print("| engine | output | rows | events/s | events per CPU-second | duplicates | peak RSS | load before → after |")
    print("|---|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        r = results[backend]
        print(
            f"| csirtnet | {backend} | {r['events']:,} | {r['events_per_s']:,.0f} | {r['events_per_cpu_s']:,.0f} | "
            f"{r['duplicates']:,} | {r['peak_rss_mb']:,.0f} MB | {r['load_before']} → {r['load_after']} |"
        )
    if "intelmq" in results:
        r = results["intelmq"]
        print(
            f"| IntelMQ {r['intelmq']} | {r['output']} | {r['rows']:,} | {r['events_per_s']:,.0f} | "
            f"{r['events_per_cpu_s']:,.0f} | {r['duplicates']:,} | {r['peak_rss_mb']:,.0f} MB | "
            f"{r['load_before']} → {r['load_after']} |"
        )
        stages = ", ".join(f"{k} {v / r['rows'] * 1e6:,.0f} µs" for k, v in r["stages"].items())
        print(f"IntelMQ per event: {stages}")
        for backend in args.backends.split(","):
            ratio = results[backend]["events_per_s"] / r["events_per_s"]
            cpu_ratio = results[backend]["events_per_cpu_s"] / r["events_per_cpu_s"]
            print(f"ratio csirtnet ({backend}) / IntelMQ: {ratio:,.0f}× in events/s, {cpu_ratio:,.0f}× per CPU-second")


def memory(args: argparse.Namespace, tmp: Path) -> None:
    the_plan = feeds_data.plan()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| rows | file | events/s | peak RSS | CPU s / wall s | load before → after |")
    print("|---|---|---|---|---|---|")
    for size in sizes:
        path = report(size, args.work, the_plan)
        r = _memory_run(args, tmp, the_plan, path, f"{PG_DATABASE}_{size}")
        print(f"| {size:,} | {path.stat().st_size / 1e9:.2f} GB | {_memory_row(r)}", flush=True)
    if args.parts and len(sizes) > 1:
        # Each part of the largest report, of the smallest report's size, as a report of its own:
        # the first part is the smallest report itself (the generator's reports are each other's
        # beginnings). A longer report's peak is set by its heaviest batches, wherever they lie.
        small, large = min(sizes), max(sizes)
        print(f"\nthe {large:,}-row report cut into parts of {small:,} rows, each run as a report of its own:\n")
        print("| part (rows) | events/s | peak RSS | CPU s / wall s | load before → after |")
        print("|---|---|---|---|---|")
        for n, path in enumerate(parts(report(large, args.work, the_plan), small, args.work)):
            r = _memory_run(args, tmp, the_plan, path, f"{PG_DATABASE}_part")
            print(f"| {n * small:,}–{(n + 1) * small:,} | {_memory_row(r)}", flush=True)


def _memory_run(
    args: argparse.Namespace, tmp: Path, the_plan: feeds_data.Plan, path: Path, name: str
) -> dict[str, Any]:
    url = fresh_database(args.backends.split(",")[0], tmp, name)
    prepare(url, the_plan)
    r = child("_ours", url, path, tmp)
    if r["status"] != "done":
        print(f"  run {r['status']}: {r['error']}")
    return r


def _memory_row(r: dict[str, Any]) -> str:
    return (
        f"{r['events_per_s']:,.0f} | {r['peak_rss_mb']:,.0f} MB | {r['cpu_seconds']:,.0f} / {r['seconds']:,.0f} | "
        f"{r['load_before']} → {r['load_after']} |"
    )


def parts(path: Path, rows: int, work: Path) -> list[Path]:
    """`path` (a report with its header line) cut into reports of `rows` rows each, made once."""
    folder = work / f"parts-{rows}-of-{path.parent.name}"
    done = folder / "complete"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as source:
            header = source.readline()
            n, out = 0, None
            for i, line in enumerate(source):
                if i % rows == 0:
                    if out is not None:
                        out.close()
                    (folder / f"{n}").mkdir(exist_ok=True)
                    out = (folder / f"{n}" / path.name).open("wb")
                    out.write(header)
                    n += 1
                out.write(line)  # type: ignore[union-attr]
            if out is not None:
                out.close()
        done.write_text(str(n))
    return [folder / f"{k}" / path.name for k in range(int(done.read_text()))]


def batches(args: argparse.Namespace, tmp: Path) -> None:
    import numpy as np

    from csirtnet.config import get_settings

    the_plan = feeds_data.plan()
    path = report(args.rows, args.work, the_plan)
    batch_rows = get_settings().feeds_batch_rows
    first = -(-1_000_000 // batch_rows)  # the batches of the first million rows (the 1M report)
    series: list[list[float]] = []
    print(f"{args.rows:,} rows, batches of {batch_rows:,}; per-batch peaks (MB) without the first batch (it holds")
    print("the start) and the last (partial)")
    print(
        "| run | events/s | peak RSS | batches | median | std dev | medians of each fifth | max of the first 1M rows "
        "| max (batch) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for run in range(1, args.runs + 1):
        url = fresh_database(args.backends.split(",")[0], tmp, f"{PG_DATABASE}_batches")
        prepare(url, the_plan)
        r = child("_batches", url, path, tmp)
        peaks = r["batch_peaks_mb"]
        inner = np.asarray(peaks[1:-1])
        series.append(inner.tolist())
        fifths = " ".join(f"{np.median(part):.0f}" for part in np.array_split(inner, 5))
        top = int(np.argmax(inner))
        print(
            f"| {run} | {r['events_per_s']:,.0f} | {r['peak_rss_mb']:,.0f} MB | {len(peaks)} | "
            f"{np.median(inner):.1f} | {inner.std():.2f} | {fifths} | {inner[: first - 1].max():.1f} | "
            f"{inner.max():.1f} ({top + 2}) |",  # batches numbered from 1
            flush=True,
        )
    if len(series) > 1:
        matrix = np.asarray(series)
        pairs = [np.corrcoef(matrix[i], matrix[j])[0, 1] for i in range(len(series)) for j in range(i + 1, len(series))]
        deviations = matrix - matrix.mean(axis=1, keepdims=True)
        rest = deviations - deviations.mean(axis=0)  # what does not repeat from run to run
        print(
            f"\nthe runs' series correlate {min(pairs):.2f}–{max(pairs):.2f} with each other; the part that does not "
            f"repeat has a standard deviation of {rest.std(axis=1).min():.2f}–{rest.std(axis=1).max():.2f} MB"
        )
    out = args.work / f"batches-{args.rows}-{datetime.now(UTC):%Y%m%dT%H%M}.json"
    out.write_text(json.dumps({"rows": args.rows, "batch_rows": batch_rows, "series": series}))
    print(f"series written to {out}")


def stages(args: argparse.Namespace, tmp: Path) -> None:
    the_plan = feeds_data.plan()
    path = report(args.rows, args.work, the_plan)
    for backend in args.backends.split(","):
        url = fresh_database(backend, tmp, f"{PG_DATABASE}_stages")
        prepare(url, the_plan)
        r = child("_stages", url, path, tmp)
        print(f"{backend}: {r['events']:,} events in {r['seconds']:.1f} s, {r['events_per_s']:,.0f}/s sequential "
              f"(load {r['load_before']} → {r['load_after']})")  # fmt: skip
        for name, value in sorted(r["stages"].items(), key=lambda kv: -kv[1]):
            print(f"  {name:28} {value:8.2f} s  {value / r['events'] * 1e6:7.2f} µs/event")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "mode",
        nargs="?",
        default="compare",
        choices=["compare", "memory", "stages", "batches", "_ours", "_stages", "_batches"],
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--intelmq-rows", type=int, default=20_000, help="0: skip IntelMQ")
    parser.add_argument("--intelmq-output", choices=["sql", "file"], default="sql")
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument(
        "--parts", action="store_true", help="memory: also run each part of the largest report, of the smallest size"
    )
    parser.add_argument("--runs", type=int, default=2, help="batches: runs of the same report")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--work", type=Path, default=Path("/tmp/csirtnet-feeds-bench"), help="reports kept")  # noqa: S108
    parser.add_argument("--url", default="")
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="csirtnet-feeds-"))
    _environment(tmp)
    if args.mode in ("_ours", "_stages", "_batches"):
        result = {"_ours": run_ours, "_stages": run_stages, "_batches": run_batches}[args.mode](args.url, args.file)
        print(json.dumps(result))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    {"compare": compare, "memory": memory, "stages": stages, "batches": batches}[args.mode](args, tmp)


if __name__ == "__main__":
    main()
