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
so no TLP:RED, no TLP:AMBER+STRICT of another organisation) — and posts them as envelopes of
PUSH_CHUNK objects, built from the stored bodies without parsing them again. The cursor moves past a
chunk only once the remote's status says it is complete; objects the remote refused are counted and
named (by id) in `last_error`, never retried forever.

On SQLite the job's unit of work holds the database's write lock while it talks to the remote; a run
is bounded (MAX_PAGES, MAX_CHUNKS, the client's timeouts) so the lock is too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.authz.derived import organisation_reader
from csirtnet.db import savepoint
from csirtnet.integrations.taxii import RemoteCollection, TaxiiError, collection_url, envelope_of
from csirtnet.intel.federation import sealing
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import IndicatorOrigin, StixObject, TaxiiSubscription
from csirtnet.vocabulary.enums import TLP

PAGE_LIMIT = 1000  # objects asked per page of a pull
MAX_PAGES = 50  # pages per pull run
PUSH_CHUNK = 500  # objects per envelope of a push
MAX_CHUNKS = 50  # envelopes per push run
# What the engine marks an object that carries no TLP marking: the remote told us nothing, so the
# object stays with the coordinating body until someone re-marks it.
DEFAULT_TLP = TLP.AMBER

RemoteFactory = Callable[[TaxiiSubscription, str | None], RemoteCollection]


@dataclass(frozen=True)
class RunOutcome:
    subscription_id: int
    direction: str
    objects: int  # pulled and handed to the engine, or sent and accepted
    refused: int  # the remote refused (push)
    more: bool  # the run stopped at its bound with more waiting
    error: str | None


def default_remote(sub: TaxiiSubscription, password: str | None) -> RemoteCollection:
    return RemoteCollection(sub.api_root_url, sub.remote_collection_id, username=sub.username, password=password)


def _locked(session: Session, subscription_id: int) -> TaxiiSubscription | None:
    """The subscription, locked for this run on PostgreSQL (two runs of one subscription queue)."""
    return session.scalar(select(TaxiiSubscription).where(TaxiiSubscription.id == subscription_id).with_for_update())


def _platform(sub: TaxiiSubscription) -> Subject:
    return Subject.system(f"subscription:{sub.id}")


def _password(sub: TaxiiSubscription) -> str | None:
    return sealing.unseal(sub.secret_ciphertext) if sub.secret_ciphertext else None


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
    sub.last_run_at = utcnow()
    sub.last_error = outcome.error
    session.flush()
    if outcome.error is not None:
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


def pull(session: Session, subscription_id: int, *, remote: RemoteFactory = default_remote) -> RunOutcome | None:
    """One pull run (see the module page); None when there is no such pull subscription."""
    from csirtnet.intel import ingest

    sub = _locked(session, subscription_id)
    if sub is None or sub.direction != "pull":
        return None
    objects, more, error = 0, False, None
    started_at = sub.cursor
    try:
        password = _password(sub)
        source = collection_url(sub.api_root_url, sub.remote_collection_id)
        with remote(sub, password) as client:
            for pages, page in enumerate(client.pages(added_after=_resume_after(sub.cursor), limit=PAGE_LIMIT), 1):
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
                if page.more and pages >= MAX_PAGES and sub.cursor != started_at:
                    more = True
                    break
    except (TaxiiError, sealing.SealError) as exc:
        error = str(exc)
    return _finish(session, sub, RunOutcome(sub.id, "pull", objects, 0, more, error))


def _push_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor or "|" not in cursor:
        return None
    moment, _, ident = cursor.rpartition("|")
    parsed = _parse_moment(moment)
    return (parsed, int(ident)) if parsed is not None and ident.isdigit() else None


def _peer(sub: TaxiiSubscription) -> Subject | None:
    return organisation_reader(sub.peer_organisation_id) if sub.peer_organisation_id is not None else None


def pending_for_peer(session: Session, sub: TaxiiSubscription, *, limit: int) -> list[tuple[int, datetime, str]]:
    """The next object versions of the local collection the peer may read, after the cursor:
    (row id, date_added, body), oldest first."""
    peer = _peer(sub)
    if peer is None:
        return []
    query = select(StixObject.id, StixObject.date_added, StixObject.body).where(
        StixObject.collection == sub.collection, intel_authz.visible_stix_clause(peer)
    )
    after = _push_cursor(sub.cursor)
    if after is not None:
        moment, ident = after
        query = query.where(
            or_(StixObject.date_added > moment, and_(StixObject.date_added == moment, StixObject.id > ident))
        )
    rows = session.execute(query.order_by(StixObject.date_added, StixObject.id).limit(limit)).all()
    return [(int(r.id), r.date_added, str(r.body)) for r in rows]


def push(session: Session, subscription_id: int, *, remote: RemoteFactory = default_remote) -> RunOutcome | None:
    """One push run (see the module page); None when there is no such push subscription."""
    sub = _locked(session, subscription_id)
    if sub is None or sub.direction != "push":
        return None
    if sub.peer_organisation_id is None:
        outcome = RunOutcome(sub.id, "push", 0, 0, False, "The peer organisation is gone: nothing is sent")
        return _finish(session, sub, outcome)
    sent, refused, more, error = 0, 0, False, None
    refused_ids: list[str] = []
    try:
        chunk = pending_for_peer(session, sub, limit=PUSH_CHUNK)
        if chunk:
            password = _password(sub)
            with remote(sub, password) as client:
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
                    sub.cursor = f"{as_utc(last_added).isoformat()}|{last_id}"
                    session.flush()
                    sent += result.success_count
                    refused += result.failure_count
                    refused_ids += [str(f.get("id")) for f in result.failures][: max(0, 10 - len(refused_ids))]
                    chunks += 1
                    chunk = pending_for_peer(session, sub, limit=PUSH_CHUNK)
                    if chunk and chunks >= MAX_CHUNKS:
                        more = True
                        break
    except (TaxiiError, sealing.SealError) as exc:
        error = str(exc)
    if error is None and refused:
        error = f"The remote refused {refused} object(s): " + ", ".join(refused_ids)
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
