"""What the advisory pages share: the reader's language and zone, the Markdown body as safe HTML,
the values of a version's changes as text, and a refusal said in words for a flash message."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from markupsafe import Markup

from csirtnet.errors import AppError
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.kit import dates
from csirtnet.kit.markdown import render as markdown_html
from csirtnet.vocabulary import labels
from csirtnet.web.render import request_language
from csirtnet.web.views.advisories import page_forms as pf
from csirtnet.web.views.incidents.page import user_zone

__all__ = ["change_text", "context", "language", "markdown", "refusal", "say", "user_zone"]

# The fields of a change that name a stored code, and the table that names it.
_CODED = {
    "kind": labels.ADVISORY_KINDS,
    "severity": labels.ADVISORY_SEVERITIES,
}


def language(request: Request) -> str:
    return request_language(request)


def say(request: Request, message: str, **values: str) -> str:
    """A msgid in the reader's language, with its %(name)s values filled."""
    text = translate(request_language(request), message)
    return text % values if values else text


def markdown(text: str | None) -> Markup:
    """The advisory's Markdown body as HTML: kit.markdown renders no raw HTML and no unsafe link,
    so its output (and only its output) is marked safe."""
    return Markup(markdown_html(text))  # noqa: S704 - kit.markdown's output escapes raw HTML


def change_text(field: str, value: Any, language: str, zone: str) -> str:
    """A value of a version's change ({field, before, after}) as a reader reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if field in _CODED:
        return labels.name(_CODED[field], value, language)
    if field in ("tlp", "pap"):
        return f"{field.upper()}:{str(value).upper()}"
    if field == "deadline_at":
        moment = dates.parse_moment(value)
        return dates.format_datetime(moment, language, zone, with_zone=True) if moment else str(value)
    if field == "affected_products":
        return "; ".join(
            f"{p.get('vendor', '')} {p.get('product', '')} {', '.join(p.get('versions') or [])}".strip()
            for p in value
            if isinstance(p, dict)
        )
    if field == "indicators":
        return "; ".join(f"{i.get('type')} {i.get('value')}" for i in value if isinstance(i, dict))
    if field == "references":
        return "; ".join(str(r.get("url")) for r in value if isinstance(r, dict))
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def refusal(language: str, exc: AppError) -> str:
    """A service's refusal as one sentence: each error with the label of the draft's field it is
    about (never an attribute name)."""
    parts: list[str] = []
    for error in exc.errors or []:
        name = pf.ADVISORY.locations.get(error.field, error.field.split(".", 1)[0])
        message = translate_message(language, error.message)
        if error.field.startswith("audience"):
            parts.append(f"{translate(language, N_('Who is told'))}: {message}")
        elif name in pf.ADVISORY.fields:
            parts.append(f"{translate(language, pf.ADVISORY[name].label)}: {message}")
        else:
            parts.append(message)
    return " ".join(parts) if parts else translate_message(language, exc.message)


def context(request: Request) -> dict[str, Any]:
    """What every advisory template gets besides render's own context."""
    lang = request_language(request)
    zone = user_zone(request)
    return {
        "markdown": markdown,
        "change_text": lambda field, value: change_text(field, value, lang, zone),
    }
