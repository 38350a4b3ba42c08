"""Translations for every layer: gettext catalogs (web/locale/<lang>/LC_MESSAGES/*.po, one file per
domain), compiled in memory at start-up, so there is no build step. Source strings are English; the
Vietnamese catalog translates them. `N_` marks a string for extraction without translating it where
it stands.

It sits below the web layer so that domains (emails, PDFs, CSV exports) translate without
importing `csirtnet.web`. The catalogs stay under web/locale, beside the templates that use most of
their words: they are data read from the package, not a module of the web layer.
"""

from __future__ import annotations

import gettext
import io
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("vi", "en")
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def N_(message: str) -> str:
    return message


@cache
def merged_catalog(language: str) -> Catalog | None:
    """Every catalog of the language (one .po file per domain) merged into one."""
    if language not in LANGUAGES:
        return None
    folder = catalog_folder(language)
    if not folder.is_dir():
        return None
    merged: Catalog | None = None
    for source in catalog_files(folder):
        catalog = read_po(io.BytesIO(source.read_bytes()), locale=language)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            # The first catalog to translate a msgid wins (tests forbid a msgid in two catalogs).
            if message.id and message.string and not (message.id in merged and merged[message.id].string):
                merged[message.id] = message
    return merged


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The merged catalog compiled in memory into one translation table."""
    if language not in LANGUAGES:
        language = "en"
    merged = merged_catalog(language)
    if merged is None:
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, merged)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def catalog_folder(language: str) -> Traversable:
    """Where a language's catalogs are: web/locale/<language>/LC_MESSAGES inside the package."""
    return resources.files("csirtnet").joinpath(f"web/locale/{language}/LC_MESSAGES")


def catalog_files(folder: Traversable) -> list[Traversable]:
    """messages.po (the foundation's shared words) first, then each domain's catalog by name."""
    files = [f for f in folder.iterdir() if f.name.endswith(".po")]
    return sorted(files, key=lambda f: (f.name != "messages.po", f.name))


def gettext_for(language: str) -> gettext.NullTranslations:
    return translations(language)


def translate(language: str, message: str) -> str:
    return translations(language).gettext(message)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_FIELD_PREFIX = re.compile(r"^([a-z][a-z0-9_.]*): (.+)$", re.DOTALL)


# An entry whose English text outside its placeholders is shorter than this ("%(rank)s of %(total)s",
# "in %(span)s") is a label to format,
# never an error message to recognise.
_LEAST_LITERAL = 3


@cache
def _patterns(language: str) -> list[tuple[re.Pattern[str], str]]:
    """Catalog entries with %(name)s placeholders, as regexes matching the English text they produce."""
    merged = merged_catalog(language) if language != "en" else None
    if merged is None:
        return []
    out: list[tuple[re.Pattern[str], str]] = []
    for message in merged:
        if not (isinstance(message.id, str) and isinstance(message.string, str) and message.string):
            continue
        if "%(" not in message.id:
            continue
        if len(_PLACEHOLDER.sub("", message.id).strip()) < _LEAST_LITERAL:
            continue  # "%(rank)s of %(total)s" is a label, and would match any message with " of " in it
        regex, position = "", 0
        for match in _PLACEHOLDER.finditer(message.id):
            regex += re.escape(message.id[position : match.start()]) + f"(?P<{match.group(1)}>.+?)"
            position = match.end()
        regex += re.escape(message.id[position:])
        out.append((re.compile(regex + r"\Z", re.DOTALL), message.string))
    # The most specific (longest literal text) first.
    out.sort(key=lambda item: -len(_PLACEHOLDER.sub("", item[0].pattern)))
    return out


def translate_message(language: str, message: str) -> str:
    """Translate a message that may carry values: an error raised in English by a service.

    An exact catalog entry wins; otherwise an entry with %(name)s placeholders whose English
    text matches (values are kept, and translated themselves when the catalog knows them);
    otherwise "field: message" is translated part by part. Unknown text comes back unchanged.
    """
    if not message or language == "en":
        return message
    table = translations(language)
    exact = table.gettext(message)
    if exact != message:
        return exact
    for pattern, translated in _patterns(language):
        match = pattern.match(message)
        if match:
            values = {k: table.gettext(v) for k, v in match.groupdict().items()}
            try:
                return translated % values
            except (KeyError, ValueError, TypeError):
                return message
    prefixed = _FIELD_PREFIX.match(message)
    if prefixed:
        field_name, rest = prefixed.groups()
        label = table.gettext(field_name)
        return f"{label[:1].upper()}{label[1:]}: {translate_message(language, rest)}"
    return message


def pick_language(
    query: str | None, user_choice: str | None, cookie: str | None, accept_language: str | None, default: str
) -> str:
    """?lang=, then the user's saved choice (or the switch's cookie), then Accept-Language, then default."""
    for candidate in (query, user_choice, cookie):
        if candidate in LANGUAGES:
            return candidate
    if accept_language:
        ranked: list[tuple[float, str]] = []
        for part in accept_language.split(","):
            piece = part.strip().split(";")
            tag = piece[0].strip().lower()[:2]
            q = 1.0
            for param in piece[1:]:
                name, _, value = param.strip().partition("=")
                if name == "q":
                    try:
                        q = float(value)
                    except ValueError:
                        q = 0.0
            if tag in LANGUAGES:
                ranked.append((q, tag))
        if ranked:
            return max(ranked, key=lambda item: item[0])[1]
    return default
