"""The experts API: search the experts members offer; change or withdraw one."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz.organisation import profile_organisation_ids
from csirtnet.kit.pagination import Page, paginate_keyset
from csirtnet.models import Expert, Organisation
from csirtnet.organisation import experts, repository
from csirtnet.organisation.schemas import ExpertRead, ExpertUpdate

router = APIRouter(prefix="/experts", tags=["experts"])


@router.get("", response_model=Page[ExpertRead])
def search(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200),
    skill: str | None = Query(default=None, max_length=60),
    min_level: int | None = Query(default=None, ge=1, le=3),
    province: str | None = Query(default=None, max_length=80),
    available: bool | None = Query(default=None),
    on_site: bool | None = Query(default=None),
    language: str | None = Query(default=None, pattern=r"^[a-z]{2}$"),
    organisation_id: int | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[ExpertRead]:
    """Search experts by skill (and minimum level), region, availability, on-site and language."""
    query = repository.experts(
        who,
        organisation_id=organisation_id,
        q=q,
        skill=skill,
        min_level=min_level,
        province=province,
        available=available,
        on_site=on_site,
        language=language,
    )
    rows, next_cursor = paginate_keyset(session, query, (Expert.name_fold, Expert.id), limit=limit, cursor=cursor)
    return Page[ExpertRead](items=experts.reads(session, who, rows), next_cursor=next_cursor)


@router.get("/{expert_id}", response_model=ExpertRead)
def get_expert(expert_id: int, session: Session, who: ApiUser) -> ExpertRead:
    """One expert."""
    expert = experts.get(session, who, expert_id)
    org = session.get(Organisation, expert.organisation_id)
    return experts.to_read(who, expert, org.name if org else "", profile_organisation_ids(session, who))


@router.patch("/{expert_id}", response_model=ExpertRead)
def update_expert(expert_id: int, body: ExpertUpdate, session: Session, who: ApiUser) -> ExpertRead:
    """Change an expert's skills, availability or details."""
    expert = experts.update(session, who, expert_id, body)
    org = session.get(Organisation, expert.organisation_id)
    return experts.to_read(who, expert, org.name if org else "", profile_organisation_ids(session, who))


@router.delete("/{expert_id}", status_code=204)
def remove_expert(expert_id: int, session: Session, who: ApiUser) -> Response:
    """Withdraw an expert."""
    experts.remove(session, who, expert_id)
    return Response(status_code=204)
