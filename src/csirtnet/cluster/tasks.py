"""Background jobs of the cluster domain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.cluster.channel import digest
from csirtnet.worker import job


@job("cluster.channel_digest")
def channel_digest(session: Session) -> None:
    """Send the daily channel digests (queued for 07:00 whenever messages are posted)."""
    digest.run(session)
