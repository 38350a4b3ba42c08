"""Stale profiles: members confirm their contacts and constituency on a schedule; admins of a
member whose confirmation is older than the limit are reminded, at most once per period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.organisation import confirms_own_organisation
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Organisation
from csirtnet.organisation import events, repository
from csirtnet.organisation.settings import member_settings


@dataclass(frozen=True)
class StaleEntry:
    organisation: Organisation
    since: datetime
    days: int


def _entry(org: Organisation, now: datetime) -> StaleEntry:
    since = as_utc(org.confirmed_at or org.created_at)
    return StaleEntry(org, since, (now - since).days)


def _older_than(now: datetime, max_age_days: int | None) -> datetime:
    days = member_settings().confirmation_max_age_days if max_age_days is None else max_age_days
    return now - timedelta(days=days)


def stale(session: Session, who: Subject, *, max_age_days: int | None = None) -> list[StaleEntry]:
    """Who has not confirmed within the limit (coordinators see all; a member sees itself)."""
    now = utcnow()
    return [
        _entry(org, now) for org in session.scalars(repository.stale_organisations(who, _older_than(now, max_age_days)))
    ]


def confirmation_due(session: Session, who: Subject) -> StaleEntry | None:
    """The reader's own organisation, when its confirmation is overdue and theirs to give."""
    if who.organisation_id is None or not confirms_own_organisation(who):
        return None
    now = utcnow()
    org = session.scalar(
        repository.stale_organisations(who, _older_than(now, None)).where(Organisation.id == who.organisation_id)
    )
    return None if org is None else _entry(org, now)


def stale_page(
    session: Session, who: Subject, *, max_age_days: int | None = None, limit: int, cursor: str | None
) -> tuple[list[StaleEntry], str | None]:
    """`stale`, one page at a time: longest unconfirmed first."""
    now = utcnow()
    rows, next_cursor = paginate_keyset(
        session,
        repository.stale_organisations(who, _older_than(now, max_age_days)),
        (repository.last_confirmed, Organisation.id),
        limit=limit,
        cursor=cursor,
        key_of=lambda org: (as_utc(org.confirmed_at or org.created_at), org.id),
    )
    return [_entry(org, now) for org in rows], next_cursor


def remind(session: Session, who: Subject | None = None) -> int:
    """Remind the admins of each stale member not reminded within the period; returns how many members."""
    who = who or Subject.system("organisation.remind_stale")
    settings = member_settings()
    now = utcnow()
    period = timedelta(days=settings.confirmation_reminder_every_days)
    count = 0
    for entry in stale(session, who):
        org = entry.organisation
        if org.stale_reminded_at is not None and as_utc(org.stale_reminded_at) > now - period:
            continue
        admins = repository.organisation_admins(session, org.id)
        from csirtnet.notification.service import notify

        notify(
            session,
            events.CONFIRMATION_DUE.key,
            admins,
            {"organisation": org.name, "days": entry.days},
            link=f"/members/{org.id}",
            guard=None,
        )
        org.stale_reminded_at = now
        audit.record(session, who, "organisation.reminded_stale", org, days=entry.days, admins=len(admins))
        count += 1
    return count
