"""Who may see and do what with security feeds. THE one decision: the feed pages, the API, the
digests (inbox, email, CSV), the exports and the derived records all go through these clauses.

- Configuring sources, rules and the prefix-to-ASN table, starting runs, and reading runs, the
  quarantine and the unmatched events: `feeds:manage` (the coordinating body).
- A processed event is read by the coordinating body (`feeds:manage`) and by the members of the
  organisation that owns it (`feeds:read`), under its TLP: the owner is the recipient the feed's
  provider addressed, so TLP:CLEAR, GREEN, AMBER and AMBER+STRICT reach the owner's people;
  TLP:RED data is the coordinating body's alone. An unmatched event (no owner) is the coordinating
  body's alone.
- A digest (one member, one source, one period) follows the same rule as its events.
- A member flag is read by its organisation and the coordinating body; cleared by the latter.
- Posting events to an API source: `feeds:submit`, by a member of one of the source's submitter
  organisations (any member organisation when the list is empty); the coordinating body may post to
  any API source.

The platform itself (jobs, the CLI without a user, the pipeline's stages) sees everything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, true

from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can
from csirtnet.errors import Forbidden, NotFound
from csirtnet.models import FeedBlock, FeedDigest, FeedSource, MemberFlag, SourceKind

RED = "red"


def _is_system(who: Subject) -> bool:
    return who.user_id is None and who.is_platform_admin


def can_manage(who: Subject) -> bool:
    """Sources, rules, runs, the quarantine, unmatched events, the ASN table: the coordinating body."""
    return _is_system(who) or can(who, Permission.FEEDS_MANAGE)


def can_read(who: Subject) -> bool:
    """May `who` read feed data at all (their own organisation's events and digests)?"""
    return can_manage(who) or (
        who.is_authenticated and can(who, Permission.FEEDS_READ) and who.organisation_id is not None
    )


def require_manage(who: Subject) -> None:
    if not can_manage(who):
        raise Forbidden("Only the coordinating body manages security feeds")


def require_read(who: Subject) -> None:
    if not can_read(who):
        raise Forbidden("You may not read security feed data")


def _owned_clause(who: Subject, organisation: Any, tlp: Any) -> ColumnElement[bool]:
    if can_manage(who):
        return true()
    if not can_read(who):
        return false()
    return and_(organisation == who.organisation_id, tlp != RED)


def visible_events_clause(who: Subject) -> ColumnElement[bool]:
    """The feed events `who` may read (the blocks that hold them)."""
    return _owned_clause(who, FeedBlock.organisation_id, FeedBlock.tlp)


def visible_digests_clause(who: Subject) -> ColumnElement[bool]:
    """The digests `who` may read (and whose CSV they may download)."""
    return _owned_clause(who, FeedDigest.organisation_id, FeedDigest.tlp)


def visible_flags_clause(who: Subject) -> ColumnElement[bool]:
    if can_manage(who):
        return true()
    if not can_read(who):
        return false()
    return MemberFlag.organisation_id == who.organisation_id


def can_submit(who: Subject, source: FeedSource) -> bool:
    """May `who` post events to `source` (an API source)?"""
    if source.kind != SourceKind.API.value or not source.enabled:
        return False
    if can_manage(who):
        return True
    if not can(who, Permission.FEEDS_SUBMIT) or who.organisation_id is None:
        return False
    allowed = source.submitter_org_ids or []
    return not allowed or who.organisation_id in allowed


def require_submit(who: Subject, source: FeedSource) -> None:
    if not can_submit(who, source):
        if not can_manage(who) and not can(who, Permission.FEEDS_SUBMIT):
            raise Forbidden("You may not post events to a feed")
        raise NotFound("No such feed source accepts your events")
