"""Planted markers: unique strings in every private field of the seeded world, each with the
subjects the documented rules let see it.

A marker reads `mk<n>-<what>-<hex>` (lowercase letters, digits and dashes, so it survives domain
normalisation, search folding, HTML escaping, JSON and PDF text). `<n>` is unique and followed by a
dash, so no marker is the beginning of another and a scan finds each by its number. Secrets the
platform generates (API tokens, reset links, TOTP secrets) cannot follow that shape; they are
registered as they are, with an audience of nobody.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

_START = re.compile(r"mk(\d+)-")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Marker:
    text: str
    what: str  # whose and what it is, for the report
    audience: frozenset[str]  # subject keys that may see it


class Markers:
    def __init__(self) -> None:
        self._by_number: dict[int, Marker] = {}
        self._secrets: list[Marker] = []

    def new(self, what: str, audience: Iterable[str]) -> str:
        number = len(self._by_number) + 1
        slug = _SLUG.sub("-", what.lower()).strip("-")[:36]
        text = f"mk{number}-{slug}-{secrets.token_hex(3)}"
        self._by_number[number] = Marker(text, what, frozenset(audience))
        return text

    def secret(self, text: str, what: str, audience: Iterable[str] = ()) -> str:
        """A value the platform made (a token, a link's secret): registered as it is."""
        assert len(text) >= 16, f"{what}: too short to scan for"
        self._secrets.append(Marker(text, what, frozenset(audience)))
        return text

    def widen(self, text: str, *subjects: str) -> None:
        """Add readers to a marker planted before they existed (e.g. a participant added later)."""
        for number, marker in self._by_number.items():
            if marker.text == text:
                self._by_number[number] = Marker(marker.text, marker.what, marker.audience | set(subjects))
                return
        raise KeyError(text)

    def text(self, what: str) -> str:
        """The marker planted as `what` (for rows that check an allowed reader gets it)."""
        for marker in self._by_number.values():
            if marker.what == what:
                return marker.text
        raise KeyError(what)

    def all(self) -> list[Marker]:
        return [*self._by_number.values(), *self._secrets]

    def found_in(self, text: str) -> list[Marker]:
        """Every registered marker that occurs in `text`."""
        found: dict[str, Marker] = {}
        for match in _START.finditer(text):
            marker = self._by_number.get(int(match.group(1)))
            if marker is not None and text.startswith(marker.text, match.start()):
                found[marker.text] = marker
        for marker in self._secrets:
            if marker.text in text:
                found[marker.text] = marker
        return list(found.values())

    def leaked(self, text: str, subject: str, allowed: frozenset[str] = frozenset()) -> list[Marker]:
        """The markers in `text` that `subject` may not see (`allowed`: markers this request may show)."""
        return [m for m in self.found_in(text) if subject not in m.audience and m.text not in allowed]
