"""Paging a TAXII 2.1 collection of 1,000,000 STIX objects, 1,000 at a time: each page must come back
in under 200 ms at p95, and at least 10 times faster than the OASIS reference server `medallion`
(memory backend) serving the same objects, measured side by side in the same run (issue 14).

Run by hand, never by the test suite (docs/benchmarks.md, section "Indicators"):

    .venv/bin/python benchmarks/intel_taxii.py                       # 1,000,000 objects; medallion at 1k, 2k, 5k
    .venv/bin/python benchmarks/intel_taxii.py --objects 100000 --medallion 1000,2000

What it does:
1. a fresh PostgreSQL database `bench_taxii` (127.0.0.1:5432), migrated; a member organisation A that
   shared the objects, a member organisation B whose responder reads them (the TLP clause at work:
   1 % of the objects are TLP:AMBER+STRICT, which B must not get), an API token for B;
2. `--objects` STIX 2.1 indicators (about 600 bytes each: pattern, name, description, labels, the TLP
   marking, created_by_ref) bulk-loaded with COPY into `stix_object`, in the national collection;
   the first N of them (each medallion size) also in a collection of their own (a configured
   collection of which B is a reader), so that csirtnet serves exactly what medallion serves;
3. `csirtnet serve` in a process of its own (uvicorn, one process, as an operator starts it);
4. medallion 3.0 (memory backend, its data file holding the same N objects with their manifest,
   `max_page_size` 1,000) in a process of its own (werkzeug, threaded), for each N of `--medallion`;
5. a client (httpx, one connection kept alive, HTTP Basic) pages through each collection with
   limit=1000 and `next`, timing every page from request to the last byte read.

medallion cannot hold 1,000,000 objects: its memory backend deep-copies the whole collection on the
first page of a listing and matches every object against every manifest entry (parsing both
timestamps each time: quadratic in the collection's size), so it is measured at the sizes given
(`--medallion`), where a listing still finishes, and csirtnet is measured both at 1,000,000 and at
each of those sizes; the ratios compare the same size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stix_text import WORDS
from csirtnet.intel.stix.markings import MARKING_IDS
from csirtnet.vocabulary.enums import TLP

ROOT = Path(__file__).resolve().parents[1]

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_taxii"
TAXII = "application/taxii+json;version=2.1"
GREEN = MARKING_IDS[TLP.GREEN]
STRICT = MARKING_IDS[TLP.AMBER_STRICT]
COLUMNS = (
    "collection, stix_id, stix_type, spec_version, modified, created, date_added, tlp, organisation_id, "
    "created_by_id, body"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


# -- the objects ------------------------------------------------------------------------------------


def make_object(rng: random.Random, i: int, identity: str, strict: bool) -> dict[str, Any]:
    stamp = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}.000Z"
    address = f"{10 + i % 200}.{(i >> 8) % 256}.{(i >> 16) % 256}.{i % 256}"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "created": stamp,
        "modified": stamp,
        "created_by_ref": identity,
        "name": f"C2 server {address}",
        "description": " ".join(rng.choice(WORDS) for _ in range(24)),
        "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '{address}']",
        "pattern_type": "stix",
        "valid_from": stamp,
        "labels": ["rsit:malicious-code/c2-server", "attack:T1071"],
        "confidence": 70,
        "object_marking_refs": [STRICT if strict else GREEN],
    }


def load(count: int, sizes: list[int]) -> dict[str, Any]:
    """A fresh migrated database with `count` objects in the national collection (COPY), the first
    `size` of them also in one configured collection per medallion size; returns what the client needs."""
    from csirtnet.db import Database, make_engine
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token
    from csirtnet.migrate import upgrade
    from csirtnet.models import Organisation, TaxiiCollection, TaxiiCollectionMember, User, UserRole
    from csirtnet.vocabulary import Role

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS bench_taxii WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE bench_taxii"))
    admin.dispose()
    engine = make_engine(PG_URL)
    upgrade(engine)
    database = Database(engine)
    with database.unit_of_work() as session:
        org_a = Organisation(
            name="Sharer", short_name="A", member_code="A0001", kind="private_enterprise", province="Hà Nội"
        )
        org_b = Organisation(
            name="Reader", short_name="B", member_code="B0001", kind="private_enterprise", province="Hà Nội"
        )
        session.add_all([org_a, org_b])
        session.flush()
        users = []
        for org, email in ((org_a, "sharer@bench.vn"), (org_b, "reader@bench.vn")):
            user = User(email=email, full_name=email, organisation_id=org.id, password_hash=None)
            user.role_rows = [UserRole(role=Role.RESPONDER.value)]
            session.add(user)
            users.append(user)
        session.flush()
        keys = {}
        for size in sizes:
            collection = TaxiiCollection(uuid=str(uuid.uuid4()), title=f"First {size}", description=None)
            session.add(collection)
            session.flush()
            session.add(TaxiiCollectionMember(collection_id=collection.id, organisation_id=org_b.id))
            keys[size] = (f"custom:{collection.uuid}", collection.uuid)
        session.flush()
        reader = users[1]
        session.refresh(reader)
        token = create_token(
            session,
            subject_for(reader),
            reader,
            name="bench",
            scopes=["incidents:read", "intel:read"],
            expires_in_days=1,
        ).token
        org_a_id, sharer_id = org_a.id, users[0].id

    rng = random.Random(14)
    identity = f"identity--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    small: list[dict[str, Any]] = []
    biggest = max(sizes) if sizes else 0
    began = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY stix_object ({COLUMNS}) FROM STDIN") as copy:
            for i in range(count):
                strict = i % 100 == 99
                obj = make_object(rng, i, identity, strict)
                body = orjson.dumps(obj).decode()
                added = start + timedelta(milliseconds=i)
                tlp = "amber+strict" if strict else "green"
                row = ("national", obj["id"], "indicator", "2.1", obj["modified"], obj["created"], added, tlp)
                copy.write_row((*row, org_a_id, sharer_id, body))
                if i < biggest:
                    small.append({"object": obj, "added": added, "strict": strict, "body": body})
                    for size, (key, _ident) in keys.items():
                        if i < size:
                            copy.write_row((key, *row[1:], org_a_id, sharer_id, body))
                if i and i % 100_000 == 0:
                    print(f"  {i:,} objects loaded ({time.perf_counter() - began:.0f} s)", flush=True)
        raw.commit()
        cursor.execute("ANALYZE stix_object")
        raw.commit()
    finally:
        raw.close()
    print(f"loaded {count:,} objects with COPY in {time.perf_counter() - began:.1f} s", flush=True)
    engine.dispose()
    return {"token": token, "keys": keys, "small": small}


# -- the servers ------------------------------------------------------------------------------------


def start_csirtnet(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "CSIRTNET_DATABASE_URL": PG_URL,
        "CSIRTNET_DATA_DIR": str(workdir / "data"),
        "CSIRTNET_SECRET_KEY": "bench-secret-key-not-for-production",
        "CSIRTNET_IN_PROCESS_WORKER": "false",
        "CSIRTNET_LOG_LEVEL": "WARNING",
    }
    (workdir / "data").mkdir(exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 - our own commands
        [str(ROOT / ".venv/bin/csirtnet"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/healthz", process)
    return process, url


MEDALLION_SERVER = """
import sys
from werkzeug.serving import make_server
from medallion import load_app
app = load_app(sys.argv[1])
make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True).serve_forever()
"""


def start_medallion(workdir: Path, small: list[dict[str, Any]], size: int) -> tuple[subprocess.Popen[bytes], str]:
    """medallion with a memory backend holding the first `size` objects (what reader B may see of
    them: medallion has no TLP, so the hidden ones are left out of its file)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ident = str(uuid.uuid4())
    shown = [item for item in small[:size] if not item["strict"]]
    data = {
        "/discovery": {
            "title": "medallion",
            "default": f"{url}/bench/",
            "api_roots": [f"{url}/bench/"],
        },
        "bench": {
            "information": {"title": "bench", "versions": [TAXII], "max_content_length": 100_000_000},
            "status": [],
            "collections": [
                {
                    "id": ident,
                    "title": "bench",
                    "can_read": True,
                    "can_write": False,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [item["object"] for item in shown],
                    "manifest": [
                        {
                            "id": item["object"]["id"],
                            "date_added": item["added"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                            "version": item["object"]["modified"],
                            "media_type": "application/stix+json;version=2.1",
                        }
                        for item in shown
                    ],
                }
            ],
        },
    }
    data_file = workdir / f"medallion-{size}.json"
    data_file.write_bytes(orjson.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_file),
            "session_timeout": 3600,
        },
        "users": {"bench": "bench"},
        "taxii": {"max_page_size": 1000},
    }
    config_file = workdir / f"medallion-{size}.config.json"
    config_file.write_text(json.dumps(config))
    process = subprocess.Popen(  # noqa: S603 - our own commands
        [str(ROOT / ".venv/bin/python"), "-c", MEDALLION_SERVER, str(config_file), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"{url}/taxii2/", process)
    return process, f"{url}/bench/collections/{ident}/objects/"


# -- the client -------------------------------------------------------------------------------------


def page_through(url: str, auth: tuple[str, str], *, timeout: float) -> tuple[list[float], int]:
    """Every page of a collection, limit=1000: (seconds per page, objects seen)."""
    times: list[float] = []
    seen = 0
    params: dict[str, Any] = {"limit": 1000}
    with httpx.Client(auth=auth, headers={"Accept": TAXII}, timeout=timeout) as client:
        while True:
            began = time.perf_counter()
            r = client.get(url, params=params)
            body = r.content
            times.append(time.perf_counter() - began)
            r.raise_for_status()
            envelope = orjson.loads(body)
            seen += len(envelope.get("objects", []))
            if not envelope.get("more"):
                return times, seen
            params = {"limit": 1000, "next": envelope["next"]}


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)] if ordered else 0.0
    return {
        "pages": len(times),
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "max_ms": ordered[-1] * 1000,
        "total_s": sum(ordered),
    }


