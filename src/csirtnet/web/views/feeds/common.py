"""What the feed pages share: the choices named in the reader's language (RSIT classes and types,
the sources, the organisations), and what the tabs show to whom (asked of authz.feeds)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session as DbSession

from csirtnet.authz import Subject
from csirtnet.authz import feeds as rules
from csirtnet.organisation import reads as organisation_reads
from csirtnet.vocabulary import labels, rsit
from csirtnet.web.render import request_language
from csirtnet.web.views.feeds.page_forms import NAMES

PAGE = 50


def taxonomy_choices(request: Request) -> list[tuple[str, str]]:
    language = request_language(request)
    return [(klass, labels.name(labels.RSIT_CLASSES, klass, language)) for klass in rsit.taxonomy()]


def type_choices(request: Request) -> list[tuple[str, str]]:
    """Every RSIT type, named "class / type" in the reader's language (a type's value is unique)."""
    language = request_language(request)
    seen: dict[str, str] = {}
    for klass, types in rsit.taxonomy().items():
        for type_ in types:
            seen.setdefault(
                type_,
                f"{labels.name(labels.RSIT_CLASSES, klass, language)} / "
                f"{labels.name(labels.RSIT_TYPES, type_, language)}",
            )
    return list(seen.items())


def organisation_choices(session: DbSession) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in organisation_reads.organisations_among(session, None)]


def organisation_names(session: DbSession, ids: list[int | None]) -> dict[int, str]:
    return organisation_reads.names(session, [i for i in ids if i is not None])


def tabs(who: Subject) -> dict[str, Any]:
    """What every feed page's template takes: what the section's tabs offer the reader, and the
    names of the feed codes."""
    return {"may_manage": rules.can_manage(who), "names": NAMES}
