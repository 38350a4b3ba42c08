"""Test harness: every test runs against SQLite and PostgreSQL, on a schema built by the migrations.

- `backend` (session scope, parametrised): one migrated database per backend for the run.
- `db`: a session inside a transaction that is rolled back after the test.
- `database`: a Database whose units of work are savepoints inside that transaction (what the app
  and the worker use in tests).
- `client`: the ASGI app over `database`, through httpx.
- `committing_database`: a database of its own, migrated and holding only what the migrations
  insert, for code that must really commit (concurrent workers, backup/restore, a live server for
  the browser). PostgreSQL ones come from a pool (`DatabasePool`) and are emptied after the test.
- `smtp_server` (tests/smtp.py): a real SMTP server on loopback; returns the messages it received.
- `new_database`: more databases of either backend (empty, or migrated), e.g. restore targets.

Under CI=true a PostgreSQL that cannot be reached fails the run; elsewhere those tests skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, delete, insert, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.ddl import sort_tables_and_constraints

from csirtnet.config import Settings, get_settings
from csirtnet.db import Database, make_engine, set_database
from csirtnet.migrate import upgrade
from tests.smtp import smtp_server  # noqa: F401 - a fixture every test may use

PG_URL = os.environ.get("CSIRTNET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# The CLIs print through rich, which wraps at the terminal's width, or 80 columns when there is none:
# a message naming a file under a long temporary path (pytest-xdist's workers add a folder to it)
# would wrap inside the words a test looks for. Set before any csirtnet module makes its consoles.
os.environ.setdefault("COLUMNS", "240")
BACKENDS = [b for b in os.environ.get("CSIRTNET_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("CSIRTNET_MAIL_ENABLED", "true")


def _pg_admin_engine() -> Engine:
    return make_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def postgres_or_skip() -> None:
    try:
        engine = _pg_admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        message = f"PostgreSQL at {PG_URL} is unreachable: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)


def create_pg_database() -> str:
    """A fresh, empty PostgreSQL database; returns its URL."""
    postgres_or_skip()
    name = f"csirtnet_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test's commits need not wait for the WAL to reach the disk: a crash of the machine loses
        # the throwaway database anyway. Every connection to it (the app's and the tests') inherits it.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
    return create_pg_database()


def dispose_url(kind: str, url: str) -> None:
    if kind == "postgresql":
        drop_pg_database(url)


@dataclass
class _Pristine:
    """A freshly migrated PostgreSQL database, as far as a reset has to restore it."""

    revision: str | None
    tables: dict[str, Table]  # reflected, in dependency order
    seeds: dict[str, list[dict[str, Any]]]  # the rows the migrations insert
    sequences: dict[str, tuple[int, bool]]  # name -> (last_value, is_called)


class DatabasePool:
    """Databases for the run's tests, reused. Creating and migrating a PostgreSQL database costs
    seconds and dropping one forces a checkpoint; emptying a used one costs a tenth of a second.
    A database that cannot be put back exactly as new (schema changed, locks held) is dropped.
    SQLite files are cheap: a copy of a template migrated once, or a new file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.created: list[str] = []
        self.free: dict[bool, list[str]] = {True: [], False: []}  # migrated? -> URLs
        self.pristine: _Pristine | None = None
        self.sqlite_template: Path | None = None

    def take(self, kind: str, *, migrated: bool) -> str:
        if kind == "sqlite":
            path = self.root / f"db-{uuid.uuid4().hex[:8]}.sqlite"
            if migrated:
                shutil.copyfile(self._sqlite_template(), path)
            return f"sqlite:///{path}"
        if self.free[migrated]:
            return self.free[migrated].pop()
        url = create_pg_database()
        self.created.append(url)
        if migrated:
            engine = make_engine(url, poolclass=NullPool)
            upgrade(engine)
            if self.pristine is None:
                self.pristine = _capture(engine)
            engine.dispose()
        return url

    def give_back(self, kind: str, url: str, *, migrated: bool) -> None:
        if kind == "sqlite":
            return
        engine = make_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                if migrated:
                    assert self.pristine is not None
                    _reset(conn, self.pristine)
                else:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            self.free[migrated].append(url)
        except Exception:  # noqa: BLE001 - not reusable: drop it
            engine.dispose()
            drop_pg_database(url)
            self.created.remove(url)
        finally:
            engine.dispose()

    def close(self) -> None:
        for url in self.created:
            drop_pg_database(url)

    def _sqlite_template(self) -> Path:
        if self.sqlite_template is None:
            path = self.root / "template.sqlite"
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            engine.dispose()  # the last connection checkpoints the WAL into the file
            self.sqlite_template = path
        return self.sqlite_template


