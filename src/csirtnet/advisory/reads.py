"""What the advisory pages and endpoints read: the list (a member's inbox with its own answers), an
advisory's page (versions, known-exploited CVEs, vendor CSAF, what the reader may do), and the
publisher's tracking view. No changes here, except the audit of a TLP:RED read.

The tracking view of an advisory told to ten thousand organisations answers in under 200 ms at
p95 (benchmarks/advisory_publish.py): the totals and the groups are GROUP BY queries over the
recipients (index on advisory_id first), and the list is one page, overdue and likely affected
first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.advisory import repository
from csirtnet.advisory.answers import recipient_of
from csirtnet.advisory.schemas import GroupCount, RecipientRead, TrackingRead
from csirtnet.authz import Subject
from csirtnet.authz import advisory as rules
from csirtnet.errors import ValidationFailed
from csirtnet.kit.pagination import decode_cursor, encode_cursor
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    AckStatus,
    Advisory,
    AdvisoryDelivery,
    AdvisoryRecipient,
    AdvisoryStatus,
    AdvisoryVersion,
    Cluster,
    CsafDocument,
    Organisation,
    User,
    Vulnerability,
)
from csirtnet.vocabulary import TLP


@dataclass(frozen=True)
class ListRow:
    advisory: Advisory
    my_status: str | None  # the reader's organisation's answer, when it was told
    overdue: bool


def advisories_page(
    session: Session,
    who: Subject,
    *,
    q: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    told: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[ListRow], str | None]:
    """A page of the advisories `who` may see, newest first, with the organisation's own answer."""
    from csirtnet.kit.pagination import paginate

    query = repository.search(who, q=q, status=status, kind=kind, told=told)
    rows, next_cursor = paginate(session, query, Advisory.id, limit=limit, cursor=cursor)
    advisories: Sequence[Advisory] = rows
    mine: dict[int, str] = {}
    if who.organisation_id is not None and advisories:
        mine = dict(
            session.execute(
                select(AdvisoryRecipient.advisory_id, AdvisoryRecipient.status).where(
                    AdvisoryRecipient.organisation_id == who.organisation_id,
                    AdvisoryRecipient.advisory_id.in_([a.id for a in advisories]),
                )
            ).all()
        )
    now = utcnow()
    out = [
        ListRow(
            a,
            mine.get(a.id),
            bool(
                a.deadline_at
                and mine.get(a.id) == AckStatus.PENDING.value
                and as_utc(a.deadline_at) <= now
                and a.status == AdvisoryStatus.PUBLISHED.value
            ),
        )
        for a in advisories
    ]
    return out, next_cursor


@dataclass(frozen=True)
class KnownCve:
    cve_id: str
    known_exploited: bool
    title: str | None
    kev_due_date: Any
    kev_required_action: str | None
    cvss_score: float | None
    kev_ransomware: str | None


@dataclass(frozen=True)
class Abilities:
    edit: bool
    publish: bool
    review: bool
    answer: bool
    track: bool
    withdraw: bool


@dataclass(frozen=True)
class AdvisoryPage:
    advisory: Advisory
    publisher_name: str
    cluster_name: str | None
    author_name: str | None
    reviewer_name: str | None
    versions: list[AdvisoryVersion]
    cves: list[KnownCve]
    csaf_documents: list[CsafDocument]
    my_answer: AdvisoryRecipient | None
    can: Abilities
    stale_answer: bool  # the organisation answered an earlier round: a fresh answer is asked
    needs_review: bool  # publishing sends it to a second coordinator first


