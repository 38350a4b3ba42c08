"""Federation's service and runs: configured collections, subscriptions (validation that names the
field, the secret sealed and never shown), the scheduler, and pull and push runs against the OASIS
reference TAXII server (medallion) on loopback — a push sends only what the peer organisation may
see under TLP, the cursor moves only past what the remote accepted or what was stored, and a remote
that fails leaves an error and nothing half-applied."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.intel import collections
from csirtnet.intel.federation import reads, sealing, service, sync, tasks
from csirtnet.intel.federation.schemas import (
    SubscriptionCreate,
    SubscriptionUpdate,
    TaxiiCollectionCreate,
    TaxiiCollectionGrant,
)
from csirtnet.models import AuditRecord, Indicator, Job, StixObject, TaxiiSubscription
from csirtnet.vocabulary.enums import TLP
from tests.factories import make_organisation
from tests.incident.helpers import coordinator, member, who
from tests.intel.federation_helpers import (
    MEDALLION_PASSWORD,
    MEDALLION_USER,
    a_moment_ago,
    indicator,
    medallion_server,
    store,
)

SECRET = "s3cret-token-that-must-never-show"


def _subscription(db: Session, **overrides: Any) -> TaxiiSubscription:
    data: dict[str, Any] = {
        "name": "Partner CERT",
        "direction": "pull",
        "api_root_url": "http://127.0.0.1:9/api1/",
        "remote_collection_id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
        "collection": "national",
        "username": MEDALLION_USER,
        "secret": SECRET,
    }
    data.update(overrides)
    return service.create(db, who(coordinator(db)), SubscriptionCreate(**data))


# -- sealing ---------------------------------------------------------------------------------------


def test_a_sealed_secret_opens_only_with_the_platform_key() -> None:
    sealed = sealing.seal(SECRET, secret_key="key-one")
    assert SECRET not in sealed and sealed != sealing.seal(SECRET, secret_key="key-one")  # a fresh nonce
    assert sealing.unseal(sealed, secret_key="key-one") == SECRET
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed, secret_key="key-two")
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed[:-4] + "AAAA", secret_key="key-one")


# -- configuration ---------------------------------------------------------------------------------


def test_a_configured_collection_is_granted_and_read_by_its_members_only(db: Session) -> None:
    coord = who(coordinator(db))
    partner, other = make_organisation(db), make_organisation(db)
    row = service.create_collection(db, coord, TaxiiCollectionCreate(title="Ngân hàng", description="Banks"))
    service.grant(db, coord, row.uuid, partner.id, TaxiiCollectionGrant(can_write=False))
    service.grant(db, coord, f"custom:{row.uuid}", partner.id, TaxiiCollectionGrant(can_write=True))  # upsert
    listed = reads.configured_collections(db, coord)
    assert [(c.title, [(m.organisation_id, m.can_write) for m in c.members]) for c in listed] == [
        ("Ngân hàng", [(partner.id, True)])
    ]
    key = f"custom:{row.uuid}"
    partner_reader = who(member(db, partner))
    assert collections.by_key(db, partner_reader, key).can_write is True
    with pytest.raises(Exception):  # noqa: B017 - NotFound: the other organisation does not see it
        collections.by_key(db, who(member(db, other)), key)
    service.revoke(db, coord, row.uuid, partner.id)
    assert reads.configured_collection(db, coord, row.uuid).members == []
    actions = db.scalars(select(AuditRecord.action).where(AuditRecord.action.like("intel.collection%"))).all()
    assert actions == [
        "intel.collection_created",
        "intel.collection_granted",
        "intel.collection_granted",
        "intel.collection_revoked",
    ]


def test_only_managers_configure_federation(db: Session) -> None:
    responder = who(member(db))
    with pytest.raises(Forbidden):
        service.create_collection(db, responder, TaxiiCollectionCreate(title="x"))
    with pytest.raises(Forbidden):
        reads.subscriptions(db, responder)
    with pytest.raises(Forbidden):
        service.create(
            db,
            responder,
            SubscriptionCreate(name="x", direction="pull", api_root_url="https://a.example/", remote_collection_id="x"),
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"api_root_url": "ftp://taxii.example.org/api1/"}, "api_root_url"),
        ({"api_root_url": "file:///etc/passwd"}, "api_root_url"),
        ({"api_root_url": "https://user:pw@taxii.example.org/api1/"}, "api_root_url"),
        ({"api_root_url": "https:///api1/"}, "api_root_url"),
        ({"api_root_url": "https://taxii.example.org:99999/"}, "api_root_url"),
        ({"remote_collection_id": "not-a-uuid"}, "remote_collection_id"),
        ({"collection": "cluster:999999"}, "collection"),
        ({"collection": "somewhere"}, "collection"),
        ({"direction": "push"}, "peer_organisation_id"),
        ({"direction": "push", "peer_organisation_id": 99999999}, "peer_organisation_id"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_input_names_the_field_and_adds_nothing(db: Session, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _subscription(db, **overrides)
    assert field in [e.field for e in refused.value.errors]
    assert db.scalar(select(TaxiiSubscription.id)) is None


def test_every_bad_field_is_named_at_once(db: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _subscription(db, api_root_url="gopher://x/", remote_collection_id="nope", collection="nowhere")
    assert {e.field for e in refused.value.errors} == {"api_root_url", "remote_collection_id", "collection"}


def test_the_secret_is_sealed_and_never_shown(db: Session) -> None:
    sub = _subscription(db)
    assert sub.secret_ciphertext is not None and SECRET not in sub.secret_ciphertext
    assert sealing.unseal(sub.secret_ciphertext) == SECRET
    read = reads.subscription(db, who(coordinator(db)), sub.id)
    assert read.has_secret is True and SECRET not in read.model_dump_json()
    service.update(db, who(coordinator(db)), sub.id, SubscriptionUpdate(secret="another-" + SECRET, enabled=False))
    service.run_now(db, who(coordinator(db)), sub.id)
    audits = db.scalars(select(AuditRecord).where(AuditRecord.action.like("intel.subscription%"))).all()
    assert [a.action for a in audits] == [
        "intel.subscription_created",
        "intel.subscription_changed",
        "intel.subscription_run_requested",
    ]
    payloads = [json.dumps(j.payload) for j in db.scalars(select(Job))]
    for text in [json.dumps(a.summary, default=str) for a in audits] + payloads:
        assert SECRET not in text
    assert audits[1].summary["secret_changed"] is True


def test_moving_to_another_remote_starts_afresh(db: Session) -> None:
    sub = _subscription(db)
    sub.cursor = "2026-12-06T10:00:00.000000Z"
    service.update(db, who(coordinator(db)), sub.id, SubscriptionUpdate(interval_minutes=5))
    assert sub.cursor is not None and sub.interval_minutes == 5
    service.update(db, who(coordinator(db)), sub.id, SubscriptionUpdate(api_root_url="https://other.example/api/"))
    assert sub.cursor is None and sub.api_root_url == "https://other.example/api/"


# -- the scheduler ---------------------------------------------------------------------------------


def test_due_subscriptions_are_queued_once_with_their_id_only(db: Session) -> None:
    due = _subscription(db)
    recent = _subscription(db, name="ran a minute ago", interval_minutes=60)
    recent.last_run_at = a_moment_ago(60)
    disabled = _subscription(db, name="off", enabled=False)
    assert db.scalar(select(Job.id).where(Job.name == tasks.SCHEDULE_JOB)) is not None  # kept queued
    assert tasks.queue_due(db) == [due.id]
    assert tasks.queue_due(db) == []  # already waiting
    jobs = db.scalars(select(Job).where(Job.name.in_((tasks.POLL_JOB, tasks.PUSH_JOB)))).all()
    assert [(j.name, j.payload) for j in jobs] == [(tasks.POLL_JOB, {"subscription_id": due.id})]
    recent.last_run_at = a_moment_ago(3601)
    assert tasks.queue_due(db) == [recent.id]
    assert disabled.id not in tasks.queue_due(db)


# -- push ------------------------------------------------------------------------------------------


def _push_to(db: Session, server: Any, peer_id: int, **overrides: Any) -> TaxiiSubscription:
    return _subscription(
        db,
        direction="push",
        api_root_url=server.api_root,
        remote_collection_id=server.collection_id,
        secret=MEDALLION_PASSWORD,
        peer_organisation_id=peer_id,
        **overrides,
    )


def test_a_push_sends_what_the_peer_may_see_and_only_once(db: Session) -> None:
    source, peer = make_organisation(db), make_organisation(db)
    sharer = member(db, source)
    green = store(db, indicator("198.51.100.1", TLP.GREEN), tlp=TLP.GREEN, organisation_id=source.id)
    clear = store(db, indicator("198.51.100.2", TLP.CLEAR), tlp=TLP.CLEAR, organisation_id=source.id)
    strict = indicator("198.51.100.3", TLP.AMBER_STRICT)
    store(db, strict, tlp=TLP.AMBER_STRICT, organisation_id=source.id, created_by_id=sharer.id)
    amber = indicator("198.51.100.4", TLP.AMBER)
    store(db, amber, tlp=TLP.AMBER, organisation_id=source.id)
    red = indicator("198.51.100.5", TLP.RED)
    store(db, red, tlp=TLP.RED, organisation_id=source.id, created_by_id=sharer.id)
    elsewhere = indicator("198.51.100.6", TLP.GREEN)
    store(db, elsewhere, collection=f"outbox:{source.id}", tlp=TLP.GREEN, organisation_id=source.id)
    with medallion_server() as server:
        sub = _push_to(db, server, peer.id)
        outcome = sync.push(db, sub.id)
        assert outcome is not None and outcome.error is None, outcome
        assert outcome.objects == 2
        assert sorted(o["id"] for o in server.objects()) == sorted([green.stix_id, clear.stix_id])
        cursor = sub.cursor
        assert cursor is not None and cursor.endswith(f"|{max(green.id, clear.id)}")
        again = sync.push(db, sub.id)  # idempotent: nothing new, nothing sent
        assert again is not None and again.objects == 0 and again.error is None and sub.cursor == cursor
        later = store(db, indicator("198.51.100.7", TLP.GREEN), tlp=TLP.GREEN, organisation_id=source.id)
        assert sync.push(db, sub.id) == sync.RunOutcome(sub.id, "push", 1, 0, False, None)
        assert later.stix_id in [o["id"] for o in server.objects()]
    assert sub.last_run_at is not None and sub.last_error is None
    pushed = db.scalars(select(AuditRecord).where(AuditRecord.action == "intel.subscription_pushed")).all()
    assert [(a.summary["accepted"], a.summary["refused"]) for a in pushed] == [(2, 0), (1, 0)]


def test_the_peers_own_amber_strict_objects_go_back_to_it(db: Session) -> None:
    peer = make_organisation(db)
    own = store(db, indicator("203.0.113.9", TLP.AMBER_STRICT), tlp=TLP.AMBER_STRICT, organisation_id=peer.id)
    with medallion_server() as server:
        sub = _push_to(db, server, peer.id)
        outcome = sync.push(db, sub.id)
        assert outcome is not None and outcome.objects == 1
        assert [o["id"] for o in server.objects()] == [own.stix_id]


def test_a_push_to_a_remote_that_refuses_the_account_moves_nothing(db: Session) -> None:
    peer = make_organisation(db)
    store(db, indicator("198.51.100.10", TLP.GREEN), tlp=TLP.GREEN)
    with medallion_server() as server:
        sub = _push_to(db, server, peer.id)
        service.update(db, who(coordinator(db)), sub.id, SubscriptionUpdate(secret="wrong password"))
        outcome = sync.push(db, sub.id)
        assert outcome is not None and outcome.objects == 0
        assert server.objects() == []
    assert sub.cursor is None
    assert sub.last_error is not None and "HTTP 401" in sub.last_error
    assert "wrong password" not in sub.last_error and MEDALLION_PASSWORD not in sub.last_error
    failed = db.scalar(select(AuditRecord).where(AuditRecord.action == "intel.subscription_failed"))
    assert failed is not None and "wrong password" not in json.dumps(failed.summary)


def test_an_unreachable_remote_is_an_error_not_a_crash(db: Session) -> None:
    store(db, indicator("198.51.100.11", TLP.GREEN), tlp=TLP.GREEN)
    sub = _subscription(db, direction="push", peer_organisation_id=make_organisation(db).id)  # port 9: closed
    outcome = sync.push(db, sub.id)
    assert outcome is not None and outcome.error is not None and "could not be reached" in outcome.error
    assert sub.cursor is None and sub.last_error == outcome.error and sub.last_run_at is not None


# -- pull ------------------------------------------------------------------------------------------


def test_a_pull_imports_page_by_page_and_resumes_from_its_cursor(db: Session) -> None:
    first = [indicator(f"192.0.2.{i}", TLP.GREEN) for i in range(1, 151)]  # two pages of 100
    with medallion_server(first) as server:
        sub = _subscription(
            db, api_root_url=server.api_root, remote_collection_id=server.collection_id, secret=MEDALLION_PASSWORD
        )
        outcome = sync.pull(db, sub.id)
        assert outcome is not None and outcome.error is None, outcome
        assert outcome.objects == 150
        stored = set(db.scalars(select(StixObject.stix_id).where(StixObject.collection == "national")))
        assert {o["id"] for o in first} <= stored
        assert db.scalar(select(Indicator.tlp).where(Indicator.value == "192.0.2.7")) == "green"
        assert sub.cursor is not None and sub.last_import_id is not None
        cursor = sub.cursor

        again = sync.pull(db, sub.id)  # from the cursor: what is at the cursor's moment only, a no-op
        assert again is not None and again.error is None and again.objects <= 150
        newer = indicator("192.0.2.200", TLP.AMBER_STRICT)
        server.backend.add_objects("api1", server.collection_id, {"objects": [newer]}, _later_than(cursor))
        third = sync.pull(db, sub.id)
        assert third is not None and third.error is None
        assert db.scalar(select(StixObject.tlp).where(StixObject.stix_id == newer["id"])) == "amber+strict"
        assert sub.cursor is not None and sub.cursor > cursor


def _later_than(cursor: str) -> Any:
    from datetime import datetime, timedelta

    return datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(seconds=1)


def test_a_failing_pull_stores_nothing_and_keeps_its_cursor(db: Session) -> None:
    with medallion_server([indicator("192.0.2.99", TLP.GREEN)]) as server:
        sub = _subscription(db, api_root_url=server.api_root, remote_collection_id=server.collection_id, secret="wrong")
        outcome = sync.pull(db, sub.id)
    assert outcome is not None and outcome.error is not None and "HTTP 401" in outcome.error
    assert db.scalar(select(StixObject.id).where(StixObject.stix_id.like("indicator--%"))) is None
    assert sub.cursor is None and sub.last_error == outcome.error


def test_a_secret_sealed_under_another_key_is_reported(db: Session) -> None:
    sub = _subscription(db)
    sub.secret_ciphertext = sealing.seal("x", secret_key="a key this platform does not have")
    outcome = sync.pull(db, sub.id)
    assert outcome is not None and outcome.error is not None and "set it again" in outcome.error


def test_the_jobs_run_the_subscription_named_by_their_payload(db: Session) -> None:
    with medallion_server([indicator("192.0.2.77", TLP.GREEN)]) as server:
        sub = _subscription(
            db, api_root_url=server.api_root, remote_collection_id=server.collection_id, secret=MEDALLION_PASSWORD
        )
        tasks.poll_subscription(db, subscription_id=sub.id)
        tasks.poll_subscription(db, subscription_id=sub.id)  # idempotent
        tasks.push_subscription(db, subscription_id=sub.id)  # not a push: nothing happens
        tasks.poll_subscription(db, subscription_id=999999)  # gone: nothing happens
    assert db.scalar(select(Indicator.tlp).where(Indicator.value == "192.0.2.77")) == "green"
    assert sub.last_error is None and sub.last_run_at is not None


def test_a_bounded_pull_resumes_where_it_stopped_even_inside_one_moment(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stops after MAX_PAGES pages (here one page of medallion's 100) once its cursor moved, and
    queues the rest at once; 150 objects stamped with one moment and 50 with a later one all arrive."""
    from datetime import timedelta

    from csirtnet.kit.time import utcnow

    monkeypatch.setattr(sync, "MAX_PAGES", 1)
    batch = [indicator(f"10.9.0.{i}", TLP.GREEN) for i in range(150)]
    later = [indicator(f"10.9.1.{i}", TLP.GREEN) for i in range(50)]
    with medallion_server() as server:
        moment = utcnow() - timedelta(minutes=5)
        server.backend.add_objects("api1", server.collection_id, {"objects": batch}, moment)
        server.backend.add_objects("api1", server.collection_id, {"objects": later}, moment + timedelta(seconds=1))
        sub = _subscription(
            db, api_root_url=server.api_root, remote_collection_id=server.collection_id, secret=MEDALLION_PASSWORD
        )
        tasks.poll_subscription(db, subscription_id=sub.id)
        assert sub.last_error is None
        first = set(db.scalars(select(StixObject.stix_id)))
        assert len(first & {o["id"] for o in batch + later}) == 100
        again = db.scalars(select(Job).where(Job.name == tasks.POLL_JOB)).all()
        assert [j.payload for j in again] == [{"subscription_id": sub.id}]  # the rest, queued at once
        outcome = sync.pull(db, sub.id)  # resumes inside the first moment, then moves past it
        assert outcome is not None and outcome.error is None and outcome.more is False
        stored = set(db.scalars(select(StixObject.stix_id)))
        assert {o["id"] for o in batch + later} <= stored


