"""incident and incident_report search by words (kit.search, ADR 0013): `search_words` replaces
`search_fold`; on PostgreSQL a tsvector with a GIN index replaces the trigram index, whose
intersections of very common trigrams made rare phrases slow at 1,000,000 incidents

Existing rows are filled from their folded text (`words(search_fold)` is what the service would
store), in batches of BATCH ids. Downgrade stores the words back as the folded text: the substring
search of 0008 then finds what it found, except inside a word.

At 1,000,000 incidents on PostgreSQL the upgrade took 7 minutes (benchmarks/incidents_load.py's
database, 2 cores); the table keeps the dropped column's space until `VACUUM FULL incident` (or
pg_repack) rewrites it (docs/operations.md).

Revision ID: 0009_search_words
Revises: 0008_data_version
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from csirtnet.kit.search import SearchWords, tsvector_literal, words

revision: str = "0009_search_words"
down_revision: str | Sequence[str] | None = "0008_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"incident": "ix_incident_search_words", "incident_report": "ix_incident_report_search_words"}
BATCH = 5000


def _convert(table: str, source: str, target: str, convert: Callable[[str], str]) -> None:
    """Fill `target` from `source` for every row, batch by batch in id order."""
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    last = 0
    while True:
        rows = bind.execute(
            sa.text(f"SELECT id, {source} FROM {table} WHERE id > :last ORDER BY id LIMIT :n"),  # noqa: S608
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        values = [(row[0], convert(row[1] or "")) for row in rows]
        if postgresql:
            cast = "tsvector" if target == "search_words" else "text"
            bind.execute(
                sa.text(
                    f"UPDATE {table} AS t SET {target} = CAST(v.value AS {cast}) "  # noqa: S608
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:values AS text[])) AS v(id, value) WHERE t.id = v.id"
                ),
                {"ids": [v[0] for v in values], "values": [v[1] for v in values]},
            )
        else:
            bind.execute(
                sa.text(f"UPDATE {table} SET {target} = :value WHERE id = :id"),  # noqa: S608
                [{"id": i, "value": value} for i, value in values],
            )


def _words_for_the_database(text: str) -> str:
    stored = words(text)
    return tsvector_literal(stored) if op.get_bind().dialect.name == "postgresql" else stored


def _text_of(value: str) -> str:
    # A tsvector arrives as its text form ('a' 'b'); SearchWords reads it back to " a b ".
    if op.get_bind().dialect.name == "postgresql":
        value = SearchWords().process_result_value(value, op.get_bind().dialect) or ""
    return value.strip()


def upgrade() -> None:
    # The trigram index goes first: every row is rewritten, and it would be updated for each.
    op.drop_index("ix_incident_search_trgm", table_name="incident")
    for table in TABLES:
        op.add_column(table, sa.Column("search_words", SearchWords(), server_default="", nullable=False))
        _convert(table, "search_fold", "search_words", _words_for_the_database)
    for table, index in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_fold")
        op.create_index(index, table, ["search_words"], unique=False, postgresql_using="gin")
    if op.get_bind().dialect.name == "postgresql":
        # The planner's frequencies of the most common words (10 per unit of target): with the
        # default it takes a common search word for a rare one (as 0007 found for the trigrams).
        op.execute("ALTER TABLE incident ALTER COLUMN search_words SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE incident ALTER COLUMN search_words SET STATISTICS -1")
    for table, index in TABLES.items():
        op.drop_index(index, table_name=table)
        op.add_column(table, sa.Column("search_fold", sa.Text(), server_default="", nullable=False))
        _convert(table, "search_words", "search_fold", _text_of)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_words")
    op.create_index(
        "ix_incident_search_trgm",
        "incident",
        ["search_fold"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_fold": "gin_trgm_ops"},
    )