def show(label: str, stats: dict[str, float], objects: int) -> None:
    print(
        f"{label:<44} {objects:>9,} objects {int(stats['pages']):>5} pages  p50 {stats['p50_ms']:8.1f} ms  "
        f"p95 {stats['p95_ms']:8.1f} ms  max {stats['max_ms']:8.1f} ms  total {stats['total_s']:7.1f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--medallion", default="1000,2000,5000", help="collection sizes for medallion")
    parser.add_argument("--medallion-timeout", type=float, default=900, help="seconds one medallion page may take")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.medallion.split(",") if s})
    from csirtnet.intel.collections import taxii_id

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    loaded = load(args.objects, sizes)
    auth = ("reader@bench.vn", loaded["token"])
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server, base = start_csirtnet(workdir)
        try:
            national = f"{base}/taxii2/intel/collections/{taxii_id('national')}/objects/"
            page_through(national.replace("/objects/", "/manifest/"), auth, timeout=60)  # warm the cache
            times, seen = page_through(national, auth, timeout=60)
            stats = summary(times)
            show(f"csirtnet, national collection ({args.objects:,})", stats, seen)
            results["csirtnet"] = {"objects": seen, **stats}
            for size in sizes:
                key = loaded["keys"][size][1]
                times, seen = page_through(f"{base}/taxii2/intel/collections/{key}/objects/", auth, timeout=60)
                stats = summary(times)
                show(f"csirtnet, first {size:,}", stats, seen)
                results[f"csirtnet-{size}"] = {"objects": seen, **stats}
        finally:
            server.terminate()
            server.wait(30)
        for size in sizes:
            process, url = start_medallion(workdir, loaded["small"], size)
            try:
                times, seen = page_through(url, ("bench", "bench"), timeout=args.medallion_timeout)
            except httpx.TimeoutException:
                print(f"medallion, first {size:,}: a page took more than {args.medallion_timeout:.0f} s; stopped")
                break
            finally:
                process.terminate()
                process.wait(30)
            stats = summary(times)
            show(f"medallion (memory backend), first {size:,}", stats, seen)
            results[f"medallion-{size}"] = {"objects": seen, **stats}
            # Its first page does the filtering (quadratic); later pages come from the list it kept.
            later = summary(times[1:]) if len(times) > 1 else None
            print(f"  medallion's first page {times[0] * 1000:.0f} ms", end="")
            if later:
                print(f"; later pages p50 {later['p50_ms']:.1f} ms, p95 {later['p95_ms']:.1f} ms", end="")
                results[f"medallion-{size}-later"] = later
            print(flush=True)
            ours = results[f"csirtnet-{size}"]
            print(
                f"  ratio at {size:,}: p50 {stats['p50_ms'] / ours['p50_ms']:.0f}x, "
                f"p95 {stats['p95_ms'] / ours['p95_ms']:.0f}x faster than medallion; "
                f"csirtnet at {args.objects:,}: p95 {results['csirtnet']['p95_ms']:.1f} ms "
                f"({stats['p95_ms'] / results['csirtnet']['p95_ms']:.0f}x medallion's p95 at {size:,})",
                flush=True,
            )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
