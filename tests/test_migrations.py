"""The migrations: one linear history, reversible, and building exactly the schema the models describe."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from csirtnet.db import Database
from csirtnet.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from csirtnet.models import Base


def differences(engine: Engine) -> list[object]:
    """What autogenerate would write: tables, columns, types, nullability, indexes, constraints."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "two heads: rebase your migration on the newest one"
    for revision in script.walk_revisions():
        down = revision.down_revision
        assert down is None or isinstance(down, str), f"{revision.revision} merges branches"


def test_models_match_the_migrated_schema(backend: tuple[str, Engine]) -> None:
    _kind, engine = backend  # migrated from empty to head by the fixture
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    assert differences(engine) == []


def test_downgrade_to_base_and_upgrade_again(new_database: Callable[..., Database], backend_kind: str) -> None:
    engine = new_database(backend_kind).engine
    upgrade(engine)
    downgrade(engine, "base")
    with engine.connect() as conn:
        assert current_revision(conn) is None
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}, "downgrade leaves tables behind"
        if backend_kind == "postgresql":
            assert inspect(conn).get_enums() == [], "downgrade leaves enum types behind"
    upgrade(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    assert differences(engine) == []
