"""Incidents at 1,000,000: the incident list, a filtered list, full-text search and an incident page
under 20 concurrent users, against PostgreSQL.

Run by hand, never by the test suite (docs/benchmarks.md, section "Incidents at 1,000,000"):

    .venv/bin/python benchmarks/incidents_load.py generate   # a fresh csirtnet_bench database (minutes)
    .venv/bin/python benchmarks/incidents_load.py run        # csirtnet serve (4 processes) + 20 users; p50/p95/p99
    .venv/bin/python benchmarks/incidents_load.py explain    # EXPLAIN ANALYZE of the queries behind each endpoint
    .venv/bin/python benchmarks/incidents_load.py all        # generate, then run

`generate` builds the schema with the migrations (csirtnet.migrate.upgrade), then bulk-loads with
COPY: 10,000 organisations, two users each, 1,000,000 incidents over five years (Vietnamese
titles and descriptions, RSIT classes, phases, severities, TLP, provinces, in realistic shares),
about 300,000 participant rows and two timeline entries per incident. Secondary indexes are
dropped during the load and rebuilt after it; then ANALYZE. The 20 benchmark users are 10
coordinators (they see every incident; logged in with their second factor) and 10 responders of
member organisations (they see their own organisation's incidents), each with a session cookie
and an API token.

`run` starts `csirtnet serve --workers 4` (two per core, ADR 0014/0015) on 127.0.0.1, lets 20 users
send requests concurrently (each picks the next endpoint in turn) until every endpoint has been
measured `--requests` times or `--seconds` have passed, after a warm-up, and stops the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pyotp

from csirtnet.kit.search import words
from csirtnet.kit.text import fold, sort_key

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/csirtnet_bench"
WORK = Path(os.environ.get("CSIRTNET_BENCH_DIR") or Path(tempfile.gettempdir()) / "csirtnet_bench")
PASSWORD = "benchmark password for csirtnet"
ENDPOINTS = ("list", "filtered", "search", "page")

PROVINCES = [
    "Hà Nội", "Hải Phòng", "Quảng Ninh", "Hải Dương", "Hưng Yên", "Bắc Ninh", "Vĩnh Phúc", "Thái Bình",
    "Nam Định", "Hà Nam", "Ninh Bình", "Hà Giang", "Cao Bằng", "Bắc Kạn", "Lạng Sơn", "Tuyên Quang",
    "Thái Nguyên", "Phú Thọ", "Bắc Giang", "Lào Cai", "Yên Bái", "Điện Biên", "Lai Châu", "Sơn La",
    "Hòa Bình", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Thừa Thiên Huế", "Đà Nẵng",
    "Quảng Nam", "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận", "Kon Tum",
    "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng", "TP. Hồ Chí Minh", "Bình Phước", "Bình Dương", "Đồng Nai",
    "Tây Ninh", "Bà Rịa - Vũng Tàu", "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh", "Vĩnh Long",
    "Đồng Tháp", "An Giang", "Kiên Giang", "Cần Thơ", "Hậu Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau",
]  # fmt: skip
# What happened (with its RSIT class and type) and to what.
KINDS = [
    ("Tấn công từ chối dịch vụ vào", "availability", "ddos"),
    ("Mã độc tống tiền mã hóa", "malicious-code", "infected-system"),
    ("Thư điện tử giả mạo lừa đảo nhắm vào", "fraud", "phishing"),
    ("Thay đổi giao diện trái phép", "intrusions", "application-compromise"),
    ("Rò rỉ dữ liệu cá nhân từ", "information-content-security", "data-leak"),
    ("Dò quét lỗ hổng nhắm vào", "information-gathering", "scanner"),
    ("Dò mật khẩu hàng loạt vào", "intrusion-attempts", "brute-force"),
    ("Máy chủ điều khiển mã độc trong", "malicious-code", "c2-server"),
    ("Chiếm quyền tài khoản quản trị", "intrusions", "privileged-account-compromise"),
    ("Khai thác lỗ hổng phần mềm trên", "intrusion-attempts", "exploit"),
    ("Phát tán mã độc qua", "malicious-code", "malware-distribution"),
    ("Gián đoạn dịch vụ do cấu hình sai", "availability", "misconfiguration"),
]
TARGETS = [
    "cổng thông tin điện tử", "hệ thống thư điện tử công vụ", "máy chủ cơ sở dữ liệu", "hệ thống quản lý văn bản",
    "dịch vụ công trực tuyến", "máy trạm phòng kế toán", "hệ thống một cửa điện tử", "ứng dụng ngân hàng di động",
    "hệ thống giám sát camera", "mạng nội bộ",
]  # fmt: skip
PHASES = [
    ("closed", 70), ("triage", 5), ("analysis", 7), ("containment", 6), ("eradication", 4),
    ("recovery", 5), ("post_incident", 3),
]  # fmt: skip
TLPS = [("amber", 60), ("green", 25), ("clear", 10), ("amber+strict", 4), ("red", 1)]
SEARCHES = ["tống tiền", "gia mao", "cổng thông tin Đà Nẵng", "srv-04217", "ransomware cần thơ", "rò rỉ dữ liệu"]
FILTERS = [
    {"phase": "containment", "severity": "serious"},
    {"phase": "analysis"},
    {"province": "Bắc Kạn", "phase": "closed"},
    {"rsit_class": "fraud", "overdue": "false"},
    {"severity": "serious", "rsit_class": "availability"},
]


def weighted(choices: list[tuple[str, int]], rng: random.Random, n: int) -> list[str]:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices], k=n)


# -- the database ----------------------------------------------------------------------------


def pg_dsn(url: str, database: str | None = None) -> str:
    """A libpq DSN from a SQLAlchemy URL (optionally another database on the same server)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if database is not None:
        u = u.set(database=database)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    assert name and re.fullmatch(r"[a-z0-9_]+", name), "use a plain database name for the benchmark"
    with psycopg.connect(pg_dsn(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def secondary_indexes(conn: psycopg.Connection[Any], tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that back no constraint (those are dropped for the load)."""
    return list(
        conn.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
            """,
            (tables,),
        ).fetchall()
    )


def check_columns(conn: psycopg.Connection[Any], table: str, given: list[str]) -> None:
    """Fail clearly if the schema grew a NOT NULL column without a default that the loader does not fill."""
    required = {
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_nullable = 'NO' "
            "AND column_default IS NULL",
            (table,),
        )
    }
    missing = sorted(required - set(given) - {"id"})
    if missing:
        raise SystemExit(f"{table}: the loader does not fill the required column(s) {', '.join(missing)}")


