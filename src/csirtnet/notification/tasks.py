"""Jobs of the notification domain: sending an email, delivering a webhook."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from csirtnet.config import get_settings
from csirtnet.integrations import email as smtp
from csirtnet.integrations import webhook
from csirtnet.models import User, WebhookEndpoint
from csirtnet.notification.render import render
from csirtnet.worker import job


@job("notification.send_email")
def send_email(
    session: Session,
    *,
    event_type: str,
    params: dict[str, Any],
    link: str | None,
    user_id: int | None = None,
    address: str | None = None,
    language: str | None = None,
) -> None:
    deliver_email(
        session, event_type=event_type, params=params, link=link, user_id=user_id, address=address, language=language
    )


def deliver_email(
    session: Session,
    *,
    event_type: str,
    params: dict[str, Any],
    link: str | None = None,
    user_id: int | None = None,
    address: str | None = None,
    language: str | None = None,
) -> None:
    """Render and send one email now, to a user (in their language; skipped once they are
    deactivated) or an address. Jobs that build a secret link when they run call this."""
    settings = get_settings()
    if not settings.mail_enabled:
        return
    zone = settings.timezone
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return
        address = user.email
        language = user.language or settings.default_language
        zone = user.timezone or zone
    if not address:
        raise ValueError("an email needs a user_id or an address")
    subject, body = render(
        event_type, language or settings.default_language, params, _absolute(settings.base_url, link), zone
    )
    smtp.send(settings, smtp.build_message(settings, to=address, subject=subject, text=body))


@job("notification.deliver_webhook")
def deliver_webhook(
    session: Session, *, endpoint_id: int, event_type: str, data: dict[str, Any], delivery_id: str
) -> None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.active:
        return
    webhook.post(endpoint.url, endpoint.secret, event_type=event_type, delivery_id=delivery_id, data=data)


def _absolute(base_url: str, link: str | None) -> str | None:
    if link and link.startswith("/"):
        return base_url.rstrip("/") + link
    return link
