"""incident and incident_report search by words (kit.search, ADR 0013): `search_words` replaces
`search_fold`; on PostgreSQL a GIN index over csirtnet_search_lexemes(search_words) replaces the
trigram index, whose intersections of very common trigrams made rare phrases slow at 1,000,000
incidents

Existing rows are filled from their folded text (`words(search_fold)` is what the service would
store), in batches of BATCH ids. Downgrade stores the words back as the folded text: the substring
search of 0008 then finds what it found, except inside a word. docs/operations.md ("Upgrades that
rewrite data") gives the time it takes on a large database.

Revision ID: 0009_search_words
Revises: 0008_data_version
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from csirtnet.kit.search import words

revision: str = "0009_search_words"
down_revision: str | Sequence[str] | None = "0008_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"incident": "ix_incident_search_words", "incident_report": "ix_incident_report_search_words"}
BATCH = 5000

# Each word of " w1 w2 … ", and each beginning of 3 to 16 characters of each word marked "~"
# (kit.search: PREFIX_MAX = 16, PREFIX_MARK = "~"; tests/kit/test_search.py compares the two).
# COST 1000: the planner tests cheaper conditions on a row first. SET search_path: an index
# function must not depend on the caller's path, and a function with SET is never inlined (inlined,
# its declared cost would be lost and the planner would build a tsvector before trying the LIKEs).
LEXEMES_FUNCTION = """
CREATE FUNCTION csirtnet_search_lexemes(words text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 SET search_path = pg_catalog AS $$
SELECT array_to_tsvector(ARRAY(
    SELECT w FROM unnest(string_to_array(btrim(words), ' ')) AS w WHERE w <> ''
    UNION
    SELECT '~' || left(w, k)
    FROM unnest(string_to_array(btrim(words), ' ')) AS w, generate_series(3, least(length(w), 16)) AS k
    WHERE w <> ''
))
$$
"""


def _convert(table: str, source: str, target: str, convert: Callable[[str], str]) -> None:
    """Fill `target` from `source` for every row, batch by batch in id order."""
    bind = op.get_bind()
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
        if bind.dialect.name == "postgresql":
            bind.execute(
                sa.text(
                    f"UPDATE {table} AS t SET {target} = v.value "  # noqa: S608
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:values AS text[])) AS v(id, value) WHERE t.id = v.id"
                ),
                {"ids": [v[0] for v in values], "values": [v[1] for v in values]},
            )
        else:
            bind.execute(
                sa.text(f"UPDATE {table} SET {target} = :value WHERE id = :id"),  # noqa: S608
                [{"id": i, "value": value} for i, value in values],
            )


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    # The trigram index goes first: every row is rewritten, and it would be updated for each.
    op.drop_index("ix_incident_search_trgm", table_name="incident")
    for table in TABLES:
        op.add_column(table, sa.Column("search_words", sa.Text(), server_default="", nullable=False))
        _convert(table, "search_fold", "search_words", words)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_fold")
    if postgresql:
        op.execute(LEXEMES_FUNCTION)
        for table, index in TABLES.items():
            op.execute(f"CREATE INDEX {index} ON {table} USING gin (csirtnet_search_lexemes(search_words))")
        # The planner's shares of the most common lexemes (10 per unit of target); with the default
        # it takes a common search word for a rare one (as 0007 found for the trigrams).
        op.execute("ALTER INDEX ix_incident_search_words ALTER COLUMN 1 SET STATISTICS 1000")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for index in TABLES.values():
            op.execute(f"DROP INDEX {index}")
        op.execute("DROP FUNCTION csirtnet_search_lexemes(text)")
    for table in TABLES:
        op.add_column(table, sa.Column("search_fold", sa.Text(), server_default="", nullable=False))
        _convert(table, "search_words", "search_fold", str.strip)
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