def advisory_page(session: Session, who: Subject, advisory_id: int) -> AdvisoryPage:
    """Everything an advisory's page shows to `who` (NotFound when hidden)."""
    advisory = rules.get_visible(session, who, advisory_id)
    if advisory.tlp == TLP.RED.value:
        audit.record(session, who, "advisory.viewed", advisory, reference=advisory.reference)
    recipient, named = recipient_of(session, who, advisory)
    names = dict(
        session.execute(
            select(User.id, User.full_name).where(
                User.id.in_([advisory.created_by_id or 0, advisory.reviewed_by_id or 0])
            )
        ).all()
    )
    publisher = session.get(Organisation, advisory.publisher_organisation_id)
    cluster = session.get(Cluster, advisory.cluster_id) if advisory.cluster_id else None
    known = {
        v.cve_id: v
        for v in session.scalars(select(Vulnerability).where(Vulnerability.cve_id.in_(advisory.cve_ids or [])))
    }
    cves = [
        KnownCve(
            cve,
            bool(known[cve].known_exploited) if cve in known else False,
            (known[cve].kev_name or known[cve].title) if cve in known else None,
            known[cve].kev_due_date if cve in known else None,
            known[cve].kev_required_action if cve in known else None,
            known[cve].cvss_score if cve in known else None,
            known[cve].kev_ransomware if cve in known else None,
        )
        for cve in advisory.cve_ids or []
    ]
    csaf = (
        list(
            session.scalars(
                select(CsafDocument).where(
                    CsafDocument.id.in_(advisory.csaf_document_ids), rules.visible_csaf_documents_clause(who)
                )
            )
        )
        if advisory.csaf_document_ids
        else []
    )
    editable = rules.can_edit(who, advisory)
    status = advisory.status
    abilities = Abilities(
        edit=editable and status in (AdvisoryStatus.DRAFT.value, AdvisoryStatus.PUBLISHED.value),
        publish=editable and status == AdvisoryStatus.DRAFT.value,
        review=rules.can_review(who, advisory),
        answer=rules.can_answer(who, advisory, recipient, named),
        track=rules.can_track(who, advisory) and status != AdvisoryStatus.DRAFT.value,
        withdraw=editable and status != AdvisoryStatus.WITHDRAWN.value,
    )
    stale = bool(
        recipient is not None
        and recipient.status == AckStatus.PENDING.value
        and any(a.get("round", 1) < advisory.ack_round for a in recipient.answers or [])
    )
    return AdvisoryPage(
        advisory=advisory,
        publisher_name=publisher.name if publisher else "",
        cluster_name=cluster.name if cluster else None,
        author_name=names.get(advisory.created_by_id or 0),
        reviewer_name=names.get(advisory.reviewed_by_id or 0),
        versions=repository.versions(session, advisory.id),
        cves=cves,
        csaf_documents=csaf,
        my_answer=recipient if (recipient is not None and (named or advisory.tlp != TLP.RED.value)) else None,
        can=abilities,
        stale_answer=stale,
        needs_review=rules.needs_review(advisory, bool(publisher and publisher.is_coordinator)),
    )


# -- the tracking view -----------------------------------------------------------------------

_ANSWERED = case((AdvisoryRecipient.status != AckStatus.PENDING.value, 1), else_=0)
_PENDING = case((AdvisoryRecipient.status == AckStatus.PENDING.value, 1), else_=0)
_HELP = case((AdvisoryRecipient.status == AckStatus.NEEDS_HELP.value, 1), else_=0)


def _groups(
    session: Session, advisory: Advisory, column: Any, names: dict[Any, str], overdue: bool
) -> list[GroupCount]:
    rows = session.execute(
        select(column, func.count(), func.sum(_ANSWERED), func.sum(_PENDING), func.sum(_HELP))
        .where(AdvisoryRecipient.advisory_id == advisory.id)
        .group_by(column)
    ).all()
    out = [
        GroupCount(
            key=None if key is None else str(key),
            name=names.get(key, str(key) if key is not None else "—"),
            total=int(total),
            answered=int(answered or 0),
            pending=int(pending or 0),
            overdue=int(pending or 0) if overdue else 0,
            needs_help=int(help_ or 0),
        )
        for key, total, answered, pending, help_ in rows
    ]
    # The groups with the most still to answer first: where the publisher should call.
    return sorted(out, key=lambda g: (-g.pending, g.name))