def copy_rows(conn: psycopg.Connection[Any], table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    check_columns(conn, table, columns)
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


@dataclass
class Shape:
    incidents: int
    organisations: int
    seed: int


def generate(url: str, shape: Shape) -> None:
    from sqlalchemy import create_engine

    from csirtnet.auth.passwords import hash_password
    from csirtnet.migrate import upgrade

    started = time.monotonic()
    rng = random.Random(shape.seed)
    print(f"creating {url} and its schema", flush=True)
    recreate_database(url)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    now = datetime.now(UTC)
    password_hash = hash_password(PASSWORD)
    tables = ["organisation", "user_account", "incident", "incident_participant", "incident_timeline_entry"]
    with psycopg.connect(pg_dsn(url)) as conn:
        conn.execute("SET session_replication_role = replica")  # the loader keeps the references consistent
        dropped = secondary_indexes(conn, tables)
        for name, _definition in dropped:
            conn.execute(f'DROP INDEX "{name}"')

        # Organisations: the coordinating body (id 1) and the members.
        def organisations() -> Iterator[tuple[Any, ...]]:
            yield (1, "Cục An ninh mạng (điều phối)", "A05", "VNCERT", "coordinator", "Hà Nội", True, "active",
                   fold("Cuc An ninh mang A05"), sort_key("Cục An ninh mạng"), now, now)  # fmt: skip
            for i in range(2, shape.organisations + 1):
                province = PROVINCES[i % len(PROVINCES)]
                name = f"Tổ chức thành viên {i:05d} {province}"
                yield (i, name, f"TV{i:05d}", f"M{i:05d}", "private_enterprise", province, False, "active",
                       fold(name), sort_key(name), now, now)  # fmt: skip

        n = copy_rows(
            conn,
            "organisation",
            [
                "id",
                "name",
                "short_name",
                "member_code",
                "kind",
                "province",
                "is_coordinator",
                "status",
                "name_fold",
                "name_sort",
                "created_at",
                "updated_at",
            ],
            organisations(),
        )
        print(f"  {n} organisations", flush=True)

        # Users: two per organisation (the benchmark's 20 are made below through the ORM).
        def users() -> Iterator[tuple[Any, ...]]:
            uid = 1000
            for org in range(2, shape.organisations + 1):
                for _k in range(2):
                    uid += 1
                    name = f"Người dùng {uid}"
                    yield (uid, f"u{uid}@member{org}.bench", name, org, password_hash, "Asia/Ho_Chi_Minh", True, 0,
                           fold(name), sort_key(name), now, now)  # fmt: skip

        n = copy_rows(
            conn,
            "user_account",
            [
                "id",
                "email",
                "full_name",
                "organisation_id",
                "password_hash",
                "timezone",
                "is_active",
                "failed_logins",
                "name_fold",
                "name_sort",
                "created_at",
                "updated_at",
            ],
            users(),
        )
        print(f"  {n} users", flush=True)

        # Incidents, oldest first, over five years.
        total = shape.incidents
        phases = weighted(PHASES, rng, total)
        tlps = weighted(TLPS, rng, total)
        span = timedelta(days=5 * 365).total_seconds()
        start = now - timedelta(days=5 * 365)
        texts: dict[tuple[int, int, int], tuple[str, str, str]] = {}
        per_year: dict[int, int] = defaultdict(int)
        # fold() is the slow part of a row: fold the fixed pieces once and join them (fold of a
        # space-joined text is the space-joined folds of its pieces).
        said = "ghi nhận hành vi bất thường; đơn vị đã cô lập và báo cáo theo Thông tư 20/2017/TT-BTTTT."
        said_fold, member_fold = fold(said), fold("Tổ chức thành viên")
        kind_folds = [fold(f"{k[1]} {k[2]}") for k in KINDS]
        province_folds = [fold(p) for p in PROVINCES]

        def incidents() -> Iterator[tuple[Any, ...]]:
            for i in range(1, total + 1):
                detected = start + timedelta(seconds=span * (i - 1) / total + rng.random() * 60)
                year = detected.year
                per_year[year] += 1
                reference = f"SC-{year}-{per_year[year]:06d}"
                kind = rng.randrange(len(KINDS))
                target = rng.randrange(len(TARGETS))
                province = rng.randrange(len(PROVINCES))
                title_parts = (kind, target, province)
                if title_parts not in texts:
                    title = f"{KINDS[kind][0]} {TARGETS[target]} {PROVINCES[province]}"
                    texts[title_parts] = (title, sort_key(title), fold(title))
                title, title_sort, title_fold = texts[title_parts]
                host = f"srv-{rng.randrange(100000):05d}"
                when = f"{detected:%H:%M %d/%m/%Y}"
                description = f"Phát hiện lúc {when}. Máy chủ {host} {said}"
                org = rng.randrange(2, shape.organisations + 1)
                phase = phases[i - 1]
                serious = rng.random() < 0.08
                severity = "serious" if serious else "normal"
                klass, kind_type = KINDS[kind][1], KINDS[kind][2]
                search = (
                    f"{reference.lower()} {title_fold} phat hien luc {when}. may chu {host} {said_fold} "
                    f"{kind_folds[kind]} {province_folds[province]} {member_fold} {org:05d} tv{org:05d}"
                )
                search_words = words(search)
                closed = detected + timedelta(days=rng.randrange(1, 60)) if phase == "closed" else None
                yield (
                    i, reference, title, description, org, "[]", "[]", False,
                    severity, severity, "[]", serious and rng.random() < 0.3,
                    tlps[i - 1], "amber", False, phase, detected, detected + timedelta(hours=6), closed,
                    "vn-circular-20", phase != "closed" and rng.random() < 0.2, "{}", search_words, title_sort,
                    klass, kind_type, PROVINCES[province], detected, detected,
                )  # fmt: skip

        n = copy_rows(
            conn,
            "incident",
            ["id", "reference", "title", "description", "reporting_organisation_id", "system_domains", "system_ips",
             "system_on_national_list", "severity", "severity_suggested", "serious_criteria", "is_major", "tlp", "pap",
             "data_loss", "phase", "detected_at", "reported_at", "closed_at", "deadline_profile_key", "overdue",
             "extra", "search_words", "title_sort", "rsit_class", "rsit_type", "province", "created_at", "updated_at"],
            incidents(),
        )  # fmt: skip
        print(f"  {n} incidents ({time.monotonic() - started:.0f} s)", flush=True)

        # Participants: three in ten incidents have a responder named from another member.
        def participants() -> Iterator[tuple[Any, ...]]:
            pid = 0
            for i in range(1, total + 1):
                if rng.random() < 0.3:
                    pid += 1
                    org = rng.randrange(2, shape.organisations + 1)
                    user = 1000 + (org - 2) * 2 + 1 + rng.randrange(2)
                    begun = start + timedelta(seconds=span * (i - 1) / total + 3600)
                    yield (pid, i, user, org, "responder", begun, begun + timedelta(days=14), begun)

        n = copy_rows(
            conn,
            "incident_participant",
            ["id", "incident_id", "user_id", "organisation_id", "role", "starts_at", "ends_at", "created_at"],
            participants(),
        )
        print(f"  {n} participants", flush=True)

        def entries() -> Iterator[tuple[Any, ...]]:
            eid = 0
            for i in range(1, total + 1):
                at = start + timedelta(seconds=span * (i - 1) / total)
                for text in ("Tiếp nhận báo cáo và phân loại ban đầu", "Cô lập máy chủ bị ảnh hưởng"):
                    eid += 1
                    at += timedelta(hours=2)
                    yield (eid, i, at, "Asia/Ho_Chi_Minh", "manual", text, "{}", at)

        n = copy_rows(
            conn,
            "incident_timeline_entry",
            ["id", "incident_id", "occurred_at", "timezone", "kind", "text", "details", "created_at"],
            entries(),
        )
        print(f"  {n} timeline entries ({time.monotonic() - started:.0f} s)", flush=True)
        for table in ("organisation", "user_account", "incident", "incident_participant", "incident_timeline_entry"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - our table names
            )
        conn.execute("SET session_replication_role = origin")
        conn.commit()
        for name, definition in dropped:
            t = time.monotonic()
            conn.execute(definition)
            conn.commit()
            print(f"  index {name} rebuilt in {time.monotonic() - t:.0f} s", flush=True)
    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    make_users(url, shape)
    print(f"generated in {time.monotonic() - started:.0f} s", flush=True)


def make_users(url: str, shape: Shape) -> None:
    """10 coordinators with a second factor and 10 responders of members, each with an API token."""
    from sqlalchemy import create_engine, func, select

    import csirtnet.authz.incident  # noqa: F401 - registers the incidents:read scope
    from csirtnet.auth.passwords import hash_password
    from csirtnet.db import Database
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token
    from csirtnet.kit.time import utcnow
    from csirtnet.models import Incident, User, UserRole

    database = Database(create_engine(url))
    credentials = []
    password_hash = hash_password(PASSWORD)
    with database.unit_of_work() as session:
        busiest = session.execute(
            select(Incident.reporting_organisation_id)
            .group_by(Incident.reporting_organisation_id)
            .order_by(func.count(Incident.id).desc())
            .limit(10)
        ).scalars()
        member_orgs = list(busiest)
        for k in range(20):
            coordinator = k < 10
            secret = pyotp.random_base32() if coordinator else None
            user = User(
                email=f"{'dieuphoi' if coordinator else 'ungcuu'}{k:02d}@bench.csirtnet",
                full_name=f"{'Điều phối viên' if coordinator else 'Ứng cứu viên'} {k:02d}",
                organisation_id=1 if coordinator else member_orgs[k - 10],
                password_hash=password_hash,
                password_changed_at=utcnow(),
                totp_secret=secret,
                totp_enabled_at=utcnow() if secret else None,
            )
            user.role_rows = [UserRole(role="coordinator" if coordinator else "responder")]
            session.add(user)
            session.flush()
            session.refresh(user)
            issued = create_token(
                session, subject_for(user), user, name="benchmark", scopes=["incidents:read"], expires_in_days=30
            )
            credentials.append(
                {"email": user.email, "totp": secret, "token": issued.token, "organisation_id": user.organisation_id}
            )
    database.engine.dispose()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "credentials.json").write_text(json.dumps({"url": url, "users": credentials, "shape": shape.__dict__}))
    print(f"  20 benchmark users; credentials in {WORK / 'credentials.json'}", flush=True)


