"""Alembic, driven from code: the migrations ship inside the package (csirtnet/migrations)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import Connection


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "csirtnet:migrations")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine | Connection, revision: str = "head") -> None:
    cfg = alembic_config()
    if isinstance(engine, Connection):
        cfg.attributes["connection"] = engine
        command.upgrade(cfg, revision)
    else:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)


def downgrade(engine: Engine | Connection, revision: str = "base") -> None:
    """Migrate back to `revision` (restore uses it on an empty schema that is ahead of an archive)."""
    cfg = alembic_config()
    if isinstance(engine, Connection):
        cfg.attributes["connection"] = engine
        command.downgrade(cfg, revision)
    else:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()
