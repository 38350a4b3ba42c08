"""IntelMQ 3.5 on the feeds benchmark's input, in process, for comparison with csirtnet's engine.

IntelMQ runs from its own virtual environment (`benchmarks/.intelmq-venv`, created here when
missing: `python -m venv` + `pip install intelmq==3.5.0 psycopg2-binary`); started with the
project's interpreter this script re-executes itself with that one, and never imports csirtnet.

The bots run as a library (IntelMQ's `BotLibSettings` + `bot.process_message`, docs.intelmq.org
"IntelMQ as a library"), one after the other on each report, as a deployed botnet does:

1. the report is cut as IntelMQ's file collector does with `chunk_size` + `chunk_replicate_header`
   (`--chunk-lines` lines a report, the header repeated) and base64-encoded into a Report;
2. `ShadowserverParserBot` (its scan_smb entry is written into the schema file it loads,
   `$INTELMQ_ROOT_DIR/var/lib/bots/shadowserver-schema.json`, from Shadowserver's published
   columns: IntelMQ downloads that file in production);
3. the owner lookup, IntelMQ's way: an expert bot (`ConstituencyExpertBot` below) that answers
   from an in-memory table of the members' prefixes per event, longest prefix first, and adds
   `source.network` and `extra.constituency` (member code, network) — IntelMQ ships no such
   expert for a private constituency (CERT-Bund's contact expert asks PostgreSQL per event, which
   is slower), so this is the favourable case for IntelMQ;
4. `DeduplicatorExpertBot` on Redis (127.0.0.1:6379, a database that must be empty; emptied
   again at the end), `filter_type` whitelist on `source.ip,source.port,classification.identifier`,
   24 hours: the same key and window as csirtnet's source;
5. an output: `SQLOutputBot` into PostgreSQL (the `events` table of `intelmq_psql_initdb`, in a
   database of its own, `synchronous_commit = off` — IntelMQ commits every event), or
   `FileOutputBot` (JSON lines) with `--output file`.

Between bots the messages stay Python objects (library mode does not serialise); a deployed
IntelMQ also serialises every message to JSON and through Redis between each pair of bots.

Run: .venv/bin/python -m benchmarks.feeds_intelmq --input REPORT.csv --plan plan.json [--rows N]
     [--output sql|file] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
Prints one JSON line of figures last. Normally run by benchmarks/feeds_e2e.py.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VENV = HERE / ".intelmq-venv"
VENV_PYTHON = VENV / "bin" / "python"
PACKAGES = ["intelmq==3.5.0", "psycopg2-binary"]
FEED_NAME = "Accessible-SMB"

# Shadowserver's scan_smb report as IntelMQ's schema file describes a report (the wheel ships only
# test entries; production downloads the full file from Shadowserver).
SCAN_SMB_SCHEMA = {
    "constant_fields": {
        "classification.identifier": "open-smb",
        "classification.taxonomy": "vulnerable",
        "classification.type": "vulnerable-system",
        "protocol.application": "smb",
        "protocol.transport": "tcp",
    },
    "feed_name": FEED_NAME,
    "file_name": "scan_smb",
    "optional_fields": [
        ["extra.", "smb_implant", "convert_bool"],
        ["source.reverse_dns", "hostname"],
        ["extra.", "tag"],
        ["source.asn", "asn", "invalidate_zero"],
        ["source.geolocation.cc", "geo"],
        ["source.geolocation.region", "region"],
        ["source.geolocation.city", "city"],
        ["extra.source.naics", "naics", "invalidate_zero"],
        ["extra.source.sic", "sic", "invalidate_zero"],
        ["extra.source.sector", "sector", "validate_to_none"],
        ["extra.", "arch", "validate_to_none"],
        ["extra.", "key", "validate_to_none"],
        ["extra.", "smbv1_support", "validate_to_none"],
        ["extra.", "smb_major_number", "validate_to_none"],
        ["extra.", "smb_minor_number", "validate_to_none"],
        ["extra.", "smb_revision", "validate_to_none"],
        ["extra.", "smb_version_string", "validate_to_none"],
    ],
    "required_fields": [
        ["time.source", "timestamp", "add_UTC_to_timestamp"],
        ["source.ip", "ip", "validate_ip"],
        ["source.port", "port", "convert_int"],
    ],
}


def ensure_venv() -> Path:
    """IntelMQ's interpreter, the virtual environment created and filled when missing."""
    if not VENV_PYTHON.exists():
        print(f"creating {VENV} (pip install {' '.join(PACKAGES)})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)  # noqa: S603 - our interpreter
        subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "-q", *PACKAGES], check=True)  # noqa: S603
    return VENV_PYTHON


