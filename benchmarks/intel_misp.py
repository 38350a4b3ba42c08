"""MISP feed import and the defenders' exports at scale (issue 14; MISP through PyMISP: about 33
indicators/s).

Run by hand, never by the test suite (docs/benchmarks.md, section "Indicators"):

    .venv/bin/python benchmarks/intel_misp.py                  # PostgreSQL (csirtnet_bench_misp)
    .venv/bin/python benchmarks/intel_misp.py --sqlite         # SQLite (a temporary file)
    .venv/bin/python benchmarks/intel_misp.py --events 400 --attributes 250

It writes a CIRCL-style feed (manifest.json, hashes.csv, one file per event) of `--events` events
of `--attributes` attributes each (addresses, domains, host names, URLs, hashes, e-mail addresses,
`ip-dst|port`, `domain|ip`, `filename|sha256`, and one in twenty a `link` or `text` that is skipped),
tagged with TLP, PAP, RSIT and galaxies, then in a fresh migrated database times
`intel.misp.importer.import_feed_dir` in one unit of work as the platform, and the re-import (a
no-op). Then it times each export format (`intel.exports.write`) for the platform and for a member
of one organisation, with the process's peak resident memory and its CPU time (the machine is
shared: the CPU time of this process is the steadier figure; the database's work is not in it).
"""

from __future__ import annotations

import argparse
import hashlib
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/csirtnet_bench_misp"
TLDS = ("vn", "com.vn", "gov.vn", "net", "org", "info", "xyz", "top")
TLPS = ("tlp:clear", "tlp:green", "tlp:amber", "tlp:amber+strict")
RSIT = ('rsit:malicious-code="c2-server"', 'rsit:fraud="phishing"', 'rsit:information-gathering="scanner"')


def attribute(rng: random.Random, n: int, when: int) -> dict[str, Any]:
    choice = n % 20
    ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    name = f"h{n}-{rng.getrandbits(32):08x}.{rng.choice(TLDS)}"
    kinds: list[tuple[str, str, str]] = [
        ("ip-dst", "Network activity", ip),
        ("ip-src", "Network activity", ip),
        ("domain", "Network activity", name),
        ("hostname", "Network activity", "www." + name),
        ("url", "Network activity", f"http://{name}/gate.php?id={rng.getrandbits(40):010x}"),
        ("md5", "Payload delivery", f"{rng.getrandbits(128):032x}"),
        ("sha1", "Payload delivery", f"{rng.getrandbits(160):040x}"),
        ("sha256", "Payload delivery", f"{rng.getrandbits(256):064x}"),
        ("email-src", "Payload delivery", f"billing{n}@{name}"),
        ("ip-dst|port", "Network activity", f"{ip}|{rng.choice((443, 8443, 4444))}"),
        ("domain|ip", "Network activity", f"{name}|{ip}"),
        ("filename|sha256", "Payload delivery", f"invoice_{n}.exe|{rng.getrandbits(256):064x}"),
        ("ip-dst", "Network activity", f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"),
    ]
    if choice == 19:
        misp_type, category, value = ("link", "External analysis", f"https://blog.example.org/{n}")
    elif choice == 18:
        misp_type, category, value = ("text", "Other", "free text that is no indicator")
    else:
        misp_type, category, value = kinds[choice % len(kinds)]
    out: dict[str, Any] = {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "type": misp_type,
        "category": category,
        "value": value,
        "to_ids": True,
        "comment": "seen in the campaign's second wave" if n % 7 == 0 else "",
        "timestamp": str(when),
        "deleted": False,
        "disable_correlation": False,
    }
    if n % 50 == 0:
        out["Tag"] = [{"name": rng.choice(TLPS), "colour": "#ffc000"}]
    return out


def write_feed(folder: Path, events: int, per_event: int, rng: random.Random) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {}
    hashes: list[str] = []
    total = 0
    for e in range(events):
        event_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        when = int(time.time()) - (events - e) * 60
        tags = [
            {"name": rng.choice(TLPS[1:]), "colour": "#33ff00"},
            {"name": f"PAP:{rng.choice(('GREEN', 'AMBER'))}", "colour": "#ffffff"},
            {"name": rng.choice(RSIT), "colour": "#ffffff"},
            {"name": f'misp-galaxy:threat-actor="Actor {e % 40}"', "colour": "#0088cc"},
        ]
        attributes = [attribute(rng, e * per_event + n, when) for n in range(per_event)]
        event = {
            "uuid": event_uuid,
            "info": f"OSINT - campaign {e} against provincial portals",
            "date": "2025-10-09",
            "threat_level_id": "2",
            "analysis": "2",
            "timestamp": str(when),
            "publish_timestamp": str(when),
            "published": True,
            "Orgc": {"name": f"Partner CERT {e % 5}", "uuid": str(uuid.UUID(int=e % 5 + 1, version=4))},
            "Tag": tags,
            "Attribute": attributes,
        }
        (folder / f"{event_uuid}.json").write_bytes(orjson.dumps({"Event": event}))
        manifest[event_uuid] = {
            k: event[k] for k in ("Orgc", "Tag", "info", "date", "analysis", "threat_level_id", "timestamp")
        }
        for a in attributes:
            for part in a["value"].split("|") if "|" in a["type"] else [a["value"]]:
                hashes.append(f"{hashlib.md5(part.encode(), usedforsecurity=False).hexdigest()},{event_uuid}")
        total += len(attributes)
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))
    (folder / "hashes.csv").write_text("\n".join(hashes) + "\n")
    return total


