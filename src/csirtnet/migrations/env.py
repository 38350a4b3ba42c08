"""Alembic environment: uses the connection handed in by csirtnet.migrate, or the configured URL."""

from __future__ import annotations

from alembic import context

from csirtnet.models import Base

target_metadata = Base.metadata
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from csirtnet.config import get_settings
        from csirtnet.db import make_engine

        url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
        engine = make_engine(url)
        with engine.begin() as conn:
            _migrate(conn)
        engine.dispose()
    else:
        _migrate(connection)


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
