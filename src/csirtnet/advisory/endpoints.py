"""The advisory API: drafts, review, publication and versions, recipients' answers, the tracking view."""

from __future__ import annotations

from typing import Literal, get_args

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from csirtnet.advisory import answers, reads, repository, service
from csirtnet.advisory.schemas import (
    AdvisoryCreate,
    AdvisoryRead,
    AdvisorySummaryRead,
    AdvisoryUpdate,
    AnswerIn,
    AnswerRead,
    ReviewDecision,
    TrackingRead,
    VersionRead,
    WithdrawBody,
)
from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import advisory as rules
from csirtnet.kit.pagination import Page
from csirtnet.models import AckStatus, AdvisoryKind, AdvisoryStatus

router = APIRouter(tags=["advisories"])

StatusParam = Literal["draft", "in_review", "published", "withdrawn"]
KindParam = Literal["warning", "advisory"]
AckParam = Literal["pending", "received", "applied", "not_affected", "needs_help"]
# The query parameters list the stored codes; keep them in step with the models.
assert {s.value for s in AdvisoryStatus} == set(get_args(StatusParam))
assert {s.value for s in AdvisoryKind} == set(get_args(KindParam))
assert {s.value for s in AckStatus} == set(get_args(AckParam))


class AdvisoryListItem(AdvisorySummaryRead):
    model_config = ConfigDict(from_attributes=True)

    my_status: str | None = None
    overdue: bool = False


class AdvisoryDetail(AdvisoryRead):
    my_status: str | None = None
    known_exploited_cves: list[str] = Field(default_factory=list)


class Answered(BaseModel):
    answer: AnswerRead


@router.get("/advisories", response_model=Page[AdvisoryListItem])
def list_advisories(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200),
    status: StatusParam | None = None,
    kind: KindParam | None = None,
    told: bool = Query(default=False, description="Only advisories told to your organisation"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[AdvisoryListItem]:
    """Advisories you may see, newest first, with your organisation's answer."""
    rows, next_cursor = reads.advisories_page(
        session, who, q=q, status=status, kind=kind, told=told, cursor=cursor, limit=limit
    )
    items = [
        AdvisoryListItem.model_validate(r.advisory).model_copy(update={"my_status": r.my_status, "overdue": r.overdue})
        for r in rows
    ]
    return Page[AdvisoryListItem](items=items, next_cursor=next_cursor)


def _detail(session: Session, who: ApiUser, advisory_id: int) -> AdvisoryDetail:
    page = reads.advisory_page(session, who, advisory_id)
    base = AdvisoryDetail.model_validate(page.advisory, from_attributes=True)
    return base.model_copy(
        update={
            "my_status": page.my_answer.status if page.my_answer else None,
            "known_exploited_cves": [c.cve_id for c in page.cves if c.known_exploited],
        }
    )


@router.post("/advisories", response_model=AdvisoryDetail, status_code=201)
def create_advisory(body: AdvisoryCreate, session: Session, who: ApiUser) -> AdvisoryDetail:
    """Write a draft warning or advisory."""
    advisory = service.create(session, who, body)
    return _detail(session, who, advisory.id)


@router.get("/advisories/{advisory_id}", response_model=AdvisoryDetail)
def get_advisory(advisory_id: int, session: Session, who: ApiUser) -> AdvisoryDetail:
    """One advisory (a TLP:RED read is audited)."""
    return _detail(session, who, advisory_id)


@router.patch("/advisories/{advisory_id}", response_model=AdvisoryDetail)
def update_advisory(advisory_id: int, body: AdvisoryUpdate, session: Session, who: ApiUser) -> AdvisoryDetail:
    """Change a draft; on a published advisory, publish a new version (fresh_ack asks for new answers)."""
    service.update(session, who, advisory_id, body)
    return _detail(session, who, advisory_id)


@router.post("/advisories/{advisory_id}/publish", response_model=AdvisoryDetail)
def publish_advisory(advisory_id: int, session: Session, who: ApiUser) -> AdvisoryDetail:
    """Publish a draft (or send it for review when its severity needs a second coordinator)."""
    service.publish(session, who, advisory_id)
    return _detail(session, who, advisory_id)


@router.post("/advisories/{advisory_id}/review", response_model=AdvisoryDetail)
def review_advisory(advisory_id: int, body: ReviewDecision, session: Session, who: ApiUser) -> AdvisoryDetail:
    """Approve (publishes it) or return an advisory waiting for review."""
    service.review(session, who, advisory_id, body)
    return _detail(session, who, advisory_id)


@router.post("/advisories/{advisory_id}/withdraw", response_model=AdvisoryDetail)
def withdraw_advisory(advisory_id: int, body: WithdrawBody, session: Session, who: ApiUser) -> AdvisoryDetail:
    """Withdraw an advisory; what it was sent stays on record."""
    service.withdraw(session, who, advisory_id, body.reason)
    return _detail(session, who, advisory_id)


@router.post("/advisories/{advisory_id}/answer", response_model=Answered)
def answer_advisory(advisory_id: int, body: AnswerIn, session: Session, who: ApiUser) -> Answered:
    """Your organisation's answer: received, applied, not_affected or needs_help (opens a support request)."""
    recipient = answers.answer(session, who, advisory_id, body.status, body.note)
    return Answered(
        answer=AnswerRead(
            status=recipient.status,
            note=recipient.note,
            answered_at=recipient.answered_at,
            support_request_id=recipient.support_request_id,
            incident_id=recipient.incident_id,
        )
    )


@router.get("/advisories/{advisory_id}/versions", response_model=list[VersionRead])
def list_versions(advisory_id: int, session: Session, who: ApiUser) -> list[VersionRead]:
    """The advisory's versions, newest first, each with what changed."""
    rules.get_visible(session, who, advisory_id)
    return [VersionRead.model_validate(v) for v in repository.versions(session, advisory_id)]


@router.get("/advisories/{advisory_id}/tracking", response_model=TrackingRead)
def get_tracking(
    advisory_id: int,
    session: Session,
    who: ApiUser,
    status: AckParam | None = None,
    cluster_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
    province: str | None = Query(default=None, max_length=80),
    limit: int = Query(default=100, ge=1, le=500),
    cursor: str | None = Query(default=None, max_length=200),
) -> TrackingRead:
    """Who was told and who answered what, overdue first, by cluster and province (the publisher)."""
    return reads.tracking(
        session, who, advisory_id, status=status, cluster_id=cluster_id, province=province, cursor=cursor, limit=limit
    )
