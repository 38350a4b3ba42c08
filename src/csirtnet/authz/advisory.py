"""Who may see, write, review, answer and follow an advisory. THE one decision: lists, search, the
API, the pages, the CSAF provider's member directories and the derived records (notifications,
jobs, audit) all go through `visible_advisories_clause` or the `can_*` rules below.

Publishing rights follow the publisher:
- the coordinating body's staff publish to anyone in the network;
- the admins of a cluster's lead organisation publish to that cluster while their term runs
  (authz.cluster's lead rights), and only to organisations in it;
- a member organisation's admins publish to their own organisation's people.

Four-eyes (`needs_review`): an advisory of the coordinating body or of a cluster lead whose
severity the setting names waits for a second coordinator; a member's advisory to its own people
never does (no coordinator reads a member's own drafts).

An advisory is visible to
- while a draft: its publishing organisation's writers (TLP:RED: its author only);
- while in review: also the coordinating body's staff (any TLP: the reviewers must read it);
- once published — and after a withdrawal, if it had been published (a draft withdrawn before it
  went out stays a draft's audience): the publishing organisation's writers, the users of every
  organisation told (its frozen `AdvisoryRecipient` rows), the coordinating body's staff, and any
  signed-in member when it is TLP:CLEAR (the CSAF provider publishes those to everyone).

TLP:RED: only the people named (their `AdvisoryDelivery` rows), the author and the reviewer —
neither the recipients' colleagues nor, unless named, the coordinating body's other staff.

Changing an advisory is its publishing organisation's writers' (nobody else's, a platform admin
included: the publisher answers for what it said).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can
from csirtnet.errors import Forbidden, NotFound
from csirtnet.models import Advisory, AdvisoryDelivery, AdvisoryRecipient, AdvisoryStatus, CsafDocument
from csirtnet.vocabulary import TLP, Role

_OUT = (AdvisoryStatus.PUBLISHED.value, AdvisoryStatus.WITHDRAWN.value)


def is_coordinator(who: Subject) -> bool:
    """The coordinating body's staff and platform admins: they publish to the whole network."""
    return who.sees_everything


def _named(who: Subject) -> ColumnElement[bool]:
    return exists(
        select(AdvisoryDelivery.id).where(
            AdvisoryDelivery.advisory_id == Advisory.id, AdvisoryDelivery.user_id == who.user_id
        )
    )


def _told(who: Subject) -> ColumnElement[bool]:
    return exists(
        select(AdvisoryRecipient.id).where(
            AdvisoryRecipient.advisory_id == Advisory.id, AdvisoryRecipient.organisation_id == who.organisation_id
        )
    )


def _writer_of_publisher(who: Subject) -> ColumnElement[bool]:
    if not can(who, Permission.ADVISORIES_WRITE) or who.organisation_id is None:
        return false()
    return Advisory.publisher_organisation_id == who.organisation_id


def visible_advisories_clause(who: Subject) -> ColumnElement[bool]:
    """The advisories `who` may see (see the module page)."""
    if who.user_id is None:
        return true() if who.is_platform_admin else false()
    if not can(who, Permission.ADVISORIES_READ):
        return false()
    out = and_(Advisory.status.in_(_OUT), Advisory.published_at.is_not(None))
    red = Advisory.tlp == TLP.RED.value
    own = or_(Advisory.created_by_id == who.user_id, Advisory.reviewed_by_id == who.user_id)
    branches = [_writer_of_publisher(who), and_(out, or_(_told(who), Advisory.tlp == TLP.CLEAR.value))]
    reviewing: ColumnElement[bool] = false()
    if is_coordinator(who):
        branches.append(out)
        reviewing = Advisory.status == AdvisoryStatus.IN_REVIEW.value
    return or_(own, reviewing, and_(red, out, _named(who)), and_(~red, or_(*branches)))


def get_visible(session: Session, who: Subject, advisory_id: int) -> Advisory:
    """One advisory `who` may see; NotFound otherwise (no difference between absent and hidden)."""
    advisory = session.scalar(select(Advisory).where(Advisory.id == advisory_id, visible_advisories_clause(who)))
    if advisory is None:
        raise NotFound("advisory")
    return advisory


# -- publishing ------------------------------------------------------------------------------


def publishable_cluster_ids(session: Session, who: Subject) -> set[int] | None:
    """The clusters `who` may publish to: None for every one (the coordinating body)."""
    if is_coordinator(who):
        return None
    if not can(who, Permission.ADVISORIES_WRITE) or not who.has_role(Role.ORG_ADMIN):
        return set()
    return cluster_authz.led_cluster_ids(session, who)


def can_write(who: Subject) -> bool:
    """May `who` write advisories at all (to someone)?"""
    return can(who, Permission.ADVISORIES_WRITE) and (is_coordinator(who) or who.organisation_id is not None)


def require_write(who: Subject) -> None:
    if not can_write(who):
        raise Forbidden("You may not write advisories")


