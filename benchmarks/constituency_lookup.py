"""Constituency lookup benchmark: 10,000 organisations and 100,000 prefixes in a database, then

1. in-process IPv4 lookups per second on one core (organisation.lookup.ConstituencyIndex): one
   call per address (`lookup_ipv4`, the trie) and in batches of 10,000 as the feed pipeline does
   (`lookup_ipv4_many`, the flattened intervals), and
2. the API's p95 latency: GET /api/v1/constituency/lookup?q=… with a real HTTP client (this
   process) against the app served by uvicorn in its own process on 127.0.0.1, as deployed.

Run: .venv/bin/python -m benchmarks.constituency_lookup [--orgs 10000] [--prefixes 100000]
     [--requests 2000] [--database-url postgresql+psycopg://…]   (default: SQLite in a temp dir)
Results go in docs/benchmarks.md ("Constituency lookup"). Never a timed assertion in tests.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate(database, orgs: int, prefixes: int, rng: random.Random) -> list[int]:  # type: ignore[no-untyped-def]
    """Bulk-insert organisations and IPv4/IPv6 claims; returns sample IPv4 addresses inside claims."""
    from csirtnet.models import ConstituencyClaim, Organisation
    from csirtnet.organisation.claims import hex128

    samples: list[int] = []
    with database.unit_of_work() as session:
        session.execute(
            insert(Organisation),
            [
                {
                    "name": f"Tổ chức đo {i}",
                    "member_code": f"BM-{i:05d}",
                    "kind": "private_enterprise",
                    "name_fold": f"to chuc do {i}",
                    "name_sort": f"{i:08d}",
                }
                for i in range(orgs)
            ],
        )
        ids = [row[0] for row in session.execute(Organisation.__table__.select().with_only_columns(Organisation.id))]
        seen: set[str] = set()
        rows = []
        while len(rows) < prefixes:
            if len(rows) % 10 == 9:  # one in ten is IPv6
                length = rng.choice([32, 40, 48, 56])
                net6 = ipaddress.IPv6Network((rng.getrandbits(128) >> (128 - length) << (128 - length), length))
                net: ipaddress.IPv4Network | ipaddress.IPv6Network = net6
                kind = "ipv6"
            else:
                length = rng.choice([16, 20, 22, 24, 24, 24, 26, 28])
                net = ipaddress.IPv4Network((rng.getrandbits(32) >> (32 - length) << (32 - length), length))
                kind = "ipv4"
            if str(net) in seen:
                continue
            seen.add(str(net))
            if kind == "ipv4" and len(samples) < 100_000:
                samples.append(int(net.network_address) + rng.randrange(net.num_addresses))
            rows.append(
                {
                    "organisation_id": rng.choice(ids),
                    "kind": kind,
                    "value": str(net),
                    "prefix_len": net.prefixlen,
                    "range_start": hex128(int(net.network_address)),
                    "range_end": hex128(int(net.broadcast_address)),
                    "status": "active",
                }
            )
        for start in range(0, len(rows), 5000):
            session.execute(insert(ConstituencyClaim), rows[start : start + 5000])
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--prefixes", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=10_000, help="addresses per lookup_ipv4_many call")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="csirtnet-bench-"))
    os.environ.setdefault("CSIRTNET_DATA_DIR", str(tmp))
    os.environ.setdefault("CSIRTNET_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("CSIRTNET_LOG_JSON", "false")
    os.environ.setdefault("CSIRTNET_LOG_LEVEL", "WARNING")
    os.environ["CSIRTNET_IN_PROCESS_WORKER"] = "false"
    import httpx

    from csirtnet.db import Database, make_engine
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token
    from csirtnet.migrate import upgrade
    from csirtnet.models import Organisation, User, UserRole
    from csirtnet.organisation.lookup import ConstituencyIndex

    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    database = Database(engine)
    rng = random.Random(20250101)
    t0 = time.perf_counter()
    samples = populate(database, args.orgs, args.prefixes, rng)
    print(f"populated {args.orgs} organisations and {args.prefixes} prefixes in {time.perf_counter() - t0:.1f} s")

    # 1. In-process.
    with database.unit_of_work(write=False) as session:
        t0 = time.perf_counter()
        index = ConstituencyIndex.build(session)
        build_s = time.perf_counter() - t0
    queries = [rng.getrandbits(32) if i % 2 else samples[i % len(samples)] for i in range(args.lookups)]
    lookup = index.lookup_ipv4
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for q in queries:
            lookup(q)
        best = max(best, len(queries) / (time.perf_counter() - t0))
    found = sum(1 for _ in filter(None, map(lookup, queries)))
    batched = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for start in range(0, len(queries), args.batch):
            index.lookup_ipv4_many(queries[start : start + args.batch])
        batched = max(batched, len(queries) / (time.perf_counter() - t0))
    assert index.lookup_ipv4_many(queries[:10_000]) == [lookup(q) for q in queries[:10_000]]
    print(f"index of {index.size} claims built in {build_s:.2f} s")
    print(
        f"in-process IPv4 lookups: {best:,.0f}/s one call each (trie), {batched:,.0f}/s in batches of "
        f"{args.batch:,} (flattened intervals); {found / len(queries):.0%} found"
    )

    # 2. API over HTTP.
    with database.unit_of_work() as session:
        org = session.get(Organisation, 1)
        assert org is not None
        user = User(email="bench@example.vn", full_name="Đo hiệu năng", organisation_id=org.id)
        user.role_rows = [UserRole(role="viewer")]
        session.add(user)
        session.flush()
        session.refresh(user)
        token = create_token(
            session, subject_for(user), user, name="bench", scopes=["constituency:read"], expires_in_days=1
        ).token
    port = _free_port()
    env = {
        **os.environ,
        "CSIRTNET_DATABASE_URL": url,
        "CSIRTNET_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable, "-m", "uvicorn", "csirtnet.app:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)  # noqa: S603 - our own interpreter and arguments
    latencies: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("uvicorn did not start") from None
                    time.sleep(0.2)
            for i in range(50):  # warm up (the first lookup builds the server's index)
                client.get("/api/v1/constituency/lookup", params={"q": str(ipaddress.IPv4Address(samples[i]))})
            for i in range(args.requests):
                q = samples[i % len(samples)] if i % 2 else rng.getrandbits(32)
                t0 = time.perf_counter()
                r = client.get("/api/v1/constituency/lookup", params={"q": str(ipaddress.IPv4Address(q))})
                latencies.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
    finally:
        server.terminate()
        server.wait(10)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"API lookup over HTTP ({args.requests} requests, {engine.dialect.name}): "
        f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


if __name__ == "__main__":
    main()
