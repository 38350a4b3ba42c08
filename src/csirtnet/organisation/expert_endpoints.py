"""The experts API: search the experts members offer; change or withdraw one."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz.organisation import profile_organisation_ids
from csirtnet.models import Organisation
from csirtnet.organisation import experts, repository
from csirtnet.organisation.schemas import ExpertRead, ExpertUpdate

router = APIRouter(prefix="/experts", tags=["experts"])


@router.get("", response_model=list[ExpertRead])
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
    limit: int = Query(default=100, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> list[ExpertRead]:
    """Search experts by skill (and minimum level), region, availability, on-site and language."""
    rows = list(
        session.scalars(
            repository.experts(
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
            .limit(limit)
            .offset(offset)
        )
    )
    names = {
        k: v
        for k, v in session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_({e.organisation_id for e in rows}))
        )
    }
    full_profiles = profile_organisation_ids(session, who)
    return [experts.to_read(who, e, names.get(e.organisation_id, ""), full_profiles) for e in rows]


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
