"""The regulatory deadline profiles: read by everyone, their rules edited by platform admins (the
rule form on the one form path)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can, require
from csirtnet.authz.permissions import Permission
from csirtnet.i18n import N_, translate
from csirtnet.incident import deadlines
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents import page_forms as pf
from csirtnet.web.views.incidents.common import common

router = APIRouter(include_in_schema=False)
URL = "/incidents/deadline-profiles"


def _page(
    request: Request, session: DbSession, who: Subject, form: BoundForm | None = None, status_code: int = 200
) -> Response:
    require(who, Permission.INCIDENTS_READ)
    profiles = deadlines.profiles(session, active_only=False)
    lang = request_language(request)
    return render(
        request,
        "incidents/profiles.html",
        {
            **common(request),
            "profiles": profiles,
            "can_edit": can(who, Permission.INCIDENTS_ADMIN),
            "anchors": deadlines.ANCHORS,
            "form": form or pf.DEADLINE_RULE.blank({"satisfied_by": "manual", "remind_before_minutes": 0}),
            "profile_choices": [(p.key, p.name_vi if lang == "vi" else p.name_en) for p in profiles],
        },
        status_code=status_code,
    )


@router.get(URL)
def profiles_page(request: Request, session: Session, who: PageUser) -> Response:
    return _page(request, session, who)


def _number(form: BoundForm, name: str) -> int | None:
    raw = form.text(name)
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        form.fail(name, N_("Enter a whole number."))
        return None
    return int(raw)


@router.post(f"{URL}/rules")
async def save_rule(request: Request, session: Session, who: PageUser) -> Response:
    form = await pf.DEADLINE_RULE.read(request)
    form.missing_required()
    data = deadlines.RuleInput(
        key=form.text("key"),
        label_vi=form.text("label_vi"),
        label_en=form.text("label_en"),
        anchor=form.text("anchor"),
        offset_minutes=_number(form, "offset_minutes"),
        condition=form.optional("condition"),
        satisfied_by=form.text("satisfied_by") or "manual",
        remind_before_minutes=_number(form, "remind_before_minutes") or 0,
    )
    form.attempt(session, lambda: deadlines.save_rule(session, who, form.text("profile"), data))
    if not form.ok:
        return _page(request, session, who, form, status_code=422)
    message = translate(request_language(request), N_("Rule saved; open incidents on this profile were recomputed."))
    return redirect(URL, flash=message)


@router.post(URL + "/{profile_key}/default")
def make_default(request: Request, session: Session, who: PageUser, profile_key: str) -> Response:
    form = pf.DEADLINE_RULE.blank()
    form.attempt(session, lambda: deadlines.set_profile_state(session, who, profile_key, is_default=True))
    if not form.ok:
        return _page(request, session, who, form, status_code=422)
    return redirect(URL, flash=translate(request_language(request), N_("Default profile changed.")))
