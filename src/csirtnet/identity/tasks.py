"""Jobs of the identity domain: sending the link to set a password (a reset or an invitation)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.identity.login import RESET_LINK_JOB, reset_link, reset_token
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import PasswordReset, User
from csirtnet.notification.tasks import deliver_email
from csirtnet.worker import job


@job(RESET_LINK_JOB)
def send_password_link(session: Session, *, reset_id: int, invitation: bool = False) -> None:
    """Build the link from the row's nonce and the server's secret key, and email it; a retry builds
    the same link. A link already used, expired or replaced is not sent."""
    row = session.get(PasswordReset, reset_id)
    if row is None or row.nonce is None or row.used_at is not None or as_utc(row.expires_at) <= utcnow():
        return
    user = session.get(User, row.user_id)
    if user is None:
        return
    lifetime = as_utc(row.expires_at) - as_utc(row.created_at)
    deliver_email(
        session,
        user_id=user.id,
        event_type="identity.invitation" if invitation else "identity.password_reset",
        params={
            "link": reset_link(reset_token(row.nonce)),
            "name": user.full_name,
            "hours": round(lifetime.total_seconds() / 3600),
            "minutes": round(lifetime.total_seconds() / 60),
        },
    )
