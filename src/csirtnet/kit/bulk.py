"""Inserting many rows at once, fast on both databases.

SQLAlchemy's ORM bulk insert sends one statement per row on PostgreSQL (psycopg's pipelined
executemany): 30,000 deliveries took 1.7 s, and one multi-row INSERT per chunk is worse (compiling
a statement of thousands of VALUES took 9 s). On PostgreSQL the rows go through COPY on the
session's own connection (in its transaction); on SQLite, executemany of one prepared statement is
already fast. Measured in benchmarks/advisory_publish.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session


def _copy_value(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


def insert_rows(session: Session, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, column names) into `table`, in the session's transaction."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    session.flush()
    columns = list(rows[0])
    for name in columns:
        table.c[name]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name]) for name in columns])
