"""mobilisation of member experts

Revision ID: 0006_mobilisation
Revises: 0005_incidents
"""

from collections.abc import Sequence

revision: str = "0006_mobilisation"
down_revision: str | Sequence[str] | None = "0005_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
