"""Organisation queries, every one scoped through authz.

Every member's directory entry is visible to members; the full profile (contacts, systems,
constituency claims, experts' contact details) only to the organisation itself and the
coordinator (authz.organisation.profile_visible).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from csirtnet.authz import Subject, require, visible_organisation_ids
from csirtnet.authz.organisation import profile_organisation_ids
from csirtnet.authz.permissions import Permission
from csirtnet.kit.text import fold
from csirtnet.models import (
    ClusterMember,
    ConstituencyClaim,
    Expert,
    ExpertSkill,
    InformationSystem,
    MembershipApplication,
    Organisation,
    OrganisationContact,
    ServiceOffer,
    User,
    UserRole,
)
from csirtnet.models.constituency import ClaimStatus
from csirtnet.models.organisation import OrganisationStatus
from csirtnet.vocabulary import Role

# When a member last confirmed its profile; never confirmed counts from when it joined.
last_confirmed = func.coalesce(Organisation.confirmed_at, Organisation.created_at)

# Claims in address order: kind, then start address (IP ranges; NULL for AS numbers and domains).
claim_order = (
    ConstituencyClaim.kind,
    func.coalesce(ConstituencyClaim.range_start, ""),
    ConstituencyClaim.value,
    ConstituencyClaim.id,
)


def claim_key(claim: ConstituencyClaim) -> tuple[str, str, str, int]:
    """A claim's values of claim_order."""
    return (claim.kind, claim.range_start or "", claim.value, claim.id)


def organisations(
    who: Subject,
    *,
    q: str | None = None,
    kind: str | None = None,
    province: str | None = None,
    status: str | None = None,
) -> Select[Organisation]:
    """The organisations listed in the directory; `q` matches names, accents ignored."""
    require(who, Permission.ORGANISATIONS_READ)
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


def directory(
    who: Subject,
    *,
    q: str | None = None,
    service: str | None = None,
    skill: str | None = None,
    sector: str | None = None,
    province: str | None = None,
    cluster_id: int | None = None,
    kind: str | None = None,
) -> Select[Organisation]:
    """Active members, searchable by name (accents ignored), FIRST service, expert skill, sector,
    province and current cluster membership. Directory data is visible to every member."""
    require(who, Permission.ORGANISATIONS_READ)
    query = select(Organisation).where(
        Organisation.status == OrganisationStatus.ACTIVE.value, Organisation.is_coordinator.is_(False)
    )
    if q:
        query = query.where(
            or_(
                Organisation.name_fold.contains(fold(q), autoescape=True),
                func.lower(func.coalesce(Organisation.member_code, "")).contains(q.strip().lower(), autoescape=True),
            )
        )
    if service:
        query = query.where(
            exists().where(ServiceOffer.organisation_id == Organisation.id, ServiceOffer.service == service)
        )
    if skill:
        query = query.where(
            exists().where(
                Expert.organisation_id == Organisation.id,
                ExpertSkill.expert_id == Expert.id,
                ExpertSkill.skill == skill,
            )
        )
    if sector:
        query = query.where(func.lower(Organisation.sector) == sector.strip().lower())
    if province:
        query = query.where(Organisation.province == province)
    if kind:
        query = query.where(Organisation.kind == kind)
    if cluster_id is not None:
        query = query.where(
            exists().where(
                ClusterMember.organisation_id == Organisation.id,
                ClusterMember.cluster_id == cluster_id,
                ClusterMember.left_on.is_(None),
            )
        )
    return query.order_by(Organisation.name_sort, Organisation.id)


def _profile_scope(session: Session, who: Subject, column: InstrumentedAttribute[int]) -> ColumnElement[bool] | None:
    """Rows of organisations whose full profile the subject may read (authz.organisation)."""
    visible = profile_organisation_ids(session, who)
    if visible is None:
        return None
    return column.in_(visible)


def contacts(session: Session, who: Subject, organisation_id: int) -> Select[OrganisationContact]:
    require(who, Permission.ORGANISATIONS_READ)
    query = select(OrganisationContact).where(OrganisationContact.organisation_id == organisation_id)
    scope = _profile_scope(session, who, OrganisationContact.organisation_id)
    if scope is not None:
        query = query.where(scope)
    return query.order_by(OrganisationContact.role, OrganisationContact.id)


