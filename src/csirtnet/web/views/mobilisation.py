"""Pages of mobilisation: the incident's Mobilisation page (support requests, deployed experts, the
form that asks members for experts), a request's page (the explained ranking, the answers, the
accept and decline forms), an organisation's inbox of requests, and the overview with statistics.
They call the same services as the API (csirtnet.mobilisation)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can
from csirtnet.authz import mobilisation as mob_authz
from csirtnet.authz.incident import get_visible
from csirtnet.authz.permissions import Permission
from csirtnet.config import get_settings
from csirtnet.i18n import N_, translate
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
from csirtnet.models import Deployment, Incident, RequestStatus
from csirtnet.vocabulary import first_services, labels, skills
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language, safe_next
from csirtnet.web.views import mobilisation_forms as mf

router = APIRouter(include_in_schema=False)
PAGE = 50
# -- helpers ---------------------------------------------------------------------------------


def _zone(session: DbSession, who: Subject) -> str:
    return identity_reads.own_timezone(session, who) or get_settings().timezone


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


def _say(request: Request, message: str) -> str:
    return translate(request_language(request), message)


def _release_forms(deployments: list[Deployment], back: str, bound: BoundForm | None = None) -> dict[int, BoundForm]:
    """The release (or hours) form of each deployment, the one sent with errors in its place."""
    out = {
        d.id: mf.RELEASE.blank(
            {"hours": "" if d.hours is None else f"{d.hours:g}", "outcome": d.outcome, "next": back}, key=str(d.id)
        )
        for d in deployments
    }
    if bound is not None and bound.key.isdigit() and int(bound.key) in out:
        out[int(bound.key)] = bound
    return out


# -- the incident's Mobilisation page --------------------------------------------------------


def _incident_page(
    request: Request,
    session: DbSession,
    who: Subject,
    incident: Incident,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    language = request_language(request)
    rows = reads.incident_requests(session, who, incident.id, limit=PAGE)
    deployed = reads.incident_deployments(session, who, incident.id)
    requests_by_id = {r.id: r for r in rows}
    back = f"/incidents/{incident.id}/mobilisation"
    form = bound if bound is not None and bound.form is mf.REQUEST else None
    return render(
        request,
        "mobilisation/incident.html",
        {
            **_labels(),
            **_names(language),
            "incident": incident,
            "requests": [reads.to_read(session, who, r) for r in rows],
            "deployments": deployed,
            "org_names": repository.organisation_names(session, [d.organisation_id for d in deployed]),
            "can_release": reads.release_rights(session, who, deployed, requests_by_id),
            "release_forms": _release_forms(deployed, back, bound),
            "may_raise": mob_authz.can_raise_request(session, who, incident),
            "areas": first_services.AREAS,
            "provinces": regions.province_names(),
            "answer_within_choices": [
                (str(h), translate(language, N_("%(count)s hours")).replace("%(count)s", str(h)))
                for h in mf.ANSWER_WITHIN_HOURS
            ],
            "form": form
            or mf.REQUEST.blank(
                {
                    "mode": "remote",
                    "urgency": "normal",
                    "experts_needed": 1,
                    "duration": 3,
                    "duration_unit": "days",
                    "answer_within": 4,
                },
                zone=_zone(session, who),
            ),
            "pick": _pick(language),
            "now": utcnow(),
        },
        status_code=status,
    )


@router.get("/incidents/{incident_id}/mobilisation")
def incident_mobilisation(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return _incident_page(request, session, who, get_visible(session, who, incident_id))


def _request_values(form: BoundForm) -> dict[str, Any]:
    """The request form as `SupportRequestCreate` input: the skills table as a list of needs, the
    duration in hours, the answer deadline from now. What cannot be read is passed on as typed, so
    the schema says what is wrong at its field."""
    needs = [
        {"skill": key, "min_level": int(form.text(mf.skill_field(key)))}
        for key in skills.SKILLS
        if form.text(mf.skill_field(key)) in ("1", "2", "3")
    ]
    duration = form.text("duration")
    hours: int | str = (
        int(duration) * (24 if form.text("duration_unit") == "days" else 1) if duration.isdigit() else duration
    )
    within = form.text("answer_within")
    if within and within not in {str(h) for h in mf.ANSWER_WITHIN_HOURS}:
        form.fail("answer_within", N_("Choose one of the offered values."))
    values = form.values("summary", "mode", "province", "starts_at", "urgency", "experts_needed")
    values = {k: v for k, v in values.items() if v is not None}
    return {
        **values,
        "capabilities": form.chosen("capabilities"),
        "skills": needs,
        "duration_hours": hours,
        "response_deadline": utcnow() + timedelta(hours=int(within) if within.isdigit() else 0),
    }


@router.post("/incidents/{incident_id}/mobilisation/requests")
async def raise_request(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    incident = get_visible(session, who, incident_id, audit_read=False)
    form = await mf.REQUEST.read(request, zone=_zone(session, who))
    data = form.validate(SupportRequestCreate, _request_values(form))
    created = form.attempt(session, lambda: service.raise_request(session, who, incident_id, data)) if data else None
    if created is None:
        return _incident_page(request, session, who, incident, form, 422)
    if created.status == RequestStatus.UNFILLED.value:
        say = _say(request, N_("No member has a suitable expert; the request is unfilled."))
        return redirect(f"/mobilisation/requests/{created.id}", flash=say, kind="error")
    return redirect(
        f"/mobilisation/requests/{created.id}", flash=_say(request, N_("The support request is raised and sent."))
    )


# -- one request -----------------------------------------------------------------------------


_REQUEST_FORMS = {mf.CANCEL.id: "cancel", mf.ACCEPT.id: "accept", mf.DECLINE.id: "decline"}


def _request_page(
    request: Request,
    session: DbSession,
    who: Subject,
    request_id: int,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    req = repository.get_request(session, who, request_id)
    language = request_language(request)
    manages = mob_authz.can_manage_request(session, who, req)
    ranking = reads.matches(session, who, req.id)[1] if manages else []
    target = repository.target_for(session, req.id, who.organisation_id)
    answering = mob_authz.can_answer_now(who, target, req)
    roster = reads.answer_roster(session, who, req) if answering else []
    deployed = reads.request_deployments(session, who, req.id)
    back = f"/mobilisation/requests/{req.id}"
    forms = {"cancel": mf.CANCEL.blank(), "accept": mf.ACCEPT.blank(), "decline": mf.DECLINE.blank()}
    if bound is not None and bound.form.id in _REQUEST_FORMS:
        forms[_REQUEST_FORMS[bound.form.id]] = bound
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
            "release_forms": _release_forms(deployed, back, bound),
            "forms": forms,
            "pick": _pick(language),
        },
        status_code=status,
    )


@router.get("/mobilisation/requests/{request_id}")
def request_page(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    return _request_page(request, session, who, request_id)


@router.post("/mobilisation/requests/{request_id}/accept")
async def accept(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    form = await mf.ACCEPT.read(request)
    body = form.validate(AcceptBody, {"expert_ids": form.chosen("expert_ids"), "note": form.optional("note")})
    if body is not None:
        form.attempt(session, lambda: service.accept(session, who, request_id, body))
    if not form.ok:
        return _request_page(request, session, who, request_id, form, 422)
    return redirect(
        f"/mobilisation/requests/{request_id}", flash=_say(request, N_("Accepted: the experts are deployed."))
    )


@router.post("/mobilisation/requests/{request_id}/decline")
async def decline(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    form = await mf.DECLINE.read(request)
    body = form.validate(DeclineBody, {"reason": form.text("reason")})
    if body is not None:
        form.attempt(session, lambda: service.decline(session, who, request_id, body))
    if not form.ok:
        return _request_page(request, session, who, request_id, form, 422)
    return redirect(
        f"/mobilisation/requests/{request_id}", flash=_say(request, N_("Declined; the requester is told why."))
    )


@router.post("/mobilisation/requests/{request_id}/cancel")
async def cancel(request: Request, session: Session, who: PageUser, request_id: int) -> Response:
    form = await mf.CANCEL.read(request)
    body = form.validate(CancelBody, {"reason": form.text("reason")})
    if body is not None:
        form.attempt(session, lambda: service.cancel(session, who, request_id, body))
    if not form.ok:
        return _request_page(request, session, who, request_id, form, 422)
    return redirect(
        f"/mobilisation/requests/{request_id}", flash=_say(request, N_("The support request is cancelled."))
    )


# -- deployments -----------------------------------------------------------------------------

_INCIDENT_PAGE = re.compile(r"^/incidents/(\d+)/mobilisation$")
_REQUEST_PAGE = re.compile(r"^/mobilisation/requests/(\d+)$")


async def _deployment_form(
    request: Request,
    session: DbSession,
    who: Subject,
    deployment_id: int,
    change: Callable[[ReleaseBody], object],
    ok: str,
) -> Response:
    """Release an expert or record their hours: back to the page the form was on, or that page
    again with the form's errors at the deployment's row."""
    form = await mf.RELEASE.read(request)
    form.key = str(deployment_id)
    back = safe_next(form.text("next")) if form.text("next") else "/mobilisation"
    body = form.validate(
        ReleaseBody, {"hours": form.text("hours").replace(",", ".") or None, "outcome": form.optional("outcome")}
    )
    if body is not None:
        form.attempt(session, lambda: change(body))
    if form.ok:
        return redirect(back, flash=_say(request, ok))
    if match := _INCIDENT_PAGE.match(back):
        return _incident_page(request, session, who, get_visible(session, who, int(match.group(1))), form, 422)
    if match := _REQUEST_PAGE.match(back):
        return _request_page(request, session, who, int(match.group(1)), form, 422)
    return _overview_page(request, session, who, form, 422)


@router.post("/mobilisation/deployments/{deployment_id}/release")
async def release(request: Request, session: Session, who: PageUser, deployment_id: int) -> Response:
    return await _deployment_form(
        request,
        session,
        who,
        deployment_id,
        lambda body: deployment_service.release(session, who, deployment_id, body),
        N_("The expert is released; their access has ended."),
    )


@router.post("/mobilisation/deployments/{deployment_id}/record")
async def record(request: Request, session: Session, who: PageUser, deployment_id: int) -> Response:
    return await _deployment_form(
        request,
        session,
        who,
        deployment_id,
        lambda body: deployment_service.record(session, who, deployment_id, body),
        N_("Hours and outcome are saved."),
    )


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
    return _overview_page(request, session, who)


def _overview_page(
    request: Request, session: DbSession, who: Subject, bound: BoundForm | None = None, status: int = 200
) -> Response:
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
            "release_forms": _release_forms(ours, "/mobilisation", bound),
        },
        status_code=status,
    )
