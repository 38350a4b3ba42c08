"""Correlation benchmark: a batch of 100,000 new indicators against 10,000,000 stored values in
PostgreSQL (the issue asks under 10 s), with `intel.correlation.correlate_batch`.

The stored values go into the `indicator` table of a database of their own (`bench_intel`, created
and migrated here; never the tests' `test`), by COPY through psycopg with the secondary indexes
dropped and built afterwards, then VACUUM (ANALYZE) as autovacuum would. A realistic mix
(seeded): 45 % IPv4 addresses, 5 % IPv6 addresses (in one /32), 1.5 % IPv4 networks (mostly /24
and longer, some /16 to /22) and 0.5 % IPv6 networks (/48 to /64), 20 % domains (two to four
labels under a dozen TLDs; one in a hundred under a dynamic-DNS or free-hosting name, the values
that really over-correlate), 13 % URLs on such domains, 15 % hashes (MD5, SHA-1, SHA-256).

The batch has the same mix; about a fifth of its values are already stored (re-shared), its
addresses fall into stored networks as often as the address space makes them, a tenth of its
domains are subdomains of stored ones. Timed: `correlate_batch` in one unit of work (the temporary
tables, every pass, the over-correlation records, the commit). Also timed: one indicator page's
correlations (`for_indicator`) for a coordinator and for a member, on a stored value.

Run by hand (results in docs/benchmarks.md, "Indicators", "Correlation"):

    .venv/bin/python benchmarks/intel_correlation.py [--stored 10000000] [--batch 100000]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_intel] [--skip-load] [--repeat 3]

`--skip-load` reuses the database a previous run loaded (the load takes minutes).
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import logging
import platform
import random
import resource
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from csirtnet.db import Database, make_engine
from csirtnet.intel import values as V
from csirtnet.migrate import upgrade

TLDS = ["vn", "com", "net", "org", "com.vn", "gov.vn", "info", "xyz", "top", "ru", "cn", "io"]
SYLLABLES = [
    "an", "binh", "cao", "dai", "dong", "gia", "ha", "hai", "hoa", "kim", "lan", "long", "minh", "nam",
    "ngoc", "phu", "quang", "son", "tan", "thanh", "trung", "viet", "xuan", "login", "secure", "update",
    "cdn", "mail", "portal", "api", "pay", "bank", "shop", "cloud", "data", "net", "web", "app", "dev",
]  # fmt: skip
# Feed networks are mostly small blocks (drop lists, C2 hosting): /24 and longer, some /16 to /22.
V4_PREFIXES = (16, 18, 20, 20, 22, 22) + (24,) * 8 + (26, 26, 27, 27, 28, 28, 29, 29, 30)
# IPv6: blocks handed to sites (/48) and subnets (/56, /64) inside one /32, as a feed sees them.
V6_PREFIXES = (48, 48, 52, 56, 64, 64)
_V4 = 0xFFFF00000000
# Dynamic-DNS and free-hosting parents: a few names with many subdomains (the real over-correlators).
HOSTING = ["duckdns.org", "no-ip.biz", "ngrok.io", "blogspot.com", "000webhostapp.com", "github.io"]
PATHS = ["", "index.php", "login", "wp-admin/", "a/b.exe", "dl?id=", "payload.bin", "gate.php?x="]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) + (
        str(rng.randint(0, 9999)) if rng.random() < 0.8 else ""
    )


def _domain(rng: random.Random) -> str:
    if rng.random() < 0.01:
        return f"{_word(rng)}.{rng.choice(HOSTING)}"
    labels = [_word(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
    return ".".join(labels) + "." + rng.choice(TLDS)


def make_value(rng: random.Random) -> V.Value:
    """One value of the mix, normalised with its keys (as intel.values stores it)."""
    roll = rng.random()
    if roll < 0.45:
        a = rng.getrandbits(32)
        key = f"{_V4 + a:032x}"
        return V.Value(V.K.IPV4, f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}", key, key)
    if roll < 0.50:
        address6 = ipaddress.IPv6Address((0x2001_0DB8 << 96) | (rng.getrandbits(32) << 64) | rng.getrandbits(64))
        key = V.ip_key(address6)
        return V.Value(V.K.IPV6, address6.compressed, key, key)
    if roll < 0.515:
        prefix = rng.choice(V4_PREFIXES)
        network = ipaddress.IPv4Network((rng.getrandbits(32), prefix), strict=False)
        lo, hi = V.network_keys(network)
        return V.Value(V.K.IPV4_NET, network.compressed, lo, hi)
    if roll < 0.52:
        prefix6 = rng.choice(V6_PREFIXES)
        network6 = ipaddress.IPv6Network(((0x2001_0DB8 << 96) | (rng.getrandbits(32) << 64), prefix6), strict=False)
        lo, hi = V.network_keys(network6)
        return V.Value(V.K.IPV6_NET, network6.compressed, lo, hi)
    if roll < 0.72:
        name = _domain(rng)
        return V.Value(V.K.DOMAIN, name, rdomain=V.reverse_domain(name))
    if roll < 0.85:
        name = _domain(rng)
        tail = rng.choice(PATHS)
        url = f"{rng.choice(('http', 'https'))}://{name}/{tail}{rng.randint(1, 99999) if tail.endswith('=') else ''}"
        return V.Value(V.K.URL, url, rdomain=V.reverse_domain(name))
    digest = rng.getrandbits(256)
    roll = rng.random()
    if roll < 0.33:
        return V.Value(V.K.MD5, f"{digest >> 128:032x}")
    if roll < 0.53:
        return V.Value(V.K.SHA1, f"{digest >> 96:040x}")
    return V.Value(V.K.SHA256, f"{digest:064x}")


COLUMNS = (
    "stix_id, collection, kind, value, ip_lo, ip_hi, rdomain, tlp, pap, confidence, valid_from, origin, tags, "
    "warninglists, revoked, sightings_count, false_positive_count, created_at, modified_at"
)
COLLECTIONS = ["national"] * 6 + ["outbox:1", "outbox:2", "cluster:1", "cluster:2"]
TLP = ["green"] * 5 + ["clear", "amber", "amber", "amber+strict", "red"]
NOW = "2026-12-01 00:00:00+00"


def _rows(count: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        v = make_value(rng)
        h = f"{rng.getrandbits(128):032x}"
        yield "\t".join(
            (
                f"indicator--{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}",
                rng.choice(COLLECTIONS),
                v.kind.value,
                v.value,
                v.ip_lo or "\\N",
                v.ip_hi or "\\N",
                v.rdomain or "\\N",
                rng.choice(TLP),
                "amber",
                "50",
                NOW,
                "stix",
                "[]",
                "[]",
                "f",
                "0",
                "0",
                NOW,
                NOW,
            )
        )


def load(url: str, stored: int) -> float:
    """A freshly migrated `bench_intel` with `stored` indicators; the seconds it took (COPY + indexes)."""
    admin = make_engine(make_url(url).set(database="postgres").render_as_string(False), poolclass=NullPool)
    name = make_url(url).database
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute(
            "SELECT indexdef, indexname FROM pg_indexes WHERE tablename = 'indicator' AND indexname NOT LIKE 'pk_%'"
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'indicator'::regclass AND contype = 'u'"
        )
        uniques = cur.fetchall()
        for conname, _ in uniques:
            cur.execute(f'ALTER TABLE indicator DROP CONSTRAINT "{conname}"')
        for _, indexname in indexes:
            cur.execute(f'DROP INDEX IF EXISTS "{indexname}"')
        done = 0
        chunk = 500_000
        with cur.copy(f"COPY indicator ({COLUMNS}) FROM STDIN") as copy:
            for start in range(0, stored, chunk):
                buffer = io.StringIO()
                for line in _rows(min(chunk, stored - start), seed=start + 1):
                    buffer.write(line)
                    buffer.write("\n")
                copy.write(buffer.getvalue())
                done += min(chunk, stored - start)
                print(f"  copied {done:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        copied = time.perf_counter() - started
        for conname, definition in uniques:
            cur.execute(f'ALTER TABLE indicator ADD CONSTRAINT "{conname}" {definition}')
        for indexdef, indexname in indexes:
            if not any(indexname == c for c, _ in uniques):
                cur.execute(indexdef)
        raw.commit()
        # What autovacuum does after a bulk insert (PostgreSQL 13+ vacuums on inserts): statistics,
        # and the visibility map that lets index-only scans skip the table.
        driver = raw.driver_connection
        assert driver is not None
        driver.autocommit = True
        driver.execute("VACUUM (ANALYZE) indicator")
        print(f"  COPY {copied:.0f} s, indexes and VACUUM (ANALYZE) {time.perf_counter() - started - copied:.0f} s")
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started


def make_batch(database: Database, size: int, seed: int) -> list[V.Value]:
    """New values: a fifth already stored, a tenth subdomains of stored domains, the rest fresh."""
    rng = random.Random(seed)
    with database.unit_of_work() as session:
        known = [
            V.Value(V.K(k), v, lo, hi, rd)
            for k, v, lo, hi, rd in session.execute(
                text(
                    "SELECT kind, value, ip_lo, ip_hi, rdomain FROM indicator "
                    "TABLESAMPLE SYSTEM (1) REPEATABLE (:seed) LIMIT :n"
                ),
                {"seed": seed, "n": size},
            )
        ]
    domains = [v for v in known if v.kind is V.K.DOMAIN]
    out: list[V.Value] = []
    while len(out) < size:
        roll = rng.random()
        if roll < 0.2 and known:
            out.append(rng.choice(known))
        elif roll < 0.3 and domains:
            name = f"{_word(rng)}.{rng.choice(domains).value}"
            out.append(V.Value(V.K.DOMAIN, name, rdomain=V.reverse_domain(name)))
        else:
            out.append(make_value(rng))
    return out


def compare_networks(database: Database, count: int) -> None:
    """ "Which stored networks hold these addresses?" three ways, for `count` random IPv4 addresses:
    the SQL range join, the SQL lookup of each address's candidate blocks, and the in-memory pass
    correlate_batch uses (networks read once, numpy)."""
    from csirtnet.intel.correlation_batch import _stored_networks

    rng = random.Random(99)
    keys = [f"{0xFFFF00000000 + rng.getrandbits(32):032x}" for _ in range(count)]
    with database.unit_of_work() as session:
        session.execute(text('CREATE TEMP TABLE probe (key varchar(32) COLLATE "C") ON COMMIT DROP'))
        session.execute(text("INSERT INTO probe VALUES (:k)"), [{"k": k} for k in keys])
        session.execute(text("ANALYZE probe"))
        started = time.perf_counter()
        a = session.scalar(
            text(
                "SELECT count(*) FROM probe p JOIN indicator n ON n.kind IN ('ipv4-net', 'ipv6-net') "
                "AND n.ip_lo <= p.key AND n.ip_hi >= p.key"
            )
        )
        range_join = time.perf_counter() - started
        session.execute(
            text('CREATE TEMP TABLE blocks (lo varchar(32) COLLATE "C", hi varchar(32) COLLATE "C") ON COMMIT DROP')
        )
        rows = []
        for key in keys:
            value = int(key, 16) - 0xFFFF00000000
            for prefix in range(1, 32):
                size = 1 << (32 - prefix)
                start = (value // size) * size + 0xFFFF00000000
                rows.append({"lo": f"{start:032x}", "hi": f"{start + size - 1:032x}"})
        session.execute(text("INSERT INTO blocks VALUES (:lo, :hi)"), rows)
        session.execute(text("ANALYZE blocks"))
        started = time.perf_counter()
        b = session.scalar(
            text(
                "SELECT count(*) FROM blocks b JOIN indicator n ON n.kind IN ('ipv4-net', 'ipv6-net') "
                "AND n.ip_lo = b.lo AND n.ip_hi = b.hi"
            )
        )
        blocks = time.perf_counter() - started
        started = time.perf_counter()
        index = _stored_networks(session)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        c = int(index.supernets([(int(k, 16), int(k, 16)) for k in keys]).sum())
        numpy_pass = time.perf_counter() - started
    print(
        f"networks holding {count:,} addresses: SQL range join {range_join:.2f} s ({a}); "
        f"SQL candidate blocks {blocks:.2f} s ({b}); in memory: read the networks {loaded:.2f} s, "
        f"then {numpy_pass * 1000:.0f} ms ({c})"
    )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_intel")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--compare-networks", type=int, default=0, help="also time three ways for N addresses")
    args = parser.parse_args()
    logging.basicConfig(format="  %(message)s")
    logging.getLogger("csirtnet.intel.correlation_batch").setLevel(logging.DEBUG)
    print(f"machine: {platform.machine()} {platform.processor() or ''}, Python {platform.python_version()}")

    if not args.skip_load:
        print(f"loading {args.stored:,} stored values into {make_url(args.postgres_url).database}…", flush=True)
        seconds = load(args.postgres_url, args.stored)
        print(f"load: {seconds:.1f} s ({args.stored / seconds:,.0f} rows/s), peak RSS {rss_mb():.0f} MB", flush=True)

    from csirtnet.authz import Subject
    from csirtnet.intel import correlation
    from csirtnet.intel.correlation_batch import correlate_batch

    database = Database(make_engine(args.postgres_url))
    with database.unit_of_work() as session:
        stored = session.scalar(text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'indicator'"))
        networks = session.scalar(text("SELECT count(*) FROM indicator WHERE kind IN ('ipv4-net', 'ipv6-net')"))
    print(f"stored: ~{stored:,} indicators, {networks:,} of them networks")
    if args.compare_networks:
        compare_networks(database, args.compare_networks)
    before = rss_mb()
    for attempt in range(args.repeat):
        batch = make_batch(database, args.batch, seed=attempt + 7)
        rss_batch = rss_mb()
        started = time.perf_counter()
        with database.unit_of_work() as session:
            result: dict[str, Any] = correlate_batch(session, batch)
        seconds = time.perf_counter() - started
        matches = sum(sum(c.values()) for c in result["counts"].values())
        print(
            f"batch {attempt + 1}: {len(batch):,} values ({result['values']:,} distinct) in {seconds:.2f} s; "
            f"{result['correlated']:,} correlate, {matches:,} matches, {len(result['flagged'])} flagged; "
            f"peak RSS {rss_mb():.0f} MB (before the batch {rss_batch:.0f} MB, at start {before:.0f} MB)",
            flush=True,
        )

    # One indicator page: its correlations for the coordinating body and for a member.
    coordinator = Subject(user_id=1, organisation_id=1, roles=frozenset({"coordinator"}), is_coordinator_org=True)
    member = Subject(user_id=2, organisation_id=2, roles=frozenset({"responder"}))
    with database.unit_of_work() as session:
        from csirtnet.models import Indicator

        probes = [
            session.scalar(text("SELECT id FROM indicator WHERE kind = :k ORDER BY id LIMIT 1 OFFSET 1000"), {"k": k})
            for k in ("ipv4", "ipv4-net", "domain", "url", "sha256")
        ]
        for who, label in ((coordinator, "coordinator"), (member, "member")):
            times = []
            for ident in probes:
                ind = session.get(Indicator, ident)
                assert ind is not None
                started = time.perf_counter()
                found = correlation.for_indicator(session, who, ind)
                times.append((ind.kind, (time.perf_counter() - started) * 1000, found.count, found.too_many))
            print(f"for_indicator as {label}: " + ", ".join(f"{k} {ms:.0f} ms ({n}, {t})" for k, ms, n, t in times))


if __name__ == "__main__":
    main()
