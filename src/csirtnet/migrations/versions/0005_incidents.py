"""incidents: reports, incidents, participants, links, timeline, tasks, discussion, observables, deadlines

Revision ID: 0005_incidents
Revises: 0004_clusters

Only the incident domain's tables. On PostgreSQL, pg_trgm (a trusted extension since PostgreSQL 13)
backs the accent-free search index (docs/adr/0008-incident-search.md).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import csirtnet.models.base

revision: str = "0005_incidents"
down_revision: str | Sequence[str] | None = "0004_clusters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "deadline_profile",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_profile")),
        sa.UniqueConstraint("key", name=op.f("uq_deadline_profile_key")),
    )
    op.create_table(
        "deadline_rule",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label_vi", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("anchor", sa.String(length=40), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=True),
        sa.Column("condition", sa.String(length=20), nullable=True),
        sa.Column("satisfied_by", sa.String(length=20), nullable=False),
        sa.Column("remind_before_minutes", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["deadline_profile.id"],
            name=op.f("fk_deadline_rule_profile_id_deadline_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_rule")),
        sa.UniqueConstraint("profile_id", "key", name=op.f("uq_deadline_rule_profile_id_key")),
    )
    with op.batch_alter_table("deadline_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_rule_profile_id"), ["profile_id"], unique=False)
    op.create_table(
        "incident",
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporting_organisation_id", sa.Integer(), nullable=False),
        sa.Column("reporter_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("operating_unit", sa.String(length=300), nullable=True),
        sa.Column("system_name", sa.String(length=300), nullable=True),
        sa.Column(
            "system_domains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "system_ips", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("system_security_level", sa.Integer(), nullable=True),
        sa.Column("system_on_national_list", sa.Boolean(), nullable=False),
        sa.Column("system_providers", sa.Text(), nullable=True),
        sa.Column("rsit_class", sa.String(length=60), nullable=True),
        sa.Column("rsit_type", sa.String(length=60), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("severity_suggested", sa.String(length=20), nullable=False),
        sa.Column("severity_reason", sa.Text(), nullable=True),
        sa.Column(
            "serious_criteria",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_major", sa.Boolean(), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("pap", sa.String(length=10), nullable=False),
        sa.Column("sector", sa.String(length=80), nullable=True),
        sa.Column("province", sa.String(length=80), nullable=True),
        sa.Column("impact_functional", sa.String(length=20), nullable=True),
        sa.Column("impact_information", sa.String(length=20), nullable=True),
        sa.Column("impact_recoverability", sa.String(length=20), nullable=True),
        sa.Column("data_loss", sa.Boolean(), nullable=False),
        sa.Column("ransom_paid_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("detected_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline_profile_key", sa.String(length=40), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("shared_with_cluster_id", sa.Integer(), nullable=True),
        sa.Column("closing_result", sa.Text(), nullable=True),
        sa.Column("closing_root_cause", sa.Text(), nullable=True),
        sa.Column("closing_actions", sa.Text(), nullable=True),
        sa.Column("closing_lessons", sa.Text(), nullable=True),
        sa.Column("closing_reported_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "extra", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("search_fold", sa.Text(), nullable=False),
        sa.Column(
            "title_sort",
            sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["user_account.id"],
            name=op.f("fk_incident_reporter_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporting_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_incident_reporting_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shared_with_cluster_id"],
            ["cluster.id"],
            name=op.f("fk_incident_shared_with_cluster_id_cluster"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("reference", name=op.f("uq_incident_reference")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_overdue"), ["overdue"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_phase"), ["phase"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_province"), ["province"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incident_reporting_organisation_id"), ["reporting_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_rsit_class"), ["rsit_class"], unique=False)
        batch_op.create_index(
            "ix_incident_search_trgm",
            ["search_fold"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_fold": "gin_trgm_ops"},
        )
        batch_op.create_index(batch_op.f("ix_incident_severity"), ["severity"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incident_shared_with_cluster_id"), ["shared_with_cluster_id"], unique=False
        )
    op.create_table(
        "incident_comment",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "mentioned_user_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_incident_comment_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_comment_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_comment")),
    )
    with op.batch_alter_table("incident_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_comment_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "incident_deadline",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("profile_key", sa.String(length=40), nullable=False),
        sa.Column("rule_key", sa.String(length=40), nullable=False),
        sa.Column("label_vi", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("due_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offset_minutes", sa.Integer(), nullable=True),
        sa.Column("satisfied_by", sa.String(length=20), nullable=False),
        sa.Column("met_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_deadline_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_deadline")),
        sa.UniqueConstraint("incident_id", "rule_key", name=op.f("uq_incident_deadline_incident_id_rule_key")),
    )
    with op.batch_alter_table("incident_deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_deadline_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_deadline_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "incident_link",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("other_incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint("incident_id < other_incident_id", name=op.f("ck_incident_link_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_link_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_link_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_link_other_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_link")),
        sa.UniqueConstraint(
            "incident_id", "other_incident_id", "kind", name=op.f("uq_incident_link_incident_id_other_incident_id_kind")
        ),
    )
    with op.batch_alter_table("incident_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_link_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_link_other_incident_id"), ["other_incident_id"], unique=False)
    op.create_table(
        "incident_observable",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_observable_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_observable_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_observable")),
        sa.UniqueConstraint("incident_id", "kind", "value", name=op.f("uq_incident_observable_incident_id_kind_value")),
    )
    with op.batch_alter_table("incident_observable", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_observable_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index("ix_incident_observable_kind_value", ["kind", "value"], unique=False)
    op.create_table(
        "incident_participant",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("starts_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("deployment_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_participant_added_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_participant_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_incident_participant_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_incident_participant_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_participant")),
    )
    with op.batch_alter_table("incident_participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_participant_deployment_id"), ["deployment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_participant_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_participant_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_participant_user_id"), ["user_id"], unique=False)
    op.create_table(
        "incident_report",
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("formal", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("reporter_user_id", sa.Integer(), nullable=True),
        sa.Column("reporting_organisation_id", sa.Integer(), nullable=True),
        sa.Column("organisation_name", sa.String(length=300), nullable=True),
        sa.Column("reporter_name", sa.String(length=200), nullable=False),
        sa.Column("reporter_position", sa.String(length=200), nullable=True),
        sa.Column("reporter_email", sa.String(length=320), nullable=True),
        sa.Column("reporter_phone", sa.String(length=40), nullable=True),
        sa.Column("operating_unit", sa.String(length=300), nullable=True),
        sa.Column("system_name", sa.String(length=300), nullable=True),
        sa.Column(
            "system_domains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "system_ips", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("system_security_level", sa.Integer(), nullable=True),
        sa.Column("system_on_national_list", sa.Boolean(), nullable=False),
        sa.Column("system_providers", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("detected_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("incident_status", sa.String(length=40), nullable=True),
        sa.Column("detection_method", sa.Text(), nullable=True),
        sa.Column("already_notified", sa.Text(), nullable=True),
        sa.Column("reported_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operating_system", sa.Text(), nullable=True),
        sa.Column("services", sa.Text(), nullable=True),
        sa.Column("security_measures", sa.Text(), nullable=True),
        sa.Column(
            "public_ips", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("support_requested", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("triaged_by_id", sa.Integer(), nullable=True),
        sa.Column("triaged_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("tracking_token_hash", sa.String(length=64), nullable=True),
        sa.Column("source_ip", sa.String(length=64), nullable=True),
        sa.Column("email_message_id", sa.String(length=300), nullable=True),
        sa.Column("email_from", sa.String(length=320), nullable=True),
        sa.Column("search_fold", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_report_incident_id_incident"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["user_account.id"],
            name=op.f("fk_incident_report_reporter_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporting_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_incident_report_reporting_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["triaged_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_report_triaged_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_report")),
        sa.UniqueConstraint("reference", name=op.f("uq_incident_report_reference")),
        sa.UniqueConstraint("tracking_token_hash", name=op.f("uq_incident_report_tracking_token_hash")),
    )
    with op.batch_alter_table("incident_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_report_email_message_id"), ["email_message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_report_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incident_report_reporting_organisation_id"), ["reporting_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_report_source_ip"), ["source_ip"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_report_status"), ["status"], unique=False)
    op.create_table(
        "incident_task",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completed_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_task_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_task_incident_id_incident"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_incident_task_owner_id_user_account"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task")),
    )
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_task_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "incident_timeline_entry",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_incident_timeline_entry_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_timeline_entry_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_timeline_entry")),
    )
    with op.batch_alter_table("incident_timeline_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_timeline_entry_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "incident_report_attachment",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["incident_report.id"],
            name=op.f("fk_incident_report_attachment_report_id_incident_report"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_file.id"],
            name=op.f("fk_incident_report_attachment_stored_file_id_stored_file"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_report_attachment")),
    )
    with op.batch_alter_table("incident_report_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_report_attachment_report_id"), ["report_id"], unique=False)
    op.create_table(
        "incident_task_assignee",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["incident_task.id"],
            name=op.f("fk_incident_task_assignee_task_id_incident_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_incident_task_assignee_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_incident_task_assignee")),
    )
    _seed_deadline_profiles()


def downgrade() -> None:
    op.drop_table("incident_task_assignee")
    op.drop_table("incident_report_attachment")
    op.drop_table("incident_timeline_entry")
    op.drop_table("incident_task")
    op.drop_table("incident_report")
    op.drop_table("incident_participant")
    op.drop_table("incident_observable")
    op.drop_table("incident_link")
    op.drop_table("incident_deadline")
    op.drop_table("incident_comment")
    op.drop_table("incident")
    op.drop_table("deadline_rule")
    op.drop_table("deadline_profile")


# The regulatory profiles as data (admins edit them later). Offsets in minutes; a month is 30 days.
# Rule: (key, label_vi, label_en, anchor, offset, condition, satisfied_by, remind_before)
_Rule = tuple[str, str, str, str, int | None, str | None, str, int]
_PROFILES: list[tuple[str, str, str, str, bool, list[_Rule]]] = [
    (
        "vn-circular-20",
        "Việt Nam — Thông tư 20/2017/TT-BTTTT",
        "Vietnam — Circular 20/2017/TT-BTTTT",
        "Notify within 5 days of detection; immediately for a serious incident (Decision 05/2017/QĐ-TTg); "
        "closing report (form 04) when the response ends.",
        True,
        [
            (
                "notification",
                "Báo cáo ban đầu (mẫu 03) trong 5 ngày kể từ khi phát hiện",
                "Initial report (form 03) within 5 days of detection",
                "detected",
                5 * 1440,
                "normal",
                "report",
                1440,
            ),
            (
                "notification_serious",
                "Báo cáo ngay sự cố nghiêm trọng",
                "Immediate report of a serious incident",
                "detected",
                0,
                "serious",
                "report",
                0,
            ),
            (
                "closing_report",
                "Báo cáo kết thúc ứng cứu (mẫu 04)",
                "Closing report (form 04)",
                "opened",
                None,
                None,
                "closing",
                0,
            ),
        ],
    ),
    (
        "nis2-art23",
        "EU — Chỉ thị NIS2, điều 23",
        "EU — NIS2 Directive, article 23",
        "Early warning within 24 hours, incident notification within 72 hours, final report within one month "
        "of the notification.",
        False,
        [
            (
                "early_warning",
                "Cảnh báo sớm trong 24 giờ",
                "Early warning within 24 hours",
                "detected",
                1440,
                None,
                "report",
                360,
            ),
            (
                "notification",
                "Thông báo sự cố trong 72 giờ",
                "Incident notification within 72 hours",
                "detected",
                4320,
                None,
                "manual",
                720,
            ),
            (
                "final_report",
                "Báo cáo cuối cùng trong một tháng",
                "Final report within one month",
                "notification",
                30 * 1440,
                None,
                "closing",
                3 * 1440,
            ),
        ],
    ),
    (
        "cisa-federal",
        "Hoa Kỳ — Hướng dẫn thông báo sự cố liên bang của CISA",
        "US — CISA Federal Incident Notification Guidelines",
        "Report to CISA within one hour of the operating unit identifying the incident.",
        False,
        [("notification", "Thông báo trong 1 giờ", "Notification within 1 hour", "detected", 60, None, "report", 15)],
    ),
    (
        "cisa-circia",
        "Hoa Kỳ — CIRCIA",
        "US — CIRCIA",
        "Covered cyber incidents within 72 hours; ransom payments within 24 hours of the payment.",
        False,
        [
            (
                "covered_incident",
                "Báo cáo sự cố thuộc diện trong 72 giờ",
                "Covered cyber incident report within 72 hours",
                "detected",
                4320,
                None,
                "manual",
                720,
            ),
            (
                "ransom_payment",
                "Báo cáo khoản tiền chuộc trong 24 giờ",
                "Ransom payment report within 24 hours",
                "ransom_paid",
                1440,
                "ransom_paid",
                "manual",
                360,
            ),
        ],
    ),
]


def _seed_deadline_profiles() -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    profile = sa.table(
        "deadline_profile",
        sa.column("id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("name_vi", sa.String()),
        sa.column("name_en", sa.String()),
        sa.column("description", sa.Text()),
        sa.column("active", sa.Boolean()),
        sa.column("is_default", sa.Boolean()),
        sa.column("created_at", csirtnet.models.base.UTCDateTime(timezone=True)),
        sa.column("updated_at", csirtnet.models.base.UTCDateTime(timezone=True)),
    )
    rule = sa.table(
        "deadline_rule",
        sa.column("profile_id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("label_vi", sa.String()),
        sa.column("label_en", sa.String()),
        sa.column("anchor", sa.String()),
        sa.column("offset_minutes", sa.Integer()),
        sa.column("condition", sa.String()),
        sa.column("satisfied_by", sa.String()),
        sa.column("remind_before_minutes", sa.Integer()),
        sa.column("position", sa.Integer()),
    )
    bind = op.get_bind()
    for index, (key, name_vi, name_en, description, is_default, rules) in enumerate(_PROFILES, start=1):
        bind.execute(
            profile.insert().values(
                id=index,
                key=key,
                name_vi=name_vi,
                name_en=name_en,
                description=description,
                active=True,
                is_default=is_default,
                created_at=now,
                updated_at=now,
            )
        )
        for position, (rkey, label_vi, label_en, anchor, offset, condition, satisfied_by, remind) in enumerate(rules):
            bind.execute(
                rule.insert().values(
                    profile_id=index,
                    key=rkey,
                    label_vi=label_vi,
                    label_en=label_en,
                    anchor=anchor,
                    offset_minutes=offset,
                    condition=condition,
                    satisfied_by=satisfied_by,
                    remind_before_minutes=remind,
                    position=position,
                )
            )
    if bind.dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('deadline_profile', 'id'), 100)")
