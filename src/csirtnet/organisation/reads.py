"""What the members pages read: the directory, experts and applications a subject may see (scoped
by organisation.repository through authz), and the organisations a form offers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.errors import NotFound
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.models import ConstituencyClaim, Expert, MembershipApplication, Organisation
from csirtnet.organisation import repository


def own(session: Session, who: Subject) -> Organisation | None:
    """The subject's own organisation."""
    return session.get(Organisation, who.organisation_id) if who.organisation_id is not None else None


def organisations_among(session: Session, ids: Iterable[int] | None) -> list[Organisation]:
    """The organisations with these ids (every one for None), in Vietnamese name order."""
    query = select(Organisation).order_by(Organisation.name_sort)
    if ids is not None:
        query = query.where(Organisation.id.in_(sorted(ids)))
    return list(session.scalars(query))


def names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Organisation id -> name, for the ids given."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))
    return {int(k): str(v) for k, v in rows}


def other_members(session: Session, organisation_id: int) -> list[Organisation]:
    """Every member but this one and the coordinator (where a part of a claim can be delegated)."""
    query = (
        select(Organisation)
        .where(Organisation.id != organisation_id, Organisation.is_coordinator.is_(False))
        .order_by(Organisation.name_sort)
    )
    return list(session.scalars(query))


def directory(
    session: Session, who: Subject, *, offset: int = 0, limit: int | None = None, **filters: Any
) -> list[Organisation]:
    """Active members matching the directory's filters (organisation.repository.directory)."""
    return list(session.scalars(repository.directory(who, **filters).limit(limit).offset(offset)))


def directory_choices(session: Session) -> tuple[list[str], list[str]]:
    """The provinces and sectors members gave, for the directory's filters."""
    provinces = sorted({p for p in session.scalars(select(Organisation.province).distinct()) if p})
    sectors = sorted({s for s in session.scalars(select(Organisation.sector).distinct()) if s})
    return provinces, sectors


def experts(session: Session, who: Subject, *, limit: int | None = None, **filters: Any) -> list[Expert]:
    """Experts the subject may see, matching the filters (organisation.repository.experts)."""
    return list(session.scalars(repository.experts(who, **filters).limit(limit)))


def expert_of(session: Session, organisation_id: int, expert_id: int) -> Expert:
    """The expert, if it is one of the organisation's (the page's address names both)."""
    expert = session.get(Expert, expert_id)
    if expert is None or expert.organisation_id != organisation_id:
        raise NotFound("expert")
    return expert


def claims(session: Session, who: Subject, organisation_id: int) -> list[ConstituencyClaim]:
    return list(session.scalars(repository.claims(session, who, organisation_id=organisation_id)))


def applications(
    session: Session, who: Subject, *, status: str | None, limit: int = 200
) -> list[MembershipApplication]:
    """The latest applications the subject may review, newest first."""
    query = repository.applications(who, status=status).order_by(MembershipApplication.id.desc()).limit(limit)
    return list(session.scalars(query))


def organisations_page(
    session: Session, who: Subject, *, q: str | None, kind: str | None, cursor: str | None, limit: int
) -> tuple[list[Organisation], str | None]:
    """One page of the organisations the subject may administer, in Vietnamese name order."""
    query = repository.organisations(who, q=q, kind=kind)
    rows, next_cursor = paginate_keyset(
        session, query, (Organisation.name_sort, Organisation.id), limit=limit, cursor=cursor
    )
    return list(rows), next_cursor