def fresh_url(sqlite: bool, work: Path) -> str:
    if sqlite:
        return f"sqlite:///{work / 'misp_bench.db'}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS csirtnet_bench_misp WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE csirtnet_bench_misp"))
    admin.dispose()
    return PG_URL


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--attributes", type=int, default=250)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="csirtnet-misp-bench-"))
    rng = random.Random(14)
    t0 = time.perf_counter()
    attributes = write_feed(work / "feed", args.events, args.attributes, rng)
    print(f"feed: {args.events} events, {attributes:,} attributes, written in {time.perf_counter() - t0:.1f} s")

    from csirtnet import migrate
    from csirtnet.authz import Subject
    from csirtnet.config import get_settings
    from csirtnet.db import Database, make_engine, set_database
    from csirtnet.identity.service import subject_for
    from csirtnet.intel import exports
    from csirtnet.intel.misp import importer
    from csirtnet.models import Organisation, User, UserRole
    from csirtnet.vocabulary import Role
    from csirtnet.vocabulary.enums import TLP

    get_settings.cache_clear()
    engine = make_engine(fresh_url(args.sqlite, work))
    migrate.upgrade(engine)
    database = Database(engine)
    set_database(database)
    system = Subject.system("benchmark")
    dialect = engine.dialect.name

    for label in ("import", "re-import (no-op)"):
        t0, c0 = time.perf_counter(), time.process_time()
        with database.unit_of_work() as session:
            row = importer.import_feed_dir(session, system, work / "feed", collection="national", default_tlp=TLP.AMBER)
            counts = (row.total, row.created, row.unchanged, row.skipped, row.indicators)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"[{dialect}] {label}: {elapsed:.2f} s ({cpu:.2f} s CPU here), {attributes / elapsed:,.0f} attributes/s; "
            f"total/created/unchanged/skipped/indicators = {counts}; peak RSS {peak_mb():.0f} MB"
        )

    with database.unit_of_work() as session:
        org = Organisation(
            name="Sở TT&TT Bắc Kạn", short_name="BK", member_code="B00001", kind="province", province="Bắc Kạn"
        )
        session.add(org)
        session.flush()
        user = User(email="bench@example.vn", full_name="Bench", organisation_id=org.id, password_hash="x")
        user.role_rows = [UserRole(role=Role.RESPONDER.value)]
        session.add(user)
        session.flush()
        member = subject_for(user)

    for who, name in ((system, "platform"), (member, "member")):
        for fmt in ("csv", "blocklist", "rpz", "suricata", "misp-feed"):
            out = work / f"{name}-{fmt}"
            t0, c0 = time.perf_counter(), time.process_time()
            with database.unit_of_work() as session:
                summary = exports.write(session, who, fmt, out, collection=None)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(
                f"[{dialect}] export {fmt} as the {name}: {summary.count:,} in {elapsed:.2f} s ({cpu:.2f} s CPU); ",
                end="",
            )
            print(f"peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
