"""Deciding who is told what, on which channel; the sending itself happens in jobs after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import Guard, may_see, organisation_reader
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.kit.hashing import new_token
from csirtnet.kit.time import utcnow
from csirtnet.models import Notification, NotificationPreference, User, WebhookEndpoint
from csirtnet.notification import events
from csirtnet.worker import enqueue


def preferences(session: Session, user_id: int) -> dict[tuple[str, str], bool]:
    """(event type, channel) -> enabled, explicit choices over each event's defaults."""
    chosen = {
        (p.event_type, p.channel): p.enabled
        for p in session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    }
    out: dict[tuple[str, str], bool] = {}
    for key, event in events.EVENTS.items():
        for channel in events.CHANNELS:
            out[(key, channel)] = chosen.get((key, channel), event.defaults.get(channel, False))
    return out


def set_preferences(session: Session, who: Subject, user: User, choices: dict[tuple[str, str], bool]) -> None:
    current = preferences(session, user.id)
    changed: dict[str, bool] = {}
    for (event_type, channel), enabled in choices.items():
        if event_type not in events.EVENTS:
            raise ValidationFailed("event_type", f"unknown event type {event_type!r}")
        if channel not in events.CHANNELS:
            raise ValidationFailed("channel", f"unknown channel {channel!r}")
        if current.get((event_type, channel)) == enabled:
            continue
        row = session.get(NotificationPreference, (user.id, event_type, channel))
        if row is None:
            session.add(
                NotificationPreference(user_id=user.id, event_type=event_type, channel=channel, enabled=enabled)
            )
        else:
            row.enabled = enabled
        changed[f"{event_type}/{channel}"] = enabled
    if changed:
        audit.record(session, who, "notification.preferences_changed", user, changes=changed)


def _not_secret(event_type: str) -> events.EventType:
    """Params end up in a job payload or a notification row, which others may read (jobs:read):
    an event that carries a secret is sent by its domain's own job, which takes ids."""
    event = events.get(event_type)
    if event.secret:
        raise ValueError(f"{event_type} carries a secret link; queue its domain's job, which takes ids")
    return event


def notify(
    session: Session,
    event_type: str,
    users: Iterable[User],
    params: dict[str, Any],
    *,
    guard: Guard | None,
    link: str | None = None,
) -> list[Notification]:
    """Tell each user on the channels they chose. In-app rows now; emails queued for after commit.

    `guard` (required: no call site can forget it) is the source of what `params` say: a user who
    may not see it is not told at all (authz.derived), and the email job carries it for the jobs'
    readers. None says the params hold nothing of a guarded object."""
    event = _not_secret(event_type)
    created: list[Notification] = []
    for user in readers(session, users, guard):
        prefs = preferences(session, user.id)
        if event.transactional or prefs[(event_type, "inapp")]:
            note = Notification(user_id=user.id, event_type=event_type, params=params, link=link)
            session.add(note)
            created.append(note)
        if event.transactional or prefs[(event_type, "email")]:
            enqueue(
                session,
                "notification.send_email",
                guard=guard,
                user_id=user.id,
                event_type=event_type,
                params=params,
                link=link,
            )
    return created


def readers(session: Session, users: Iterable[User], guard: Guard | None) -> list[User]:
    """The active users among `users` who may see `guard`'s source (one authz query each: the
    recipients of one event are a handful of people)."""
    from csirtnet.identity.service import subject_for

    active = [u for u in users if u.is_active]
    if guard is None:
        return active
    return [u for u in active if may_see(session, subject_for(u), guard)]


def send_direct_email(session: Session, user: User, event_type: str, params: dict[str, Any]) -> None:
    """A transactional email to one user, whatever their preferences (never one carrying a secret)."""
    _not_secret(event_type)
    # About the user's own account: nothing of a guarded object.
    enqueue(
        session, "notification.send_email", guard=None, user_id=user.id, event_type=event_type, params=params, link=None
    )


def send_email_to_address(
    session: Session, address: str, language: str, event_type: str, params: dict[str, Any], *, guard: Guard | None
) -> None:
    """An email to someone without an account (an applicant, a public reporter): only what is theirs
    (their application, their report). `guard` is its source, for the readers of the queued job."""
    _not_secret(event_type)
    enqueue(
        session,
        "notification.send_email",
        guard=guard,
        address=address,
        language=language,
        event_type=event_type,
        params=params,
        link=None,
    )


def notifications_of(user_id: int, *, unread: bool = False) -> Select[Notification]:
    """One user's notifications (page with kit.pagination on Notification.id)."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return query


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, user_id: int, notification_ids: list[int] | None = None) -> int:
    """Mark some (or, with None, all) of a user's notifications read. Reading is not audited."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.where(Notification.id.in_(notification_ids))
    return int(session.execute(query.values(read_at=utcnow())).rowcount)  # type: ignore[attr-defined]


def unread_oldest_first(session: Session, user_id: int, *, limit: int) -> list[Notification]:
    """A user's unread notifications, the oldest first (the home page: what is still unacknowledged)."""
    query = notifications_of(user_id, unread=True).order_by(Notification.created_at, Notification.id)
    return list(session.scalars(query.limit(limit)))


