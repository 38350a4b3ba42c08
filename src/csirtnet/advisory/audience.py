"""Who an advisory is told to: the audience's criteria checked against the publisher's authority,
then resolved, at publication, into organisations and people in a few set-based statements (an
advisory to the whole network reaches ten thousand organisations; nothing here loops per row in
Python more than once).

- The coordinating body: any criterion. A cluster lead: its cluster only (every criterion is
  narrowed to the cluster's members on the day). A member organisation: its own organisation, or
  named people of it.
- TLP:RED names people only (`user_ids`); their organisations are the recipients, and only the
  people named are told and may read it.
- Suspended organisations and deactivated users are never told; the publishing organisation is
  told only when the audience names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from csirtnet.advisory.schemas import AudienceIn
from csirtnet.authz import Subject
from csirtnet.authz import advisory as advisory_authz
from csirtnet.authz import cluster as cluster_authz
from csirtnet.errors import FieldError, Forbidden, ValidationFailed
from csirtnet.models import (
    Advisory,
    ClusterMember,
    InformationSystem,
    Organisation,
    OrganisationStatus,
    User,
)
from csirtnet.vocabulary import TLP


@dataclass(frozen=True)
class Person:
    user_id: int
    organisation_id: int
    email: str
    language: str | None


@dataclass(frozen=True)
class Resolved:
    """The organisations told (id → (cluster id, province)) and the people told."""

    organisations: dict[int, tuple[int | None, str | None]]
    people: list[Person]


def check(session: Session, who: Subject, audience: AudienceIn, tlp: str, cluster_id: int | None) -> None:
    """Refuse an audience the publisher may not address (naming the field), before anything is kept."""
    if tlp == TLP.RED.value:
        named_only = AudienceIn(user_ids=audience.user_ids)
        if audience != named_only:
            raise ValidationFailed("audience", "a TLP:RED advisory names people only (audience.user_ids)")
    if audience.is_empty():
        return  # a draft may be written before its audience is chosen; publishing needs one
    if advisory_authz.is_coordinator(who):
        return
    if cluster_id is not None:
        if not advisory_authz.may_address_cluster(session, who, cluster_id):
            raise Forbidden("Only the cluster's current lead publishes to it")
        problems: list[FieldError] = [
            FieldError(f"audience.cluster_ids.{i}", "a cluster lead publishes to its own cluster only")
            for i, c in enumerate(audience.cluster_ids)
            if c != cluster_id
        ]
        if audience.network:
            problems.append(FieldError("audience.network", "a cluster lead publishes to its own cluster only"))
        if problems:
            raise ValidationFailed(problems[0].field, problems[0].message, errors=problems)
        return
    # A member organisation publishes to its own people.
    own = who.organisation_id
    problems = []
    if audience.network or audience.cluster_ids or audience.sectors or audience.provinces or audience.security_levels:
        problems.append(FieldError("audience", "a member organisation publishes to its own people only"))
    problems += [
        FieldError(f"audience.organisation_ids.{i}", "a member organisation publishes to its own people only")
        for i, org in enumerate(audience.organisation_ids)
        if org != own
    ]
    if audience.user_ids:
        outsiders = set(
            session.scalars(select(User.id).where(User.id.in_(audience.user_ids), User.organisation_id != own))
        )
        problems += [
            FieldError(f"audience.user_ids.{i}", "a member organisation publishes to its own people only")
            for i, uid in enumerate(audience.user_ids)
            if uid in outsiders
        ]
    if problems:
        raise ValidationFailed(problems[0].field, problems[0].message, errors=problems)


def _organisations_clause(audience: AudienceIn, on: Any) -> ColumnElement[bool]:
    criteria: list[ColumnElement[bool]] = []
    if audience.network:
        criteria.append(Organisation.is_coordinator.is_(False))
    if audience.cluster_ids:
        criteria.append(
            Organisation.id.in_(
                select(ClusterMember.organisation_id).where(
                    ClusterMember.cluster_id.in_(audience.cluster_ids), cluster_authz.member_on(on)
                )
            )
        )
    if audience.sectors:
        criteria.append(Organisation.sector.in_(audience.sectors))
    if audience.provinces:
        criteria.append(Organisation.province.in_(audience.provinces))
    if audience.security_levels:
        criteria.append(
            Organisation.id.in_(
                select(InformationSystem.organisation_id).where(
                    InformationSystem.security_level.in_(audience.security_levels)
                )
            )
        )
    if audience.organisation_ids:
        criteria.append(Organisation.id.in_(audience.organisation_ids))
    return or_(*criteria) if criteria else false()


def organisations_query(advisory: Advisory, audience: AudienceIn) -> Select[int, str | None]:
    """The organisations the audience's criteria select (TLP:RED: none by criteria, only the named
    people's), within the publishing cluster when a cluster lead publishes."""
    on = cluster_authz.today()
    if advisory.tlp == TLP.RED.value:
        where: ColumnElement[bool] = false()
    else:
        where = _organisations_clause(audience, on)
    query = select(Organisation.id, Organisation.province).where(
        where, Organisation.status == OrganisationStatus.ACTIVE.value
    )
    if advisory.cluster_id is not None:
        query = query.where(
            Organisation.id.in_(
                select(ClusterMember.organisation_id).where(
                    ClusterMember.cluster_id == advisory.cluster_id, cluster_authz.member_on(on)
                )
            )
        )
    return query


