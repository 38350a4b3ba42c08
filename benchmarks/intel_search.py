"""Indicator search by value prefix on PostgreSQL: is `value >= q AND value < q || U+10FFFF` (compared
byte by byte, `COLLATE "C"`, as intel.repository writes it) served by an index, and what does a
search page cost (`intel.reads.search`, visibility clause, decay filter, keyset page of 50)?

The indicators go into a database of their own (`bench_intel_search`, created and migrated here),
loaded with the correlation benchmark's mix and loader (benchmarks/intel_correlation.py: COPY,
indexes built afterwards). Measured, each query's plan and its median of `--repeat` runs:
1. the schema as migrated (no index on the value alone: `ix_indicator_kind_value` leads with kind);
2. with an index on `value COLLATE "C"` (what the search needs; created here, then dropped);
and the same prefix with a kind filter, which the (kind, value) index can serve only where its
collation is "C".

Run by hand (results in docs/benchmarks.md, "Indicators", "Search by value or prefix"):

    .venv/bin/python benchmarks/intel_search.py [--stored 1000000] [--repeat 5] [--skip-load]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.intel_correlation import load
from csirtnet.authz import Subject
from csirtnet.db import Database, make_engine
from csirtnet.intel import reads

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_intel_search"
PREFIXES = ["http://cdn", "1.2.", "login", "ab12", "2001:db8:"]
TOP = "\U0010ffff"


def _sql_times(engine: Any, repeat: int, kind: str | None = None) -> dict[str, tuple[float, str, int]]:
    out = {}
    by_kind = " AND kind = :kind" if kind else ""
    sql = f'SELECT id, value FROM indicator WHERE value COLLATE "C" >= :lo AND value COLLATE "C" < :hi{by_kind} '  # noqa: S608 (bound values)
    sql += 'ORDER BY value COLLATE "C", id LIMIT 51'
    with engine.connect() as conn:
        for prefix in PREFIXES:
            params = {"lo": prefix, "hi": prefix + TOP, "kind": kind}
            plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql), params))
            runs = []
            count = 0
            for _ in range(repeat):
                started = time.perf_counter()
                count = len(conn.execute(text(sql), params).all())
                runs.append((time.perf_counter() - started) * 1000)
            scan = "index" if "Index" in plan else "seq scan" if "Seq Scan" in plan else plan.splitlines()[0]
            out[prefix] = (statistics.median(runs), scan, count)
    return out


def _page_times(database: Database, repeat: int) -> dict[str, float]:
    member = Subject(user_id=10**9, organisation_id=1, roles=frozenset({"responder"}), label="bench member")
    coordinator = Subject(
        user_id=10**9 + 1,
        organisation_id=None,
        roles=frozenset({"coordinator"}),
        label="bench coordinator",
        is_coordinator_org=True,
    )
    out = {}
    for label, who in (("member", member), ("coordinator", coordinator)):
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            with database.unit_of_work(write=False) as session:
                for prefix in PREFIXES:
                    reads.search(session, who, prefix, limit=50, include_expired=True)
            runs.append((time.perf_counter() - started) * 1000 / len(PREFIXES))
        out[label] = statistics.median(runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    print(f"{platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    if not args.skip_load:
        print(f"loading {args.stored:,} indicators: {load(URL, args.stored):.0f} s")
    engine = make_engine(URL)
    database = Database(engine)
    with engine.connect() as conn:
        print(conn.execute(text("SELECT version()")).scalar())
    for title, setup in (
        ("as migrated", None),
        ('with an index on value COLLATE "C"', 'CREATE INDEX bench_value_c ON indicator (value COLLATE "C")'),
    ):
        if setup:
            with engine.begin() as conn:
                conn.execute(text(setup))
                conn.execute(text("ANALYZE indicator"))
        print(f"\n{title}: prefix → median ms, plan, rows (of 51 asked)")
        for prefix, (ms, scan, count) in _sql_times(engine, args.repeat).items():
            print(f"  {prefix!r:14} {ms:8.2f} ms  {scan:9} {count}")
        print("  with kind = 'url':")
        for prefix, (ms, scan, count) in _sql_times(engine, args.repeat, "url").items():
            print(f"  {prefix!r:14} {ms:8.2f} ms  {scan:9} {count}")
        pages = _page_times(database, args.repeat)
        print(
            "  reads.search page of 50 (median per prefix): " + ", ".join(f"{k} {v:.1f} ms" for k, v in pages.items())
        )
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS bench_value_c"))
    engine.dispose()


if __name__ == "__main__":
    main()
