"""Mobilisation in figures: experts mobilised and organisations that took part, per period.

Periods are calendar months, quarters or years in the network's time zone. A deployment counts in
every period it ran in (from its start to its release, or its planned end); one released before it
started never ran and does not count. Hours count in the period where the deployment started, so
the periods' hours add up to the total. Reports call `figures`; the API serves the same numbers.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.mobilisation import statistics_organisation_ids
from csirtnet.config import get_settings
from csirtnet.errors import ValidationFailed
from csirtnet.mobilisation import repository
from csirtnet.mobilisation.schemas import StatisticsBucket, StatisticsRead

Period = Literal["month", "quarter", "year"]
MAX_BUCKETS = 240


def _next(day: date, period: Period) -> date:
    if period == "year":
        return date(day.year + 1, 1, 1)
    months = 3 if period == "quarter" else 1
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def _start_of(day: date, period: Period) -> date:
    if period == "year":
        return date(day.year, 1, 1)
    if period == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def _label(day: date, period: Period) -> str:
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def periods(date_from: date, date_to: date, period: Period) -> list[tuple[str, date, date]]:
    """(label, first day, day after the last) for each period touching [date_from, date_to]."""
    if date_to < date_from:
        raise ValidationFailed("date_to", "comes before date_from")
    out: list[tuple[str, date, date]] = []
    day = _start_of(date_from, period)
    while day <= date_to:
        following = _next(day, period)
        out.append(
            (_label(day, period), max(day, date_from), min(following, date.fromordinal(date_to.toordinal() + 1)))
        )
        day = following
        if len(out) > MAX_BUCKETS:
            raise ValidationFailed("date_from", f"asks for more than {MAX_BUCKETS} periods; choose a longer period")
    return out


def figures(session: Session, who: Subject, date_from: date, date_to: date, period: Period = "month") -> StatisticsRead:
    """Experts mobilised, organisations that took part, deployments and hours, per period and in total."""
    organisation_ids = statistics_organisation_ids(session, who)
    zone = ZoneInfo(get_settings().timezone)
    buckets = []
    for label, first, after in periods(date_from, date_to, period):
        experts, orgs, count, hours = repository.deployment_counts(
            session, _instant(first, zone), _instant(after, zone), organisation_ids
        )
        buckets.append(
            StatisticsBucket(
                period=label,
                starts_on=first,
                ends_on=date.fromordinal(after.toordinal() - 1),
                experts_mobilised=experts,
                organisations_taking_part=orgs,
                deployments=count,
                hours=round(hours, 2),
            )
        )
    after_all = date.fromordinal(date_to.toordinal() + 1)
    experts, orgs, count, hours = repository.deployment_counts(
        session, _instant(date_from, zone), _instant(after_all, zone), organisation_ids
    )
    total = StatisticsBucket(
        period="total",
        starts_on=date_from,
        ends_on=date_to,
        experts_mobilised=experts,
        organisations_taking_part=orgs,
        deployments=count,
        hours=round(hours, 2),
    )
    return StatisticsRead(period=period, starts_on=date_from, ends_on=date_to, buckets=buckets, total=total)