def _at(link: str) -> ColumnElement[bool]:
    """Notifications that point at `link`, or at a part of that page ("/incidents/5#discussion")."""
    return or_(Notification.link == link, Notification.link.startswith(link + "#", autoescape=True))


def unread_at_clause(user_id: Any, link: str) -> ColumnElement[bool]:
    """A user's unread notifications pointing at the page `link` (a path)."""
    return and_(Notification.user_id == user_id, Notification.read_at.is_(None), _at(link))


def mark_opened(session: Session, user_id: int, link: str) -> int:
    """The user opened the page `link`: the notifications that sent them there are read. One
    UPDATE; the caller already knows there is something to mark (identity.login's session read)."""
    query = update(Notification).where(unread_at_clause(user_id, link)).values(read_at=utcnow())
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def mark_handled(session: Session, link: str, event_types: Iterable[str], user_ids: Iterable[int]) -> int:
    """The item at `link` was handled (a report triaged, a request answered): the notifications
    of these events about it no longer wait for the users who were told (those `user_ids`, whose
    unread notifications the index finds: no scan of everyone's)."""
    query = update(Notification).where(
        Notification.user_id.in_(list(user_ids)),
        Notification.read_at.is_(None),
        Notification.event_type.in_(list(event_types)),
        _at(link),
    )
    return int(session.execute(query.values(read_at=utcnow())).rowcount)  # type: ignore[attr-defined]


# -- webhooks ------------------------------------------------------------------------------


def emit_webhooks(
    session: Session, organisation_id: int, event_type: str, data: dict[str, Any], *, guard: Guard | None
) -> int:
    """Queue a signed delivery to each of the organisation's endpoints subscribed to the event.

    A webhook leaves the platform for the organisation as a whole: content of a guarded source goes
    out only if the organisation as a whole may see it (`authz.derived.organisation_reader`: never
    TLP:RED, which is for named people)."""
    if guard is not None and not may_see(session, organisation_reader(organisation_id), guard):
        return 0
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id == organisation_id, WebhookEndpoint.active.is_(True)
        )
    ).all()
    count = 0
    for endpoint in endpoints:
        if endpoint.event_types and event_type not in endpoint.event_types:
            continue
        enqueue(
            session,
            "notification.deliver_webhook",
            guard=guard,
            endpoint_id=endpoint.id,
            event_type=event_type,
            data=data,
            delivery_id=new_token(12),
            max_attempts=10,
        )
        count += 1
    return count


def webhooks_query(who: Subject, organisation_id: int) -> Select[WebhookEndpoint]:
    """An organisation's webhook endpoints, oldest first, for those who manage them."""
    from csirtnet.authz import can_manage_organisation, require

    require(who, Permission.WEBHOOKS_WRITE)
    if not can_manage_organisation(who, organisation_id):
        raise NotFound("organisation")
    return (
        select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation_id).order_by(WebhookEndpoint.id)
    )


def webhooks(session: Session, who: Subject, organisation_id: int) -> list[WebhookEndpoint]:
    """An organisation's webhook endpoints, for those who manage them."""
    return list(session.scalars(webhooks_query(who, organisation_id)))


def create_webhook(
    session: Session, who: Subject, organisation_id: int, url: str, event_types: list[str]
) -> WebhookEndpoint:
    from csirtnet.authz import can_manage_organisation, require

    require(who, Permission.WEBHOOKS_WRITE)
    if not can_manage_organisation(who, organisation_id):
        raise NotFound("organisation")
    if not (url.startswith("https://") or url.startswith("http://")):
        raise ValidationFailed("url", "must be an http(s) URL")
    unknown = sorted(set(event_types) - set(events.EVENTS))
    if unknown:
        raise ValidationFailed("event_types", f"unknown event type(s): {', '.join(unknown)}")
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id, url=url, secret=new_token(24), event_types=sorted(set(event_types))
    )
    session.add(endpoint)
    session.flush()
    audit.record(session, who, "webhook.created", endpoint, url=_origin(url), event_types=endpoint.event_types)
    return endpoint


def _origin(url: str) -> str:
    """A receiver's address as the audit log keeps it: scheme and host only. Many receivers (chat
    services' incoming webhooks) carry their own secret in the path or the query, and the audit
    log has readers beyond the organisation's admins."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def rotate_webhook_secret(session: Session, who: Subject, endpoint_id: int) -> WebhookEndpoint:
    """Give an endpoint a new signing secret (shown once to the caller, as at creation); the old one
    stops signing at once. Deliveries already queued are signed with the new one when they run."""
    from csirtnet.authz import can_manage_organisation, require

    require(who, Permission.WEBHOOKS_WRITE)
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not can_manage_organisation(who, endpoint.organisation_id):
        raise NotFound("webhook")
    endpoint.secret = new_token(24)
    audit.record(session, who, "webhook.secret_rotated", endpoint, url=_origin(endpoint.url))
    return endpoint


def delete_webhook(session: Session, who: Subject, endpoint_id: int) -> None:
    from csirtnet.authz import can_manage_organisation, require

    require(who, Permission.WEBHOOKS_WRITE)
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not can_manage_organisation(who, endpoint.organisation_id):
        raise NotFound("webhook")
    audit.record(session, who, "webhook.deleted", endpoint, url=_origin(endpoint.url))
    session.delete(endpoint)
