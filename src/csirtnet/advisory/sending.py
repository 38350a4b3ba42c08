"""What the advisory jobs do: send a batch of deliveries (email, in-app note, the organisations'
webhooks), remind before the deadline, escalate after it. Each is idempotent: a delivery already
stamped is not sent again, a round already reminded is not reminded twice.

An email or note is made only for a person who may still read the advisory when the job runs
(authz.advisory's clause, asked once per batch): a person moved to another organisation, or
deactivated, since publication is not sent what they may no longer see.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from csirtnet.advisory import events
from csirtnet.advisory.delivery import queue_to_people
from csirtnet.advisory.mail import render_email
from csirtnet.authz import advisory as advisory_authz
from csirtnet.authz.derived import guard_of
from csirtnet.config import get_settings
from csirtnet.identity.service import subject_for
from csirtnet.integrations import email as smtp
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    AckStatus,
    Advisory,
    AdvisoryDelivery,
    AdvisoryRecipient,
    AdvisoryStatus,
    Notification,
    User,
    UserRole,
)
from csirtnet.notification.service import emit_webhooks, notify
from csirtnet.vocabulary import Role

log = logging.getLogger(__name__)

_EVENT_OF = {
    "publish": events.PUBLISHED.key,
    "update": events.UPDATED.key,
    "reminder": events.REMINDER.key,
    "escalation": events.ESCALATED.key,
}


def _readers(session: Session, advisory: Advisory, users: list[User]) -> set[int]:
    """The users among `users` who may read the advisory now (one query per distinct organisation
    and role set, not per user)."""
    out: set[int] = set()
    for user in users:
        if not user.is_active:
            continue
        who = subject_for(user)
        if session.scalar(
            select(Advisory.id).where(Advisory.id == advisory.id, advisory_authz.visible_advisories_clause(who))
        ):
            out.add(user.id)
    return out


def deliver(session: Session, advisory_id: int, first_id: int, last_id: int, *, now: datetime | None = None) -> int:
    """Send the deliveries of one batch that are not sent yet; returns how many emails went out."""
    now = now or utcnow()
    advisory = session.get(Advisory, advisory_id)
    if advisory is None or advisory.status == AdvisoryStatus.WITHDRAWN.value:
        return 0
    rows = list(
        session.scalars(
            select(AdvisoryDelivery)
            .where(
                AdvisoryDelivery.advisory_id == advisory_id,
                AdvisoryDelivery.id >= first_id,
                AdvisoryDelivery.id <= last_id,
                AdvisoryDelivery.notified_at.is_(None),
            )
            .order_by(AdvisoryDelivery.id)
        )
    )
    if not rows:
        return 0
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))}
    allowed = _readers_fast(session, advisory, list(users.values()))
    settings = get_settings()
    link = f"/advisories/{advisory.id}"
    notes = []
    sent = 0
    for row in rows:
        user = users.get(row.user_id)
        if user is None or user.id not in allowed:
            row.error = "no longer a reader"
            row.notified_at = now
            continue
        event_type = _EVENT_OF.get(row.kind, events.PUBLISHED.key)
        notes.append(
            {
                "user_id": user.id,
                "event_type": event_type,
                "params": {
                    "reference": advisory.reference,
                    "title": advisory.title,
                    "version": row.version,
                    "tlp": advisory.tlp,
                },
                "link": link,
                "created_at": now,
            }
        )
        row.notified_at = now
        if settings.mail_enabled and row.email:
            try:
                subject, body = render_email(advisory, row.kind, row.version, row.language, settings.base_url)
                smtp.send(settings, smtp.build_message(settings, to=row.email, subject=subject, text=body))
                row.emailed_at = now
                sent += 1
            except (OSError, smtplib.SMTPException) as failure:  # one address failing never stops the batch
                log.warning("advisory %s: email to delivery %s failed: %s", advisory.reference, row.id, failure)
                row.error = f"email: {failure}"[:500]
    if notes:
        session.execute(insert(Notification), notes)
    _call_webhooks(session, advisory, {r.recipient_id for r in rows}, now)
    return sent


def _readers_fast(session: Session, advisory: Advisory, users: list[User]) -> set[int]:
    """Readers of a non-RED advisory are the active users of the organisations told (the clause's
    recipient branch); TLP:RED and anything unusual goes through the full clause per user."""
    if advisory.tlp == "red":
        return _readers(session, advisory, users)
    told = set(
        session.scalars(
            select(AdvisoryRecipient.organisation_id).where(
                AdvisoryRecipient.advisory_id == advisory.id,
                AdvisoryRecipient.organisation_id.in_({u.organisation_id for u in users}),
            )
        )
    )
    plain = [u for u in users if u.is_active and u.organisation_id in told]
    others = [u for u in users if u.is_active and u.organisation_id not in told]
    return {u.id for u in plain} | _readers(session, advisory, others)


def _call_webhooks(session: Session, advisory: Advisory, recipient_ids: set[int], now: datetime) -> None:
    """Each organisation's webhooks, once per version (TLP:RED never leaves by webhook: it is for
    named people, which emit_webhooks enforces)."""
    recipients = session.scalars(select(AdvisoryRecipient).where(AdvisoryRecipient.id.in_(recipient_ids))).all()
    data: dict[str, Any] = {
        "reference": advisory.reference,
        "version": advisory.version,
        "title": advisory.title,
        "severity": advisory.severity,
        "tlp": advisory.tlp,
        "cve_ids": list(advisory.cve_ids or []),
        "deadline_at": as_utc(advisory.deadline_at).isoformat() if advisory.deadline_at else None,
        "url": f"{get_settings().base_url.rstrip('/')}/advisories/{advisory.id}",
    }
    for recipient in recipients:
        if recipient.webhook_at is not None and as_utc(recipient.webhook_at) >= as_utc(advisory.released_at or now):
            continue
        emit_webhooks(session, recipient.organisation_id, events.PUBLISHED.key, data, guard=guard_of(advisory))
        recipient.webhook_at = now


def _pending(session: Session, advisory: Advisory, *, column: Any) -> list[AdvisoryRecipient]:
    return list(
        session.scalars(
            select(AdvisoryRecipient).where(
                AdvisoryRecipient.advisory_id == advisory.id,
                AdvisoryRecipient.status == AckStatus.PENDING.value,
                column.is_(None),
            )
        )
    )


def _due(advisory: Advisory | None, round_no: int, deadline: str) -> bool:
    """Still in force, same round, same deadline (an update that moved it queued its own jobs)."""
    return (
        advisory is not None
        and advisory.status == AdvisoryStatus.PUBLISHED.value
        and advisory.ack_round == round_no
        and advisory.deadline_at is not None
        and as_utc(advisory.deadline_at).isoformat() == deadline
    )


def _admins_and_responders(session: Session, org_ids: set[int], roles: tuple[str, ...]) -> list[User]:
    if not org_ids:
        return []
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.organisation_id.in_(org_ids), User.is_active.is_(True), UserRole.role.in_(roles))
        ).unique()
    )


def remind(session: Session, advisory_id: int, round_no: int, deadline: str, *, now: datetime | None = None) -> int:
    """Before the deadline: the people of each organisation that has not answered are reminded."""
    now = now or utcnow()
    advisory = session.get(Advisory, advisory_id)
    if advisory is None or not _due(advisory, round_no, deadline):
        return 0
    pending = _pending(session, advisory, column=AdvisoryRecipient.reminded_at)
    if not pending:
        return 0
    org_ids = {r.organisation_id for r in pending}
    people = _told_people(session, advisory, org_ids)
    queue_to_people(session, advisory, now, "reminder", people)
    for recipient in pending:
        recipient.reminded_at = now
    return len(pending)


def _told_people(session: Session, advisory: Advisory, org_ids: set[int]) -> list[User]:
    """The people told at publication in these organisations, still active."""
    ids = select(AdvisoryDelivery.user_id).where(
        AdvisoryDelivery.advisory_id == advisory.id, AdvisoryDelivery.kind == "publish"
    )
    return list(
        session.scalars(
            select(User).where(User.id.in_(ids), User.organisation_id.in_(org_ids), User.is_active.is_(True))
        )
    )


def escalate(session: Session, advisory_id: int, round_no: int, deadline: str, *, now: datetime | None = None) -> int:
    """After the deadline: each organisation that has not answered is escalated to its admins, and
    the publisher is told how many are overdue."""
    now = now or utcnow()
    advisory = session.get(Advisory, advisory_id)
    if advisory is None or not _due(advisory, round_no, deadline) or as_utc(advisory.deadline_at) > now:  # type: ignore[arg-type]
        return 0
    pending = _pending(session, advisory, column=AdvisoryRecipient.escalated_at)
    if not pending:
        return 0
    org_ids = {r.organisation_id for r in pending}
    admins = _admins_and_responders(session, org_ids, (Role.ORG_ADMIN.value,))
    if advisory.tlp == "red":
        admins = _told_people(session, advisory, org_ids)
    queue_to_people(session, advisory, now, "escalation", admins)
    for recipient in pending:
        recipient.escalated_at = now
    publishers = _admins_and_responders(
        session, {advisory.publisher_organisation_id}, (Role.COORDINATOR.value, Role.ORG_ADMIN.value)
    )
    if advisory.created_by_id is not None:
        author = session.get(User, advisory.created_by_id)
        publishers = [*publishers, author] if author and author not in publishers else publishers
    notify(
        session,
        events.OVERDUE.key,
        publishers,
        {"reference": advisory.reference, "title": advisory.title, "overdue": len(pending)},
        guard=guard_of(advisory),
        link=f"/advisories/{advisory.id}/tracking",
    )
    return len(pending)