def _chunks(path: Path, rows: int | None, lines: int) -> Any:
    """Reports' raw text: `lines` rows each with the header repeated (IntelMQ's file collector)."""
    with path.open("rb") as f:
        header = f.readline()
        remaining = rows
        while remaining is None or remaining > 0:
            take = lines if remaining is None else min(lines, remaining)
            body = list(itertools.islice(f, take))
            if not body:
                return
            if remaining is not None:
                remaining -= len(body)
            yield len(body), header + b"".join(body)


def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="csirtnet-intelmq-"))
    os.environ["INTELMQ_ROOT_DIR"] = str(root)  # read when intelmq is imported
    (root / "var" / "lib" / "bots").mkdir(parents=True)
    (root / "var" / "log").mkdir(parents=True)
    schema = {"scan_smb": SCAN_SMB_SCHEMA}
    (root / "var" / "lib" / "bots" / "shadowserver-schema.json").write_text(json.dumps(schema))

    import redis
    from intelmq.bots.experts.deduplicator.expert import DeduplicatorExpertBot
    from intelmq.bots.outputs.file.output import FileOutputBot
    from intelmq.bots.outputs.sql.output import SQLOutputBot
    from intelmq.bots.parsers.shadowserver.parser import ShadowserverParserBot
    from intelmq.lib.bot import BotLibSettings, ExpertBot

    class ConstituencyExpertBot(ExpertBot):  # type: ignore[misc]
        """The members' prefixes in memory; per event the longest prefix holding source.ip."""

        plan_file: str = ""

        def init(self) -> None:
            plan = json.loads(Path(self.plan_file).read_text())
            self.tables: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
            for network, member, _asn in plan["prefixes"]:
                address, length = network.split("/")
                a, b, c, d = (int(x) for x in address.split("."))
                n = (a << 24) | (b << 16) | (c << 8) | d
                self.tables[int(length)][n >> (32 - int(length))] = (member, network)
            self.lengths = sorted(self.tables, reverse=True)

        def process(self) -> None:
            event = self.receive_message()
            ip = event.get("source.ip")
            if ip and ":" not in ip:
                a, b, c, d = (int(x) for x in ip.split("."))
                n = (a << 24) | (b << 16) | (c << 8) | d
                for length in self.lengths:
                    hit = self.tables[length].get(n >> (32 - length))
                    if hit is not None:
                        event.add("source.network", hit[1], overwrite=True)
                        event.add("extra.constituency", {"member": hit[0], "network": hit[1]})
                        break
            self.send_message(event)
            self.acknowledge_message()

    common = {
        **BotLibSettings,
        "logging_level": "WARNING",
        "statistics_database": args.redis_db + 1,
        "error_dump_message": False,
    }
    cache = redis.Redis(host="127.0.0.1", port=6379, db=args.redis_db)
    if cache.dbsize():
        raise SystemExit(f"Redis database {args.redis_db} (the deduplicator's) is not empty")
    stats = redis.Redis(host="127.0.0.1", port=6379, db=args.redis_db + 1)
    bot_ids = ["shadowserver-parser", "constituency-expert", "deduplicator-expert", f"{args.output}-output"]

    try:
        parser = ShadowserverParserBot("shadowserver-parser", settings=common)
        expert = ConstituencyExpertBot("constituency-expert", settings={**common, "plan_file": str(args.plan)})
        dedup = DeduplicatorExpertBot(
            "deduplicator-expert",
            settings={
                **common,
                "redis_cache_db": args.redis_db,
                "redis_cache_ttl": 86_400,
                "filter_type": "whitelist",
                "filter_keys": "source.ip,source.port,classification.identifier",
            },
        )
        if args.output == "sql":
            output: Any = SQLOutputBot("sql-output", settings={**common, **_sql_settings(args.database_url)})
        else:
            output = FileOutputBot("file-output", settings={**common, "file": str(root / "events.jsonl")})
        seconds = {"collector": 0.0, "parser": 0.0, "expert": 0.0, "deduplicator": 0.0, "output": 0.0}
        rows = events = kept = 0
        started, cpu0 = time.perf_counter(), time.process_time()
        for count, raw in _chunks(args.input, args.rows, args.chunk_lines):
            t0 = time.perf_counter()
            report = {"raw": base64.b64encode(raw).decode(), "extra.file_name": args.input.name}
            t1 = time.perf_counter()
            parsed = parser.process_message(report)["output"]
            t2 = time.perf_counter()
            owned = expert.process_message(*parsed)["output"]
            t3 = time.perf_counter()
            fresh = dedup.process_message(*owned)["output"]
            t4 = time.perf_counter()
            output.process_message(*fresh)
            t5 = time.perf_counter()
            for name, a, b in (
                ("collector", t0, t1),
                ("parser", t1, t2),
                ("expert", t2, t3),
                ("deduplicator", t3, t4),
                ("output", t4, t5),
            ):
                seconds[name] += b - a
            rows += count
            events += len(parsed)
            kept += len(fresh)
            if args.progress and rows % (args.chunk_lines * 20) == 0:
                elapsed = time.perf_counter() - started
                print(f"  intelmq: {rows:,} rows, {rows / elapsed:,.0f}/s", file=sys.stderr)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu0
    finally:
        cache.flushdb()
        for bot_id in bot_ids:  # the bots' counters (main() exits without letting them write again)
            keys = stats.keys(f"{bot_id}.*")
            if keys:
                stats.delete(*keys)
    return {
        "rows": rows,
        "events": events,
        "duplicates": events - kept,
        "stored": kept,
        "seconds": elapsed,
        "events_per_s": rows / elapsed if elapsed else 0.0,
        "cpu_seconds": cpu,
        "events_per_cpu_s": rows / cpu if cpu else 0.0,
        "stages": seconds,
        "peak_rss_mb": _peak_mb(),
        "output": args.output,
        "intelmq": _version(),
    }


