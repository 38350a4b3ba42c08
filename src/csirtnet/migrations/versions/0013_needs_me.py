"""What needs me: the tasks a person owns or is assigned are found from the person (the home page
and /incidents/tasks ask by owner and by assignee; without these indexes both scanned every task)

Revision ID: 0013_needs_me
Revises: 0011_derived_visibility
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_needs_me"
down_revision: str | Sequence[str] | None = "0011_derived_visibility"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_task_owner_id"), ["owner_id"], unique=False)
    with op.batch_alter_table("incident_task_assignee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_task_assignee_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_task_assignee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_task_assignee_user_id"))
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_task_owner_id"))
