"""Test harness: every test runs against SQLite and PostgreSQL, on a schema built by the migrations.

- `backend` (session scope, parametrised): one migrated database per backend for the run.
- `db`: a session inside a transaction that is rolled back after the test.
- `database`: a Database whose units of work are savepoints inside that transaction (what the app
  and the worker use in tests).
- `client`: the ASGI app over `database`, through httpx.
- `committing_database`: a fresh database of its own, for code that must really commit
  (concurrent workers, backup/restore, a live server for the browser).
- `smtp_server` (tests/smtp.py): a real SMTP server on loopback; returns the messages it received.
- `new_database`: makes more fresh, empty databases (no schema) of either backend, e.g. restore targets.

Under CI=true a PostgreSQL that cannot be reached fails the run; elsewhere those tests skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from csirtnet.config import Settings, get_settings
from csirtnet.db import Database, make_engine, set_database
from csirtnet.migrate import upgrade
from tests.smtp import smtp_server  # noqa: F401 - a fixture every test may use

PG_URL = os.environ.get("CSIRTNET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
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
    request: pytest.FixtureRequest, backend: tuple[str, Engine], settings: Settings, tmp_path: Path
) -> Iterator[Database]:
    kind = backend[0]
    url = fresh_url(kind, tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    set_database(db)
    yield db
    set_database(None)
    engine.dispose()
    dispose_url(kind, url)


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """`new_database("sqlite" | "postgresql")`: an empty database without a schema, dropped after the test."""
    made: list[tuple[str, str, Database]] = []

    def make(kind: str) -> Database:
        url = fresh_url(kind, tmp_path)
        database = Database(make_engine(url))
        made.append((kind, url, database))
        return database

    yield make
    for kind, url, database in made:
        database.engine.dispose()
        dispose_url(kind, url)


@pytest.fixture
def app(database: Database, settings: Settings):  # type: ignore[no-untyped-def]
    from csirtnet.app import create_app

    return create_app(settings, database, start_worker=False)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c