def systems(session: Session, who: Subject, organisation_id: int) -> Select[InformationSystem]:
    require(who, Permission.ORGANISATIONS_READ)
    query = select(InformationSystem).where(InformationSystem.organisation_id == organisation_id)
    scope = _profile_scope(session, who, InformationSystem.organisation_id)
    if scope is not None:
        query = query.where(scope)
    return query.order_by(InformationSystem.security_level.desc(), InformationSystem.name)


def services(who: Subject, organisation_ids: list[int]) -> Select[ServiceOffer]:
    """Declared services are directory data: visible to every member."""
    require(who, Permission.ORGANISATIONS_READ)
    return select(ServiceOffer).where(ServiceOffer.organisation_id.in_(organisation_ids))


def claims(session: Session, who: Subject, *, organisation_id: int | None = None) -> Select[ConstituencyClaim]:
    """Constituency claims of the organisations the subject sees in full."""
    require(who, Permission.CONSTITUENCY_READ)
    query = select(ConstituencyClaim)
    if organisation_id is not None:
        query = query.where(ConstituencyClaim.organisation_id == organisation_id)
    scope = _profile_scope(session, who, ConstituencyClaim.organisation_id)
    if scope is not None:
        query = query.where(scope)
    return query.order_by(*claim_order)


def all_claims_for_overlaps(who: Subject) -> Select[ConstituencyClaim]:
    """Every active claim: finding overlaps must compare a member's claims with everyone's. Callers
    show a member only the overlaps that involve it (constituency.overlaps)."""
    require(who, Permission.CONSTITUENCY_READ)
    return select(ConstituencyClaim).where(ConstituencyClaim.status == ClaimStatus.ACTIVE.value)


def experts(
    who: Subject,
    *,
    organisation_id: int | None = None,
    q: str | None = None,
    skill: str | None = None,
    min_level: int | None = None,
    province: str | None = None,
    available: bool | None = None,
    on_site: bool | None = None,
    language: str | None = None,
) -> Select[Expert]:
    """Experts members offer: searchable by every member (contact details are shown to the
    organisation itself and the coordinator only, see schemas.ExpertRead)."""
    require(who, Permission.EXPERTS_READ)
    query = select(Expert).join(Organisation, Organisation.id == Expert.organisation_id)
    query = query.where(Organisation.status == OrganisationStatus.ACTIVE.value)
    if organisation_id is not None:
        query = query.where(Expert.organisation_id == organisation_id)
    if q:
        query = query.where(Expert.name_fold.contains(fold(q), autoescape=True))
    if skill:
        condition = and_(ExpertSkill.expert_id == Expert.id, ExpertSkill.skill == skill)
        if min_level:
            condition = and_(condition, ExpertSkill.level >= min_level)
        query = query.where(exists().where(condition))
    if province:
        query = query.where(Expert.province == province)
    if available is not None:
        query = query.where(Expert.available.is_(available))
    if on_site is not None:
        query = query.where(Expert.on_site.is_(on_site))
    if language:
        # JSON arrays are stored as text on SQLite and JSONB on PostgreSQL; a quoted code matches both.
        from sqlalchemy import String, cast

        query = query.where(cast(Expert.languages, String).contains(f'"{language}"'))
    return query.order_by(Expert.name_fold, Expert.id)


def applications(who: Subject, *, status: str | None = None, q: str | None = None) -> Select[MembershipApplication]:
    require(who, Permission.APPLICATIONS_READ)
    query = select(MembershipApplication)
    if status:
        query = query.where(MembershipApplication.status == status)
    if q:
        query = query.where(MembershipApplication.name_fold.contains(fold(q), autoescape=True))
    return query


def organisation_admins(session: Session, organisation_id: int) -> list[User]:
    """The active admins of an organisation (who are reminded and who answer for it)."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == organisation_id,
                UserRole.role == Role.ORG_ADMIN.value,
                User.is_active.is_(True),
            )
            .order_by(User.id)
        ).unique()
    )


def stale_organisations(who: Subject, older_than: datetime) -> Select[Organisation]:
    """Active members whose contacts and constituency were last confirmed before `older_than`
    (never confirmed counts from when they joined)."""
    require(who, Permission.ORGANISATIONS_READ)
    query = select(Organisation).where(
        Organisation.status == OrganisationStatus.ACTIVE.value,
        Organisation.is_coordinator.is_(False),
        last_confirmed < older_than,
    )
    visible = visible_organisation_ids(who)
    if visible is not None:
        query = query.where(Organisation.id.in_(visible))
    return query.order_by(last_confirmed, Organisation.id)
