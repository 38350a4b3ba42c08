"""data_version: the version of each cached dataset, set to a new random value with every change
(csirtnet/cache.py); seeded for the datasets cached so far

Revision ID: 0008_data_version
Revises: 0007_incident_indexes
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_data_version"
down_revision: str | Sequence[str] | None = "0007_incident_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_version")),
    )
    op.bulk_insert(
        table,
        [{"name": name, "version": secrets.randbits(62)} for name in ("constituency", "deadline_profiles")],
    )


def downgrade() -> None:
    op.drop_table("data_version")
