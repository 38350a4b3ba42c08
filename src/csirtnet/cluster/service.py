"""Clusters: establishing them, their members, lead terms (planned ahead, never overlapping) and
handovers. The current lead is derived from the terms, never stored. Services never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import files, repository
from csirtnet.cluster.schemas import (
    ClusterCreate,
    ClusterDetail,
    ClusterRead,
    ClusterUpdate,
    FileRead,
    HandoverCreate,
    HandoverRead,
    MemberAdd,
    MemberRead,
    OrgRef,
    RotationPlan,
    TermCreate,
    TermRead,
    TermUpdate,
)
from csirtnet.errors import Conflict, ErrorList, FieldError, NotFound, ValidationFailed
from csirtnet.models import (
    Cluster,
    ClusterHandover,
    ClusterHandoverDocument,
    ClusterLeadTerm,
    ClusterMember,
    Organisation,
)

today = cluster_authz.today


def term_status(term: ClusterLeadTerm, on: date) -> str:
    if term.ends_on < on:
        return "past"
    if term.starts_on > on:
        return "planned"
    return "current"


def _org(session: Session, organisation_id: int, field: str) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise ValidationFailed(field, f"no organisation with id {organisation_id}")
    return org


def _org_label(org: Organisation) -> str:
    return org.short_name or org.name


# -- clusters --------------------------------------------------------------------------------


def create_cluster(session: Session, who: Subject, data: ClusterCreate) -> Cluster:
    """Establish a cluster (by a decision: number, date, issuing body); its channel comes with it."""
    cluster_authz.require_manage_clusters(who)
    if data.number is not None and session.scalar(select(Cluster.id).where(Cluster.number == data.number)):
        raise Conflict(f"Cluster number {data.number} already exists", errors=[FieldError("number", "already used")])
    cluster = Cluster(**data.model_dump())
    session.add(cluster)
    session.flush()
    audit.record(session, who, "cluster.created", cluster, name=cluster.name, decision=cluster.decision_number)
    from csirtnet.cluster.channel import service as channel_service

    channel_service.ensure_cluster_channel(session, who, cluster)
    return cluster


def update_cluster(session: Session, who: Subject, cluster_id: int, data: ClusterUpdate) -> Cluster:
    cluster_authz.require_manage_clusters(who)
    cluster = repository.get_cluster(session, who, cluster_id)
    changes: dict[str, object] = {}
    for name, value in data.model_dump(exclude_unset=True).items():
        if name == "name" and value is None:
            raise ValidationFailed("name", "cannot be empty")
        if value != getattr(cluster, name):
            changes[name] = {"from": getattr(cluster, name), "to": value}
            setattr(cluster, name, value)
    if "number" in changes and cluster.number is not None:
        clash = session.scalar(select(Cluster.id).where(Cluster.number == cluster.number, Cluster.id != cluster.id))
        if clash:
            raise Conflict(
                f"Cluster number {cluster.number} already exists", errors=[FieldError("number", "already used")]
            )
    if changes:
        audit.record(session, who, "cluster.updated", cluster, changes=changes)
    return cluster


# -- members ---------------------------------------------------------------------------------


def add_member(session: Session, who: Subject, cluster_id: int, data: MemberAdd) -> ClusterMember:
    """An organisation joins the cluster on `joined_on`."""
    cluster_authz.require_manage_clusters(who)
    cluster = repository.get_cluster(session, who, cluster_id)
    org = _org(session, data.organisation_id, "organisation_id")
    for m in repository.memberships(session, cluster.id):
        if m.organisation_id == org.id and (m.left_on is None or m.left_on > data.joined_on):
            raise ValidationFailed("organisation_id", f"{_org_label(org)} is already a member of the cluster")
    member = ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=data.joined_on)
    session.add(member)
    session.flush()
    audit.record(
        session, who, "cluster.member_added", member, cluster_id=cluster.id, organisation=org.id, on=data.joined_on
    )
    return member


def end_membership(
    session: Session, who: Subject, cluster_id: int, member_id: int, left_on: date | None
) -> ClusterMember:
    """An organisation leaves the cluster on `left_on` (None: undo a recorded departure)."""
    cluster_authz.require_manage_clusters(who)
    repository.get_cluster(session, who, cluster_id)
    member = session.get(ClusterMember, member_id)
    if member is None or member.cluster_id != cluster_id:
        raise NotFound("membership")
    if left_on is not None and left_on <= member.joined_on:
        raise ValidationFailed("left_on", "must be after the day it joined")
    if left_on is not None:
        later = session.scalar(
            select(ClusterLeadTerm).where(
                ClusterLeadTerm.cluster_id == cluster_id,
                ClusterLeadTerm.organisation_id == member.organisation_id,
                ClusterLeadTerm.ends_on >= left_on,
            )
        )
        if later is not None:
            raise ValidationFailed(
                "left_on",
                f"the organisation holds a lead term until {later.ends_on.isoformat()}; change that term first",
            )
    previous = member.left_on
    member.left_on = left_on
    audit.record(
        session,
        who,
        "cluster.member_left" if left_on else "cluster.member_rejoined",
        member,
        cluster_id=cluster_id,
        organisation=member.organisation_id,
        left_on={"from": previous, "to": left_on},
    )
    return member


# -- lead terms ------------------------------------------------------------------------------


def _check_term(
    session: Session,
    cluster_id: int,
    organisation_id: int,
    starts_on: date,
    ends_on: date,
    *,
    exclude_id: int | None = None,
) -> None:
    if ends_on < starts_on:
        raise ValidationFailed("ends_on", "must be on or after the start date")
    org = _org(session, organisation_id, "organisation_id")
    if not _is_member(session, cluster_id, organisation_id, starts_on):
        raise ValidationFailed(
            "organisation_id",
            f"{_org_label(org)} is not a member of the cluster on {starts_on.isoformat()}",
        )
    for other in repository.terms(session, cluster_id):
        if other.id == exclude_id:
            continue
        if other.starts_on <= ends_on and other.ends_on >= starts_on:
            holder = session.get(Organisation, other.organisation_id)
            name = _org_label(holder) if holder else str(other.organisation_id)
            field = "starts_on" if other.starts_on <= starts_on <= other.ends_on else "ends_on"
            if other.starts_on > starts_on and other.ends_on < ends_on:
                field = "starts_on"
            raise ValidationFailed(
                field,
                f"overlaps the term of {name} from {other.starts_on.isoformat()} to {other.ends_on.isoformat()}",
            )


def _is_member(session: Session, cluster_id: int, organisation_id: int, day: date) -> bool:
    found = session.scalar(
        select(ClusterMember.id).where(
            ClusterMember.cluster_id == cluster_id,
            ClusterMember.organisation_id == organisation_id,
            cluster_authz.member_on(day),
        )
    )
    return found is not None


def add_term(session: Session, who: Subject, cluster_id: int, data: TermCreate) -> ClusterLeadTerm:
    """Plan (or record) a lead term; terms of one cluster never overlap."""
    cluster_authz.require_manage_clusters(who)
    cluster = repository.get_cluster(session, who, cluster_id)
    _check_term(session, cluster.id, data.organisation_id, data.starts_on, data.ends_on)
    term = ClusterLeadTerm(
        cluster_id=cluster.id, organisation_id=data.organisation_id, starts_on=data.starts_on, ends_on=data.ends_on
    )
    session.add(term)
    session.flush()
    audit.record(
        session,
        who,
        "cluster.term_added",
        term,
        cluster_id=cluster.id,
        organisation=data.organisation_id,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
    )
    return term


def _get_term(session: Session, cluster_id: int, term_id: int) -> ClusterLeadTerm:
    term = session.get(ClusterLeadTerm, term_id)
    if term is None or term.cluster_id != cluster_id:
        raise NotFound("lead term")
    return term


def update_term(session: Session, who: Subject, cluster_id: int, term_id: int, data: TermUpdate) -> ClusterLeadTerm:
    """Move a planned term, or end the current one early or late; past terms are history."""
    cluster_authz.require_manage_clusters(who)
    repository.get_cluster(session, who, cluster_id)
    term = _get_term(session, cluster_id, term_id)
    day = today()
    status = term_status(term, day)
    if status == "past":
        raise Conflict("A term that has ended is history", errors=[FieldError("term", "has ended")])
    starts_on = data.starts_on or term.starts_on
    ends_on = data.ends_on or term.ends_on
    if status == "current" and starts_on != term.starts_on:
        raise ValidationFailed("starts_on", "the term has started; its start cannot move")
    if status == "current" and ends_on < day:
        raise ValidationFailed("ends_on", "cannot end the current term before today")
    _check_term(session, cluster_id, term.organisation_id, starts_on, ends_on, exclude_id=term.id)
    changes = {
        k: {"from": getattr(term, k), "to": v}
        for k, v in (("starts_on", starts_on), ("ends_on", ends_on))
        if getattr(term, k) != v
    }
    term.starts_on, term.ends_on = starts_on, ends_on
    if changes:
        audit.record(session, who, "cluster.term_changed", term, cluster_id=cluster_id, changes=changes)
    return term


def delete_term(session: Session, who: Subject, cluster_id: int, term_id: int) -> None:
    """Drop a planned term (one that has not started)."""
    cluster_authz.require_manage_clusters(who)
    repository.get_cluster(session, who, cluster_id)
    term = _get_term(session, cluster_id, term_id)
    if term.starts_on <= today():
        raise Conflict(
            "A term that has started is history and cannot be deleted", errors=[FieldError("term", "started")]
        )
    audit.record(
        session,
        who,
        "cluster.term_deleted",
        term,
        cluster_id=cluster_id,
        organisation=term.organisation_id,
        starts_on=term.starts_on,
        ends_on=term.ends_on,
    )
    session.delete(term)
    session.flush()


def plan_rotation(session: Session, who: Subject, cluster_id: int, data: RotationPlan) -> list[ClusterLeadTerm]:
    """Yearly terms from an ordered list of members: the first leads `start_year`, the next the
    year after, and so on (wrapping round). All are checked before any is written."""
    cluster_authz.require_manage_clusters(who)
    cluster = repository.get_cluster(session, who, cluster_id)
    errors = ErrorList()
    seen: set[int] = set()
    for index, org_id in enumerate(data.organisation_ids):
        if org_id in seen:
            errors.add(f"organisation_ids.{index}", f"organisation {org_id} appears twice in the order")
        seen.add(org_id)
        if session.get(Organisation, org_id) is None:
            errors.add(f"organisation_ids.{index}", f"no organisation with id {org_id}")
    errors.raise_if_any()
    years = data.years or len(data.organisation_ids)
    existing = repository.terms(session, cluster.id)
    planned: list[tuple[int, date, date]] = []
    for i in range(years):
        year = data.start_year + i
        org_id = data.organisation_ids[i % len(data.organisation_ids)]
        start, end = date(year, 1, 1), date(year, 12, 31)
        index = i % len(data.organisation_ids)
        if not _is_member(session, cluster.id, org_id, start):
            org = session.get(Organisation, org_id)
            label = _org_label(org) if org else str(org_id)
            errors.add(f"organisation_ids.{index}", f"{label} is not a member of the cluster on {start.isoformat()}")
        for other in existing:
            if other.starts_on <= end and other.ends_on >= start:
                holder = session.get(Organisation, other.organisation_id)
                label = _org_label(holder) if holder else str(other.organisation_id)
                errors.add(
                    "start_year",
                    f"{year} already has a lead term: {label} from {other.starts_on.isoformat()} "
                    f"to {other.ends_on.isoformat()}",
                )
        planned.append((org_id, start, end))
    errors.raise_if_any()
    created: list[ClusterLeadTerm] = []
    for org_id, start, end in planned:
        term = ClusterLeadTerm(cluster_id=cluster.id, organisation_id=org_id, starts_on=start, ends_on=end)
        session.add(term)
        created.append(term)
    session.flush()
    audit.record(
        session,
        who,
        "cluster.rotation_planned",
        cluster,
        order=list(data.organisation_ids),
        start_year=data.start_year,
        years=years,
        terms=[t.id for t in created],
    )
    return created


def current_lead(session: Session, cluster_id: int, on: date | None = None) -> ClusterLeadTerm | None:
    """The term whose dates contain `on` (today by default)."""
    return cluster_authz.lead_term(session, cluster_id, on)


# -- handovers -------------------------------------------------------------------------------


def record_handover(session: Session, who: Subject, cluster_id: int, data: HandoverCreate) -> ClusterHandover:
    """Record that the lead passed from one organisation to the next, with minutes and documents.

    Who may is decided in authz.cluster.can_record_handover (the coordinator, or the current lead's
    admins for a handover their organisation is part of)."""
    cluster = repository.get_cluster(session, who, cluster_id)
    cluster_authz.require_record_handover(session, who, cluster.id, data.from_organisation_id, data.to_organisation_id)
    errors = ErrorList()
    if data.from_organisation_id == data.to_organisation_id:
        errors.add("to_organisation_id", "must differ from the outgoing lead")
    if data.handed_over_on > today():
        errors.add("handed_over_on", "cannot be in the future")
    members = {m.organisation_id for m in repository.memberships(session, cluster.id)}
    for field, org_id in (
        ("from_organisation_id", data.from_organisation_id),
        ("to_organisation_id", data.to_organisation_id),
    ):
        if org_id not in members:
            errors.add(field, f"organisation {org_id} has never been a member of this cluster")
    if not data.minutes.strip():
        errors.add("minutes", "write the minutes of the handover")
    errors.raise_if_any()
    documents = files.claim(session, who, data.attachment_ids, "attachment_ids")
    handover = ClusterHandover(
        cluster_id=cluster.id,
        from_organisation_id=data.from_organisation_id,
        to_organisation_id=data.to_organisation_id,
        handed_over_on=data.handed_over_on,
        minutes=data.minutes.strip(),
        recorded_by_id=who.user_id,
    )
    session.add(handover)
    session.flush()
    for doc in documents:
        session.add(ClusterHandoverDocument(handover_id=handover.id, stored_file_id=doc.id))
    audit.record(
        session,
        who,
        "cluster.handover_recorded",
        handover,
        cluster_id=cluster.id,
        from_organisation=data.from_organisation_id,
        to_organisation=data.to_organisation_id,
        on=data.handed_over_on,
        documents=[d.sha256 for d in documents],
    )
    return handover


# -- read models -----------------------------------------------------------------------------


def _term_read(term: ClusterLeadTerm, orgs: dict[int, Organisation], day: date) -> TermRead:
    return TermRead(
        id=term.id,
        organisation=OrgRef.model_validate(orgs[term.organisation_id]),
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        status=term_status(term, day),
    )


def term_reads(session: Session, terms: Sequence[ClusterLeadTerm]) -> list[TermRead]:
    """Lead terms as the API shows them, with each term's status today."""
    day = today()
    orgs = repository.organisations_by_id(session, (t.organisation_id for t in terms))
    return [_term_read(t, orgs, day) for t in terms]


