"""The discussion thread. "@someone@example.vn" (an email) or "@[Full Name]" mentions a user who
may see the incident; mentioned users are notified. A mention of someone who may not see the
incident notifies nobody (and says nothing about the incident to them)."""

from __future__ import annotations

import re

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.authz.incident import can_discuss, can_view, get_visible
from csirtnet.errors import Forbidden
from csirtnet.identity.service import subject_for
from csirtnet.incident import events
from csirtnet.incident.common import incident_link
from csirtnet.kit.text import fold
from csirtnet.models import Incident, IncidentComment, User
from csirtnet.notification.service import notify

_EMAIL_MENTION = re.compile(r"@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_NAME_MENTION = re.compile(r"@\[([^\]]{2,200})\]")


def comments_query(incident: Incident) -> Select[IncidentComment]:
    """The incident's discussion, oldest first."""
    return select(IncidentComment).where(IncidentComment.incident_id == incident.id).order_by(IncidentComment.id)


def comments_of(session: Session, incident: Incident) -> list[IncidentComment]:
    return list(session.scalars(comments_query(incident)))


def mentioned_users(session: Session, body: str) -> list[User]:
    found: dict[int, User] = {}
    for email in _EMAIL_MENTION.findall(body):
        user = session.scalar(select(User).where(User.email == email.lower(), User.is_active.is_(True)))
        if user is not None:
            found[user.id] = user
    for name in _NAME_MENTION.findall(body):
        wanted = fold(name)
        candidates = session.scalars(
            select(User).where(User.name_fold.startswith(wanted + " ", autoescape=True), User.is_active.is_(True))
        )
        for user in candidates:
            if fold(user.full_name) == wanted:  # accents and case aside, the whole name
                found[user.id] = user
    return list(found.values())


def post(session: Session, who: Subject, incident_id: int, body: str) -> IncidentComment:
    """Post to the thread; mentioned users who may see the incident are notified."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    if not can_discuss(session, who, incident):
        raise Forbidden("You may read this incident but not take part in its discussion")
    mentioned = [
        u
        for u in mentioned_users(session, body)
        if u.id != who.user_id and can_view(session, subject_for(u), incident.id)
    ]
    comment = IncidentComment(
        incident_id=incident.id, author_id=who.user_id, body=body.strip(), mentioned_user_ids=[u.id for u in mentioned]
    )
    session.add(comment)
    session.flush()
    audit.record(
        session,
        who,
        "incident.commented",
        incident,
        organisation_id=incident.reporting_organisation_id,
        comment_id=comment.id,
        mentioned=[u.id for u in mentioned],
    )
    author = session.get(User, who.user_id) if who.user_id else None
    notify(
        session,
        events.MENTIONED.key,
        mentioned,
        {"reference": incident.reference, "author": author.full_name if author else who.label},
        link=incident_link(incident) + "#discussion",
        guard=guard_of(incident),
    )
    return comment
