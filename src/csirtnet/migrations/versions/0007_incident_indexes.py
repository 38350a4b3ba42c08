"""keyset indexes on incident: (phase, id), (severity, id), (rsit_class, id), (province, id),
(reporting_organisation_id, id) — filtered lists ordered by id read one index backwards; and, on
PostgreSQL, a finer statistics sample of incident.search_fold, without which the planner thinks a
common search word is rare and sorts 80,000 matches instead of reading the newest ones in order
(benchmarks/incidents_load.py, docs/benchmarks.md)

Revision ID: 0007_incident_indexes
Revises: 0006_mobilisation
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_incident_indexes"
down_revision: str | Sequence[str] | None = "0006_mobilisation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_incident_phase_id": ["phase", "id"],
    "ix_incident_severity_id": ["severity", "id"],
    "ix_incident_rsit_class_id": ["rsit_class", "id"],
    "ix_incident_province_id": ["province", "id"],
    "ix_incident_reporting_organisation_id_id": ["reporting_organisation_id", "id"],
}


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE incident ALTER COLUMN search_fold SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE incident ALTER COLUMN search_fold SET STATISTICS -1")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