def summaries(session: Session, who: Subject, rows: Sequence[Cluster]) -> list[ClusterRead]:
    day = today()
    ids = [c.id for c in rows]
    counts = repository.member_counts(session, ids, day)
    leads = repository.current_terms(session, ids, day)
    orgs = repository.organisations_by_id(session, (t.organisation_id for t in leads.values()))
    return [
        ClusterRead(
            id=c.id,
            number=c.number,
            name=c.name,
            name_en=c.name_en,
            decision_number=c.decision_number,
            decision_date=c.decision_date,
            issuing_body=c.issuing_body,
            description=c.description,
            member_count=counts.get(c.id, 0),
            current_lead=_term_read(leads[c.id], orgs, day) if c.id in leads else None,
        )
        for c in rows
    ]


def detail(session: Session, who: Subject, cluster_id: int, on: date | None = None) -> ClusterDetail:
    """Everything the cluster page shows: members, the lead derived from the terms, the term
    history with handovers. Minutes and documents only for the cluster's members and coordinators."""
    cluster = repository.get_cluster(session, who, cluster_id)
    day = on or today()
    members = repository.memberships(session, cluster.id)
    terms = repository.terms(session, cluster.id)
    handovers = repository.handovers(session, cluster.id)
    orgs = repository.organisations_by_id(
        session,
        [m.organisation_id for m in members]
        + [t.organisation_id for t in terms]
        + [h.from_organisation_id for h in handovers]
        + [h.to_organisation_id for h in handovers],
    )
    insider = cluster_authz.is_cluster_insider(session, who, cluster.id, day)
    documents = repository.handover_documents(session, [h.id for h in handovers]) if insider else {}
    current = [t for t in terms if t.starts_on <= day <= t.ends_on]
    summary = summaries(session, who, [cluster])[0]
    return ClusterDetail(
        **summary.model_dump(exclude={"current_lead"}),
        current_lead=_term_read(current[0], orgs, day) if current else None,
        members=[
            MemberRead(
                id=m.id,
                organisation=OrgRef.model_validate(orgs[m.organisation_id]),
                joined_on=m.joined_on,
                left_on=m.left_on,
                current=m.joined_on <= day and (m.left_on is None or m.left_on > day),
            )
            for m in members
        ],
        terms=[_term_read(t, orgs, day) for t in terms],
        handovers=[
            HandoverRead(
                id=h.id,
                from_organisation=OrgRef.model_validate(orgs[h.from_organisation_id]),
                to_organisation=OrgRef.model_validate(orgs[h.to_organisation_id]),
                handed_over_on=h.handed_over_on,
                minutes=h.minutes if insider else None,
                documents=[FileRead.model_validate(f) for f in documents.get(h.id, [])],
            )
            for h in handovers
        ],
        can_coordinate=cluster_authz.can_coordinate_cluster(session, who, cluster.id, day),
        insider=insider,
    )
