"""The daily summary of a multi-day live-fire exercise, day by day in Asia/Ho_Chi_Minh (a finding
submitted at 00:30 in Hà Nội is that day's, though it is still the day before in UTC), and the
`exercise.daily_summary` job that tells the organisers each morning, once."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.errors import Forbidden
from csirtnet.exercise.livefire import defence, findings, remediation, summary, tasks
from csirtnet.exercise.livefire.schemas import DefenceReportCreate, DefenceScoreBody, FindingValidate, RemediationBody
from csirtnet.models import Job, Notification
from tests.exercise.livefire.helpers import MEDIUM, World, make_world, submit
from tests.incident.helpers import who


def Z(text: str) -> datetime:  # a UTC moment, short
    return datetime.fromisoformat(text + "+00:00")


def _days(db: Session) -> tuple[World, list[summary.Day]]:
    w = make_world(db, starts_at=Z("2026-12-01T01:00:00"))  # 08:00 on 1 Dec in Hà Nội, for 14 days
    judge = who(w.judge)
    first = submit(db, w, w.a1, at=Z("2026-12-01T10:00:00"))  # 17:00 on 1 Dec
    twin = submit(db, w, w.b1, at=Z("2026-12-01T17:30:00"))  # 00:30 on 2 Dec (1 Dec in UTC)
    noise = submit(db, w, w.b1, at=Z("2026-12-02T02:00:00"), title="Tiêu đề lộ phiên bản", cvss_vector=MEDIUM)
    findings.validate(db, judge, w.exercise.id, first.id, FindingValidate(), now=Z("2026-12-02T01:00:00"))
    findings.reject(db, judge, w.exercise.id, noise.id, "Không khai thác được", now=Z("2026-12-02T16:59:00"))
    findings.merge(db, judge, w.exercise.id, twin.id, first.id, now=Z("2026-12-02T18:00:00"))  # 01:00 on 3 Dec
    remediation.close(
        db,
        who(w.defender),
        w.exercise.id,
        first.id,
        RemediationBody(status="fixed", note="Đã vá"),
        now=Z("2026-12-03T17:00:00"),
    )
    detected = defence.report(
        db,
        who(w.defender),
        w.exercise.id,
        DefenceReportCreate(detected_at=Z("2026-12-01T11:00:00"), description="WAF báo SQLi", finding_id=first.id),
        now=Z("2026-12-01T12:00:00"),
    )
    defence.score(db, judge, w.exercise.id, detected.id, DefenceScoreBody(credit=True))
    _, days = summary.read(db, who(w.coordinator), w.exercise.id, now=Z("2026-12-04T12:00:00"))
    return w, days


def test_each_day_in_the_exercises_time_zone(db: Session) -> None:
    _, days = _days(db)
    assert [d.day for d in days] == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)]
    dec1, dec2, dec3, dec4 = days
    assert (dec1.submitted, dec1.validated, dec1.duplicates, dec1.rejected) == (1, 0, 0, 0)
    assert [(name, points) for _, name, points in dec1.points] == [
        ("Đội tấn công Bắc Ninh", 100),
        ("Đội phòng thủ Bắc Kạn", 20),
    ]
    assert (dec2.submitted, dec2.validated, dec2.duplicates, dec2.rejected) == (2, 1, 0, 1)
    assert dec2.by_severity == {"critical": 1, "high": 0, "medium": 0, "low": 0, "none": 0}
    assert dec2.points == []  # the twin is a duplicate, the noise rejected
    assert (dec3.duplicates, dec3.remediations_closed) == (1, 0)
    assert (dec4.submitted, dec4.remediations_closed) == (0, 1)


def test_only_the_staff_read_it(db: Session) -> None:
    w, _ = _days(db)
    assert summary.read(db, who(w.judge), w.exercise.id, now=Z("2026-12-04T12:00:00"))[1]
    for person in (w.a1, w.defender_admin):
        with pytest.raises(Forbidden):
            summary.read(db, who(person), w.exercise.id)


def test_the_job_tells_the_organisers_each_morning_once(db: Session) -> None:
    w, _ = _days(db)
    tasks.ensure_daily_summary(db, w.exercise, now=Z("2026-12-02T03:00:00"))
    tasks.ensure_daily_summary(db, w.exercise, now=Z("2026-12-02T04:00:00"))  # still one queued
    queued = db.scalars(select(Job).where(Job.name == "exercise.daily_summary")).all()
    assert [(j.payload["day"], j.run_after.replace(tzinfo=None).isoformat()) for j in queued] == [
        ("2026-12-02", "2026-12-02T17:05:00")  # 00:05 on 3 Dec in Hà Nội
    ]
    db.delete(queued[0])
    tasks.daily_summary(db, exercise_id=w.exercise.id, day="2026-12-02")
    tasks.daily_summary(db, exercise_id=w.exercise.id, day="2026-12-02")  # a retried run
    notes = db.scalars(select(Notification).where(Notification.event_type == "exercise.daily_summary")).all()
    assert [(n.user_id, n.link, n.params["submitted"], n.params["validated"]) for n in notes] == [
        (w.coordinator.id, f"/exercises/{w.exercise.id}/daily-summary?day=2026-12-02", 2, 1)
    ]
    following = db.scalars(select(Job).where(Job.name == "exercise.daily_summary")).all()
    assert [j.payload["day"] for j in following] == ["2026-12-03"]
