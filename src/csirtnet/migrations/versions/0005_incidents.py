"""incidents and mobilisation

Revision ID: 0005_incidents
Revises: 0004_clusters
"""

from collections.abc import Sequence

revision: str = "0005_incidents"
down_revision: str | Sequence[str] | None = "0004_clusters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
