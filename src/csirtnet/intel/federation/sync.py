"""Running a subscription: pull a remote TAXII 2.1 collection into a local one, or push to it what
the peer organisation may see. The jobs of intel.federation.tasks call these; they hold the rules.

Pull. Pages through the remote collection with `added_after` = the cursor (the remote's
`X-TAXII-Date-Added-Last` of the last page stored), following `next` within a run. Each page goes
through the one ingestion engine (`intel.ingest.run`: idempotent, TLP from the markings, one audit
record per import) inside a savepoint together with the cursor's advance: a page is stored with
its cursor or not at all. A remote that fails (unreachable, refusing the account, not TAXII)
records `last_error` and leaves the cursor where the last stored page put it; the next run starts
from there. A run stops after MAX_PAGES pages and queues the next at once; it then resumes one
microsecond before the cursor, so objects the remote stamped with the same moment on both sides of
the stop are read again (a no-op for the engine) rather than lost. A run only stops once its cursor
has moved past where it started, so even more than MAX_PAGES pages stamped with one moment (a
large bundle added at once) cannot hold a subscription in place.

Push. Reads the local collection's STIX object versions added after the cursor ("<date_added
ISO>|<row id>", a keyset) that the PEER ORGANISATION may read — `authz.intel.visible_stix_clause`
of a subject of that organisation (`authz.derived.organisation_reader`: a member named on nothing,
so no TLP:RED, and TLP:AMBER or AMBER+STRICT only of the peer's own) — and posts them as envelopes of
PUSH_CHUNK objects, built from the stored bodies without parsing them again. The cursor moves past a
chunk only once the remote's status says it is complete; objects the remote refused are counted and
named (by id) in `last_error`, never retried forever. Only versions added SETTLE ago or earlier are
read: a version is stamped when its transaction writes it and seen when that commits, so a long import
still running may commit versions stamped before a cursor another run has already moved past them.

A run talks to the remote first and writes afterwards: on SQLite the job's own unit of work holds the
database's write lock from its first statement, so what the run reads while the remote answers it
reads through a session of its own (`_reader`), and the pages are stored (or the push cursor moved)
once the remote is done. A run is bounded (MAX_PAGES, MAX_CHUNKS, the client's timeouts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.authz.derived import organisation_reader
from csirtnet.db import savepoint
from csirtnet.integrations.taxii import Page, RemoteCollection, TaxiiError, collection_url, envelope_of
from csirtnet.intel.federation import sealing
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import IndicatorOrigin, StixObject, TaxiiSubscription
from csirtnet.vocabulary.enums import TLP

PAGE_LIMIT = 1000  # objects asked per page of a pull
MAX_PAGES = 20  # pages per pull run (held in memory until the remote is done: 20,000 objects at most)
PUSH_CHUNK = 500  # objects per envelope of a push
MAX_CHUNKS = 50  # envelopes per push run
# How long a version waits before a push reads it: longer than an import's transaction (module page).
SETTLE = timedelta(minutes=5)
# What the engine marks an object that carries no TLP marking: the remote told us nothing, so the
# object stays with the coordinating body until someone re-marks it.
DEFAULT_TLP = TLP.AMBER

# (API root URL, remote collection id, username, password) -> the remote collection.
RemoteFactory = Callable[[str, str, str | None, str | None], RemoteCollection]


@dataclass(frozen=True)
class RunOutcome:
    subscription_id: int
    direction: str
    objects: int  # pulled and handed to the engine, or sent and accepted
    refused: int  # the remote refused (push)
    more: bool  # the run stopped at its bound with more waiting
    error: str | None


def default_remote(
    api_root_url: str, collection_id: str, username: str | None, password: str | None
) -> RemoteCollection:
    return RemoteCollection(api_root_url, collection_id, username=username, password=password)


def _locked(session: Session, subscription_id: int) -> TaxiiSubscription | None:
    """The subscription, locked for this run on PostgreSQL (two runs of one subscription queue)."""
    return session.scalar(
        select(TaxiiSubscription)
        .where(TaxiiSubscription.id == subscription_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # as another run may have left it
    )


def _platform(sub: TaxiiSubscription) -> Subject:
    return Subject.system(f"subscription:{sub.id}")


def _parse_moment(text: str) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def _stix_moment(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _resume_after(cursor: str | None) -> str | None:
    """added_after for the next run: one microsecond before the cursor (see the module page)."""
    if not cursor:
        return None
    moment = _parse_moment(cursor)
    return _stix_moment(moment - timedelta(microseconds=1)) if moment else None


def _later(current: str | None, candidate: str | None) -> str | None:
    if not candidate:
        return current
    new, old = _parse_moment(candidate), _parse_moment(current) if current else None
    if new is None:
        return current
    return candidate if old is None or new > old else current


def _finish(session: Session, sub: TaxiiSubscription, outcome: RunOutcome) -> RunOutcome:
    """Record the run on the subscription. A failure is audited when it starts or changes (a remote
    down for a day is one record, not one per interval); a run that succeeds again after one is too."""
    previous = sub.last_error
    sub.last_run_at = utcnow()
    sub.last_error = outcome.error
    session.flush()
    if outcome.error is None and previous is not None:
        audit.record(session, _platform(sub), "intel.subscription_recovered", sub, direction=sub.direction)
    if outcome.error is not None and outcome.error != previous:
        audit.record(
            session,
            _platform(sub),
            "intel.subscription_failed",
            sub,
            direction=sub.direction,
            error=outcome.error[:500],
            objects=outcome.objects,
        )
    return outcome


@dataclass(frozen=True)
class _Plan:
    """What a run needs of its subscription, read before the run takes any lock."""

    id: int
    direction: str
    api_root_url: str
    remote_collection_id: str
    collection: str
    username: str | None
    secret_ciphertext: str | None
    peer_organisation_id: int | None
    cursor: str | None


@contextmanager
def _reader(session: Session) -> Iterator[Session]:
    """A session of its own for the part of a run that waits on the remote, closed before the
    remote is called: the job's own session must not hold a transaction meanwhile. On SQLite it
    would hold the write lock from its first statement (a worker's unit of work begins IMMEDIATE)
    and stop every writer of the platform while a partner answers; on PostgreSQL it would sit idle
    in transaction, holding its locks and its snapshot. In tests, inside the test's transaction
    (a session bound to a connection), the run's own session reads."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        yield session
        return
    engine = bind.execution_options(sqlite_immediate=False) if bind.dialect.name == "sqlite" else bind
    reader = Session(bind=engine)
    try:
        yield reader
    finally:
        reader.rollback()
        reader.close()


def _end_read(reader: Session, session: Session) -> None:
    """End the reader's transaction before the remote is called (the rows read are plain values)."""
    if reader is not session:
        reader.rollback()


def _plan(session: Session, subscription_id: int) -> _Plan | None:
    with _reader(session) as reader:
        sub = reader.get(TaxiiSubscription, subscription_id)
        if sub is None:
            return None
        return _Plan(
            sub.id,
            sub.direction,
            sub.api_root_url,
            sub.remote_collection_id,
            sub.collection,
            sub.username,
            sub.secret_ciphertext,
            sub.peer_organisation_id,
            sub.cursor,
        )


def _remote(plan: _Plan, remote: RemoteFactory) -> RemoteCollection:
    password = sealing.unseal(plan.secret_ciphertext) if plan.secret_ciphertext else None
    return remote(plan.api_root_url, plan.remote_collection_id, plan.username, password)


def pull(session: Session, subscription_id: int, *, remote: RemoteFactory = default_remote) -> RunOutcome | None:
    """One pull run (see the module page); None when there is no such pull subscription."""
    from csirtnet.intel import ingest

    plan = _plan(session, subscription_id)
    if plan is None or plan.direction != "pull":
        return None
    # First the remote, without any lock: the pages of this run (bounded) and where each ends.
    fetched: list[Page] = []
    more, error = False, None
    try:
        with _remote(plan, remote) as client:
            reached = plan.cursor
            for pages, page in enumerate(client.pages(added_after=_resume_after(plan.cursor), limit=PAGE_LIMIT), 1):
                fetched.append(page)
                reached = _later(reached, page.date_added_last)
                if page.more and pages >= MAX_PAGES and reached != plan.cursor:
                    more = True
                    break
    except (TaxiiError, sealing.SealError) as exc:
        error = str(exc)
    # Then the database: each page stored with its cursor, or not at all.
    sub = _locked(session, subscription_id)
    if sub is None:
        return None
    source = collection_url(plan.api_root_url, plan.remote_collection_id)
    objects = 0
    for page in fetched:
        with savepoint(session):
            if page.objects:
                row = ingest.run(
                    session,
                    _platform(sub),
                    page.objects,
                    collection=sub.collection,
                    source=source,
                    fmt="stix",
                    origin=IndicatorOrigin.TAXII,
                    default_tlp=DEFAULT_TLP,
                )
                sub.last_import_id = row.id
            sub.cursor = _later(sub.cursor, page.date_added_last)
            session.flush()
        objects += len(page.objects)
    return _finish(session, sub, RunOutcome(sub.id, "pull", objects, 0, more, error))


def _push_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor or "|" not in cursor:
        return None
    moment, _, ident = cursor.rpartition("|")
    parsed = _parse_moment(moment)
    return (parsed, int(ident)) if parsed is not None and ident.isdigit() else None


def pending_for_peer(
    session: Session, collection: str, peer_organisation_id: int, cursor: str | None, *, limit: int
) -> list[tuple[int, datetime, str]]:
    """The next object versions of the local collection the peer organisation may read, after the
    push cursor: (row id, date_added, body), oldest first."""
    peer = organisation_reader(peer_organisation_id)
    query = select(StixObject.id, StixObject.date_added, StixObject.body).where(
        StixObject.collection == collection,
        StixObject.date_added <= utcnow() - SETTLE,
        intel_authz.visible_stix_clause(peer),
    )
    after = _push_cursor(cursor)
    if after is not None:
        moment, ident = after
        query = query.where(
            or_(StixObject.date_added > moment, and_(StixObject.date_added == moment, StixObject.id > ident))
        )
    rows = session.execute(query.order_by(StixObject.date_added, StixObject.id).limit(limit)).all()
    return [(int(r.id), as_utc(r.date_added), str(r.body)) for r in rows]


def push(session: Session, subscription_id: int, *, remote: RemoteFactory = default_remote) -> RunOutcome | None:
    """One push run (see the module page); None when there is no such push subscription."""
    plan = _plan(session, subscription_id)
    if plan is None or plan.direction != "push":
        return None
    sent, refused, more, error = 0, 0, False, None
    refused_ids: list[str] = []
    reached = plan.cursor
    peer = plan.peer_organisation_id
    if peer is None:
        error = "The peer organisation is gone: nothing is sent"
    else:
        try:
            with _reader(session) as reader:
                chunk = pending_for_peer(reader, plan.collection, peer, reached, limit=PUSH_CHUNK)
                _end_read(reader, session)
                if chunk:
                    with _remote(plan, remote) as client:
                        chunks = 0
                        while chunk:
                            result = client.add(envelope_of([body for _, _, body in chunk]))
                            if not result.complete:
                                error = (
                                    f"The remote had not finished adding the objects (status {result.status_id}: "
                                    f"{result.pending_count} pending); they are sent again next time"
                                )
                                break
                            last_id, last_added, _ = chunk[-1]
                            reached = f"{last_added.isoformat()}|{last_id}"
                            sent += result.success_count
                            refused += result.failure_count
                            refused_ids += [str(f.get("id")) for f in result.failures][: max(0, 10 - len(refused_ids))]
                            chunks += 1
                            chunk = pending_for_peer(reader, plan.collection, peer, reached, limit=PUSH_CHUNK)
                            _end_read(reader, session)
                            if chunk and chunks >= MAX_CHUNKS:
                                more = True
                                break
        except (TaxiiError, sealing.SealError) as exc:
            error = str(exc)
    if error is None and refused:
        error = f"The remote refused {refused} object(s): " + ", ".join(refused_ids)
    sub = _locked(session, subscription_id)
    if sub is None:
        return None
    if _later_push(sub.cursor, reached):
        sub.cursor = reached  # past what the remote accepted, and only that
    if sent or refused:
        audit.record(
            session,
            _platform(sub),
            "intel.subscription_pushed",
            sub,
            accepted=sent,
            refused=refused,
            peer_organisation_id=sub.peer_organisation_id,
        )
    return _finish(session, sub, RunOutcome(sub.id, "push", sent, refused, more, error))


def _later_push(current: str | None, candidate: str | None) -> bool:
    new = _push_cursor(candidate)
    if new is None:
        return False
    old = _push_cursor(current)
    return old is None or new > old