# -- serving and loading ---------------------------------------------------------------------


def serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    WORK.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CSIRTNET_DATABASE_URL": url,
        "CSIRTNET_DATA_DIR": str(WORK / "data"),
        "CSIRTNET_SECRET_KEY": "benchmark-secret-key-not-for-production",
        "CSIRTNET_IN_PROCESS_WORKER": "false",
        "CSIRTNET_LOG_LEVEL": "WARNING",
        "CSIRTNET_BASE_URL": f"http://127.0.0.1:{port}",
        "CSIRTNET_LOGIN_IP_MAX_ATTEMPTS": "1000",
    }
    # The product's own way of serving: `csirtnet serve`, one socket per process (ADR 0014).
    command = [
        str(Path(sys.executable).parent / "csirtnet"), "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    log = (WORK / "serve.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603 - our own interpreter and arguments
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"csirtnet serve exited; see {WORK / 'serve.log'}")
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("csirtnet serve did not answer /healthz within 60 s")


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def login(client: httpx.AsyncClient, email: str, secret: str | None) -> None:
    for _attempt in range(3):
        page = await client.get("/login")
        token = _CSRF.search(page.text)
        assert token, "no CSRF token on /login"
        r = await client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
        )
        if r.headers.get("location", "").startswith("/login/2fa"):
            assert secret, f"{email} needs a second factor"
            page = await client.get(r.headers["location"])
            token = _CSRF.search(page.text)
            assert token
            r = await client.post(
                "/login/2fa", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token.group(1), "next": "/"}
            )
        if r.status_code == 303 and not r.headers["location"].startswith("/login"):
            return
        # A code is accepted once: after a recent login with the same code, wait for the next one.
        await asyncio.sleep(31 - time.time() % 30)
    raise SystemExit(f"login of {email} failed")


