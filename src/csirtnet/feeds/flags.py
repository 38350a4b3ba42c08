"""Member flags: raised by a feed rule (feeds.rules), cleared by the coordinating body."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import Guard, GuardKind
from csirtnet.authz.feeds import require_manage, visible_flags_clause
from csirtnet.errors import Conflict, NotFound
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import MemberFlag


def clear(session: Session, who: Subject, flag_id: int, *, now: datetime | None = None) -> MemberFlag:
    """Clear an open flag (the coordinating body); audited."""
    require_manage(who)
    flag = session.scalar(select(MemberFlag).where(MemberFlag.id == flag_id, visible_flags_clause(who)))
    if flag is None:
        raise NotFound("flag")
    if flag.cleared_at is not None:
        raise Conflict("This flag is already cleared")
    flag.cleared_at = as_utc(now) if now is not None else utcnow()
    flag.cleared_by_id = who.user_id
    # About a rule's finding (an address): the feed managers' record, like the rule's actions.
    guard = Guard(GuardKind.FEED, flag.rule_id or 0)
    audit.record(session, who, "feed.flag_cleared", flag, guard=guard, organisation_id=flag.organisation_id)
    return flag
