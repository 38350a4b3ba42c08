"""The constituency API: who owns an address / AS / domain, overlapping claims and their resolution,
delegation of a more specific part of a claim."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import organisation as organisation_authz
from csirtnet.kit.pagination import Page, paginate_items
from csirtnet.models import Organisation
from csirtnet.organisation import constituency, repository
from csirtnet.organisation.schemas import (
    ClaimRead,
    DelegationCreate,
    LookupRead,
    MarkDelegatedBody,
    OverlapRead,
    RejectBody,
)

router = APIRouter(prefix="/constituency", tags=["constituency"])


@router.get("/lookup", response_model=LookupRead)
def lookup(
    session: Session,
    who: ApiUser,
    q: str = Query(max_length=300, description='"203.0.113.7", "2001:db8::1", "AS64500" or "mail.example.vn"'),
) -> LookupRead:
    """Which member answers for an address, AS number or domain (longest match)."""
    result = constituency.lookup(session, who, q)
    owner = result.owner
    if owner is None:
        return LookupRead(query=result.query, kind=result.kind, found=False)
    return LookupRead(
        query=result.query,
        kind=result.kind,
        found=True,
        organisation_id=owner.organisation_id,
        organisation_name=owner.organisation_name,
        member_code=owner.member_code,
        matched=owner.matched,
        claim_id=owner.claim_id,
    )


@router.get("/conflicts", response_model=Page[OverlapRead])
def conflicts(
    session: Session,
    who: ApiUser,
    organisation_id: int | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[OverlapRead]:
    """Unresolved overlapping claims of different members (a member sees those involving it), in
    address order of the broader claim."""
    organisation_id = organisation_authz.overlap_organisation_id(who, organisation_id)
    # Overlaps are found by comparing every active claim in Python, so the page is cut from that list.
    found, next_cursor = paginate_items(
        constituency.overlaps(session, who, organisation_id),
        lambda o: (*repository.claim_key(o.broader), *repository.claim_key(o.narrower)),
        limit=limit,
        cursor=cursor,
    )
    names = {
        o.id: o.name
        for o in session.query(Organisation).filter(
            Organisation.id.in_(
                {x.broader.organisation_id for x in found} | {x.narrower.organisation_id for x in found}
            )
        )
    }
    items = [
        OverlapRead(
            broader=ClaimRead.model_validate(o.broader),
            broader_organisation=names.get(o.broader.organisation_id, ""),
            narrower=ClaimRead.model_validate(o.narrower),
            narrower_organisation=names.get(o.narrower.organisation_id, ""),
            identical=o.identical,
        )
        for o in found
    ]
    return Page[OverlapRead](items=items, next_cursor=next_cursor)


@router.get("/claims/{claim_id}", response_model=ClaimRead)
def get_claim(claim_id: int, session: Session, who: ApiUser) -> ClaimRead:
    """One claim (of the subject's organisation, or any for the coordinator)."""
    return ClaimRead.model_validate(constituency.get_claim(session, who, claim_id))


@router.delete("/claims/{claim_id}", status_code=204)
def remove_claim(claim_id: int, session: Session, who: ApiUser) -> Response:
    """Withdraw a claim."""
    constituency.remove_claim(session, who, claim_id)
    return Response(status_code=204)


@router.post("/claims/{claim_id}/delegations", response_model=ClaimRead, status_code=201)
def delegate(claim_id: int, body: DelegationCreate, session: Session, who: ApiUser) -> ClaimRead:
    """Delegate a more specific part of a claim to another member."""
    return ClaimRead.model_validate(constituency.delegate(session, who, claim_id, body.value, body.organisation_id))


@router.post("/claims/{claim_id}/reject", response_model=ClaimRead)
def reject(claim_id: int, body: RejectBody, session: Session, who: ApiUser) -> ClaimRead:
    """Coordinator: rule a claim out (it no longer counts in lookups)."""
    return ClaimRead.model_validate(constituency.reject(session, who, claim_id, body.reason))


@router.post("/claims/{claim_id}/accept-overlap", response_model=ClaimRead)
def accept_overlap(claim_id: int, session: Session, who: ApiUser) -> ClaimRead:
    """Coordinator: accept a more specific claim inside another member's broader claim."""
    return ClaimRead.model_validate(constituency.accept_overlap(session, who, claim_id))


@router.post("/claims/{claim_id}/mark-delegated", response_model=ClaimRead)
def mark_delegated(claim_id: int, body: MarkDelegatedBody, session: Session, who: ApiUser) -> ClaimRead:
    """Coordinator: record that the claim was delegated out of a broader claim."""
    return ClaimRead.model_validate(constituency.mark_delegated(session, who, claim_id, body.parent_claim_id))
