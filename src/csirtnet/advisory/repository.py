"""Advisory queries, each scoped through authz.advisory."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.advisory import visible_advisories_clause
from csirtnet.kit.text import fold
from csirtnet.models import Advisory, AdvisoryRecipient, AdvisoryVersion


def visible(who: Subject) -> Select[Advisory]:
    """Every advisory `who` may see."""
    return select(Advisory).where(visible_advisories_clause(who))


def search(
    who: Subject, *, q: str | None = None, status: str | None = None, kind: str | None = None, told: bool = False
) -> Select[Advisory]:
    """The advisories `who` may see, narrowed by words (reference, title, CVE), status and kind;
    `told`: only those told to the subject's organisation (the member's inbox)."""
    query = visible(who)
    if q:
        words = fold(q).split()
        query = query.where(*[Advisory.title_fold.contains(w, autoescape=True) for w in words])
    if status:
        query = query.where(Advisory.status == status)
    if kind:
        query = query.where(Advisory.kind == kind)
    if told:
        query = query.where(
            or_(
                Advisory.id.in_(
                    select(AdvisoryRecipient.advisory_id).where(
                        AdvisoryRecipient.organisation_id == who.organisation_id
                    )
                ),
            )
        )
    return query


def versions(session: Session, advisory_id: int) -> list[AdvisoryVersion]:
    """The advisory's versions, newest first (the caller checked it may see the advisory)."""
    return list(
        session.scalars(
            select(AdvisoryVersion)
            .where(AdvisoryVersion.advisory_id == advisory_id)
            .order_by(AdvisoryVersion.id.desc())
        )
    )