def can_edit(who: Subject, advisory: Advisory) -> bool:
    """Change a draft, publish it, update or withdraw it once published: its publisher's writers
    (the coordinating body's staff for the body's own advisories)."""
    if not can(who, Permission.ADVISORIES_WRITE):
        return False
    return who.organisation_id is not None and advisory.publisher_organisation_id == who.organisation_id


def require_edit(who: Subject, advisory: Advisory) -> None:
    if not can_edit(who, advisory):
        raise Forbidden("Only its publisher may change this advisory")


def may_address_cluster(session: Session, who: Subject, cluster_id: int) -> bool:
    allowed = publishable_cluster_ids(session, who)
    return allowed is None or cluster_id in allowed


def needs_review(advisory: Advisory, publisher_is_coordinator: bool) -> bool:
    """Four-eyes: the coordinating body's and cluster leads' advisories of a severity the setting
    names (`CSIRTNET_ADVISORY_REVIEW_SEVERITIES`) wait for a second coordinator."""
    from csirtnet.config import get_settings

    wanted = {s.strip().lower() for s in get_settings().advisory_review_severities.split(",") if s.strip()}
    return advisory.severity in wanted and (publisher_is_coordinator or advisory.cluster_id is not None)


def can_review(who: Subject, advisory: Advisory) -> bool:
    """Four-eyes: a coordinator who neither wrote nor submitted it approves or returns it."""
    return (
        can(who, Permission.ADVISORIES_REVIEW)
        and advisory.status == AdvisoryStatus.IN_REVIEW.value
        and who.user_id not in (advisory.created_by_id, advisory.submitted_by_id)
    )


def require_review(who: Subject, advisory: Advisory) -> None:
    if not can_review(who, advisory):
        raise Forbidden("A second coordinator, not its author, reviews this advisory")


# -- answering and following -----------------------------------------------------------------


def can_answer(who: Subject, advisory: Advisory, recipient: AdvisoryRecipient | None, named: bool) -> bool:
    """Answer for one's own organisation when it was told; TLP:RED only the people named."""
    if recipient is None or advisory.status != AdvisoryStatus.PUBLISHED.value:
        return False
    if not can(who, Permission.ADVISORIES_ACK) or recipient.organisation_id != who.organisation_id:
        return False
    return named or advisory.tlp != TLP.RED.value


def require_answer(who: Subject, advisory: Advisory, recipient: AdvisoryRecipient | None, named: bool) -> None:
    if not can_answer(who, advisory, recipient, named):
        raise Forbidden("Only a recipient organisation's admins and responders answer this advisory")


def can_track(who: Subject, advisory: Advisory) -> bool:
    """The tracking view (who answered what, who was sent what): the publisher and the coordinators."""
    if who.organisation_id is not None and advisory.publisher_organisation_id == who.organisation_id:
        return can(who, Permission.ADVISORIES_WRITE)
    return is_coordinator(who) and (advisory.tlp != TLP.RED.value or who.user_id == advisory.created_by_id)


def require_track(who: Subject, advisory: Advisory) -> None:
    if not can_track(who, advisory):
        raise Forbidden("Only the publisher follows who answered")


def can_manage_catalogues(who: Subject) -> bool:
    """Import KEV and CVE records, add and poll CSAF sources."""
    return can(who, Permission.ADVISORIES_MANAGE)


def public_clause() -> ColumnElement[bool]:
    """What anyone may read without an account (the CSAF provider's public directory): published
    TLP:CLEAR advisories. Nothing else is ever public."""
    return and_(Advisory.status == AdvisoryStatus.PUBLISHED.value, Advisory.tlp == TLP.CLEAR.value)


def member_directory_clause(who: Subject, tlp: str) -> ColumnElement[bool]:
    """The published advisories of one TLP that `who` may read, for the CSAF members' directories
    (TLP:RED is never in a directory: it is for the people named)."""
    if tlp == TLP.RED.value:
        return false()
    return and_(Advisory.status == AdvisoryStatus.PUBLISHED.value, Advisory.tlp == tlp, visible_advisories_clause(who))


def visible_csaf_documents_clause(who: Subject) -> ColumnElement[bool]:
    """Imported vendor CSAF documents: those marked TLP:WHITE or GREEN (or unmarked: public vendor
    advisories) to every member; AMBER and RED ones only to the coordinating body, which imported
    them under the vendor's terms."""
    if who.user_id is None:
        return true() if who.is_platform_admin else false()
    if not can(who, Permission.ADVISORIES_READ):
        return false()
    if can(who, Permission.ADVISORIES_MANAGE):
        return true()
    return or_(CsafDocument.tlp.is_(None), CsafDocument.tlp.in_(("WHITE", "GREEN")))


def can_read_csaf_documents(who: Subject) -> bool:
    """The vendor CSAF pages: every member (each document then by visible_csaf_documents_clause)."""
    return can(who, Permission.ADVISORIES_READ)