def resolve(session: Session, advisory: Advisory) -> Resolved:
    """The audience as it stands now: organisations (with the cluster and province they have today)
    and the people of them who are told."""
    audience = AudienceIn.model_validate(advisory.audience or {})
    orgs: dict[int, str | None] = {
        org_id: province for org_id, province in session.execute(organisations_query(advisory, audience))
    }
    named: list[Person] = []
    if audience.user_ids:
        rows = session.execute(
            select(User.id, User.organisation_id, User.email, User.language)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(
                User.id.in_(audience.user_ids),
                User.is_active.is_(True),
                Organisation.status == OrganisationStatus.ACTIVE.value,
            )
        )
        for uid, org_id, email, language in rows:
            named.append(Person(uid, org_id, email, language))
            if org_id not in orgs:
                orgs[org_id] = session.scalar(select(Organisation.province).where(Organisation.id == org_id))
    if advisory.cluster_id is not None:
        allowed = cluster_authz.organisation_ids_in_cluster(session, advisory.cluster_id)
        named = [p for p in named if p.organisation_id in allowed]
        orgs = {o: p for o, p in orgs.items() if o in allowed}
    people: list[Person]
    if advisory.tlp == TLP.RED.value:
        people = named
    else:
        people = _people_of(session, advisory, audience, orgs, named)
    clusters = _cluster_of(session, set(orgs), advisory.cluster_id)
    return Resolved({o: (clusters.get(o), province) for o, province in orgs.items()}, people)


def _people_of(
    session: Session, advisory: Advisory, audience: AudienceIn, orgs: dict[int, str | None], named: list[Person]
) -> list[Person]:
    """Every active user of the organisations told (the criteria's query as a subquery, not a list
    of ten thousand ids), plus the people named."""
    criteria_orgs = organisations_query(advisory, audience).with_only_columns(Organisation.id)
    rows = session.execute(
        select(User.id, User.organisation_id, User.email, User.language).where(
            User.is_active.is_(True), User.organisation_id.in_(criteria_orgs.scalar_subquery())
        )
    )
    seen: dict[int, Person] = {uid: Person(uid, org, email, lang) for uid, org, email, lang in rows}
    for person in named:
        seen.setdefault(person.user_id, person)
    return [p for p in seen.values() if p.organisation_id in orgs]


def _cluster_of(session: Session, org_ids: set[int], publishing_cluster: int | None) -> dict[int, int]:
    """Each organisation's cluster today (the publishing cluster first; else its lowest cluster id)."""
    if not org_ids:
        return {}
    rows = session.execute(
        select(ClusterMember.organisation_id, ClusterMember.cluster_id)
        .where(cluster_authz.member_on(cluster_authz.today()))
        .order_by(ClusterMember.cluster_id.desc())
    )
    out: dict[int, int] = {}
    for org, cluster in rows:
        if org in org_ids and (org not in out or cluster == publishing_cluster or out[org] != publishing_cluster):
            out[org] = cluster
    return out


def recipient_names(session: Session, org_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))
    return dict(rows.all())


__all__ = ["Person", "Resolved", "check", "organisations_query", "recipient_names", "resolve"]
