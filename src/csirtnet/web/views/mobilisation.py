"""Pages of mobilisation: the incident's Mobilisation page (support requests, deployed experts, the
form that asks members for experts), a request's page (the explained ranking, the answers, the
accept and decline forms), an organisation's inbox of requests, and the overview with statistics.
They call the same services as the API (csirtnet.mobilisation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can
from csirtnet.authz import mobilisation as mob_authz
from csirtnet.authz.incident import get_visible
from csirtnet.authz.permissions import Permission
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.identity import reads as identity_reads
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import deployments as deployment_service
from csirtnet.mobilisation import reads, regions, repository, service, statistics
from csirtnet.mobilisation.matching import Text
from csirtnet.mobilisation.schemas import (
    AcceptBody,
    CancelBody,
    DeclineBody,
    ReleaseBody,
    SupportRequestCreate,
)
from csirtnet.models import (
    Incident,
    RequestStatus,
)
from csirtnet.vocabulary import first_services, labels, skills
from csirtnet.web import forms
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
PAGE = 50
ANSWER_WITHIN_HOURS = (1, 2, 4, 8, 12, 24, 48, 72)
# -- helpers ---------------------------------------------------------------------------------


def _zone(session: DbSession, who: Subject) -> ZoneInfo:
    return ZoneInfo(identity_reads.own_timezone(session, who) or "Asia/Ho_Chi_Minh")


def _labels() -> dict[str, Any]:
    return {
        "urgency_labels": labels.URGENCIES,
        "mode_labels": labels.MODES,
        "request_status_labels": labels.REQUEST_STATUSES,
        "target_status_labels": labels.TARGET_STATUSES,
        "deployment_status_labels": labels.DEPLOYMENT_STATUSES,
        "level_labels": labels.SKILL_LEVELS,
    }


def _pick(language: str) -> Callable[[Any], str]:
    """The reader's language of a bilingual text (matching's Text, or a stored {vi, en})."""

    def pick(value: Any) -> str:
        if isinstance(value, Text):
            return value.get(language)
        if isinstance(value, dict):
            return str(value.get(language) or value.get("en") or "")
        return str(getattr(value, language, None) or getattr(value, "en", ""))

    return pick


def _names(language: str) -> dict[str, Any]:
    return {
        "skill_names": {k: skills.name(k, language) for k in skills.SKILLS},
        "service_name": lambda key: first_services.name(key, language),
    }


def _error_flash(request: Request, errors: forms.FormErrors) -> str:
    language = request_language(request)
    say = translate_message
    parts = [
        say(language, message) if field == forms.GENERAL else f"{say(language, field)}: {say(language, message)}"
        for field, message in errors.items()
    ]
    return translate(language, "Not saved") + ": " + "; ".join(parts)


def _done(request: Request, url: str, errors: forms.FormErrors, ok: str) -> Response:
    if errors:
        return redirect(url, flash=_error_flash(request, errors), kind="error")
    return redirect(url, flash=translate(request_language(request), ok))


# -- the incident's Mobilisation page --------------------------------------------------------


def _incident_context(session: DbSession, who: Subject, incident: Incident, language: str) -> dict[str, Any]:
    rows = reads.incident_requests(session, who, incident.id, limit=PAGE)
    deployed = reads.incident_deployments(session, who, incident.id)
    requests_by_id = {r.id: r for r in rows}
    return {
        **_labels(),
        **_names(language),
        "incident": incident,
        "requests": [reads.to_read(session, who, r) for r in rows],
        "deployments": deployed,
        "org_names": repository.organisation_names(session, [d.organisation_id for d in deployed]),
        "can_release": reads.release_rights(session, who, deployed, requests_by_id),
        "may_raise": mob_authz.can_raise_request(session, who, incident),
        "areas": first_services.AREAS,
        "provinces": regions.province_names(),
        "urgency_options": [(k, translate(language, v)) for k, v in labels.URGENCIES.items()],
        "answer_within_options": [
            (h, translate(language, N_("%(count)s hours")).replace("%(count)s", str(h))) for h in ANSWER_WITHIN_HOURS
        ],
        "pick": _pick(language),
        "now": utcnow(),
    }


@router.get("/incidents/{incident_id}/mobilisation")
def incident_mobilisation(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    incident = get_visible(session, who, incident_id)
    language = request_language(request)
    return render(
        request,
        "mobilisation/incident.html",
        {**_incident_context(session, who, incident, language), "errors": {}, "values": _default_values()},
    )


def _default_values() -> dict[str, Any]:
    return {
        "mode": "remote",
        "urgency": "normal",
        "experts_needed": 1,
        "duration": 3,
        "duration_unit": "days",
        "answer_within": 4,
        "skill_levels": {},
        "capabilities": [],
    }


def _request_values(form: FormData) -> dict[str, Any]:
    return {
        "summary": forms.text(form, "summary") or "",
        "mode": forms.text(form, "mode") or "remote",
        "province": forms.text(form, "province") or "",
        "starts_at": forms.text(form, "starts_at") or "",
        "duration": forms.text(form, "duration") or "",
        "duration_unit": forms.text(form, "duration_unit") or "days",
        "urgency": forms.text(form, "urgency") or "normal",
        "experts_needed": forms.text(form, "experts_needed") or "",
        "answer_within": forms.text(form, "answer_within") or "",
        "skill_levels": {k: forms.text(form, f"skill__{k}") or "" for k in skills.SKILLS},
        "capabilities": [str(v) for v in form.getlist("capabilities")],
    }


def _request_body(values: dict[str, Any], zone: ZoneInfo, errors: forms.FormErrors) -> SupportRequestCreate | None:
    starts_at: datetime | None = None
    if values["starts_at"]:
        try:
            starts_at = datetime.fromisoformat(values["starts_at"]).replace(tzinfo=zone)
        except ValueError:
            errors["starts_at"] = N_("Enter a date and time.")
    duration = forms.optional_int(values["duration"])
    if duration is None:
        errors["duration_hours"] = N_("Enter a whole number.")
    hours_within = forms.optional_int(values["answer_within"])
    if hours_within not in ANSWER_WITHIN_HOURS:
        errors["response_deadline"] = N_("Choose one of the offered values.")
    needs = [
        {"skill": key, "min_level": int(level)}
        for key, level in values["skill_levels"].items()
        if level in ("1", "2", "3")
    ]
    data = forms.parse(
        SupportRequestCreate,
        errors,
        summary=values["summary"],
        capabilities=values["capabilities"],
        skills=needs,
        mode=values["mode"],
        province=values["province"] or None,
        starts_at=starts_at,
        duration_hours=(duration or 0) * (24 if values["duration_unit"] == "days" else 1),
        urgency=values["urgency"],
        experts_needed=forms.optional_int(values["experts_needed"]),
        response_deadline=utcnow() + timedelta(hours=hours_within or 0),
    )
    return None if errors else data


@router.post("/incidents/{incident_id}/mobilisation/requests")
async def raise_request(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    incident = get_visible(session, who, incident_id, audit_read=False)
    values = _request_values(await request.form())
    errors: forms.FormErrors = {}
    body = _request_body(values, _zone(session, who), errors)
    created = (
        forms.attempt(session, errors, lambda: service.raise_request(session, who, incident_id, body))
        if body is not None
        else None
    )
    if created is None:
        language = request_language(request)
        context = _incident_context(session, who, incident, language)
        return render(
            request, "mobilisation/incident.html", {**context, "errors": errors, "values": values}, status_code=422
        )
    say = translate(request_language(request), N_("The support request is raised and sent."))
    if created.status == RequestStatus.UNFILLED.value:
        say = translate(request_language(request), N_("No member has a suitable expert; the request is unfilled."))
        return redirect(f"/mobilisation/requests/{created.id}", flash=say, kind="error")
    return redirect(f"/mobilisation/requests/{created.id}", flash=say)


# -- one request -----------------------------------------------------------------------------


@router.get("/mobilisation/requests/{request_id}")
def request_page(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    req = repository.get_request(session, who, request_id)
    language = request_language(request)
    manages = mob_authz.can_manage_request(session, who, req)
    ranking = reads.matches(session, who, req.id)[1] if manages else []
    target = repository.target_for(session, req.id, who.organisation_id)
    answering = mob_authz.can_answer_now(who, target, req)
    roster = reads.answer_roster(session, who, req) if answering else []
    deployed = reads.request_deployments(session, who, req.id)
    return render(
        request,
        "mobilisation/request.html",
        {
            **_labels(),
            **_names(language),
            "req": reads.to_read(session, who, req),
            "manages": manages,
            "ranking": ranking,
            "target": target,
            "answering": answering,
            "roster": roster,
            "remaining": req.experts_needed - repository.accepted_count(session, req.id),
            "deployments": deployed,
            "org_names": repository.organisation_names(session, [d.organisation_id for d in deployed]),
            "can_release": reads.release_rights(session, who, deployed, {req.id: req}),
            "pick": _pick(language),
        },
    )


@router.post("/mobilisation/requests/{request_id}/accept")
async def accept(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    form = await request.form()
    errors: forms.FormErrors = {}
    ids = [forms.optional_int(str(v)) for v in form.getlist("expert_ids")]
    body = forms.parse(AcceptBody, errors, expert_ids=[i for i in ids if i is not None], note=forms.text(form, "note"))
    if body is not None:
        forms.attempt(session, errors, lambda: service.accept(session, who, request_id, body))
    return _done(request, f"/mobilisation/requests/{request_id}", errors, N_("Accepted: the experts are deployed."))


@router.post("/mobilisation/requests/{request_id}/decline")
async def decline(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    form = await request.form()
    errors: forms.FormErrors = {}
    body = forms.parse(DeclineBody, errors, reason=forms.text(form, "reason") or "")
    if body is not None:
        forms.attempt(session, errors, lambda: service.decline(session, who, request_id, body))
    return _done(request, f"/mobilisation/requests/{request_id}", errors, N_("Declined; the requester is told why."))


@router.post("/mobilisation/requests/{request_id}/cancel")
async def cancel(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    form = await request.form()
    errors: forms.FormErrors = {}
    body = forms.parse(CancelBody, errors, reason=forms.text(form, "reason") or "")
    if body is not None:
        forms.attempt(session, errors, lambda: service.cancel(session, who, request_id, body))
    return _done(request, f"/mobilisation/requests/{request_id}", errors, N_("The support request is cancelled."))


# -- deployments -----------------------------------------------------------------------------


def _release_body(form: FormData, errors: forms.FormErrors) -> ReleaseBody | None:
    raw = (forms.text(form, "hours") or "").replace(",", ".")
    hours: float | None = None
    if raw:
        try:
            hours = float(raw)
        except ValueError:
            errors["hours"] = N_("Enter a number.")
            return None
    return forms.parse(ReleaseBody, errors, hours=hours, outcome=forms.text(form, "outcome"))


def _back(form: FormData, fallback: str) -> str:
    from csirtnet.web.render import safe_next

    target = forms.text(form, "next")
    return safe_next(target) if target else fallback


@router.post("/mobilisation/deployments/{deployment_id}/release")
async def release(request: Request, session: Session, who: PageUser, deployment_id: int) -> Response:
    form = await request.form()
    errors: forms.FormErrors = {}
    body = _release_body(form, errors)
    if body is not None:
        forms.attempt(session, errors, lambda: deployment_service.release(session, who, deployment_id, body))
    return _done(request, _back(form, "/mobilisation"), errors, N_("The expert is released; their access has ended."))


@router.post("/mobilisation/deployments/{deployment_id}/record")
async def record(request: Request, session: Session, who: PageUser, deployment_id: int) -> Response:
    form = await request.form()
    errors: forms.FormErrors = {}
    body = _release_body(form, errors)
    if body is not None:
        forms.attempt(session, errors, lambda: deployment_service.record(session, who, deployment_id, body))
    return _done(request, _back(form, "/mobilisation"), errors, N_("Hours and outcome are saved."))


# -- the inbox and the overview --------------------------------------------------------------


@router.get("/mobilisation/requests")
def inbox(request: Request, session: Session, who: PageUser) -> Response:
    status = request.query_params.get("status") or None
    if status is not None and status not in labels.TARGET_STATUSES:
        status = None
    rows, next_cursor = reads.inbox_page(
        session, who, status=status, cursor=request.query_params.get("cursor"), limit=PAGE
    )
    answers = {r.id: repository.target_for(session, r.id, who.organisation_id) for r in rows}
    managed = reads.open_requests_managed(session, who, limit=PAGE)
    language = request_language(request)
    return render(
        request,
        "mobilisation/inbox.html",
        {
            **_labels(),
            **_names(language),
            "rows": [reads.to_read(session, who, r) for r in rows],
            "answers": answers,
            "managed": [reads.to_read(session, who, r) for r in managed],
            "status": status,
            "next_cursor": next_cursor,
            "can_respond": can(who, Permission.MOBILISATION_RESPOND),
        },
    )


@router.get("/mobilisation")
def overview(request: Request, session: Session, who: PageUser) -> Response:
    mine = reads.my_deployments(session, who, limit=PAGE)
    ours = reads.organisation_deployments(session, who, limit=PAGE)
    pending = reads.pending_answers(session, who)
    today = utcnow().date()
    asked = request.query_params.get("year") or ""
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else today.year
    figures = statistics.figures(session, who, date(year, 1, 1), date(year, 12, 31), "month")
    incident_ids = {d.incident_id for d in [*mine, *ours]}
    language = request_language(request)
    return render(
        request,
        "mobilisation/index.html",
        {
            **_labels(),
            **_names(language),
            "mine": mine,
            "ours": ours,
            "pending": pending,
            "figures": figures,
            "year": year,
            "peak": max([b.experts_mobilised for b in figures.buckets] + [1]),
            "references": repository.incident_references(session, incident_ids),
            "org_names": repository.organisation_names(session, [d.organisation_id for d in ours]),
            "can_release": reads.release_rights(session, who, ours),
        },
    )
