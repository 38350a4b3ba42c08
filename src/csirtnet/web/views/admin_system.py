"""Pages: administration of the platform's machinery — the audit log, background jobs and an
organisation's webhook endpoints."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet import audit, worker
from csirtnet.audit import reads as audit_reads
from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can, require
from csirtnet.authz import identity as identity_authz
from csirtnet.authz.permissions import Permission
from csirtnet.config import get_settings
from csirtnet.errors import NotFound
from csirtnet.i18n import N_
from csirtnet.identity import reads as identity_reads
from csirtnet.notification import events
from csirtnet.notification import service as notification_service
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, request_language
from csirtnet.web.views import admin_forms as af
from csirtnet.web.views.admin_common import admin_render, query_form, tr

router = APIRouter(include_in_schema=False)

AUDIT_PER_PAGE = 50
JOBS_PER_PAGE = 50
ACTION_PREFIXES = ("user.", "token.", "organisation.", "webhook.", "notification.", "job.")


def _organisation_choices(session: DbSession, who: Subject) -> list[tuple[int, str]]:
    """Organisations whose records the subject sees in full, in Vietnamese name order."""
    return [(o.id, o.name) for o in identity_reads.listable_organisations(session, who)]


# -- audit log ------------------------------------------------------------------------------


def _day_start(form: BoundForm, name: str, zone: str) -> datetime | None:
    """A yyyy-mm-dd date from the form as the start of that day in the reader's time zone."""
    value = form.text(name)
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        form.fail(name, N_("Enter a date as yyyy-mm-dd."))
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


@router.get("/admin/audit")
def audit_page(request: Request, session: Session, who: PageUser, cursor: str = "") -> Response:
    require(who, Permission.AUDIT_READ)
    user = getattr(request.state, "user", None)
    zone = getattr(user, "timezone", None) or get_settings().timezone
    form = query_form(request, af.AUDIT_FILTERS)
    limits = {"action": 80, "actor": 320, "object_type": 60, "object_id": 80}
    for name, limit in limits.items():
        if len(form.text(name)) > limit:
            form.fail(name, N_("This is too long."))
    start = _day_start(form, "since", zone)
    end = _day_start(form, "until", zone)
    if end is not None:
        end += timedelta(days=1)  # "until" names the last day shown
    organisation_id = form.text("organisation_id")
    if organisation_id and not organisation_id.isdigit():
        form.fail("organisation_id", N_("Choose one of the offered values."))
    if start and end and start >= end:
        form.fail("until", N_("The end date is before the start date."))
    rows: list[audit_reads.Entry] = []
    next_cursor = None
    if form.ok:
        rows, next_cursor = audit_reads.records_page(
            session,
            who,
            cursor=cursor or None,
            limit=AUDIT_PER_PAGE,
            action=form.optional("action"),
            actor=form.optional("actor"),
            object_type=form.optional("object_type"),
            object_id=form.optional("object_id"),
            organisation_id=int(organisation_id) if organisation_id else None,
            since=start,
            until=end,
        )
    return admin_render(
        request,
        who,
        "admin/audit.html",
        {
            "records": [
                (
                    e.record,
                    e.redacted,
                    "" if e.redacted else json.dumps(e.record.summary, indent=2, ensure_ascii=False, sort_keys=True),
                )
                for e in rows
            ],
            "next_cursor": next_cursor,
            "filters": {name: form.text(name) for name in af.AUDIT_FILTERS.fields},
            "form": form,
            "organisations": [(str(i), name) for i, name in _organisation_choices(session, who)],
            "action_prefixes": ACTION_PREFIXES,
            "first_page": not cursor,
            "zone": zone,
        },
        status_code=200 if form.ok else 422,
    )


# -- background jobs ------------------------------------------------------------------------


@router.get("/admin/jobs")
def jobs_page(request: Request, session: Session, who: PageUser, status: str = "", cursor: str = "") -> Response:
    require(who, Permission.JOBS_READ)
    if status and status not in labels.JOB_STATUSES:
        status = ""
    rows, next_cursor = worker.jobs_page(session, status or None, cursor=cursor or None, limit=JOBS_PER_PAGE)
    return admin_render(
        request,
        who,
        "admin/jobs.html",
        {
            "jobs": rows,
            "next_cursor": next_cursor,
            "status": status,
            "counts": worker.status_counts(session),
            "status_labels": labels.JOB_STATUSES,
            "may_retry": can(who, Permission.JOBS_WRITE),
            "first_page": not cursor,
        },
    )


