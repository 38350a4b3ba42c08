"""The matrix's world: built once per backend (module scope) in one transaction that is rolled
back at the end; every request of the matrix runs in a savepoint of its own, rolled back too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from csirtnet.app import create_app
from csirtnet.config import get_settings
from csirtnet.db import Database, set_database
from tests.security.seed import build, issue_tokens, log_in
from tests.security.world import World


@dataclass
class Matrix:
    world: World
    client: TestClient
    connection: Connection
    database: Database
    build_seconds: float
    secret_key: str


@pytest.fixture(scope="module")
def matrix(backend: tuple[str, Engine], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    kind, engine = backend
    data = Path(tmp_path_factory.mktemp("matrix-data"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CSIRTNET_DATA_DIR", str(data))
        env.setenv("CSIRTNET_SECRET_KEY", "matrix-secret-key-not-for-production")
        env.setenv("CSIRTNET_IN_PROCESS_WORKER", "false")
        env.setenv("CSIRTNET_LOG_JSON", "false")
        env.setenv("CSIRTNET_SMTP_HOST", "127.0.0.1")
        env.setenv("CSIRTNET_SMTP_PORT", "1")
        get_settings.cache_clear()
        started = time.perf_counter()
        connection = engine.connect()
        outer = connection.begin()
        database = Database(engine, bind=connection)
        set_database(database)
        try:
            with database.unit_of_work() as session:
                world = build(session, kind)
            app = create_app(get_settings(), database, start_worker=False)
            with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
                log_in(client, world)
                with database.unit_of_work() as session:
                    issue_tokens(session, world)
                seconds = time.perf_counter() - started
                yield Matrix(world, client, connection, database, seconds, app.state.secret_key)
        finally:
            set_database(None)
            outer.rollback()
            connection.close()
            get_settings.cache_clear()
