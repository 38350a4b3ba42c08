"""Engine, sessions and the unit of work: one transaction per request or job, committed at the edge.

Service functions never commit. The edge (an API request, a page, a job, a CLI command) opens a
unit of work, calls services, and commits once; hooks registered with `after_commit` run only
when that commit succeeded (see docs/adr/0001-transactions.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

import csirtnet.cache  # noqa: F401 - every session bumps the versions of the cached datasets it changes

_AFTER_COMMIT_KEY = "csirtnet_after_commit"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        connect_args = {"check_same_thread": False, "timeout": 30}
        if memory:
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    # PostgreSQL's JIT compiles a plan whose estimated cost is high, which costs a quarter of a
    # second; our queries are short and walk indexes, so it never pays (docs/benchmarks.md).
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("options", "-c jit=off")
    kwargs["connect_args"] = connect_args
    # No ping before each checkout: on this kind of VM it was a round trip that doubled the API's
    # p95 (18-22 ms -> 6-10 ms for a constituency lookup, docs/adr/0012). A connection the server
    # dropped fails one statement; SQLAlchemy then discards the whole pool and reconnects. Idle
    # connections are replaced before firewalls or poolers drop them.
    kwargs.setdefault("pool_recycle", 1800)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself so that writers can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes SQLite's write lock at BEGIN: a deferred transaction that reads and
        # then writes fails with SQLITE_BUSY when another writer committed in between.
        options = conn.get_execution_options()
        if options.get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get(WRITE_ON_DEMAND):
            conn.exec_driver_sql("BEGIN")
        # WRITE_ON_DEMAND: no BEGIN yet; see _take_lock_before_writing.

    @event.listens_for(engine, "before_cursor_execute")
    def _take_lock_before_writing(
        conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if conn.get_execution_options().get(WRITE_ON_DEMAND):
            _begin_immediate_unless_reading(conn, statement)


# A read unit of work on SQLite (ADR 0020). A deferred transaction fixes its snapshot at its first
# read and cannot become a writer once another writer has committed: the write a read path makes
# (an audit record of an export or of a TLP:RED read, a notification marked read) failed with
# "database is locked" whenever anyone else wrote meanwhile, busy timeout or not. So a read unit
# reads without a transaction (each statement sees what is committed, as PostgreSQL's READ
# COMMITTED does) and its first statement that is not a read opens BEGIN IMMEDIATE, which waits
# (busy timeout) for the write lock; from there on it is a writer like any other.
WRITE_ON_DEMAND = "sqlite_write_on_demand"
_READS = ("SELECT", "PRAGMA")


def _begin_immediate_unless_reading(conn: Connection, statement: str) -> None:
    dbapi = conn.connection.driver_connection
    if dbapi is None or dbapi.in_transaction:
        return
    if statement.lstrip()[:8].upper().startswith(_READS):
        return
    dbapi.execute("BEGIN IMMEDIATE")  # anything else (INSERT, UPDATE, DELETE, SAVEPOINT, …) writes


def hold_write_lock(session: Session) -> None:
    """From here on the session's transaction holds the database's write lock, so what it reads
    next is not changed under it until it commits (the audit chain's head). PostgreSQL callers
    take the lock they need (an advisory lock); on SQLite a writer holds it from BEGIN IMMEDIATE
    and a read unit of work takes it here."""
    conn = session.connection()
    if conn.dialect.name == "sqlite" and conn.get_execution_options().get(WRITE_ON_DEMAND):
        _begin_immediate_unless_reading(conn, "BEGIN IMMEDIATE")


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction: a change that raises inside leaves nothing behind, while the request's
    transaction keeps (and commits) what it did before, e.g. the audit of a read."""
    with session.begin_nested():
        yield


def is_sqlite(session_or_engine: Session | Engine | Connection) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run `hook` once the session's transaction has committed; never if it rolls back."""
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(hook)


class Database:
    """Holds the engine and hands out units of work. The app, the worker and the CLI each own one."""

    def __init__(self, engine: Engine, *, bind: Engine | Connection | None = None) -> None:
        self.engine = engine
        self._bind = bind if bind is not None else engine
        nested = isinstance(self._bind, Connection)
        self._factory = sessionmaker(
            bind=self._bind,
            expire_on_commit=False,
            autoflush=True,
            # In tests the bind is a connection inside a transaction that is rolled back.
            join_transaction_mode="create_savepoint" if nested else "conditional_savepoint",
        )
        self._writer_factory = (
            self._factory
            if nested or engine.dialect.name != "sqlite"
            else sessionmaker(bind=engine.execution_options(sqlite_immediate=True), expire_on_commit=False)
        )
        if not nested and engine.dialect.name == "sqlite":
            self._factory = sessionmaker(
                bind=engine.execution_options(**{WRITE_ON_DEMAND: True}), expire_on_commit=False, autoflush=True
            )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = False) -> Session:
        return (self._writer_factory if write else self._factory)()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose changes commit when the block ends and roll back when it raises."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
        finally:
            hooks: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT_KEY, [])
            session.close()
        for hook in hooks:
            hook()


_database: Database | None = None


def init_database(url: str) -> Database:
    global _database
    _database = Database(make_engine(url))
    return _database


def set_database(database: Database | None) -> None:
    global _database
    _database = database


def get_database() -> Database:
    if _database is None:
        from csirtnet.config import get_settings

        return init_database(get_settings().resolved_database_url)
    return _database
