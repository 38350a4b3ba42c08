"""One way to write a moment, a day and a span of time in each language: pages, PDFs, emails and
notification titles all call these, so a date reads the same wherever a person meets it.

- a moment: vi "06/12/2026 07:30", en "6 Dec 2026, 07:30", in the reader's time zone; documents
  that leave the platform (PDF, email) add the zone: "06/12/2026 07:30 (UTC+07:00)";
- a day: vi "06/12/2026", en "6 Dec 2026";
- a span: the two largest units, "2 days 3 hours" / "2 ngày 3 tiếng" (CLDR's words, via Babel).

Domain-free: the caller says the language and the zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.units import format_unit

from csirtnet.kit.time import as_utc

MOMENT_PATTERNS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}
DAY_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
EMPTY = "—"
# A moment kept as text (notification parameters are JSON): ISO 8601 with a time and an offset.
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


@cache
def _locale(language: str) -> Locale:
    return Locale.parse("vi_VN" if language == "vi" else "en_GB")


@cache
def _zone(zone: str) -> ZoneInfo:
    return ZoneInfo(zone)


def _language(language: str) -> str:
    return "vi" if language == "vi" else "en"


def zone_label(value: datetime, zone: str) -> str:
    """The zone's offset at that moment: "UTC+07:00"."""
    offset = as_utc(value).astimezone(_zone(zone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_datetime(value: datetime | None, language: str, zone: str, *, with_zone: bool = False) -> str:
    """A moment in `zone`, written the language's one way; `with_zone` adds "(UTC+07:00)"."""
    if value is None:
        return EMPTY
    lang = _language(language)
    text = babel_datetime(as_utc(value), MOMENT_PATTERNS[lang], tzinfo=_zone(zone), locale=_locale(lang))
    return f"{text} ({zone_label(value, zone)})" if with_zone else text


def format_date(value: date | None, language: str) -> str:
    """A calendar day (a term's start, a drill's date): no time, no zone."""
    if value is None:
        return EMPTY
    lang = _language(language)
    return babel_date(value, DAY_PATTERNS[lang], locale=_locale(lang))


def format_duration(span: timedelta, language: str) -> str:
    """A span in its two largest units, at least a minute: "2 days 3 hours", "45 minutes"."""
    minutes = max(1, int(abs(span).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = [(days, "duration-day"), (hours, "duration-hour"), (minutes, "duration-minute")]
    first = next(i for i, (amount, _unit) in enumerate(units) if amount)
    shown = [(amount, unit) for amount, unit in units[first : first + 2] if amount]
    locale = _locale(_language(language))
    return " ".join(format_unit(amount, unit, length="long", locale=locale) for amount, unit in shown)


def parse_moment(value: object) -> datetime | None:
    """A moment written as ISO 8601 text with its offset (as notification parameters keep them)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_MOMENT.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
