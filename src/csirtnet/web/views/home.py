"""The home page of a logged-in person: what waits for them, the most urgent and oldest first —
deadlines due and overdue, their tasks, support requests their organisation must answer, reports
waiting in triage, applications waiting for a decision, a confirmation their organisation owes,
their deployments, unread notifications — and a line of counts. Every item links to where it is
handled. Each domain reads its own part, scoped through authz (incident.reads, mobilisation.reads,
organisation, notification); this module only gathers and renders them. `/` is served by
web.views.landing, which shows visitors the public landing page instead.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.incident import reads as incident_reads
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import reads as mobilisation_reads
from csirtnet.notification import service as notification_service
from csirtnet.organisation import application, stale
from csirtnet.web.render import render

SHOWN = 6  # items per section; one more is read to know whether to offer the whole list


def home_page(request: Request, session: Session, who: Subject) -> Response:
    """What waits for the person, section by section; the template leaves out empty sections."""
    now = utcnow()
    more = SHOWN + 1
    return render(
        request,
        "home/index.html",
        {
            "now": now,
            "shown": SHOWN,
            "deadlines": incident_reads.due_deadlines(session, who, limit=more, now=now),
            "tasks": incident_reads.my_tasks(session, who, limit=more, now=now),
            "requests": mobilisation_reads.requests_to_answer(session, who, limit=more),
            "queue": incident_reads.triage_queue(session, who, limit=more),
            "applications": application.waiting_for_decision(session, who, limit=more),
            "confirmation": stale.confirmation_due(session, who),
            "deployments": mobilisation_reads.deployments_under_way(session, who, limit=more),
            "unread": notification_service.unread_oldest_first(session, who.user_id or 0, limit=more),
            "counts": incident_reads.counts(session, who),
        },
    )
