"""mobilisation of member experts: support requests, the organisations asked, deployments

Revision ID: 0006_mobilisation
Revises: 0005_incidents
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import csirtnet.models.base

revision: str = "0006_mobilisation"
down_revision: str | Sequence[str] | None = "0005_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_request",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requesting_organisation_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "capabilities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "skills", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("province", sa.String(length=80), nullable=True),
        sa.Column("starts_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("experts_needed", sa.Integer(), nullable=False),
        sa.Column("response_deadline", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("response_window_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["cluster.id"], name=op.f("fk_support_request_cluster_id_cluster"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_support_request_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_support_request_requested_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requesting_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_support_request_requesting_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_request")),
    )
    with op.batch_alter_table("support_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_request_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_request_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_support_request_requesting_organisation_id"), ["requesting_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_support_request_status"), ["status"], unique=False)

    op.create_table(
        "support_request_target",
        sa.Column("support_request_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "explanation", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sent_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("respond_by", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_support_request_target_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["user_account.id"],
            name=op.f("fk_support_request_target_responded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["support_request_id"],
            ["support_request.id"],
            name=op.f("fk_support_request_target_support_request_id_support_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_request_target")),
        sa.UniqueConstraint(
            "support_request_id",
            "organisation_id",
            name=op.f("uq_support_request_target_support_request_id_organisation_id"),
        ),
    )
    with op.batch_alter_table("support_request_target", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_request_target_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_support_request_target_respond_by"), ["respond_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_request_target_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_support_request_target_support_request_id"), ["support_request_id"], unique=False
        )

    op.create_table(
        "deployment",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("support_request_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("expert_name", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["user_account.id"],
            name=op.f("fk_deployment_accepted_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["expert.id"], name=op.f("fk_deployment_expert_id_expert"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_deployment_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_deployment_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["user_account.id"],
            name=op.f("fk_deployment_released_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["support_request_id"],
            ["support_request.id"],
            name=op.f("fk_deployment_support_request_id_support_request"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["support_request_target.id"],
            name=op.f("fk_deployment_target_id_support_request_target"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_deployment_user_id_user_account"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
    )
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deployment_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployment_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployment_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployment_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployment_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployment_support_request_id"), ["support_request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployment_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("deployment")
    op.drop_table("support_request_target")
    op.drop_table("support_request")