@dataclass
class User:
    email: str
    totp: str | None
    token: str
    organisation_id: int
    incident_ids: list[int]


def sample_incidents(url: str, users: list[dict[str, Any]], rng: random.Random) -> list[User]:
    """For each user, incidents they may open: any non-RED one for coordinators, their own for members."""
    out = []
    with psycopg.connect(pg_dsn(url)) as conn:
        top = conn.execute("SELECT max(id) FROM incident").fetchone()
        highest = int(top[0]) if top and top[0] else 1
        for u in users:
            if u["totp"]:  # a coordinator
                ids = [rng.randrange(1, highest + 1) for _ in range(300)]
                rows = conn.execute("SELECT id FROM incident WHERE id = ANY(%s) AND tlp <> 'red'", (ids,)).fetchall()
            else:
                rows = conn.execute(
                    "SELECT id FROM incident WHERE reporting_organisation_id = %s AND tlp <> 'red'",
                    (u["organisation_id"],),
                ).fetchall()
            out.append(User(u["email"], u["totp"], u["token"], u["organisation_id"], [int(r[0]) for r in rows]))
    return out


def cursor_for(incident_id: int) -> str:
    from csirtnet.kit.pagination import encode_cursor

    return encode_cursor(incident_id)


def request_for(endpoint: str, user: User, rng: random.Random, highest: int) -> tuple[str, dict[str, str]]:
    if endpoint == "list":
        params = {"limit": "50"}
        if rng.random() < 0.5:  # a later page, by keyset
            params["cursor"] = cursor_for(rng.randrange(highest // 10, highest))
        return "/api/v1/incidents", params
    if endpoint == "filtered":
        return "/api/v1/incidents", {"limit": "50", **rng.choice(FILTERS)}
    if endpoint == "search":
        return "/api/v1/incidents", {"limit": "50", "q": rng.choice(SEARCHES)}
    return f"/incidents/{rng.choice(user.incident_ids)}", {}


async def drive(
    base: str,
    users: list[User],
    *,
    requests: int,
    seconds: float,
    warmup: int,
    seed: int,
    highest: int,
    think: float,
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    done = {e: 0 for e in ENDPOINTS}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)

    async def one_user(index: int, user: User) -> None:
        rng = random.Random(seed + index)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits, follow_redirects=False) as client:
            await login(client, user.email, user.totp)
            api = {"Authorization": f"Bearer {user.token}"}
            turn, warm = index, 0
            while time.monotonic() < deadline and any(done[e] < requests for e in ENDPOINTS):
                endpoint = ENDPOINTS[turn % len(ENDPOINTS)]
                turn += 1
                if done[endpoint] >= requests:
                    continue
                path, params = request_for(endpoint, user, rng, highest)
                t = time.perf_counter()
                r = await client.get(path, params=params, headers=api if path.startswith("/api/") else None)
                elapsed = (time.perf_counter() - t) * 1000
                if think > 0:  # a person reads the answer before the next click
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
                if warm < warmup:
                    warm += 1
                    continue
                if r.status_code != 200:
                    errors[endpoint] += 1
                    continue
                timings[endpoint].append(elapsed)
                timings[f"{endpoint}/{'coordinator' if user.totp else 'member'}"].append(elapsed)
                done[endpoint] += 1

    await asyncio.gather(*(one_user(i, u) for i, u in enumerate(users)))
    if errors:
        print(f"non-200 answers: {dict(errors)}", flush=True)
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def report(timings: dict[str, list[float]], wall: float, users: int) -> str:
    lines = [
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|---|",
    ]
    labels = {
        "list": "incident list (API, 50 per page, half on a later keyset page)",
        "filtered": "filtered list (API: phase, severity, class, province, overdue)",
        "search": "full-text search (API, accents ignored)",
        "page": "incident page (HTML)",
    }
    for endpoint in ENDPOINTS:
        for suffix, who in (("", "all users"), ("/coordinator", "coordinators"), ("/member", "members")):
            values = timings.get(endpoint + suffix, [])
            if not values:
                continue
            lines.append(
                f"| {labels[endpoint]} — {who} | {len(values)} | {percentile(values, 50):.1f} | "
                f"{percentile(values, 95):.1f} | {percentile(values, 99):.1f} | {statistics.fmean(values):.1f} |"
            )
    total = sum(len(timings.get(e, [])) for e in ENDPOINTS)
    lines.append("")
    lines.append(
        f"{total} measured requests in {wall:.0f} s ({total / wall:.0f} requests/s), {users} concurrent users."
    )
    return "\n".join(lines)


def prewarm(conn: psycopg.Connection[Any]) -> None:
    """Load the database into PostgreSQL's buffers (pg_prewarm), largest relations last, as much as
    shared_buffers holds. This machine's kernel pages out cold page cache (DAMON), so with the
    stock 128 MB of shared_buffers a random incident was read from disk at random times: p99 of
    2 s. docs/benchmarks.md gives the setting used (3 GB: the whole 2.4 GB database)."""
    shared = conn.execute("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'").fetchone()
    size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    assert shared is not None and size is not None
    print(f"shared_buffers {shared[0] / 2**20:.0f} MB, database {size[0] / 2**20:.0f} MB", flush=True)
    if shared[0] < size[0]:
        print("warning: shared_buffers is smaller than the database; the figures will include disk reads", flush=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    rows = conn.execute(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY pg_relation_size(c.oid)"
    ).fetchall()
    for (name,) in rows:
        conn.execute("SELECT pg_prewarm(%s::regclass)", (name,))
    conn.commit()


def run(
    url: str,
    *,
    port: int,
    workers: int,
    requests: int,
    seconds: float,
    warmup: int,
    seed: int,
    think: float,
    who: str = "both",
) -> None:
    credentials = json.loads((WORK / "credentials.json").read_text())
    rng = random.Random(seed)
    chosen = [u for u in credentials["users"] if who in ("both", "coordinators" if u["totp"] else "members")]
    users = sample_incidents(url, chosen, rng)
    with psycopg.connect(pg_dsn(url)) as conn:
        top = conn.execute("SELECT max(id), count(*) FROM incident").fetchone()
        assert top is not None
        highest, count = int(top[0]), int(top[1])
        prewarm(conn)
    print(f"{count} incidents; serving with {workers} web processes (csirtnet serve) on port {port}", flush=True)
    load = os.getloadavg()[0]
    if load > 1.0:
        print(f"warning: the load average is {load:.1f}; other work on this machine will skew the figures", flush=True)
    server = serve(url, port, workers)
    try:
        started = time.monotonic()
        timings = asyncio.run(
            drive(
                f"http://127.0.0.1:{port}",
                users,
                requests=requests,
                seconds=seconds,
                warmup=warmup,
                seed=seed,
                highest=highest,
                think=think,
            )
        )
        wall = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    mode = f"think time {think:g} s (uniform {0.5 * think:g}–{1.5 * think:g} s)" if think > 0 else "no think time"
    print(f"{len(users)} users, {mode}", flush=True)
    print(report(timings, wall, len(users)), flush=True)
    (WORK / "last_run.json").write_text(json.dumps({k: sorted(v) for k, v in timings.items()}))


def explain(url: str) -> None:
    """EXPLAIN ANALYZE of the SQL behind each endpoint, for a coordinator and a member (and, for a
    coordinator's search, the look among the newest incidents that runs first)."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.orm import Session

    from csirtnet.identity.service import subject_for
    from csirtnet.incident import repository
    from csirtnet.kit.pagination import first_rows
    from csirtnet.models import Incident, User

    engine = create_engine(url)
    credentials = json.loads((WORK / "credentials.json").read_text())
    cases = {
        "list": repository.IncidentFilters(),
        "filtered": repository.IncidentFilters(phase="containment", severity="serious"),
        "filtered by province": repository.IncidentFilters(province="Bắc Kạn", phase="closed"),
        **{f"search {term!r}": repository.IncidentFilters(q=term) for term in SEARCHES},
    }
    with Session(engine) as session:
        for entry in (credentials["users"][0], credentials["users"][10]):
            user = session.scalar(select(User).where(User.email == entry["email"]))
            assert user is not None
            who = subject_for(user)
            for name, filters in cases.items():
                # Coordinators' searches look among the newest incidents first (repository.page).
                windowed = bool(filters.q) and who.sees_everything
                label = f" (newest {repository.SEARCH_WINDOW:,} first)"
                for suffix, window in [("", False)] + ([(label, True)] if windowed else []):
                    query = repository.incidents(who, filters, word_index=not window)
                    if window:  # as kit.pagination.paginate_within_newest: the bound is read first
                        bound = select(Incident.id).order_by(Incident.id.desc()).offset(repository.SEARCH_WINDOW - 1)
                        query = query.where(Incident.id >= session.scalar(bound.limit(1)))
                    query = first_rows(query, Incident.id, 51, ids_first=bool(filters.q) and not window)
                    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
                    session.connection().exec_driver_sql("SET LOCAL jit = off")  # as csirtnet.db.make_engine
                    plan = session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
                    print(f"\n== {entry['email']} · {name}{suffix}")
                    print("\n".join(r[0] for r in plan))
    engine.dispose()


def machine() -> str:
    cores = os.cpu_count()
    with open("/proc/meminfo") as f:
        mem = next(line for line in f if line.startswith("MemTotal")).split()[1]
    with psycopg.connect(pg_dsn(DEFAULT_URL, "postgres")) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        version = row[0] if row else "?"
        buffers = conn.execute("SHOW shared_buffers").fetchone()
    return (
        f"{cores} cores, {int(mem) / 1024 / 1024:.0f} GiB RAM, PostgreSQL {version} "
        f"(shared_buffers {buffers[0] if buffers else '?'}), Python {sys.version.split()[0]}; "
        f"speed: 3,000 statements built in {python_speed():.2f} s"
    )


def python_speed() -> float:
    """Seconds to build 3,000 SQLAlchemy statements and their cache keys (best of three): the kind
    of work a request does. The shared VM's speed at it varied by half within an hour, so each run
    prints it next to its figures."""
    from sqlalchemy import and_, or_, select

    from csirtnet.models import Incident

    def once() -> float:
        started = time.perf_counter()
        for i in range(3000):
            query = select(Incident.id, Incident.title).where(
                and_(Incident.id == i, or_(Incident.tlp != "red", Incident.phase == "closed"))
            )
            query.order_by(Incident.id.desc())._generate_cache_key()
        return time.perf_counter() - started

    once()
    return min(once() for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["generate", "run", "explain", "all", "machine"])
    parser.add_argument("--url", default=os.environ.get("CSIRTNET_BENCH_URL", DEFAULT_URL))
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4, help="web processes: two per core (ADR 0015)")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per endpoint")
    parser.add_argument("--seconds", type=float, default=300, help="stop after this long whatever the count")
    parser.add_argument("--warmup", type=int, default=8, help="unmeasured requests per user first")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--who", choices=["both", "coordinators", "members"], default="both", help="which of the 20 users run"
    )
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds a user pauses between requests (0: back to back)"
    )
    args = parser.parse_args()
    if args.command in ("generate", "all"):
        generate(args.url, Shape(args.incidents, args.organisations, args.seed))
    if args.command in ("run", "all"):
        print(machine(), flush=True)
        run(
            args.url,
            port=args.port,
            workers=args.workers,
            requests=args.requests,
            seconds=args.seconds,
            warmup=args.warmup,
            seed=args.seed,
            think=args.think,
            who=args.who,
        )
    if args.command == "explain":
        explain(args.url)
    if args.command == "machine":
        print(machine())


if __name__ == "__main__":
    main()
