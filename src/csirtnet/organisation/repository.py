"""Organisation queries. Every member's directory entry is visible to members; details are scoped."""

from __future__ import annotations

from sqlalchemy import Select, select

from csirtnet.authz import Subject, require
from csirtnet.kit.text import fold
from csirtnet.models import Organisation


def organisations(
    who: Subject,
    *,
    q: str | None = None,
    kind: str | None = None,
    province: str | None = None,
    status: str | None = None,
) -> Select[Organisation]:
    """The organisations listed in the directory; `q` matches names, accents ignored."""
    require(who, "organisations:read")
    query = select(Organisation)
    if q:
        query = query.where(Organisation.name_fold.contains(fold(q), autoescape=True))
    if kind:
        query = query.where(Organisation.kind == kind)
    if province:
        query = query.where(Organisation.province == province)
    if status:
        query = query.where(Organisation.status == status)
    return query
