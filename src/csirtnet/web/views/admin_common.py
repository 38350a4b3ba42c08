"""What every admin page shares: the tab bar of the sections a subject may use, and rendering."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from csirtnet import i18n
from csirtnet.authz import Subject, can
from csirtnet.authz import organisation as organisation_authz
from csirtnet.authz.permissions import Permission
from csirtnet.i18n import N_
from csirtnet.web.forms import BoundForm, Form
from csirtnet.web.render import render, request_language


def admin_tabs(who: Subject) -> list[tuple[str, str]]:
    """The admin sections this subject may use, as (path, English label)."""
    tabs: list[tuple[str, str]] = []
    if can(who, Permission.USERS_READ):
        tabs.append(("/admin/users", N_("Users")))
    if may_admin_organisations(who):
        tabs.append(("/admin/organisations", N_("Organisations")))
    if can(who, Permission.AUDIT_READ):
        tabs.append(("/admin/audit", N_("Audit log")))
    if can(who, Permission.JOBS_READ):
        tabs.append(("/admin/jobs", N_("Background jobs")))
    if can(who, Permission.WEBHOOKS_WRITE):
        tabs.append(("/admin/webhooks", N_("Webhooks")))
    return tabs


def may_admin_organisations(who: Subject) -> bool:
    return organisation_authz.can_administer_organisations(who)


def admin_render(
    request: Request, who: Subject, template: str, ctx: dict[str, Any], *, status_code: int = 200
) -> Response:
    return render(request, template, {"admin_tabs": admin_tabs(who), **ctx}, status_code=status_code)


def tr(request: Request, message: str) -> str:
    return i18n.translate(request_language(request), message)


def query_form(request: Request, form: Form) -> BoundForm:
    """A filter form (method GET) as the address gives it."""
    return form.from_data(FormData(list(request.query_params.multi_items())))
