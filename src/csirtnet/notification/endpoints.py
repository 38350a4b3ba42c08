"""The notifications API: the bell, preferences, and organisation webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import require
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound
from csirtnet.kit.pagination import Page, page_of, paginate
from csirtnet.kit.schemas import InputSchema
from csirtnet.models import Notification, User, WebhookEndpoint
from csirtnet.notification import events, service

router = APIRouter(tags=["notifications"])


class NotificationRead(BaseModel):
    id: int
    event_type: str
    title: str
    link: str | None
    params: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class Preference(InputSchema):
    event_type: str = Field(max_length=80)
    channel: str = Field(max_length=20)
    enabled: bool


class MarkRead(InputSchema):
    ids: list[int] | None = Field(default=None, description="Leave out to mark everything read")


class WebhookCreate(InputSchema):
    organisation_id: int
    url: str = Field(min_length=8, max_length=500)
    event_types: list[str] = Field(default_factory=list)


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The HMAC key; shown once")


def _user(session: Any, user_id: int | None) -> User:
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise NotFound("user")
    return user  # type: ignore[no-any-return]


@router.get("/notifications", response_model=Page[NotificationRead])
def list_notifications(
    session: Session,
    who: ApiUser,
    unread: bool = False,
    language: str = Query(default="vi", pattern="^(vi|en)$"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[NotificationRead]:
    """The caller's notifications, newest first."""
    require(who, Permission.NOTIFICATIONS_READ)
    query = select(Notification).where(Notification.user_id == who.user_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    rows, next_cursor = paginate(session, query, Notification.id, limit=limit, cursor=cursor)
    items = [
        NotificationRead(
            id=n.id,
            event_type=n.event_type,
            title=events.title(n.event_type, n.params, language),
            link=n.link,
            params=n.params,
            created_at=n.created_at,
            read_at=n.read_at,
        )
        for n in rows
    ]
    return Page[NotificationRead](items=items, next_cursor=next_cursor)


@router.get("/notifications/unread-count")
def unread_count(session: Session, who: ApiUser) -> dict[str, int]:
    """How many unread notifications the caller has (the bell)."""
    require(who, Permission.NOTIFICATIONS_READ)
    return {"unread": service.unread_count(session, who.user_id or 0)}


@router.post("/notifications/read")
def mark_read(body: MarkRead, session: Session, who: ApiUser) -> dict[str, int]:
    """Mark notifications read."""
    require(who, Permission.NOTIFICATIONS_WRITE)
    return {"marked": service.mark_read(session, who.user_id or 0, body.ids)}


@router.get("/notification-preferences", response_model=list[Preference])
def get_preferences(session: Session, who: ApiUser) -> list[Preference]:
    """Every event type and channel with the caller's choice.

    A plain list: the whole matrix of event types by channels, fixed by the platform, not by data."""
    require(who, Permission.NOTIFICATIONS_READ)
    prefs = service.preferences(session, who.user_id or 0)
    return [Preference(event_type=e, channel=c, enabled=v) for (e, c), v in sorted(prefs.items())]


@router.put("/notification-preferences", response_model=list[Preference])
def put_preferences(body: list[Preference], session: Session, who: ApiUser) -> list[Preference]:
    """Change some of the caller's choices.

    A plain list: answers the whole preference matrix, as GET does."""
    require(who, Permission.NOTIFICATIONS_WRITE)
    user = _user(session, who.user_id)
    service.set_preferences(session, who, user, {(p.event_type, p.channel): p.enabled for p in body})
    prefs = service.preferences(session, user.id)
    return [Preference(event_type=e, channel=c, enabled=v) for (e, c), v in sorted(prefs.items())]


@router.get("/webhooks", response_model=Page[WebhookRead])
def list_webhooks(
    session: Session,
    who: ApiUser,
    organisation_id: int,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[WebhookRead]:
    """An organisation's webhook endpoints, oldest first."""
    return page_of(
        WebhookRead,
        paginate(
            session,
            service.webhooks_query(who, organisation_id),
            WebhookEndpoint.id,
            limit=limit,
            cursor=cursor,
            descending=False,
        ),
    )


@router.post("/webhooks", response_model=WebhookCreated, status_code=201)
def create_webhook(body: WebhookCreate, session: Session, who: ApiUser) -> WebhookCreated:
    """Register a webhook endpoint; the signing secret is in this response only."""
    endpoint = service.create_webhook(session, who, body.organisation_id, body.url, body.event_types)
    return WebhookCreated.model_validate(
        {**WebhookRead.model_validate(endpoint).model_dump(), "secret": endpoint.secret}
    )


@router.post("/webhooks/{webhook_id}/secret", response_model=WebhookCreated)
def rotate_webhook_secret(webhook_id: int, session: Session, who: ApiUser) -> WebhookCreated:
    """Replace a webhook endpoint's signing secret; the new secret is in this response only."""
    endpoint = service.rotate_webhook_secret(session, who, webhook_id)
    return WebhookCreated.model_validate(
        {**WebhookRead.model_validate(endpoint).model_dump(), "secret": endpoint.secret}
    )


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: int, session: Session, who: ApiUser) -> None:
    """Remove a webhook endpoint."""
    service.delete_webhook(session, who, webhook_id)