@given(
    st.text(max_size=80)
    | st.builds(
        lambda s, rest: f"{s}://{rest}", st.sampled_from(["http", "https", "ftp", "file", ""]), st.text(max_size=60)
    )
)
@settings(max_examples=300, deadline=None)
def test_any_text_is_an_http_url_or_refused_naming_the_field(text: str) -> None:
    try:
        url = service.check_url(text)
    except ValidationFailed as refused:
        assert [e.field for e in refused.errors] == ["api_root_url"]
        return
    assert url.startswith(("http://", "https://")) and url.endswith("/")
    assert "@" not in url.split("/")[2] and not any(ch.isspace() for ch in url)


def test_a_run_waits_on_the_remote_without_holding_a_transaction(committing_database: Any, backend_kind: str) -> None:
    """A run talks to the remote before it writes. On SQLite the worker's unit of work begins
    IMMEDIATE, so a transaction held while a partner answers would stop every other writer of the
    platform; on PostgreSQL it would sit "idle in transaction" holding its locks and snapshot."""
    import sqlite3

    from sqlalchemy import text

    from csirtnet.integrations.taxii import RemoteCollection

    free: list[bool] = []

    def lock_is_free() -> bool:
        if backend_kind == "postgresql":
            with committing_database.engine.connect() as conn:
                waiting = conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
                    )
                )
            return bool(waiting == 0)
        raw = committing_database.engine.raw_connection()  # autocommit: BEGIN is ours to send
        try:
            raw.driver_connection.execute("PRAGMA busy_timeout=200")
            try:
                raw.driver_connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # "database is locked": a writer holds it
                return False
            raw.driver_connection.execute("ROLLBACK")
            return True
        finally:
            raw.close()

    class Watching(RemoteCollection):
        def pages(self, **kwargs: Any) -> Any:
            free.append(lock_is_free())
            yield from super().pages(**kwargs)

        def add(self, envelope: bytes, **kwargs: Any) -> Any:
            free.append(lock_is_free())
            return super().add(envelope, **kwargs)

    def watching(url: str, ident: str, user: str | None, password: str | None) -> RemoteCollection:
        return Watching(url, ident, username=user, password=password)

    with medallion_server([indicator("192.0.2.150", TLP.GREEN)]) as server:
        with committing_database.unit_of_work() as session:
            peer = make_organisation(session).id
            store(session, indicator("198.51.100.150", TLP.GREEN), tlp=TLP.GREEN)
            common = {"api_root_url": server.api_root, "remote_collection_id": server.collection_id}
            pull_id = _subscription(session, secret=MEDALLION_PASSWORD, collection=f"outbox:{peer}", **common).id
            push_id = _subscription(
                session, direction="push", peer_organisation_id=peer, secret=MEDALLION_PASSWORD, **common
            ).id
        with committing_database.unit_of_work() as session:
            pulled = sync.pull(session, pull_id, remote=watching)
        with committing_database.unit_of_work() as session:
            pushed = sync.push(session, push_id, remote=watching)
    assert pulled is not None and pulled.error is None and pulled.objects == 1
    assert pushed is not None and pushed.error is None and pushed.objects == 1
    assert free == [True, True]


