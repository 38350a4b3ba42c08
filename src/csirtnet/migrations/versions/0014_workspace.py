"""The responder's workspace: files attached to an incident (each with its TLP) and a log of each
task's updates

Revision ID: 0014_workspace
Revises: 0013_needs_me
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import csirtnet.models.base

revision: str = "0014_workspace"
down_revision: str | Sequence[str] | None = "0013_needs_me"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_attachment",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_attachment_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_attachment_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_file.id"],
            name=op.f("fk_incident_attachment_stored_file_id_stored_file"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_attachment")),
    )
    with op.batch_alter_table("incident_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_attachment_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "incident_task_update",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status_from", sa.String(length=20), nullable=True),
        sa.Column("status_to", sa.String(length=20), nullable=True),
        sa.Column(
            "changes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_incident_task_update_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["incident_task.id"],
            name=op.f("fk_incident_task_update_task_id_incident_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task_update")),
    )
    with op.batch_alter_table("incident_task_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_task_update_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_task_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_task_update_task_id"))

    op.drop_table("incident_task_update")
    with op.batch_alter_table("incident_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_attachment_incident_id"))

    op.drop_table("incident_attachment")
