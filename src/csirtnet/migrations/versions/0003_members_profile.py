"""member profiles, applications, constituency, directory

Revision ID: 0003_members_profile
Revises: 0002_members
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import csirtnet.models.base

revision: str = "0003_members_profile"
down_revision: str | Sequence[str] | None = "0002_members"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "constituency_claim",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=260), nullable=False),
        sa.Column("prefix_len", sa.Integer(), nullable=False),
        sa.Column("range_start", sa.String(length=32), nullable=True),
        sa.Column("range_end", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("parent_claim_id", sa.Integer(), nullable=True),
        sa.Column("overlap_accepted_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_constituency_claim_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_claim_id"],
            ["constituency_claim.id"],
            name=op.f("fk_constituency_claim_parent_claim_id_constituency_claim"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_constituency_claim")),
        sa.UniqueConstraint(
            "organisation_id", "kind", "value", name=op.f("uq_constituency_claim_organisation_id_kind_value")
        ),
    )
    with op.batch_alter_table("constituency_claim", schema=None) as batch_op:
        batch_op.create_index("ix_constituency_claim_kind_value", ["kind", "value"], unique=False)
        batch_op.create_index(batch_op.f("ix_constituency_claim_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_constituency_claim_parent_claim_id"), ["parent_claim_id"], unique=False)
    op.create_table(
        "information_system",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("security_level", sa.Integer(), nullable=False),
        sa.Column("national_important", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_information_system_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_system")),
    )
    with op.batch_alter_table("information_system", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_information_system_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "organisation_contact",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_contact_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_contact")),
    )
    with op.batch_alter_table("organisation_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_contact_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "service_offer",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=80), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_service_offer_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "service", name=op.f("pk_service_offer")),
    )
    with op.batch_alter_table("service_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_offer_service"), ["service"], unique=False)
    op.create_table(
        "membership_application",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("applicant_kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_email", sa.String(length=320), nullable=False),
        sa.Column("applicant_phone", sa.String(length=40), nullable=True),
        sa.Column("organisation_name", sa.String(length=300), nullable=False),
        sa.Column("organisation_name_en", sa.String(length=300), nullable=True),
        sa.Column("short_name", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sector", sa.String(length=80), nullable=True),
        sa.Column("province", sa.String(length=80), nullable=True),
        sa.Column("owner_agency", sa.String(length=300), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("incident_email", sa.String(length=320), nullable=True),
        sa.Column("incident_phone", sa.String(length=40), nullable=True),
        sa.Column("capability_description", sa.Text(), nullable=True),
        sa.Column("staff_count", sa.Integer(), nullable=True),
        sa.Column(
            "dossier", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("submitted_ip", sa.String(length=64), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("name_fold", sa.String(length=600), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_application_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_membership_application_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_application")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_membership_application_token_hash")),
    )
    with op.batch_alter_table("membership_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_application_name_fold"), ["name_fold"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_application_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_application_submitted_ip"), ["submitted_ip"], unique=False)
    op.create_table(
        "application_document",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["membership_application.id"],
            name=op.f("fk_application_document_application_id_membership_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_file.id"],
            name=op.f("fk_application_document_stored_file_id_stored_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "stored_file_id", name=op.f("pk_application_document")),
    )
    op.create_table(
        "application_message",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=12), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["membership_application.id"],
            name=op.f("fk_application_message_application_id_membership_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_application_message_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_message")),
    )
    with op.batch_alter_table("application_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_message_application_id"), ["application_id"], unique=False)
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_agency", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("website", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("incident_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("incident_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("capability_description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("staff_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("stale_reminded_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("stale_reminded_at")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("staff_count")
        batch_op.drop_column("capability_description")
        batch_op.drop_column("incident_phone")
        batch_op.drop_column("incident_email")
        batch_op.drop_column("website")
        batch_op.drop_column("address")
        batch_op.drop_column("owner_agency")
    with op.batch_alter_table("application_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_message_application_id"))
    op.drop_table("application_message")
    op.drop_table("application_document")
    with op.batch_alter_table("membership_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_application_submitted_ip"))
        batch_op.drop_index(batch_op.f("ix_membership_application_status"))
        batch_op.drop_index(batch_op.f("ix_membership_application_name_fold"))
    op.drop_table("membership_application")
    with op.batch_alter_table("service_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_offer_service"))
    op.drop_table("service_offer")
    with op.batch_alter_table("organisation_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_contact_organisation_id"))
    op.drop_table("organisation_contact")
    with op.batch_alter_table("information_system", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_information_system_organisation_id"))
    op.drop_table("information_system")
    with op.batch_alter_table("constituency_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_constituency_claim_parent_claim_id"))
        batch_op.drop_index(batch_op.f("ix_constituency_claim_organisation_id"))
        batch_op.drop_index("ix_constituency_claim_kind_value")
    op.drop_table("constituency_claim")
