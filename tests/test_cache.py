"""Versioned in-process caches (csirtnet/cache.py): every change to a watched table, however it is
written through the session, gives its dataset a new version in the same transaction; a cache
rebuilds exactly when the version moved, and never makes a caller wait for another's build."""

from __future__ import annotations

import threading

from sqlalchemy import delete, insert, update

from csirtnet.authz import Subject
from csirtnet.cache import CONSTITUENCY, DEADLINE_PROFILES, VersionedCache, current_version
from csirtnet.models import ConstituencyClaim, DeadlineProfile
from csirtnet.organisation import constituency
from csirtnet.organisation.claims import parse_claim
from csirtnet.organisation.lookup import SHARED_INDEX
from tests.factories import make_organisation


def _claim(org_id: int, value: str) -> ConstituencyClaim:
    parsed = parse_claim(value)
    return ConstituencyClaim(
        organisation_id=org_id,
        kind=parsed.kind.value,
        value=parsed.value,
        prefix_len=parsed.prefix_len,
        range_start=parsed.range_start,
        range_end=parsed.range_end,
    )


def test_migrations_seed_a_version_for_every_dataset(db) -> None:
    assert current_version(db, CONSTITUENCY) is not None
    assert current_version(db, DEADLINE_PROFILES) is not None


def test_orm_changes_to_watched_tables_move_the_version(db) -> None:
    org = make_organisation(db)
    seen = [current_version(db, CONSTITUENCY)]

    def moved() -> bool:
        now = current_version(db, CONSTITUENCY)
        changed = now != seen[-1]
        seen.append(now)
        return changed

    claim = _claim(org.id, "203.0.113.0/24")
    db.add(claim)
    db.flush()
    assert moved(), "a new claim"
    claim.status = "rejected"
    db.flush()
    assert moved(), "a claim's status"
    org.website = "https://example.vn"  # not part of the index
    db.flush()
    assert not moved()
    org.name = "Tên mới"
    db.flush()
    assert moved(), "an owner's name"
    db.delete(claim)
    db.flush()
    assert moved(), "a deleted claim"
    profiles_before = current_version(db, DEADLINE_PROFILES)
    db.add(DeadlineProfile(key="test-profile", name_vi="Thử", name_en="Test"))
    db.flush()
    assert current_version(db, DEADLINE_PROFILES) != profiles_before
    assert not moved(), "another dataset's change leaves this one alone"


def test_bulk_statements_move_the_version(db) -> None:
    org = make_organisation(db)
    before = current_version(db, CONSTITUENCY)
    parsed = parse_claim("198.51.100.0/24")
    db.execute(
        insert(ConstituencyClaim),
        [
            {
                "organisation_id": org.id,
                "kind": "ipv4",
                "value": parsed.value,
                "prefix_len": parsed.prefix_len,
                "range_start": parsed.range_start,
                "range_end": parsed.range_end,
                "status": "active",
            }
        ],
    )
    after_insert = current_version(db, CONSTITUENCY)
    assert after_insert != before
    db.execute(update(ConstituencyClaim).where(ConstituencyClaim.organisation_id == org.id).values(status="rejected"))
    after_update = current_version(db, CONSTITUENCY)
    assert after_update != after_insert
    db.execute(delete(ConstituencyClaim).where(ConstituencyClaim.organisation_id == org.id))
    assert current_version(db, CONSTITUENCY) != after_update


def test_a_rolled_back_change_takes_its_version_with_it(db) -> None:
    org = make_organisation(db)
    before = current_version(db, CONSTITUENCY)
    savepoint = db.begin_nested()
    db.add(_claim(org.id, "192.0.2.0/24"))
    db.flush()
    assert current_version(db, CONSTITUENCY) != before
    savepoint.rollback()
    assert current_version(db, CONSTITUENCY) == before


def test_the_cache_rebuilds_exactly_when_the_data_changed(db) -> None:
    org = make_organisation(db, name="Nhà mạng A", member_code="NM-A")
    db.add(_claim(org.id, "203.0.113.0/24"))
    db.flush()
    who = Subject.system("t")
    builds = SHARED_INDEX.builds
    assert constituency.lookup(db, who, "203.0.113.9").owner.member_code == "NM-A"
    assert constituency.lookup(db, who, "203.0.113.10").owner.member_code == "NM-A"
    assert SHARED_INDEX.builds == builds + 1, "built once, then reused"

    # A change is seen at once, through a rolled-back change and back.
    savepoint = db.begin_nested()
    org.name = "Nhà mạng B"
    db.add(_claim(org.id, "203.0.113.128/25"))
    db.flush()
    inner = constituency.lookup(db, who, "203.0.113.200").owner
    assert (inner.organisation_name, inner.matched) == ("Nhà mạng B", "203.0.113.128/25")
    savepoint.rollback()
    outer = constituency.lookup(db, who, "203.0.113.200").owner
    assert (outer.organisation_name, outer.matched) == ("Nhà mạng A", "203.0.113.0/24")
    assert SHARED_INDEX.builds == builds + 3


def test_nobody_waits_for_another_threads_build(db) -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow_build(_session: object) -> str:
        calls.append("build")
        started.set()
        release.wait(10)
        return "fresh"

    cache: VersionedCache[str] = VersionedCache(CONSTITUENCY, slow_build)  # type: ignore[arg-type]
    version = current_version(db, CONSTITUENCY)

    class OneQuery:  # the builder's own session: it only reads the version
        def scalar(self, _statement: object) -> int | None:
            return version

    results: list[str | None] = []
    builder = threading.Thread(target=lambda: results.append(cache.get(OneQuery())))  # type: ignore[arg-type]
    builder.start()
    assert started.wait(10)
    assert cache.get(db) is None, "a second caller reads the database instead of waiting"
    release.set()
    builder.join(10)
    assert results == ["fresh"] and calls == ["build"]
    assert cache.get(db) == "fresh" and calls == ["build"]
