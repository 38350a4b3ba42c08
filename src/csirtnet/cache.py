"""In-process copies of data that is read on every request and changes rarely (the constituency
index, the deadline profiles), exact across processes and transactions (docs/adr/0011).

Every change to a table behind a dataset sets that dataset's row in `data_version` to a new
random number, in the same transaction as the change: ORM flushes and ORM bulk statements are
caught by the session events below, whatever code made them. A reader compares the version its
copy was built from with the current one (one primary-key read in its own transaction) and
rebuilds when they differ. A version names one state of the data: a rolled-back change takes its
version with it, and a restored backup brings the version of the state it restores (restore sets
new versions anyway). Writes that bypass the ORM (a raw connection) must call `bump` themselves.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any, Generic, TypeVar

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from csirtnet.models import ConstituencyClaim, DataVersion, DeadlineProfile, DeadlineRule, Organisation

T = TypeVar("T")

CONSTITUENCY = "constituency"
DEADLINE_PROFILES = "deadline_profiles"


@dataclass(frozen=True)
class _Watch:
    dataset: str
    attributes: frozenset[str] | None = None  # None: any change; else only changes to these


# Which tables feed which dataset. Central on purpose: a process that writes a claim must bump the
# version even if it never imported the code that reads the cache.
WATCHED: dict[type[Any], _Watch] = {
    ConstituencyClaim: _Watch(CONSTITUENCY),
    # The index carries each owner's name and member code; new organisations own no claims yet.
    Organisation: _Watch(CONSTITUENCY, frozenset({"name", "member_code"})),
    DeadlineProfile: _Watch(DEADLINE_PROFILES),
    DeadlineRule: _Watch(DEADLINE_PROFILES),
}
DATASETS = frozenset(w.dataset for w in WATCHED.values())


def bump(conn: Connection, dataset: str) -> None:
    """Give `dataset` a new version in the transaction of `conn`."""
    value = secrets.randbits(62)
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(DataVersion).values(name=dataset, version=value)
    conn.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"version": value}))


def current_version(session: Session, dataset: str) -> int | None:
    return session.scalar(select(DataVersion.version).where(DataVersion.name == dataset))


def _changed_datasets(session: Session) -> set[str]:
    found: set[str] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        watch = WATCHED.get(type(obj))
        if watch is None or watch.dataset in found:
            continue
        state = inspect(obj)
        if state.pending:
            if watch.attributes is None:
                found.add(watch.dataset)
        elif state.deleted or obj in session.deleted:
            found.add(watch.dataset)
        elif watch.attributes is None:
            if session.is_modified(obj, include_collections=False):
                found.add(watch.dataset)
        elif any(state.attrs[name].history.has_changes() for name in watch.attributes):
            found.add(watch.dataset)
    return found


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _flush: UOWTransaction, _instances: Iterable[object] | None) -> None:
    datasets = _changed_datasets(session)
    if datasets:
        conn = session.connection()
        for dataset in sorted(datasets):
            bump(conn, dataset)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    watch = WATCHED.get(mapper.class_) if mapper is not None else None
    if watch is not None:
        bump(state.session.connection(), watch.dataset)


class VersionedCache(Generic[T]):
    """One process-wide copy of a dataset, rebuilt when its version moved.

    `get(session)` returns the copy when it is current. When it is not, the calling thread builds a
    new one with `build(session)` — unless another thread is already building, in which case it
    returns None and the caller reads the database directly, so nobody waits for a build.
    """

    def __init__(self, dataset: str, build: Callable[[Session], T]) -> None:
        if dataset not in DATASETS:
            raise ValueError(f"{dataset!r} is not a watched dataset (csirtnet.cache.WATCHED)")
        self.dataset = dataset
        self._build = build
        self._entry: tuple[int, T] | None = None
        self._building = threading.Lock()
        self.builds = 0  # for tests and metrics

    def get(self, session: Session) -> T | None:
        version = current_version(session, self.dataset)
        if version is None:  # a database older than its migrations' seed: never trust a copy
            return self._build(session)
        entry = self._entry
        if entry is not None and entry[0] == version:
            return entry[1]
        if not self._building.acquire(blocking=False):
            return None
        try:
            value = self._build(session)
            self._entry = (version, value)
            self.builds += 1
            return value
        finally:
            self._building.release()

    def clear(self) -> None:
        self._entry = None
