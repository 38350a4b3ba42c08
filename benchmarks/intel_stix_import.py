"""Importing a 50,000-object STIX 2.1 bundle (about 40 MB) must run at 5,000 objects/s or more into
PostgreSQL with a peak memory under 1 GB (issue 14; MISP through PyMISP: about 33 indicators/s).

Run by hand, never by the test suite (docs/benchmarks.md, section "Indicators"):

    .venv/bin/python benchmarks/intel_stix_import.py                # PostgreSQL (csirtnet_bench_stix)
    .venv/bin/python benchmarks/intel_stix_import.py --sqlite       # SQLite (a temporary file)
    .venv/bin/python benchmarks/intel_stix_import.py --profile      # with cProfile's top 25

It writes a bundle of `--objects` objects (default 50,000): indicators (nine in ten with a simple
pattern of every indexed type, the rest complex patterns) with realistic descriptions, labels and
external references, identities, malware, relationships between them, SCOs (addresses, domains,
URLs, files with hashes), reports, custom `x-` objects and the TLP 2.0 marking definitions. Then,
in a fresh migrated database, it times `intel.importing.import_path` in one unit of work (reading
the file, the engine, the commit) as a coordinator, and reports objects/s and the process's peak
resident memory (ru_maxrss, which includes the interpreter and the modules: the whole process).
A second run of the same bundle (a no-op by id and version) is timed too.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stix_text import sentence
from csirtnet.intel.stix.markings import MARKING_IDS
from csirtnet.vocabulary.enums import TLP

ROOT = Path(__file__).resolve().parents[1]

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/csirtnet_bench_stix"

TLDS = ("vn", "com.vn", "gov.vn", "net", "org", "info", "xyz", "top")
MARKINGS = [MARKING_IDS[t] for t in (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)]


def ts(rng: random.Random) -> str:
    day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
    return f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00.000Z"


def sid(kind: str, rng: random.Random) -> str:
    return f"{kind}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def simple_pattern(rng: random.Random, n: int) -> str:
    choice = n % 8
    if choice == 0:
        address = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return f"[ipv4-addr:value = '{address}']"
    if choice == 1:
        return f"[domain-name:value = 'x{n}-{rng.getrandbits(32):08x}.{rng.choice(TLDS)}']"
    if choice == 2:
        return f"[url:value = 'http://c{n}.{rng.choice(TLDS)}/gate.php?id={rng.getrandbits(40):010x}']"
    if choice == 3:
        return f"[file:hashes.'SHA-256' = '{rng.getrandbits(256):064x}']"
    if choice == 4:
        return f"[file:hashes.MD5 = '{rng.getrandbits(128):032x}']"
    if choice == 5:
        return f"[email-addr:value = 'billing{n}@{rng.choice(('mail', 'secure'))}{n % 97}.{rng.choice(TLDS)}']"
    if choice == 6:
        return f"[ipv6-addr:value = '2001:db8:{rng.getrandbits(16):x}::{rng.getrandbits(16):x}']"
    return f"[file:name = 'invoice_{n}.pdf.exe']"


def bundle(total: int, seed: int = 14) -> bytes:
    rng = random.Random(seed)
    from csirtnet.intel.stix.markings import marking_objects

    objects: list[dict[str, Any]] = list(marking_objects())
    identities = [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": sid("identity", rng),
            "created": "2025-01-01T00:00:00.000Z",
            "modified": "2025-01-01T00:00:00.000Z",
            "name": f"Partner CERT {n}",
            "identity_class": "organization",
        }
        for n in range(50)
    ]
    objects += identities
    malware = []
    for n in range(1000):
        when = ts(rng)
        malware.append(
            {
                "type": "malware",
                "spec_version": "2.1",
                "id": sid("malware", rng),
                "created": when,
                "modified": when,
                "name": f"Loader family {n}",
                "description": sentence(rng, 40),
                "malware_types": ["trojan", "remote-access-trojan"],
                "is_family": True,
                "created_by_ref": rng.choice(identities)["id"],
                "object_marking_refs": [rng.choice(MARKINGS)],
            }
        )
    objects += malware
    remaining = total - len(objects)
    n_indicators = int(remaining * 0.56)
    n_relationships = int(remaining * 0.20)
    n_scos = int(remaining * 0.18)
    n_reports = 200
    indicators = []
    for n in range(n_indicators):
        when = ts(rng)
        pattern = simple_pattern(rng, n)
        if n % 10 == 9:
            pattern = f"{pattern} AND {simple_pattern(rng, n + 1)}" if n % 20 else f"{pattern} WITHIN 600 SECONDS"
        indicators.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": sid("indicator", rng),
                "created": when,
                "modified": when,
                "name": f"Indicator {n} of campaign {n % 300}",
                "description": sentence(rng, rng.randint(60, 110)),
                "indicator_types": ["malicious-activity"],
                "pattern": pattern,
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": when,
                "confidence": rng.randint(10, 100),
                "labels": ["rsit:malicious-code/c2-server", f"campaign-{n % 300}"],
                "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}],
                "external_references": [
                    {"source_name": "partner-report", "url": f"https://cert.example.vn/reports/{n % 300}"}
                ],
                "created_by_ref": rng.choice(identities)["id"],
                "object_marking_refs": [rng.choice(MARKINGS)],
            }
        )
    objects += indicators
    for _ in range(n_relationships):
        when = ts(rng)
        objects.append(
            {
                "type": "relationship",
                "spec_version": "2.1",
                "id": sid("relationship", rng),
                "created": when,
                "modified": when,
                "relationship_type": "indicates",
                "source_ref": rng.choice(indicators)["id"],
                "target_ref": rng.choice(malware)["id"],
                "description": sentence(rng, 12),
            }
        )
    for n in range(n_scos):
        kind = n % 4
        if kind == 0:
            sco = {"type": "ipv4-addr", "value": f"198.{n % 250}.{(n // 250) % 250}.{n % 200 + 1}"}
        elif kind == 1:
            sco = {"type": "domain-name", "value": f"sco{n}.{rng.choice(TLDS)}"}
        elif kind == 2:
            sco = {"type": "url", "value": f"https://sco{n}.{rng.choice(TLDS)}/payload.bin"}
        else:
            sco = {
                "type": "file",
                "name": f"sample_{n}.dll",
                "hashes": {"SHA-256": f"{rng.getrandbits(256):064x}", "MD5": f"{rng.getrandbits(128):032x}"},
                "size": rng.randint(1000, 10**7),
            }
        sco = {"type": sco["type"], "spec_version": "2.1", "id": sid(sco["type"], rng), **sco}
        objects.append(sco)
    for n in range(n_reports):
        when = ts(rng)
        objects.append(
            {
                "type": "report",
                "spec_version": "2.1",
                "id": sid("report", rng),
                "created": when,
                "modified": when,
                "name": f"Weekly situation report {n}",
                "description": sentence(rng, 80),
                "published": when,
                "report_types": ["threat-report"],
                "object_refs": [rng.choice(indicators)["id"] for _ in range(40)],
            }
        )
    while len(objects) < total:
        when = ts(rng)
        objects.append(
            {
                "type": "x-csirtnet-bench-note",
                "spec_version": "2.1",
                "id": sid("x-csirtnet-bench-note", rng),
                "created": when,
                "modified": when,
                "text": sentence(rng, 30),
            }
        )
    return orjson.dumps({"type": "bundle", "id": sid("bundle", rng), "objects": objects[:total]})


def fresh_url(sqlite: bool, work: Path) -> str:
    if sqlite:
        path = work / "stix_bench.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS csirtnet_bench_stix WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE csirtnet_bench_stix"))
    admin.dispose()
    return PG_URL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=50_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="csirtnet-stix-bench-"))
    started = time.perf_counter()
    path = work / "bundle.json"
    path.write_bytes(bundle(args.objects))
    size = path.stat().st_size
    print(f"bundle: {args.objects:,} objects, {size / 2**20:.1f} MB, written in {time.perf_counter() - started:.1f} s")

    from csirtnet import migrate
    from csirtnet.authz import Subject
    from csirtnet.config import get_settings
    from csirtnet.db import Database, make_engine, set_database
    from csirtnet.intel import importing
    from csirtnet.vocabulary.enums import TLP

    get_settings.cache_clear()
    url = fresh_url(args.sqlite, work)
    engine = make_engine(url)
    migrate.upgrade(engine)
    database = Database(engine)
    set_database(database)
    who = Subject.system("benchmark")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cpu: list[float] = []
    server_cpu: list[float] = []

    def backend_cpu(session: Any) -> float:
        """CPU seconds of this session's PostgreSQL backend (same machine: /proc), 0 on SQLite."""
        if engine.dialect.name != "postgresql":
            return 0.0
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def once() -> tuple[float, Any]:
        t0 = time.perf_counter()
        c0 = time.process_time()
        with database.unit_of_work() as session:
            s0 = backend_cpu(session)
            row = importing.import_path(session, who, path, collection="national", default_tlp=TLP.AMBER)
            counts = (row.total, row.created, row.versions, row.unchanged, row.skipped, row.indicators)
            server_cpu.append(backend_cpu(session) - s0)
        cpu.append(time.process_time() - c0)
        return time.perf_counter() - t0, counts

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    elapsed, counts = once()
    if profiler:
        profiler.disable()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"[{engine.dialect.name}] import: {elapsed:.2f} s, {args.objects / elapsed:,.0f} objects/s; "
        f"total/created/versions/unchanged/skipped/indicators = {counts}; CPU: this process {cpu[-1]:.2f} s, "
        f"the database backend {server_cpu[-1]:.2f} s"
    )
    print(f"peak RSS: {peak:.0f} MB (before the import: {rss_before:.0f} MB)")
    again, counts = once()
    print(
        f"[{engine.dialect.name}] re-import (no-op): {again:.2f} s, {args.objects / again:,.0f} objects/s; {counts}; "
        f"CPU: this process {cpu[-1]:.2f} s, the database backend {server_cpu[-1]:.2f} s"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(25)


if __name__ == "__main__":
    main()
