"""Markdown to safe HTML: CommonMark with raw HTML turned off (it is shown as text), and links
only to http(s), mailto and in-page targets (markdown-it's link check, narrowed further here)."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

_SAFE_LINK = re.compile(r"^(https?:|mailto:|#|/(?!/))", re.IGNORECASE)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))  # type: ignore[method-assign]
    return md


def render(text: str | None) -> str:
    """The HTML of `text` (Markdown); nothing in it can run script or load a foreign frame."""
    if not text:
        return ""
    html: str = _parser().render(text)
    return html
