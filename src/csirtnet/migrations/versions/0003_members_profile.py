"""member profiles, applications, constituency, directory

Revision ID: 0003_members_profile
Revises: 0002_members
"""

from collections.abc import Sequence

revision: str = "0003_members_profile"
down_revision: str | Sequence[str] | None = "0002_members"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
