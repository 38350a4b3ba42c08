"""The intake's quarantine for the coordinators: email the intake could not file, listed with the
reason and its age; one message's page with its raw download and the release and discard buttons
(the discard reason on the one form path). Who may: authz.incident.can_handle_quarantine."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz.incident import require_handle_quarantine
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import N_
from csirtnet.incident import quarantine, quarantine_reads
from csirtnet.incident.schemas import QuarantineDiscard
from csirtnet.models import QuarantineStatus
from csirtnet.vocabulary import labels
from csirtnet.web import forms
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render
from csirtnet.web.views.incidents.common import common, tr

router = APIRouter(include_in_schema=False)

DISCARD_FORM = forms.Form(
    "intake-quarantine-discard",
    [
        forms.Field(
            "reason",
            N_("Why it is discarded"),
            kind="textarea",
            required=True,
            help=N_("Kept with the message; the sender is not told."),
            attrs={"maxlength": "2000"},
        )
    ],
)
STATUSES = {s.value for s in QuarantineStatus}


def _labels() -> dict[str, object]:
    return {
        "reason_labels": labels.QUARANTINE_REASONS,
        "source_labels": labels.QUARANTINE_SOURCES,
        "quarantine_status_labels": labels.QUARANTINE_STATUSES,
    }


@router.get("/incidents/quarantine")
def quarantine_list(
    request: Request,
    session: Session,
    who: PageUser,
    status: str = Query(default="pending", max_length=20),
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    require_handle_quarantine(who)
    chosen = status if status in STATUSES else ""
    rows, next_cursor = quarantine_reads.messages_page(session, who, status=chosen or None, cursor=cursor)
    return render(
        request,
        "incidents/quarantine_list.html",
        {**common(request), **_labels(), "rows": rows, "next_cursor": next_cursor, "status": chosen},
    )


def _detail(
    request: Request,
    session: DbSession,
    who: Subject,
    quarantine_id: int,
    *,
    bound: BoundForm | None = None,
    release_error: str | None = None,
    status_code: int = 200,
) -> Response:
    found = quarantine_reads.detail(session, who, quarantine_id)
    return render(
        request,
        "incidents/quarantine_detail.html",
        {
            **common(request),
            **_labels(),
            "message": found.message,
            "report": found.report,
            "discard_form": bound or DISCARD_FORM.blank(),
            "release_error": release_error,
        },
        status_code=status_code,
    )


@router.get("/incidents/quarantine/{quarantine_id}")
def quarantine_detail(request: Request, session: Session, who: PageUser, quarantine_id: int) -> Response:
    require_handle_quarantine(who)
    return _detail(request, session, who, quarantine_id)


@router.get("/incidents/quarantine/{quarantine_id}/raw")
def quarantine_raw(session: Session, who: PageUser, quarantine_id: int) -> Response:
    require_handle_quarantine(who)
    row = quarantine_reads.detail(session, who, quarantine_id).message
    return Response(
        content=quarantine.raw_bytes(row),
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'quarantine-{row.id}.eml')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/incidents/quarantine/{quarantine_id}/release")
def quarantine_release(request: Request, session: Session, who: PageUser, quarantine_id: int) -> Response:
    require_handle_quarantine(who)
    try:
        with savepoint(session):
            report = quarantine.release(session, who, quarantine_id)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        message = exc.errors[0].message if exc.errors else exc.message
        return _detail(request, session, who, quarantine_id, release_error=message, status_code=exc.status)
    say = tr(request)
    return redirect(
        f"/incidents/reports/{report.id}",
        flash=say("The message was filed as a report.") + f" ({report.reference})",
    )


@router.post("/incidents/quarantine/{quarantine_id}/discard")
async def quarantine_discard(request: Request, session: Session, who: PageUser, quarantine_id: int) -> Response:
    require_handle_quarantine(who)
    form = await DISCARD_FORM.read(request)
    data = form.validate(QuarantineDiscard, {"reason": form.text("reason")})
    form.attempt(session, lambda: quarantine.discard(session, who, quarantine_id, data.reason) if data else None)
    if not form.ok:
        return _detail(request, session, who, quarantine_id, bound=form, status_code=422)
    return redirect("/incidents/quarantine", flash=tr(request)("The message was discarded."))
