"""One way to write a moment, a day and a span per language (kit.dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from csirtnet.kit import dates

MOMENT = datetime(2026, 12, 6, 0, 30, tzinfo=UTC)  # 07:30 in Hà Nội


def test_a_moment_reads_one_way_per_language_in_the_readers_zone() -> None:
    assert dates.format_datetime(MOMENT, "vi", "Asia/Ho_Chi_Minh") == "06/12/2026 07:30"
    assert dates.format_datetime(MOMENT, "en", "Asia/Ho_Chi_Minh") == "6 Dec 2026, 07:30"
    assert dates.format_datetime(MOMENT, "en", "Europe/Paris", with_zone=True) == "6 Dec 2026, 01:30 (UTC+01:00)"
    assert dates.format_datetime(MOMENT, "vi", "Asia/Ho_Chi_Minh", with_zone=True) == "06/12/2026 07:30 (UTC+07:00)"
    naive = MOMENT.replace(tzinfo=None)  # SQLite hands moments back naive, in UTC
    assert dates.format_datetime(naive, "vi", "Asia/Ho_Chi_Minh") == "06/12/2026 07:30"
    assert dates.format_datetime(None, "vi", "Asia/Ho_Chi_Minh") == "—"


def test_a_day_and_a_span() -> None:
    assert dates.format_date(date(2026, 1, 5), "vi") == "05/01/2026"
    assert dates.format_date(date(2026, 1, 5), "en") == "5 Jan 2026"
    assert dates.format_duration(timedelta(days=2, hours=3, minutes=10), "en") == "2 days 3 hours"
    assert dates.format_duration(timedelta(days=2, hours=3, minutes=10), "vi") == "2 ngày 3 tiếng"
    assert dates.format_duration(timedelta(days=1, minutes=10), "en") == "1 day"
    assert dates.format_duration(timedelta(hours=1, minutes=5), "en") == "1 hour 5 minutes"
    assert dates.format_duration(timedelta(seconds=20), "en") == "1 minute"
    assert dates.format_duration(-timedelta(minutes=45), "vi") == "45 phút"


def test_moments_kept_as_text_are_recognised() -> None:
    assert dates.parse_moment("2026-12-06T00:30+00:00") == MOMENT
    assert dates.parse_moment("2026-12-06T00:30:00Z") == MOMENT
    assert dates.parse_moment("SC-2026-000123") is None
    assert dates.parse_moment("2026-12-06") is None  # a day, not a moment
    assert dates.parse_moment(7) is None
