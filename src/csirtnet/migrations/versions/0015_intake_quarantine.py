"""Email the intake could not file, kept whole (raw bytes in the content store) with the reason
for the coordinators, until one releases it as a report or discards it (issue 10, item 10)

Revision ID: 0015_intake_quarantine
Revises: 0014_workspace
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import csirtnet.models.base

revision: str = "0015_intake_quarantine"
down_revision: str | Sequence[str] | None = "0014_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_quarantine",
        sa.Column("received_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("raw_size", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("peer", sa.String(length=64), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("discard_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_intake_quarantine_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["incident_report.id"],
            name=op.f("fk_intake_quarantine_report_id_incident_report"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_quarantine")),
    )
    with op.batch_alter_table("intake_quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_quarantine_raw_sha256"), ["raw_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_quarantine_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_quarantine_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_quarantine_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intake_quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_quarantine_status"))
        batch_op.drop_index(batch_op.f("ix_intake_quarantine_report_id"))
        batch_op.drop_index(batch_op.f("ix_intake_quarantine_received_at"))
        batch_op.drop_index(batch_op.f("ix_intake_quarantine_raw_sha256"))

    op.drop_table("intake_quarantine")
