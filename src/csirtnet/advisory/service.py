"""Warnings and advisories, from draft to withdrawal: the rules. Every change writes its audit
record in the caller's transaction and queues its follow-up jobs; nothing here commits.

The flow: a writer drafts (any field may still change, the audience too); publishing checks the
audience against the publisher's authority (authz.advisory, advisory.audience) and, when the
severity needs four eyes (`settings.advisory_review_severities`), sends it to review instead; a
second coordinator approves (which publishes it) or returns it with a reason. Publishing freezes the
audience into recipients and queues every delivery (advisory.delivery). A published advisory changes
only by a new version (1.0 → 1.1) that keeps what changed and tells the recipients, asking for fresh
answers when the update says so. Answers are in `answers`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.advisory import audience as audiences
from csirtnet.advisory import delivery
from csirtnet.advisory.common import cvss_score, diff, next_reference, next_version, snapshot
from csirtnet.advisory.schemas import AdvisoryCreate, AdvisoryUpdate, AudienceIn, ReviewDecision
from csirtnet.authz import Subject
from csirtnet.authz import advisory as advisory_authz
from csirtnet.errors import Conflict, Forbidden, ValidationFailed
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Advisory, AdvisoryStatus, AdvisoryVersion, CsafDocument, Organisation
from csirtnet.notification.service import notify
from csirtnet.vocabulary import TLP

__all__ = ["create", "publish", "review", "update", "withdraw"]


def _check_csaf_ids(session: Session, who: Subject, ids: list[int]) -> None:
    if not ids:
        return
    known = set(
        session.scalars(
            select(CsafDocument.id).where(CsafDocument.id.in_(ids), advisory_authz.visible_csaf_documents_clause(who))
        )
    )
    for i, ident in enumerate(ids):
        if ident not in known:
            raise ValidationFailed(f"csaf_document_ids.{i}", f"no imported CSAF document {ident}")


def _publisher_of(session: Session, who: Subject, cluster_id: int | None) -> int:
    advisory_authz.require_write(who)
    if cluster_id is not None and not advisory_authz.may_address_cluster(session, who, cluster_id):
        raise Forbidden("Only the cluster's current lead publishes to it")
    if who.organisation_id is None:
        raise ValidationFailed("organisation", "the publisher must belong to an organisation")
    return who.organisation_id


def create(session: Session, who: Subject, data: AdvisoryCreate) -> Advisory:
    """Write a draft."""
    publisher = _publisher_of(session, who, data.cluster_id)
    audiences.check(session, who, data.audience, data.tlp.value, data.cluster_id)
    _check_csaf_ids(session, who, data.csaf_document_ids)
    now = utcnow()
    advisory = Advisory(
        reference=next_reference(session, data.kind.value),
        kind=data.kind.value,
        status=AdvisoryStatus.DRAFT.value,
        title=data.title,
        summary=data.summary,
        body=data.body,
        severity=data.severity.value,
        tlp=data.tlp.value,
        pap=data.pap.value,
        cvss_vector=data.cvss_vector,
        cvss_score=cvss_score(data.cvss_vector),
        cve_ids=list(data.cve_ids),
        affected_products=[p.model_dump() for p in data.affected_products],
        indicators=[{"type": i.type.value, "value": i.value} for i in data.indicators],
        recommended_actions=list(data.recommended_actions),
        references=[r.model_dump() for r in data.references],
        csaf_document_ids=list(data.csaf_document_ids),
        deadline_at=as_utc(data.deadline_at) if data.deadline_at else None,
        audience=data.audience.model_dump(),
        publisher_organisation_id=publisher,
        cluster_id=data.cluster_id,
        created_by_id=who.user_id,
        version="1.0",
        created_at=now,
        updated_at=now,
    )
    session.add(advisory)
    session.flush()
    audit.record(
        session,
        who,
        "advisory.drafted",
        advisory,
        organisation_id=publisher,
        reference=advisory.reference,
        kind=advisory.kind,
        severity=advisory.severity,
        tlp=advisory.tlp,
        cluster_id=advisory.cluster_id,
    )
    return advisory


def _apply(session: Session, who: Subject, advisory: Advisory, data: AdvisoryUpdate) -> None:
    sent = data.model_fields_set
    for name in ("title", "summary", "body", "note"):
        if name in sent and name != "note" and getattr(data, name) is not None:
            setattr(advisory, name, getattr(data, name))
    for name in ("severity", "tlp", "pap"):
        value = getattr(data, name)
        if name in sent and value is not None:
            setattr(advisory, name, value.value)
    if "cvss_vector" in sent:
        advisory.cvss_vector = data.cvss_vector
        advisory.cvss_score = cvss_score(data.cvss_vector)
    if "cve_ids" in sent and data.cve_ids is not None:
        advisory.cve_ids = list(data.cve_ids)
    if "affected_products" in sent and data.affected_products is not None:
        advisory.affected_products = [p.model_dump() for p in data.affected_products]
    if "indicators" in sent and data.indicators is not None:
        advisory.indicators = [{"type": i.type.value, "value": i.value} for i in data.indicators]
    if "recommended_actions" in sent and data.recommended_actions is not None:
        advisory.recommended_actions = list(data.recommended_actions)
    if "references" in sent and data.references is not None:
        advisory.references = [r.model_dump() for r in data.references]
    if "csaf_document_ids" in sent and data.csaf_document_ids is not None:
        _check_csaf_ids(session, who, data.csaf_document_ids)
        advisory.csaf_document_ids = list(data.csaf_document_ids)
    if "deadline_at" in sent:
        advisory.deadline_at = as_utc(data.deadline_at) if data.deadline_at else None
    if "audience" in sent and data.audience is not None:
        advisory.audience = data.audience.model_dump()


def update(session: Session, who: Subject, advisory_id: int, data: AdvisoryUpdate) -> Advisory:
    """Change a draft (or one returned from review); a published advisory gets a new version."""
    advisory = advisory_authz.get_visible(session, who, advisory_id)
    advisory_authz.require_edit(who, advisory)
    _still_leads(session, who, advisory)
    if advisory.status == AdvisoryStatus.WITHDRAWN.value:
        raise Conflict("The advisory is withdrawn; write a new one")
    if advisory.status == AdvisoryStatus.IN_REVIEW.value:
        raise Conflict("The advisory waits for review; it changes once returned")
    if advisory.status == AdvisoryStatus.PUBLISHED.value:
        return _new_version(session, who, advisory, data)
    tlp = data.tlp.value if data.tlp else advisory.tlp
    audience = data.audience or AudienceIn.model_validate(advisory.audience or {})
    audiences.check(session, who, audience, tlp, advisory.cluster_id)
    before = snapshot(advisory)
    _apply(session, who, advisory, data)
    advisory.updated_at = utcnow()
    changed = [c["field"] for c in diff(before, snapshot(advisory))]
    audit.record(session, who, "advisory.draft_changed", advisory, reference=advisory.reference, fields=changed)
    return advisory


def _still_leads(session: Session, who: Subject, advisory: Advisory) -> None:
    if advisory.cluster_id is not None and not advisory_authz.may_address_cluster(session, who, advisory.cluster_id):
        raise Forbidden("Only the cluster's current lead publishes to it")


def publish(session: Session, who: Subject, advisory_id: int, *, now: datetime | None = None) -> Advisory:
    """Publish a draft, or send it to a second coordinator when its severity needs four eyes."""
    now = now or utcnow()
    advisory = advisory_authz.get_visible(session, who, advisory_id)
    advisory_authz.require_edit(who, advisory)
    _still_leads(session, who, advisory)
    if advisory.status != AdvisoryStatus.DRAFT.value:
        raise Conflict(f"Only a draft is published (this one is {advisory.status})")
    audience = AudienceIn.model_validate(advisory.audience or {})
    if audience.is_empty():
        raise ValidationFailed("audience", "choose who is to be told before publishing")
    audiences.check(session, who, audience, advisory.tlp, advisory.cluster_id)
    if advisory.deadline_at is not None and as_utc(advisory.deadline_at) <= now:
        raise ValidationFailed("deadline_at", "is already past; set a later deadline")
    if advisory_authz.needs_review(advisory, _by_coordinating_body(session, advisory)):
        advisory.status = AdvisoryStatus.IN_REVIEW.value
        advisory.submitted_by_id = who.user_id
        advisory.updated_at = now
        audit.record(session, who, "advisory.submitted", advisory, reference=advisory.reference)
        _tell_reviewers(session, advisory)
        return advisory
    return _go_out(session, who, advisory, now)


def _by_coordinating_body(session: Session, advisory: Advisory) -> bool:
    publisher = session.get(Organisation, advisory.publisher_organisation_id)
    return bool(publisher and publisher.is_coordinator)


def _tell_reviewers(session: Session, advisory: Advisory) -> None:
    from csirtnet.advisory import events
    from csirtnet.incident.common import coordinators

    reviewers = [u for u in coordinators(session) if u.id not in (advisory.created_by_id, advisory.submitted_by_id)]
    params = {"reference": advisory.reference, "title": advisory.title}
    notify(
        session,
        events.REVIEW_REQUESTED.key,
        reviewers,
        params,
        guard=audit_guard(advisory),
        link=f"/advisories/{advisory.id}",
    )


def audit_guard(advisory: Advisory) -> Any:
    from csirtnet.authz.derived import guard_of

    return guard_of(advisory)


def review(session: Session, who: Subject, advisory_id: int, decision: ReviewDecision) -> Advisory:
    """A second coordinator approves (the advisory goes out now) or returns it to its author."""
    now = utcnow()
    advisory = advisory_authz.get_visible(session, who, advisory_id)
    advisory_authz.require_review(who, advisory)
    advisory.reviewed_by_id = who.user_id
    advisory.review_note = decision.note
    if not decision.approve:
        advisory.status = AdvisoryStatus.DRAFT.value
        advisory.updated_at = now
        audit.record(session, who, "advisory.returned", advisory, reference=advisory.reference, note=decision.note)
        return advisory
    audit.record(session, who, "advisory.approved", advisory, reference=advisory.reference, note=decision.note)
    return _go_out(session, who, advisory, now)


def _go_out(session: Session, who: Subject, advisory: Advisory, now: datetime) -> Advisory:
    """First publication: version 1.0, the audience frozen, every delivery queued."""
    advisory.status = AdvisoryStatus.PUBLISHED.value
    advisory.version = "1.0"
    advisory.published_at = advisory.released_at = now
    advisory.updated_at = now
    session.add(
        AdvisoryVersion(
            advisory_id=advisory.id,
            version="1.0",
            fields=snapshot(advisory),
            changes=[],
            fresh_ack=True,
            published_at=now,
            published_by_id=who.user_id,
        )
    )
    told = delivery.tell_new_audience(session, advisory, now)
    audit.record(
        session,
        who,
        "advisory.published",
        advisory,
        reference=advisory.reference,
        version=advisory.version,
        tlp=advisory.tlp,
        organisations=told.organisations,
        people=told.people,
        likely_affected=told.likely_affected,
    )
    return advisory


def _new_version(session: Session, who: Subject, advisory: Advisory, data: AdvisoryUpdate) -> Advisory:
    if data.tlp == TLP.RED and advisory.tlp != TLP.RED.value:
        raise ValidationFailed("tlp", "a published advisory cannot become TLP:RED: its recipients were already told")
    if data.audience is not None:
        audiences.check(session, who, data.audience, data.tlp.value if data.tlp else advisory.tlp, advisory.cluster_id)
    now = utcnow()
    before = snapshot(advisory)
    widened = data.audience is not None and data.audience.model_dump() != advisory.audience
    _apply(session, who, advisory, data)
    after = snapshot(advisory)
    changes = diff(before, after)
    if not changes and not widened:
        raise ValidationFailed("body", "nothing changed: a new version needs a change")
    if (
        advisory.deadline_at is not None
        and "deadline_at" in data.model_fields_set
        and as_utc(advisory.deadline_at) <= now
    ):
        raise ValidationFailed("deadline_at", "is already past; set a later deadline")
    advisory.version = next_version(advisory.version)
    advisory.released_at = now
    advisory.updated_at = now
    if data.fresh_ack:
        advisory.ack_round += 1
    session.add(
        AdvisoryVersion(
            advisory_id=advisory.id,
            version=advisory.version,
            fields=after,
            changes=changes,
            note=data.note,
            fresh_ack=data.fresh_ack,
            published_at=now,
            published_by_id=who.user_id,
        )
    )
    session.flush()
    again = delivery.tell_update(session, advisory, now, fresh_ack=data.fresh_ack)
    added = delivery.tell_new_audience(session, advisory, now) if widened else None
    audit.record(
        session,
        who,
        "advisory.updated",
        advisory,
        reference=advisory.reference,
        version=advisory.version,
        fields=[c["field"] for c in changes],
        fresh_ack=data.fresh_ack,
        organisations=again.organisations,
        added_organisations=added.organisations if added else 0,
    )
    return advisory


def withdraw(session: Session, who: Subject, advisory_id: int, reason: str) -> Advisory:
    """Take a published advisory (or a draft) out of force; everything it was sent stays on record."""
    advisory = advisory_authz.get_visible(session, who, advisory_id)
    advisory_authz.require_edit(who, advisory)
    if advisory.status == AdvisoryStatus.WITHDRAWN.value:
        raise Conflict("The advisory is already withdrawn")
    now = utcnow()
    was = advisory.status
    advisory.status = AdvisoryStatus.WITHDRAWN.value
    advisory.withdrawn_at = now
    advisory.updated_at = now
    audit.record(session, who, "advisory.withdrawn", advisory, reference=advisory.reference, reason=reason, was=was)
    return advisory