def tracking(
    session: Session,
    who: Subject,
    advisory_id: int,
    *,
    status: str | None = None,
    cluster_id: int | None = None,
    province: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> TrackingRead:
    """Who was told, who answered what, overdue ones first; grouped by cluster and by province."""
    now = now or utcnow()
    advisory = rules.get_visible(session, who, advisory_id)
    rules.require_track(who, advisory)
    overdue = bool(advisory.deadline_at and as_utc(advisory.deadline_at) <= now)
    totals = dict(
        session.execute(
            select(AdvisoryRecipient.status, func.count())
            .where(AdvisoryRecipient.advisory_id == advisory.id)
            .group_by(AdvisoryRecipient.status)
        ).all()
    )
    totals = {s.value: int(totals.get(s.value, 0)) for s in AckStatus} | {"total": sum(totals.values())}
    totals["overdue"] = totals[AckStatus.PENDING.value] if overdue else 0
    totals["likely_affected"] = int(
        session.scalar(
            select(func.count()).where(
                AdvisoryRecipient.advisory_id == advisory.id, AdvisoryRecipient.likely_affected.is_(True)
            )
        )
        or 0
    )
    cluster_names = dict(session.execute(select(Cluster.id, Cluster.name)).all())
    by_cluster = _groups(session, advisory, AdvisoryRecipient.cluster_id, cluster_names, overdue)
    by_province = _groups(session, advisory, AdvisoryRecipient.province, {}, overdue)
    recipients, next_cursor = _recipients_page(
        session, advisory, status=status, cluster_id=cluster_id, province=province, cursor=cursor, limit=limit, now=now
    )
    return TrackingRead(
        advisory_id=advisory.id,
        version=advisory.version,
        deadline_at=advisory.deadline_at,
        totals=totals,
        by_cluster=by_cluster,
        by_province=by_province,
        recipients=recipients,
        next_cursor=next_cursor,
    )


def _recipients_page(
    session: Session,
    advisory: Advisory,
    *,
    status: str | None,
    cluster_id: int | None,
    province: str | None,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> tuple[list[RecipientRead], str | None]:
    """One page of recipients: not answered first (overdue once the deadline passed), likely
    affected first among them, then by name. The cursor is the offset (a view for people)."""
    if not 1 <= limit <= 500:
        raise ValidationFailed("limit", "must be between 1 and 500")
    offset = 0
    if cursor:
        value = decode_cursor(cursor)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationFailed("cursor", "not a cursor this API issued")
        offset = value
    # The page first (recipients and names, no aggregate), then the people told of just those
    # recipients: an aggregate joined in the page's query made PostgreSQL count every delivery of
    # the advisory for each recipient it looked at (9 s for 30,000 deliveries).
    query = (
        select(AdvisoryRecipient, Organisation.name)
        .join(Organisation, Organisation.id == AdvisoryRecipient.organisation_id)
        .where(AdvisoryRecipient.advisory_id == advisory.id)
    )
    if status:
        query = query.where(AdvisoryRecipient.status == status)
    if cluster_id is not None:
        query = query.where(AdvisoryRecipient.cluster_id == cluster_id)
    if province:
        query = query.where(AdvisoryRecipient.province == province)
    pending_first = case((AdvisoryRecipient.status == AckStatus.PENDING.value, 0), else_=1)
    affected_first = case((AdvisoryRecipient.likely_affected.is_(True), 0), else_=1).cast(Integer)
    rows = session.execute(
        query.order_by(pending_first, affected_first, Organisation.name_sort, AdvisoryRecipient.id)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    told = {
        rid: (people, emailed)
        for rid, people, emailed in session.execute(
            select(AdvisoryDelivery.recipient_id, func.count(), func.count(AdvisoryDelivery.emailed_at))
            .where(
                AdvisoryDelivery.recipient_id.in_([r.id for r, _name in rows]),
                AdvisoryDelivery.kind == "publish",
            )
            .group_by(AdvisoryDelivery.recipient_id)
        )
    }
    deadline_passed = bool(advisory.deadline_at and as_utc(advisory.deadline_at) <= now)
    out = [
        RecipientRead(
            organisation_id=r.organisation_id,
            organisation_name=name,
            cluster_id=r.cluster_id,
            province=r.province,
            status=r.status,
            note=r.note,
            answered_at=r.answered_at,
            answered_version=r.answered_version,
            overdue=deadline_passed and r.status == AckStatus.PENDING.value,
            likely_affected=r.likely_affected,
            matched_products=list(r.matched_products or []),
            people_told=int(told.get(r.id, (0, 0))[0]),
            emailed=int(told.get(r.id, (0, 0))[1]),
            support_request_id=r.support_request_id,
            incident_id=r.incident_id,
        )
        for r, name in rows
    ]
    return out, encode_cursor(offset + limit) if more else None