def _capture(engine: Engine) -> _Pristine:
    from csirtnet.migrate import current_revision

    with engine.connect() as conn:
        reflected = MetaData()
        reflected.reflect(conn)
        order = [t for t, _fks in sort_tables_and_constraints(reflected.tables.values()) if t is not None]
        tables = {t.name: t for t in order if t.name != "alembic_version"}
        seeds = {name: [dict(r) for r in conn.execute(select(t)).mappings()] for name, t in tables.items()}
        sequences = {}
        for schema, name in conn.execute(
            text("SELECT sequence_schema, sequence_name FROM information_schema.sequences")
        ):
            row = conn.execute(text(f'SELECT last_value, is_called FROM "{schema}"."{name}"')).one()  # noqa: S608
            sequences[f'"{schema}"."{name}"'] = (int(row[0]), bool(row[1]))
        return _Pristine(current_revision(conn), tables, {k: v for k, v in seeds.items() if v}, sequences)


def _reset(conn: Connection, pristine: _Pristine) -> None:
    from csirtnet.migrate import current_revision

    if current_revision(conn) != pristine.revision:
        raise RuntimeError("the schema moved")
    present = set(inspect(conn).get_table_names()) - {"alembic_version"}
    if not set(pristine.tables) <= present:
        raise RuntimeError("a table is gone")
    for extra in present - set(pristine.tables):  # made by the test itself
        conn.execute(text(f'DROP TABLE "{extra}" CASCADE'))
    for table in reversed(pristine.tables.values()):
        conn.execute(delete(table))
    for sequence, (value, called) in pristine.sequences.items():
        conn.execute(text(f"SELECT setval('{sequence}', :v, :c)"), {"v": value, "c": called})
    for name, rows in pristine.seeds.items():
        conn.execute(insert(pristine.tables[name]), rows)


@pytest.fixture(scope="session")
def database_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabasePool]:
    pool = DatabasePool(tmp_path_factory.mktemp("pool"))
    yield pool
    pool.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    kind = str(request.param)
    url = fresh_url(kind, tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    upgrade(engine)
    yield kind, engine
    engine.dispose()
    dispose_url(kind, url)


@pytest.fixture
def backend_kind(backend: tuple[str, Engine]) -> str:
    return backend[0]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for one test: its own data directory, mail to a closed port unless a test opens one."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CSIRTNET_DATA_DIR", str(data))
    monkeypatch.setenv("CSIRTNET_SECRET_KEY", "test-secret-key-not-for-production")
    monkeypatch.setenv("CSIRTNET_IN_PROCESS_WORKER", "false")
    monkeypatch.setenv("CSIRTNET_LOG_JSON", "false")
    monkeypatch.setenv("CSIRTNET_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CSIRTNET_SMTP_PORT", "1")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def database(backend: tuple[str, Engine], settings: Settings) -> Iterator[Database]:
    _kind, engine = backend
    conn = engine.connect()
    outer = conn.begin()
    db = Database(engine, bind=conn)
    set_database(db)
    yield db
    set_database(None)
    outer.rollback()
    conn.close()


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    """A session for arranging and checking data; its changes vanish after the test."""
    session = database.session()
    yield session
    session.close()


@pytest.fixture
def committing_database(
    backend: tuple[str, Engine], settings: Settings, database_pool: DatabasePool
) -> Iterator[Database]:
    kind = backend[0]
    url = database_pool.take(kind, migrated=True)
    engine = make_engine(url)
    db = Database(engine)
    set_database(db)
    yield db
    set_database(None)
    engine.dispose()
    database_pool.give_back(kind, url, migrated=True)


@pytest.fixture
def new_database(database_pool: DatabasePool) -> Iterator[Callable[..., Database]]:
    """`new_database("sqlite" | "postgresql", migrated=False)`: another database for this test only,
    without any table (or, migrated, as `committing_database` is)."""
    made: list[tuple[str, str, bool, Database]] = []

    def make(kind: str, *, migrated: bool = False) -> Database:
        url = database_pool.take(kind, migrated=migrated)
        database = Database(make_engine(url))
        made.append((kind, url, migrated, database))
        return database

    yield make
    for kind, url, migrated, database in made:
        database.engine.dispose()
        database_pool.give_back(kind, url, migrated=migrated)


@pytest.fixture
def app(database: Database, settings: Settings):  # type: ignore[no-untyped-def]
    from csirtnet.app import create_app

    return create_app(settings, database, start_worker=False)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c
