"""clusters, plans, readiness, channels, events

Revision ID: 0004_clusters
Revises: 0003_members_profile
"""

from collections.abc import Sequence

revision: str = "0004_clusters"
down_revision: str | Sequence[str] | None = "0003_members_profile"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
