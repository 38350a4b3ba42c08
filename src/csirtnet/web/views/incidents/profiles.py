"""The regulatory deadline profiles: read by everyone, edited by platform admins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import can, require
from csirtnet.authz.permissions import Permission
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.incident import deadlines
from csirtnet.web import incident_forms as forms
from csirtnet.web.render import redirect, render
from csirtnet.web.views.incidents.common import attempt, common, fail, tr

router = APIRouter(include_in_schema=False)


@router.get("/incidents/deadline-profiles")
def profiles_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.INCIDENTS_READ)
    return render(
        request,
        "incidents/profiles.html",
        {
            **common(request),
            "profiles": deadlines.profiles(session, active_only=False),
            "can_edit": can(who, Permission.INCIDENTS_ADMIN),
            "anchors": deadlines.ANCHORS,
            "conditions": deadlines.CONDITIONS,
            "satisfied": deadlines.SATISFIED_BY,
        },
    )


@router.post("/incidents/deadline-profiles/{profile_key}/rules")
async def save_rule(request: Request, session: Session, who: PageUser, profile_key: str) -> Response:
    form = await request.form()

    def number(name: str) -> int | None:
        raw = forms.text(form, name)
        return int(raw) if raw and raw.lstrip("-").isdigit() else None

    data = deadlines.RuleInput(
        key=forms.text(form, "key") or "",
        label_vi=forms.text(form, "label_vi") or "",
        label_en=forms.text(form, "label_en") or "",
        anchor=forms.text(form, "anchor") or "",
        offset_minutes=number("offset_minutes"),
        condition=forms.text(form, "condition"),
        satisfied_by=forms.text(form, "satisfied_by") or "manual",
        remind_before_minutes=number("remind_before_minutes") or 0,
    )
    url = "/incidents/deadline-profiles"
    try:
        attempt(session, lambda: deadlines.save_rule(session, who, profile_key, data))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return fail(request, url, exc)
    return redirect(url, flash=tr(request)("Rule saved; open incidents on this profile were recomputed."))


@router.post("/incidents/deadline-profiles/{profile_key}/default")
def make_default(request: Request, session: Session, who: PageUser, profile_key: str) -> Response:
    url = "/incidents/deadline-profiles"
    try:
        attempt(session, lambda: deadlines.set_profile_state(session, who, profile_key, is_default=True))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return fail(request, url, exc)
    return redirect(url, flash=tr(request)("Default profile changed."))
