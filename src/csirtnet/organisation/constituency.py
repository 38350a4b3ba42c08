"""Constituency: the prefixes, ASNs and domains each member answers for; overlaps between members
(found, listed, resolved by a coordinator); delegation of a more specific part to another member;
and the database lookup behind the API and the CLI (the feed pipeline uses organisation.lookup).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, can_manage_organisation, require
from csirtnet.authz import organisation as organisation_authz
from csirtnet.authz.permissions import Permission
from csirtnet.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from csirtnet.kit.time import utcnow
from csirtnet.models import ConstituencyClaim, Organisation, User
from csirtnet.models.constituency import ClaimKind, ClaimStatus
from csirtnet.organisation import events, repository
from csirtnet.organisation.claims import ClaimError, ParsedClaim, Query, candidate_prefixes, parse_claim, parse_query
from csirtnet.organisation.lookup import SHARED_INDEX, Owner
from csirtnet.vocabulary import Role


def _parsed(claim: ConstituencyClaim) -> ParsedClaim:
    return ParsedClaim(ClaimKind(claim.kind), claim.value, claim.prefix_len, claim.range_start, claim.range_end)


def parse_or_422(value: str, field: str = "value") -> ParsedClaim:
    try:
        return parse_claim(value)
    except ClaimError as exc:
        raise ValidationFailed(field, str(exc)) from exc


def get_claim(session: Session, who: Subject, claim_id: int) -> ConstituencyClaim:
    require(who, Permission.CONSTITUENCY_READ)
    claim = session.scalar(repository.claims(session, who).where(ConstituencyClaim.id == claim_id))
    if claim is None:
        raise NotFound("constituency claim")
    return claim


def _insert(
    session: Session,
    who: Subject,
    organisation: Organisation,
    parsed: ParsedClaim,
    *,
    note: str | None = None,
    parent: ConstituencyClaim | None = None,
) -> ConstituencyClaim:
    existing = session.scalar(
        select(ConstituencyClaim.id).where(
            ConstituencyClaim.organisation_id == organisation.id,
            ConstituencyClaim.kind == parsed.kind.value,
            ConstituencyClaim.value == parsed.value,
        )
    )
    if existing is not None:
        raise Conflict(
            f"{organisation.name} already claims {parsed.value}",
            errors=[FieldError("value", "already claimed by this organisation")],
        )
    claim = ConstituencyClaim(
        organisation_id=organisation.id,
        kind=parsed.kind.value,
        value=parsed.value,
        prefix_len=parsed.prefix_len,
        range_start=parsed.range_start,
        range_end=parsed.range_end,
        note=note,
        parent_claim_id=parent.id if parent else None,
    )
    session.add(claim)
    session.flush()
    audit.record(
        session,
        who,
        "constituency.claimed",
        claim,
        organisation_id=organisation.id,
        kind=claim.kind,
        value=claim.value,
        delegated_from=parent.id if parent else None,
    )
    return claim


def add_claim(
    session: Session, who: Subject, organisation_id: int, value: str, *, note: str | None = None
) -> ConstituencyClaim:
    """Claim a prefix, ASN or domain for an organisation; overlaps with other members are flagged."""
    require(who, Permission.CONSTITUENCY_WRITE)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not can_manage_organisation(who, organisation_id):
        raise NotFound("organisation")
    claim = _insert(session, who, organisation, parse_or_422(value), note=note)
    _flag_conflicts(session, who, claim)
    return claim


def delegate(
    session: Session, who: Subject, parent_claim_id: int, value: str, delegate_organisation_id: int
) -> ConstituencyClaim:
    """The owner of a claim hands a more specific part of it to another member."""
    require(who, Permission.CONSTITUENCY_WRITE)
    parent = get_claim(session, who, parent_claim_id)
    if not can_manage_organisation(who, parent.organisation_id):
        raise Forbidden("Only the owner of a claim or the coordinator delegates part of it")
    if parent.status != ClaimStatus.ACTIVE.value:
        raise ValidationFailed("parent_claim_id", "that claim was rejected")
    child = parse_or_422(value)
    parent_parsed = _parsed(parent)
    if parent.kind == ClaimKind.ASN or not parent_parsed.contains(child) or child.value == parent.value:
        raise ValidationFailed("value", f"must be a more specific part of {parent.value}")
    target = session.get(Organisation, delegate_organisation_id)
    if target is None:
        raise ValidationFailed("organisation_id", "no such organisation")
    if target.id == parent.organisation_id:
        raise ValidationFailed("organisation_id", "delegate to another organisation")
    claim = _insert(session, who, target, child, parent=parent, note=f"delegated from {parent.value}")
    _flag_conflicts(session, who, claim)
    return claim


def remove_claim(session: Session, who: Subject, claim_id: int) -> None:
    require(who, Permission.CONSTITUENCY_WRITE)
    claim = get_claim(session, who, claim_id)
    if not can_manage_organisation(who, claim.organisation_id):
        raise NotFound("constituency claim")
    audit.record(session, who, "constituency.removed", claim, kind=claim.kind, value=claim.value)
    session.delete(claim)


# -- overlaps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """`narrower` lies inside (or equals) `broader`, and the two belong to different members."""

    broader: ConstituencyClaim
    narrower: ConstituencyClaim

    @property
    def identical(self) -> bool:
        return self.broader.value == self.narrower.value


def _is_settled(narrower: ConstituencyClaim, broader: ConstituencyClaim, parents: dict[int, int | None]) -> bool:
    if narrower.overlap_accepted_at is not None and narrower.value != broader.value:
        return True
    seen: set[int] = set()
    current: int | None = narrower.parent_claim_id
    while current is not None and current not in seen:
        if current == broader.id:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def find_overlaps(claims: list[ConstituencyClaim]) -> list[Overlap]:
    """Unresolved overlaps among active claims: nested or equal claims of different members that are
    neither a recorded delegation (through any chain of delegations) nor an accepted overlap."""
    active = [c for c in claims if c.status == ClaimStatus.ACTIVE.value]
    parents = {c.id: c.parent_claim_id for c in active}
    pairs: list[tuple[ConstituencyClaim, ConstituencyClaim]] = []
    by_kind: dict[str, list[ConstituencyClaim]] = defaultdict(list)
    for c in active:
        by_kind[c.kind].append(c)
    for kind in (ClaimKind.IPV4.value, ClaimKind.IPV6.value):
        # Sweep by start address, broader first; the stack holds the claims still open.
        ordered = sorted(by_kind[kind], key=lambda c: (c.range_start or "", -(int(c.range_end or "0", 16)), c.id))
        stack: list[ConstituencyClaim] = []
        for c in ordered:
            while stack and (stack[-1].range_end or "") < (c.range_start or ""):
                stack.pop()
            pairs.extend((outer, c) for outer in stack)
            stack.append(c)
    domains: dict[str, list[ConstituencyClaim]] = defaultdict(list)
    for c in by_kind[ClaimKind.DOMAIN.value]:
        domains[c.value].append(c)
    for c in by_kind[ClaimKind.DOMAIN.value]:
        labels = c.value.split(".")
        for i in range(1, len(labels) - 1):
            pairs.extend((outer, c) for outer in domains.get(".".join(labels[i:]), []))
        pairs.extend((other, c) for other in domains[c.value] if other.id < c.id)
    asns: dict[str, list[ConstituencyClaim]] = defaultdict(list)
    for c in by_kind[ClaimKind.ASN.value]:
        asns[c.value].append(c)
    for group in asns.values():
        pairs.extend((a, b) for i, a in enumerate(group) for b in group[i + 1 :])
    out: list[Overlap] = []
    for broader, narrower in pairs:
        if broader.organisation_id == narrower.organisation_id:
            continue
        if broader.value == narrower.value and narrower.id < broader.id:
            broader, narrower = narrower, broader
        if not _is_settled(narrower, broader, parents):
            out.append(Overlap(broader, narrower))
    return out


def overlaps(session: Session, who: Subject, organisation_id: int | None = None) -> list[Overlap]:
    """Open overlaps, for coordinators (all) or an organisation's admins (its own)."""
    require(who, Permission.CONSTITUENCY_READ)
    found = find_overlaps(list(session.scalars(repository.all_claims_for_overlaps(who))))
    if organisation_id is not None:
        found = [o for o in found if organisation_id in (o.broader.organisation_id, o.narrower.organisation_id)]
    return found


