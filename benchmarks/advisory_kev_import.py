"""KEV import benchmark: how long `csirtnet advisory import` takes for the CISA Known Exploited
Vulnerabilities catalogue (the issue asks under 5 s for the full catalogue, ~1,500 entries), and
for a synthetic one ten times larger, on SQLite and on PostgreSQL.

For each size a realistic catalogue is generated (seeded): vendors and products weighted as in the
real catalogue, CVE ids spread over the years, names, descriptions, required actions and notes of
the real lengths, CWEs, due dates two or three weeks after the date added, one in ten used by
ransomware. Each backend gets a freshly migrated database (removed at the end), and each figure is
the wall time of parsing the JSON file and one unit of work (the import and its commit), best of
`--repeat`:

- first     the catalogue into an empty table (every row inserted);
- again     the same file again (every row read and found unchanged: nothing written);
- daily     the next day's file: 2 % new entries, 5 % changed (due dates, notes, ransomware use).

`--match` (default on) also times `advisory.products.likely_affected` for an advisory naming three
products against 10,000 organisations with five declared products each (50,000 rows): for every
organisation (`None`) and for a list of all 10,000 ids, as publishing to the whole network asks.

Run by hand, never by the test suite (results in docs/benchmarks.md, "KEV import"):

    .venv/bin/python benchmarks/advisory_kev_import.py [--sizes 1500,15000] [--repeat 3]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--no-postgres] [--no-match]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from csirtnet.db import Database, make_engine
from csirtnet.migrate import upgrade

# (vendor, products, weight): the catalogue's most frequent vendors, roughly in its proportions
VENDORS: list[tuple[str, list[str], int]] = [
    ("Microsoft", ["Windows", "Exchange Server", "Office", "Internet Explorer", "SharePoint", "Win32k"], 300),
    ("Apple", ["Multiple Products", "iOS and iPadOS", "macOS", "WebKit"], 80),
    ("Cisco", ["IOS and IOS XE", "Adaptive Security Appliance (ASA)", "Small Business Routers"], 80),
    ("Google", ["Chromium V8", "Chromium", "Android"], 60),
    ("Adobe", ["Flash Player", "Acrobat and Reader", "ColdFusion"], 70),
    ("Oracle", ["WebLogic Server", "E-Business Suite", "Java SE"], 40),
    ("Apache", ["Struts", "Log4j2", "HTTP Server", "Tomcat", "OFBiz"], 40),
    ("VMware", ["vCenter Server", "ESXi", "Workspace ONE Access"], 25),
    ("Fortinet", ["FortiOS", "FortiClient EMS", "FortiManager"], 20),
    ("Ivanti", ["Connect Secure", "Endpoint Manager Mobile", "Pulse Connect Secure"], 25),
    ("Citrix", ["NetScaler ADC and NetScaler Gateway", "Application Delivery Controller (ADC)"], 15),
    ("Palo Alto Networks", ["PAN-OS"], 8),
    ("Linux", ["Kernel"], 15),
    ("Samsung", ["Mobile Devices"], 10),
    ("D-Link", ["DIR-820 Routers", "Multiple Routers"], 25),
    ("Zyxel", ["Multiple Firewalls", "NAS Devices"], 10),
    ("Progress", ["MOVEit Transfer", "Telerik UI for ASP.NET AJAX"], 6),
    ("SonicWall", ["SonicOS", "SMA100 Appliances"], 10),
]
FLAWS = [
    ("Remote Code Execution Vulnerability", "CWE-94"),
    ("Privilege Escalation Vulnerability", "CWE-269"),
    ("Use-After-Free Vulnerability", "CWE-416"),
    ("Out-of-Bounds Write Vulnerability", "CWE-787"),
    ("Command Injection Vulnerability", "CWE-77"),
    ("SQL Injection Vulnerability", "CWE-89"),
    ("Path Traversal Vulnerability", "CWE-22"),
    ("Improper Authentication Vulnerability", "CWE-287"),
    ("Deserialization of Untrusted Data Vulnerability", "CWE-502"),
    ("Memory Corruption Vulnerability", "CWE-119"),
]
ACTIONS = [
    "Apply updates per vendor instructions.",
    "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
    "The impacted product is end-of-life and should be disconnected if still in use.",
]


def generate(size: int, rng: random.Random) -> dict[str, Any]:
    """A KEV catalogue of `size` entries, oldest added first, as CISA publishes it."""
    weights = [w for _v, _p, w in VENDORS]
    seen: set[str] = set()
    entries: list[dict[str, Any]] = []
    start = date(2021, 11, 3)
    for i in range(size):
        vendor, products, _ = rng.choices(VENDORS, weights)[0]
        product = rng.choice(products)
        flaw, cwe = rng.choice(FLAWS)
        while True:
            year = rng.randint(2002, 2025)
            cve = f"CVE-{year}-{rng.randint(1, 60_000 if year > 2016 else 9_999):04d}"
            if cve not in seen:
                seen.add(cve)
                break
        added = start + timedelta(days=int(i * 1_130 / size))
        description = (
            f"{vendor} {product} contains a {flaw.lower().removesuffix(' vulnerability')} that allows a remote "
            f"attacker to {rng.choice(['execute code', 'gain SYSTEM privileges', 'read arbitrary files'])} "
            f"via {rng.choice(['a crafted request', 'a malicious document', 'a specially crafted web page'])}."
        )
        entries.append(
            {
                "cveID": cve,
                "vendorProject": vendor,
                "product": product,
                "vulnerabilityName": f"{vendor} {product} {flaw}",
                "dateAdded": added.isoformat(),
                "shortDescription": description,
                "requiredAction": rng.choice(ACTIONS),
                "dueDate": (added + timedelta(days=rng.choice([14, 21, 21, 21]))).isoformat(),
                "knownRansomwareCampaignUse": "Known" if rng.random() < 0.1 else "Unknown",
                "notes": f"https://{vendor.lower().replace(' ', '')}.example/security/{cve.lower()} ; "
                f"https://nvd.nist.gov/vuln/detail/{cve}",
                "cwes": [cwe] if rng.random() < 0.8 else [],
            }
        )
    return {
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2099.01.01",
        "dateReleased": "2099-01-01T17:00:00.000Z",
        "count": size,
        "vulnerabilities": entries,
    }


def next_day(catalogue: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The following day's catalogue: 2 % entries added, 5 % changed."""
    day = json.loads(json.dumps(catalogue))
    entries = day["vulnerabilities"]
    for entry in rng.sample(entries, max(1, len(entries) // 20)):
        entry["dueDate"] = "2099-02-01"
        entry["knownRansomwareCampaignUse"] = "Known"
        entry["notes"] += " ; https://www.cisa.gov/news-events"
    extra = generate(max(1, len(entries) // 50), random.Random(rng.random()))["vulnerabilities"]
    known = {e["cveID"] for e in entries}
    entries.extend(e for e in extra if e["cveID"] not in known)
    day["count"] = len(entries)
    day["catalogVersion"] = "2099.01.02"
    return day


@contextmanager
def databases(postgres_url: str | None, tmp: Path) -> Iterator[Callable[[str], Database]]:
    """`fresh(kind)`: a newly migrated database of SQLite or PostgreSQL; all removed afterwards."""
    made: list[tuple[str, Database, str]] = []

    def fresh(kind: str) -> Database:
        if kind == "sqlite":
            url = f"sqlite:///{tmp / f'{uuid.uuid4().hex[:8]}.db'}"
        else:
            assert postgres_url is not None
            name = f"csirtnet_bench_{uuid.uuid4().hex[:10]}"
            admin = make_engine(postgres_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        database = Database(engine)
        made.append((kind, database, url))
        return database

    try:
        yield fresh
    finally:
        for kind, database, url in made:
            database.engine.dispose()
            if kind == "postgresql":
                assert postgres_url is not None
                admin = make_engine(postgres_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
                admin.dispose()


def timed_import(database: Database, path: Path) -> tuple[float, Any]:
    """Wall time of what `csirtnet advisory import FILE` does for one KEV file."""
    from csirtnet.advisory import catalogue
    from csirtnet.authz import Subject

    started = time.perf_counter()
    data = json.loads(path.read_bytes())
    with database.unit_of_work() as session:
        result = catalogue.import_kev(session, Subject.system("benchmark"), data)
    return time.perf_counter() - started, result


def bench_import(fresh: Callable[[str], Database], kinds: list[str], sizes: list[int], repeat: int, tmp: Path) -> None:
    print(
        f"\n{'backend':<11}{'entries':>8}{'file':>9}{'first':>9}{'again':>9}{'daily':>9}   (seconds, best of {repeat})"
    )
    for size in sizes:
        rng = random.Random(size)
        catalogue = generate(size, rng)
        day = next_day(catalogue, rng)
        first_file, day_file = tmp / f"kev-{size}.json", tmp / f"kev-{size}-next.json"
        first_file.write_text(json.dumps(catalogue))
        day_file.write_text(json.dumps(day))
        megabytes = first_file.stat().st_size / 1e6
        for kind in kinds:
            firsts, agains, dailies = [], [], []
            for _ in range(repeat):
                database = fresh(kind)
                seconds, result = timed_import(database, first_file)
                assert result.added == size, result
                firsts.append(seconds)
                seconds, result = timed_import(database, first_file)
                assert result.unchanged == size, result
                agains.append(seconds)
                seconds, result = timed_import(database, day_file)
                assert result.updated >= size // 20 and result.added > 0, result
                dailies.append(seconds)
            print(f"{kind:<11}{size:>8}{megabytes:>7.1f}MB{min(firsts):>9.2f}{min(agains):>9.2f}{min(dailies):>9.2f}")


def bench_match(fresh: Callable[[str], Database], kinds: list[str], repeat: int) -> None:
    from csirtnet.advisory.products import likely_affected
    from csirtnet.kit.text import fold, sort_key
    from csirtnet.models import DeclaredProduct, Organisation, product_key

    catalogue = [(v, p) for v, products, _w in VENDORS for p in products]
    versions = ["7.0.12", "7.2.4", "7.2.8", "7.4.1", "10.2.9", "11.1.2-h1", "2.4.57", "2019", None]
    affected = [
        {"vendor": "Fortinet", "product": "FortiOS", "versions": [">=7.0 <7.2.7", ">=7.4.0 <7.4.3"]},
        {"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": [">=11.1.0 <11.1.2-h3", "<10.2.9-h1"]},
        {"vendor": "Apache", "product": "HTTP Server", "versions": ["<2.4.58"]},
    ]
    print(f"\nlikely_affected: 3 products, 10,000 organisations x 5 declared products (ms, best of {repeat})")
    for kind in kinds:
        rng = random.Random(7)  # the same organisations and products on every backend
        database = fresh(kind)
        with database.unit_of_work() as session:
            session.execute(
                insert(Organisation),
                [
                    {
                        "name": f"Tổ chức {i}",
                        "member_code": f"BM-{i:05d}",
                        "kind": "private_enterprise",
                        "name_fold": fold(f"Tổ chức {i}"),
                        "name_sort": sort_key(f"Tổ chức {i}"),
                    }
                    for i in range(10_000)
                ],
            )
            ids = list(session.scalars(select(Organisation.id)))
            rows = []
            for org_id in ids:
                for vendor, product in rng.sample(catalogue, 5):
                    rows.append(
                        {
                            "organisation_id": org_id,
                            "vendor": vendor,
                            "product": product,
                            "version": rng.choice(versions),
                            "vendor_key": product_key(vendor),
                            "product_key": product_key(product),
                        }
                    )
            session.execute(insert(DeclaredProduct), rows)
        for label, asked in (("every organisation", None), ("10,000 ids listed", ids)):
            best, found = float("inf"), 0
            for _ in range(repeat):
                with database.unit_of_work(write=False) as session:
                    started = time.perf_counter()
                    matched = likely_affected(session, asked, affected)
                    best = min(best, time.perf_counter() - started)
                    found = len(matched)
            print(f"{kind:<11}{label:<22}{best * 1000:>8.1f} ms   ({found} organisations likely affected)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1500,15000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CSIRTNET_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="A database of a PostgreSQL server where this user may create databases",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-match", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    kinds = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    tmp = Path(tempfile.mkdtemp(prefix="csirtnet-kev-"))
    try:
        with databases(None if args.no_postgres else args.postgres_url, tmp) as fresh:
            if "postgresql" in kinds:
                database = fresh("postgresql")
                with database.engine.connect() as conn:
                    print(conn.execute(text("SELECT version()")).scalar_one().split(",")[0])
            bench_import(fresh, kinds, sizes, args.repeat, tmp)
            if not args.no_match:
                bench_match(fresh, kinds, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
