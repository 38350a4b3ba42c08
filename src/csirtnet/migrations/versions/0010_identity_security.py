"""identity security: links that carry a secret (password reset, invitation, the tracking pages of
public reports and membership applications) are rebuilt by their email job from a per-row nonce and
the server's secret key, so job payloads hold ids only

Adds `password_reset.nonce`, `incident_report.tracking_nonce` and
`membership_application.tracking_nonce` (NULL for rows made before: their links were already
queued). Emails of those kinds queued before this revision held the link in their payload, where
readers of jobs saw it: the ones already sent or given up are scrubbed here; the few still queued
keep it until they are sent (the worker needs it) and then age out with the other finished jobs.

Revision ID: 0010_identity_security
Revises: 0009_search_words
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010_identity_security"
down_revision: str | Sequence[str] | None = "0009_search_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# event type -> the params that held the secret link
SECRET_PARAMS = {
    "identity.password_reset": ("link",),
    "identity.invitation": ("link",),
    "incident.report_acknowledged": ("tracking_link",),
    "membership.application_received": ("link",),
}
REMOVED = "(removed: it carried a secret)"


def upgrade() -> None:
    with op.batch_alter_table("incident_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracking_nonce", sa.String(length=32), nullable=True))
    with op.batch_alter_table("membership_application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracking_nonce", sa.String(length=32), nullable=True))
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nonce", sa.String(length=32), nullable=True))
    _scrub_sent_secrets()


def _scrub_sent_secrets() -> None:
    bind = op.get_bind()
    job = sa.table(
        "job",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("status", sa.String),
        sa.column("payload", sa.JSON().with_variant(JSONB(), "postgresql")),
    )
    rows = bind.execute(
        sa.select(job.c.id, job.c.payload).where(
            job.c.name == "notification.send_email", job.c.status.in_(("done", "failed"))
        )
    ).all()
    for job_id, stored in rows:
        payload: dict[str, Any] = json.loads(stored) if isinstance(stored, str) else dict(stored or {})
        params = dict(payload.get("params") or {})
        secret = [p for p in SECRET_PARAMS.get(str(payload.get("event_type")), ()) if p in params]
        if not secret:
            continue
        params.update({p: REMOVED for p in secret})
        bind.execute(sa.update(job).where(job.c.id == job_id).values(payload={**payload, "params": params}))


def downgrade() -> None:
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.drop_column("nonce")
    with op.batch_alter_table("membership_application", schema=None) as batch_op:
        batch_op.drop_column("tracking_nonce")
    with op.batch_alter_table("incident_report", schema=None) as batch_op:
        batch_op.drop_column("tracking_nonce")