def _flag_conflicts(session: Session, who: Subject, claim: ConstituencyClaim) -> None:
    parsed = _parsed(claim)
    related = session.scalars(
        select(ConstituencyClaim).where(
            ConstituencyClaim.kind == claim.kind, ConstituencyClaim.status == ClaimStatus.ACTIVE.value
        )
    ).all()
    related = [c for c in related if _parsed(c).contains(parsed) or parsed.contains(_parsed(c))]
    found = [o for o in find_overlaps(list(related)) if claim.id in (o.broader.id, o.narrower.id)]
    if not found:
        return
    audit.record(
        session,
        who,
        "constituency.overlap_found",
        claim,
        value=claim.value,
        with_claims=[o.broader.id if o.narrower.id == claim.id else o.narrower.id for o in found],
    )
    from csirtnet.notification.service import notify

    notify(
        session,
        events.CONSTITUENCY_CONFLICT.key,
        coordinators(session),
        {"value": claim.value, "claim_id": claim.id},
        link="/members/constituency/conflicts",
        guard=None,
    )


def coordinators(session: Session) -> list[User]:
    from csirtnet.models import UserRole

    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COORDINATOR.value, User.is_active.is_(True))
            .order_by(User.id)
        ).unique()
    )


def _resolvable(session: Session, who: Subject, claim_id: int) -> ConstituencyClaim:
    require(who, Permission.CONSTITUENCY_RESOLVE)
    organisation_authz.require_resolve_overlaps(who)
    return get_claim(session, who, claim_id)


