"""Every event type a user can be notified of, with its defaults and its title in both languages.

Domains register their events with `register`; the preferences page lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from csirtnet.config import get_settings
from csirtnet.kit import dates

CHANNELS = ("inapp", "email")


@dataclass(frozen=True)
class EventType:
    key: str
    title: dict[str, str]  # language -> str.format template over the event's params
    defaults: dict[str, bool] = field(default_factory=lambda: {"inapp": True, "email": True})
    transactional: bool = False  # sent whatever the preferences say (password reset, invitation)
    formal: bool = False  # a regulatory notification: subject starts with [TBSC]
    # Carries a secret link (a password reset, a tracking page): its domain's job builds the link
    # when it runs, from ids; notify() and the send_* helpers refuse it, so no job payload or
    # notification row can ever hold the secret.
    secret: bool = False


EVENTS: dict[str, EventType] = {}


def register(event: EventType) -> EventType:
    EVENTS[event.key] = event
    return event


def get(key: str) -> EventType:
    try:
        return EVENTS[key]
    except KeyError:
        raise KeyError(f"unknown notification event {key!r}") from None


def title(key: str, params: dict[str, object], language: str, zone: str | None = None) -> str:
    """The event's title in `language`; moments among the parameters (ISO 8601 text) are written
    the language's one way in `zone` (the platform's when not given)."""
    event = get(key)
    template = event.title.get(language) or event.title["en"]
    shown = {name: moment_text(value, language, zone) for name, value in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError):
        return template


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def generic_title(event: EventType, language: str) -> str:
    """An event type's title with its placeholders shown as "…" (for lists of event types)."""
    template = event.title.get(language) or event.title["en"]
    return template.format_map(_Blank())


def moment_text(value: object, language: str, zone: str | None = None, *, with_zone: bool = False) -> object:
    """A parameter that is a moment, written for the reader; any other value as it is."""
    moment = dates.parse_moment(value)
    if moment is None:
        return value
    return dates.format_datetime(moment, language, zone or get_settings().timezone, with_zone=with_zone)


register(
    EventType(
        "identity.password_reset",
        {"vi": "Đặt lại mật khẩu csirtnet", "en": "Reset your csirtnet password"},
        defaults={"inapp": False, "email": True},
        transactional=True,
        secret=True,
    )
)
register(
    EventType(
        "identity.invitation",
        {"vi": "Lời mời tham gia csirtnet", "en": "Your invitation to csirtnet"},
        defaults={"inapp": False, "email": True},
        transactional=True,
        secret=True,
    )
)
register(
    EventType(
        "identity.token_expiring",
        {"vi": 'Mã API "{name}" sắp hết hạn', "en": 'API token "{name}" expires soon'},
    )
)
register(
    EventType(
        "system.job_failed",
        {"vi": "Tác vụ nền {job} thất bại", "en": "Background job {job} failed"},
        defaults={"inapp": True, "email": False},
    )
)
register(
    EventType(
        "system.announcement",
        {"vi": "Thông báo: {subject}", "en": "Announcement: {subject}"},
    )
)
