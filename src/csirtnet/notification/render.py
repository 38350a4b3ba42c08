"""Email text in the recipient's language, from templates notification/templates/<event>.<lang>.txt.

The first line of a template is the subject; the rest is the body. Moments are written with the
`moment` filter: the language's one format, in the recipient's zone, with the zone named (an email
is read away from the platform).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from csirtnet.config import get_settings
from csirtnet.notification import events
from csirtnet.vocabulary import labels


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("csirtnet.notification", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - plain-text email, no HTML to escape
        keep_trailing_newline=True,
    )


def render(
    event_type: str, language: str, params: dict[str, Any], link: str | None, zone: str | None = None
) -> tuple[str, str]:
    """Return (subject, body); `zone` is the recipient's (the platform's when not given)."""
    event = events.get(event_type)
    language = language if language in ("vi", "en") else "vi"
    zone = zone or get_settings().timezone

    def moment(value: object) -> object:
        return events.moment_text(value, language, zone, with_zone=True)

    try:
        template = _env().get_template(f"{event_type}.{language}.txt")
        # Names of stored codes in the recipient's language, {{ name_of(labels.URGENCIES, urgency) }};
        # an event's own params come after them, so a param never clashes with a helper.
        helpers = {"labels": labels, "name_of": lambda table, code: labels.name(table, code, language)}
        text = template.render(
            {**helpers, **params, "link": link or params.get("link"), "language": language, "moment": moment}
        )
        subject, _, body = text.partition("\n")
        subject = subject.removeprefix("Subject:").strip()
    except TemplateNotFound:
        subject = events.title(event_type, params, language, zone)
        intro = "Mở csirtnet để xem chi tiết:" if language == "vi" else "Open csirtnet for the details:"
        body = f"{subject}\n\n{intro} {link or params.get('link') or ''}\n"
    if event.formal and not subject.startswith("[TBSC]"):
        subject = f"[TBSC] {subject}"
    return subject, body.lstrip("\n")