def reject(session: Session, who: Subject, claim_id: int, reason: str) -> ConstituencyClaim:
    """Rule a claim out: it stays on record but no longer counts in lookups."""
    claim = _resolvable(session, who, claim_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason", "say why the claim is rejected")
    claim.status = ClaimStatus.REJECTED.value
    claim.rejected_reason = reason
    audit.record(session, who, "constituency.rejected", claim, value=claim.value, reason=reason)
    return claim


def accept_overlap(session: Session, who: Subject, claim_id: int) -> ConstituencyClaim:
    """Accept that a more specific claim sits inside other members' broader claims."""
    claim = _resolvable(session, who, claim_id)
    if claim.kind == ClaimKind.ASN.value:
        raise ValidationFailed("claim_id", "two members cannot both hold one AS number: reject one claim")
    claim.overlap_accepted_at = utcnow()
    audit.record(session, who, "constituency.overlap_accepted", claim, value=claim.value)
    return claim


def mark_delegated(session: Session, who: Subject, claim_id: int, parent_claim_id: int) -> ConstituencyClaim:
    """Record that a claim was delegated out of a broader claim of another member."""
    claim = _resolvable(session, who, claim_id)
    parent = get_claim(session, who, parent_claim_id)
    if not _parsed(parent).contains(_parsed(claim)) or parent.value == claim.value:
        raise ValidationFailed("parent_claim_id", f"{claim.value} is not a more specific part of {parent.value}")
    if parent.organisation_id == claim.organisation_id:
        raise ValidationFailed("parent_claim_id", "both claims belong to the same organisation")
    claim.parent_claim_id = parent.id
    audit.record(session, who, "constituency.marked_delegated", claim, value=claim.value, parent=parent.value)
    return claim


# -- lookup --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupResult:
    query: str  # canonical
    kind: str
    owner: Owner | None


def lookup(session: Session, who: Subject, text: str) -> LookupResult:
    """Who answers for an address, AS number or domain: the longest matching active claim. Answered
    from the process's shared index when it is current, else from the database (same answer)."""
    require(who, Permission.CONSTITUENCY_READ)
    try:
        query = parse_query(text)
    except ClaimError as exc:
        raise ValidationFailed("q", str(exc)) from exc
    index = SHARED_INDEX.get(session)
    owner = index.lookup_query(query) if index is not None else lookup_in_database(session, query)
    return LookupResult(query.text, query.kind.value, owner)


def lookup_in_database(session: Session, query: Query) -> Owner | None:
    """The same answer as the index, by one indexed query over the candidate prefixes."""
    row = session.execute(
        select(ConstituencyClaim, Organisation)
        .join(Organisation, Organisation.id == ConstituencyClaim.organisation_id)
        .where(
            ConstituencyClaim.kind == query.kind.value,
            ConstituencyClaim.value.in_(candidate_prefixes(query)),
            ConstituencyClaim.status == ClaimStatus.ACTIVE.value,
        )
        .order_by(ConstituencyClaim.prefix_len.desc(), ConstituencyClaim.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    claim, org = row
    return Owner(org.id, org.name, org.member_code, claim.kind, claim.value, claim.id)