def test_a_failure_is_audited_when_it_starts_changes_or_ends(db: Session) -> None:
    store(db, indicator("198.51.100.160", TLP.GREEN), tlp=TLP.GREEN)
    sub = _subscription(db, direction="push", peer_organisation_id=make_organisation(db).id)  # port 9: closed
    for _ in range(3):
        sync.push(db, sub.id)
    with medallion_server() as server:
        service.update(
            db,
            who(coordinator(db)),
            sub.id,
            SubscriptionUpdate(
                api_root_url=server.api_root, remote_collection_id=server.collection_id, secret=MEDALLION_PASSWORD
            ),
        )
        sync.push(db, sub.id)
        sync.push(db, sub.id)
    actions = db.scalars(
        select(AuditRecord.action).where(
            AuditRecord.action.in_(("intel.subscription_failed", "intel.subscription_recovered"))
        )
    ).all()
    assert actions == ["intel.subscription_failed", "intel.subscription_recovered"]
    assert sub.last_error is None


def test_a_push_waits_for_a_version_to_settle(db: Session) -> None:
    """A version stamped a moment ago may belong to an import still running: it goes next time."""
    peer = make_organisation(db)
    fresh = store(db, indicator("198.51.100.170", TLP.GREEN), tlp=TLP.GREEN, added=a_moment_ago(5))
    with medallion_server() as server:
        sub = _push_to(db, server, peer.id)
        outcome = sync.push(db, sub.id)
        assert outcome is not None and outcome.objects == 0 and sub.cursor is None
        fresh.date_added = a_moment_ago(int(sync.SETTLE.total_seconds()) + 1)
        db.flush()
        outcome = sync.push(db, sub.id)
        assert outcome is not None and outcome.objects == 1
        assert [o["id"] for o in server.objects()] == [fresh.stix_id]
