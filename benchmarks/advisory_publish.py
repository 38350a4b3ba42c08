"""Publishing an advisory to 10,000 organisations (30,000 people): resolving the audience and
queueing every delivery must take under 2 s; the tracking view of that advisory must answer in
under 200 ms at p95.

Run by hand, never by the test suite (docs/benchmarks.md, section "Advisories"):

    .venv/bin/python benchmarks/advisory_publish.py                 # SQLite (a temporary file)
    .venv/bin/python benchmarks/advisory_publish.py --postgresql    # PostgreSQL at 127.0.0.1 (csirtnet_bench_adv)

It builds a fresh database with the migrations, bulk-loads 10,000 member organisations in 63
provinces and 12 clusters (three users each, one in ten declaring the affected product), then:
- publish: `advisory.service.publish` of a network-wide advisory in one unit of work, commit
  included (audience resolved, 10,000 recipients and 30,000 deliveries written, jobs queued);
- tracking: GET /api/v1/advisories/{id}/tracking through the whole ASGI app (authentication with an
  API token, authz, the queries, JSON) `--requests` times after a warm-up, with a third of the
  organisations answered; p50/p95/max.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/csirtnet_bench_adv"


def fresh_url(postgresql: bool, work: Path) -> str:
    if not postgresql:
        path = work / "advisory_bench.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS csirtnet_bench_adv WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE csirtnet_bench_adv"))
    admin.dispose()
    return PG_URL


def load(database: object, organisations: int, per_org: int) -> dict[str, int]:
    """The network: organisations, users, clusters, declared products; returns the ids needed."""
    from tests.advisory.helpers import PROVINCES

    from csirtnet.auth.passwords import hash_password
    from csirtnet.bootstrap import coordinator_organisation
    from csirtnet.kit.time import utcnow
    from csirtnet.models import (
        Cluster,
        ClusterMember,
        DeclaredProduct,
        Organisation,
        User,
        UserRole,
    )
    from csirtnet.vocabulary import Role

    rng = random.Random(13)
    provinces = [*PROVINCES, *(f"Tỉnh {n}" for n in range(57))]
    now = utcnow()
    password = hash_password("benchmark password")
    with database.unit_of_work() as session:  # type: ignore[attr-defined]
        coord_org = coordinator_organisation(session)
        coord = User(
            email="coordinator@bench.vn",
            full_name="Điều phối viên",
            organisation_id=coord_org.id,
            password_hash=password,
            password_changed_at=now,
            totp_secret="JBSWY3DPEHPK3PXP",  # a coordinator's second factor is required (not used here)
            totp_enabled_at=now,
        )
        coord.role_rows = [UserRole(role=Role.COORDINATOR.value)]
        session.add(coord)
        clusters = [Cluster(name=f"Cụm số {n}", number=n) for n in range(1, 13)]
        session.add_all(clusters)
        session.flush()
        session.execute(
            insert(Organisation),
            [
                {
                    "name": f"Tổ chức thành viên {n:05d}",
                    "short_name": f"M{n:05d}",
                    "member_code": f"B{n:05d}",
                    "kind": "province" if n % 7 == 0 else "private_enterprise",
                    "province": provinces[n % len(provinces)],
                    "sector": ("government", "finance", "telecom", "energy")[n % 4],
                    "status": "active",
                    "is_coordinator": False,
                    "name_fold": f"to chuc thanh vien {n:05d}",
                    "name_sort": f"to chuc thanh vien {n:05d}",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(organisations)
            ],
        )
        org_ids = list(session.scalars(select(Organisation.id).where(Organisation.is_coordinator.is_(False))))
        session.execute(
            insert(ClusterMember),
            [
                {"cluster_id": clusters[i % 12].id, "organisation_id": org, "joined_on": date(2024, 1, 1)}
                for i, org in enumerate(org_ids)
            ],
        )
        session.execute(
            insert(User),
            [
                {
                    "email": f"u{org}-{k}@bench.vn",
                    "full_name": f"Người dùng {org}-{k}",
                    "organisation_id": org,
                    "password_hash": password,
                    "language": "vi" if k % 2 == 0 else "en",
                    "timezone": "Asia/Ho_Chi_Minh",
                    "is_active": True,
                    "failed_logins": 0,
                    "name_fold": f"nguoi dung {org}-{k}",
                    "name_sort": f"nguoi dung {org}-{k}",
                    "created_at": now,
                    "updated_at": now,
                }
                for org in org_ids
                for k in range(per_org)
            ],
        )
        session.execute(
            insert(UserRole),
            [
                {
                    "user_id": uid,
                    "role": Role.ORG_ADMIN.value if email.endswith("-0@bench.vn") else Role.RESPONDER.value,
                }
                for uid, email in session.execute(select(User.id, User.email).where(User.email.like("u%@bench.vn")))
            ],
        )
        session.execute(
            insert(DeclaredProduct),
            [
                {
                    "organisation_id": org,
                    "vendor": "Palo Alto Networks",
                    "product": "PAN-OS",
                    "version": rng.choice(["10.2.7", "10.2.9", "11.0.1"]),
                    "vendor_key": "palo alto networks",
                    "product_key": "pan os",
                    "created_at": now,
                    "updated_at": now,
                }
                for org in org_ids
                if rng.random() < 0.1
            ],
        )
        session.flush()
        return {"coordinator": coord.id, "organisations": len(org_ids)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=3, help="users per organisation")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print where publishing spends its time")
    parser.add_argument("--publish-only", action="store_true", help="skip the tracking view")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="csirtnet-advisory-bench-"))
    os.environ["CSIRTNET_DATA_DIR"] = str(work)
    url = fresh_url(args.postgresql, work)
    os.environ["CSIRTNET_DATABASE_URL"] = url
    os.environ["CSIRTNET_MAIL_ENABLED"] = "false"

    from fastapi.testclient import TestClient

    from csirtnet import migrate
    from csirtnet.advisory import service
    from csirtnet.advisory.schemas import AdvisoryCreate
    from csirtnet.app import create_app
    from csirtnet.config import get_settings
    from csirtnet.db import Database, make_engine, set_database
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token, grantable_scopes
    from csirtnet.kit.time import utcnow
    from csirtnet.models import AckStatus, AdvisoryDelivery, AdvisoryRecipient, Job, User

    get_settings.cache_clear()
    settings = get_settings()
    engine = make_engine(url)
    migrate.upgrade(engine)
    database = Database(engine)
    set_database(database)
    started = time.perf_counter()
    ids = load(database, args.organisations, args.people)
    loaded = time.perf_counter() - started
    print(f"[{engine.dialect.name}] loaded {ids['organisations']:,} organisations in {loaded:.1f} s")

    with database.unit_of_work() as session:
        coord = session.get(User, ids["coordinator"])
        assert coord is not None
        who = subject_for(coord)
        advisory = service.create(
            session,
            who,
            AdvisoryCreate.model_validate(
                {
                    "title": "Lỗ hổng PAN-OS GlobalProtect đang bị khai thác",
                    "summary": "Cập nhật ngay.",
                    "severity": "high",
                    "tlp": "amber",
                    "cve_ids": ["CVE-2024-3400"],
                    "affected_products": [
                        {"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": ["<10.2.9"]}
                    ],
                    "audience": {"network": True},
                    "deadline_at": (utcnow() + timedelta(days=3)).isoformat(),
                }
            ),
        )
        advisory_id = advisory.id

    timings = []
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    with database.unit_of_work() as session:
        service.publish(session, who, advisory_id)
    timings.append(time.perf_counter() - started)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    with database.unit_of_work() as session:
        recipients = session.scalar(select(func.count()).where(AdvisoryRecipient.advisory_id == advisory_id))
        deliveries = session.scalar(select(func.count()).where(AdvisoryDelivery.advisory_id == advisory_id))
        jobs = session.scalar(select(func.count()).where(Job.name == "advisory.deliver"))
        likely = session.scalar(
            select(func.count()).where(
                AdvisoryRecipient.advisory_id == advisory_id, AdvisoryRecipient.likely_affected.is_(True)
            )
        )
    print(
        f"publish: {timings[0] * 1000:.0f} ms — {recipients:,} organisations, {deliveries:,} deliveries, "
        f"{jobs} delivery jobs, {likely:,} likely affected (target: under 2,000 ms)"
    )

    if args.publish_only:
        return
    # A third of the organisations have answered (set directly: the answers are not what is measured).
    with database.unit_of_work() as session:
        ids = list(
            session.scalars(
                select(AdvisoryRecipient.id)
                .where(AdvisoryRecipient.advisory_id == advisory_id)
                .order_by(AdvisoryRecipient.id)
            )
        )
        statuses = [AckStatus.RECEIVED, AckStatus.APPLIED, AckStatus.NOT_AFFECTED]
        for n, status in enumerate(statuses):
            session.execute(
                update(AdvisoryRecipient)
                .where(AdvisoryRecipient.id.in_(ids[n : len(ids) // 3 : 3]))
                .values(status=status.value, answered_at=utcnow())
            )
        token = create_token(session, who, coord, name="bench", scopes=grantable_scopes(who), expires_in_days=1)
        bearer = {"Authorization": f"Bearer {token.token}"}

    app = create_app(settings, database, start_worker=False)
    samples = []
    with TestClient(app) as client:
        for _ in range(10):
            client.get(f"/api/v1/advisories/{advisory_id}/tracking", headers=bearer)
        for n in range(args.requests):
            query = ("", "?status=pending", "?province=Bắc Kạn", "?cluster_id=1")[n % 4]
            started = time.perf_counter()
            answer = client.get(f"/api/v1/advisories/{advisory_id}/tracking{query}", headers=bearer)
            samples.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
    samples.sort()
    p50 = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95) - 1] * 1000
    print(
        f"tracking view: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {samples[-1] * 1000:.0f} ms over "
        f"{len(samples)} requests (target: p95 under 200 ms)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