@router.post("/admin/jobs/{job_id}/retry")
def retry_job(request: Request, session: Session, who: PageUser, job_id: int) -> Response:
    require(who, Permission.JOBS_WRITE)
    row = worker.retry(session, job_id)
    if row is None:
        raise NotFound("failed job")
    audit.record(session, who, "job.retried", row, name=row.name)
    message = tr(request, "The job %(name)s (#%(id)s) is queued again.") % {"name": row.name, "id": row.id}
    return redirect("/admin/jobs?status=failed", flash=message)


# -- webhooks -------------------------------------------------------------------------------


def _webhooks_page(
    request: Request,
    session: DbSession,
    who: Subject,
    organisation_id: int,
    *,
    form: BoundForm | None = None,
    chooser: BoundForm | None = None,
    created: tuple[str, str] | None = None,
    rotated: bool = False,
    status_code: int = 200,
) -> Response:
    endpoints = notification_service.webhooks(session, who, organisation_id)
    language = request_language(request)
    return admin_render(
        request,
        who,
        "admin/webhooks.html",
        {
            "organisation_id": organisation_id,
            "organisations": [(str(i), name) for i, name in _organisation_choices(session, who)]
            if identity_authz.sees_every_organisation(who)
            else [],
            "endpoints": endpoints,
            "event_options": [
                (k, f"{k} — {events.generic_title(e, language)}") for k, e in sorted(events.EVENTS.items())
            ],
            "form": form or af.WEBHOOK.blank(),
            "chooser": chooser or af.WEBHOOK_ORGANISATION.blank({"organisation_id": organisation_id}),
            "created": created,
            "rotated": rotated,
        },
        status_code=status_code,
    )


def _organisation_of(raw: str, who: Subject) -> int:
    org_id = int(raw) if raw.strip().isdigit() else who.organisation_id
    if org_id is None:
        raise NotFound("organisation")
    return org_id


@router.get("/admin/webhooks")
def webhooks_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.WEBHOOKS_WRITE)
    chooser = query_form(request, af.WEBHOOK_ORGANISATION)
    chosen = chooser.text("organisation_id")
    if chosen and not chosen.isdigit():
        chooser.fail("organisation_id", N_("Choose one of the offered values."))
    org_id = _organisation_of(chosen if chooser.ok else "", who)
    if not chosen or not chooser.ok:
        chooser.raw["organisation_id"] = chosen or str(org_id)
    return _webhooks_page(request, session, who, org_id, chooser=chooser, status_code=200 if chooser.ok else 422)


@router.post("/admin/webhooks")
async def create_webhook(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.WEBHOOKS_WRITE)
    data = await request.form()
    raw_org = data.get("organisation_id")
    org_id = _organisation_of(raw_org if isinstance(raw_org, str) else "", who)
    form = af.WEBHOOK.from_data(data)
    form.missing_required()
    url = form.text("url")
    if len(url) > 500:
        form.fail("url", N_("This is too long."))
    endpoint = form.attempt(
        session, lambda: notification_service.create_webhook(session, who, org_id, url, form.chosen("event_types"))
    )
    if endpoint is None:
        return _webhooks_page(request, session, who, org_id, form=form, status_code=422)
    return _webhooks_page(request, session, who, org_id, created=(endpoint.url, endpoint.secret))


@router.post("/admin/webhooks/{webhook_id}/secret")
def rotate_webhook_secret(request: Request, session: Session, who: PageUser, webhook_id: int) -> Response:
    endpoint = notification_service.rotate_webhook_secret(session, who, webhook_id)
    return _webhooks_page(
        request, session, who, endpoint.organisation_id, created=(endpoint.url, endpoint.secret), rotated=True
    )


@router.post("/admin/webhooks/{webhook_id}/delete")
def delete_webhook(
    request: Request,
    session: Session,
    who: PageUser,
    webhook_id: int,
    organisation_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    notification_service.delete_webhook(session, who, webhook_id)
    target = "/admin/webhooks"
    if organisation_id.strip().isdigit():
        target += f"?organisation_id={int(organisation_id)}"
    return redirect(target, flash=tr(request, "The webhook is removed."))