def _peak_mb() -> float:
    """Peak resident memory since the exec (VmHWM; ru_maxrss would include the parent's at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _version() -> str:
    import intelmq

    return str(intelmq.__version__)


def _sql_settings(url: str) -> dict[str, Any]:
    """The SQL output's parameters for `url`; its database is created anew with IntelMQ's events table."""
    from urllib.parse import urlsplit

    import psycopg2
    from intelmq import HARMONIZATION_CONF_FILE
    from intelmq.bin.intelmq_psql_initdb import generate

    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the benchmark only talks to 127.0.0.1")
    name = "csirtnet_bench_feeds_intelmq"
    admin = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                             dbname=(parts.path or "/postgres").lstrip("/") or "postgres")  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
        cur.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    admin.close()
    harmonization = HARMONIZATION_CONF_FILE
    if not Path(harmonization).exists():
        from importlib.resources import files

        harmonization = str(files("intelmq") / "etc" / "harmonization.conf")
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        ddl = generate(harmonization_file=harmonization)
    con = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname=name)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(ddl)
    con.close()
    return {
        "engine": "postgresql",
        "host": parts.hostname,
        "port": str(parts.port or 5432),
        "database": name,
        "user": parts.username or "postgres",
        "password": parts.password or "",
        "sslmode": "disable",
        "table": "events",
        "autocommit": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, required=True, help="a Shadowserver scan_smb CSV (feeds_data)")
    parser.add_argument("--plan", type=Path, required=True, help="the constituency plan JSON (feeds_data)")
    parser.add_argument("--rows", type=int, default=None, help="only the first N rows")
    parser.add_argument("--chunk-lines", type=int, default=5_000)
    parser.add_argument("--output", choices=["sql", "file"], default="sql")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-db", type=int, default=11, help="must be empty; statistics go to the next one")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    if Path(sys.prefix).resolve() != VENV.resolve():
        python = ensure_venv()
        os.execv(python, [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])  # noqa: S606
    print(json.dumps(run(args)), flush=True)
    # In library mode every bot registers an exit handler that writes its counters to Redis again;
    # run() has removed them, so leave without running those handlers.
    os._exit(0)


if __name__ == "__main__":
    main()
