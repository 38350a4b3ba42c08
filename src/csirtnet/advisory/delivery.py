"""Telling the audience: recipients and deliveries written in bulk in the publishing transaction,
the sending queued as jobs of a few hundred deliveries each (advisory.tasks), reminders before the
deadline and escalation after it.

Publishing to ten thousand organisations (thirty thousand people) must resolve and queue in under
two seconds (benchmarks/advisory_publish.py): the recipients and deliveries go in as two
multi-row INSERTs, the jobs carry id ranges (never content: TLP reaches job payloads), and the
emails, in-app notes and webhooks are made by the jobs after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csirtnet.advisory import audience as audiences
from csirtnet.config import get_settings
from csirtnet.kit.bulk import insert_rows
from csirtnet.kit.time import as_utc
from csirtnet.models import AckStatus, Advisory, AdvisoryDelivery, AdvisoryRecipient, User
from csirtnet.worker import enqueue

DELIVER_JOB = "advisory.deliver"
REMIND_JOB = "advisory.remind"
ESCALATE_JOB = "advisory.escalate"
BATCH = 500  # deliveries per job: one SMTP burst, one in-app insert


@dataclass(frozen=True)
class Told:
    organisations: int
    people: int
    likely_affected: int = 0


def tell_new_audience(session: Session, advisory: Advisory, now: datetime) -> Told:
    """Resolve the audience, keep the organisations not told yet as recipients (frozen: the record
    says exactly who was told) and queue a delivery to each person not told yet (their people, and
    people newly named in organisations told before)."""
    from csirtnet.advisory.products import likely_affected

    resolved = audiences.resolve(session, advisory)
    already = set(
        session.scalars(select(AdvisoryRecipient.organisation_id).where(AdvisoryRecipient.advisory_id == advisory.id))
    )
    new_orgs = {o: v for o, v in resolved.organisations.items() if o not in already}
    matches = (
        likely_affected(session, None, advisory.affected_products) if new_orgs and advisory.affected_products else {}
    )
    insert_rows(
        session,
        AdvisoryRecipient.__table__,
        [
            {
                "advisory_id": advisory.id,
                "organisation_id": org_id,
                "cluster_id": cluster_id,
                "province": province,
                "likely_affected": org_id in matches,
                "matched_products": matches.get(org_id, []),
                "status": AckStatus.PENDING.value,
                "answers": [],
                "told_at": now,
            }
            for org_id, (cluster_id, province) in new_orgs.items()
        ],
    )
    told_people: set[int] = set()
    if already:
        told_people = set(
            session.scalars(
                select(AdvisoryDelivery.user_id).where(
                    AdvisoryDelivery.advisory_id == advisory.id, AdvisoryDelivery.kind == "publish"
                )
            )
        )
    people = [p for p in resolved.people if p.user_id not in told_people]
    if not new_orgs and not people:
        return Told(0, 0)
    recipient_of = _recipient_ids(session, advisory.id)
    _deliveries(session, advisory, now, "publish", [(p.user_id, recipient_of[p.organisation_id], p) for p in people])
    if not already:  # the first publication; an update queued the deadline's jobs itself
        _schedule_deadline(session, advisory)
    return Told(len(new_orgs), len(people), sum(1 for o in new_orgs if o in matches))


def tell_update(session: Session, advisory: Advisory, now: datetime, *, fresh_ack: bool) -> Told:
    """A new version goes to everyone told before (the people of the first publication and of
    later widenings); with `fresh_ack`, every recipient answers again."""
    if fresh_ack:
        session.execute(
            update(AdvisoryRecipient)
            .where(AdvisoryRecipient.advisory_id == advisory.id)
            .values(status=AckStatus.PENDING.value, reminded_at=None, escalated_at=None)
        )
    rows = session.execute(
        select(AdvisoryDelivery.user_id, AdvisoryDelivery.recipient_id, User.email, User.language)
        .join(User, User.id == AdvisoryDelivery.user_id)
        .where(
            AdvisoryDelivery.advisory_id == advisory.id, AdvisoryDelivery.kind == "publish", User.is_active.is_(True)
        )
        .distinct()
    )
    targets = [(uid, rid, audiences.Person(uid, 0, email, lang)) for uid, rid, email, lang in rows]
    _deliveries(session, advisory, now, "update", targets)
    _schedule_deadline(session, advisory)
    recipients = len({rid for _, rid, _ in targets})
    return Told(recipients, len(targets))


def _recipient_ids(session: Session, advisory_id: int) -> dict[int, int]:
    rows = session.execute(
        select(AdvisoryRecipient.organisation_id, AdvisoryRecipient.id).where(
            AdvisoryRecipient.advisory_id == advisory_id
        )
    )
    return dict(rows.all())


def _deliveries(
    session: Session,
    advisory: Advisory,
    now: datetime,
    kind: str,
    targets: list[tuple[int, int, audiences.Person]],
) -> None:
    """One delivery row per person, then one job per BATCH of them (by id range)."""
    if not targets:
        return
    default_language = get_settings().default_language
    first = session.scalar(select(AdvisoryDelivery.id).order_by(AdvisoryDelivery.id.desc()).limit(1)) or 0
    insert_rows(
        session,
        AdvisoryDelivery.__table__,
        [
            {
                "advisory_id": advisory.id,
                "recipient_id": recipient_id,
                "user_id": user_id,
                "version": advisory.version,
                "kind": kind,
                "email": person.email,
                "language": person.language or default_language,
                "queued_at": now,
            }
            for user_id, recipient_id, person in targets
        ],
    )
    ids = list(
        session.scalars(
            select(AdvisoryDelivery.id)
            .where(
                AdvisoryDelivery.advisory_id == advisory.id,
                AdvisoryDelivery.version == advisory.version,
                AdvisoryDelivery.kind == kind,
                AdvisoryDelivery.id > first,
            )
            .order_by(AdvisoryDelivery.id)
        )
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # Ids only: the job reads the content when it runs, for people who may see it.
        enqueue(session, DELIVER_JOB, guard=None, advisory_id=advisory.id, first_id=chunk[0], last_id=chunk[-1])


def _schedule_deadline(session: Session, advisory: Advisory) -> None:
    """A reminder before the deadline and an escalation once it passed, for the current round."""
    if advisory.deadline_at is None:
        return
    deadline = as_utc(advisory.deadline_at)
    remind_at = deadline - timedelta(hours=get_settings().advisory_remind_hours)
    for name, at in ((REMIND_JOB, remind_at), (ESCALATE_JOB, deadline)):
        enqueue(
            session,
            name,
            guard=None,
            run_after=at,
            advisory_id=advisory.id,
            round=advisory.ack_round,
            deadline=deadline.isoformat(),
        )


def queue_to_people(session: Session, advisory: Advisory, now: datetime, kind: str, users: list[User]) -> None:
    """Reminders and escalations: a delivery per person (recipient's organisation), sent by the jobs."""
    recipient_of = _recipient_ids(session, advisory.id)
    targets = [
        (u.id, recipient_of[u.organisation_id], audiences.Person(u.id, u.organisation_id, u.email, u.language))
        for u in users
        if u.organisation_id in recipient_of
    ]
    existing = set(
        session.scalars(
            select(AdvisoryDelivery.user_id).where(
                AdvisoryDelivery.advisory_id == advisory.id,
                AdvisoryDelivery.version == advisory.version,
                AdvisoryDelivery.kind == kind,
            )
        )
    )
    _deliveries(session, advisory, now, kind, [t for t in targets if t[0] not in existing])
