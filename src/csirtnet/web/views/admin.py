"""Pages: administration — users here; organisations, the audit log, jobs and webhooks in the
modules included below. Closed by `page_user` + CSRF (app.py); each page asks authz as well."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet import i18n
from csirtnet.audit import reads as audit_reads
from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can, require
from csirtnet.authz import identity as identity_authz
from csirtnet.authz.identity import may_act_on_account
from csirtnet.authz.permissions import Permission
from csirtnet.errors import Forbidden
from csirtnet.i18n import N_
from csirtnet.identity import login as login_service
from csirtnet.identity import reads as identity_reads
from csirtnet.identity import service
from csirtnet.identity.schemas import UserCreate, UserUpdate
from csirtnet.models import AuditRecord, User
from csirtnet.vocabulary import labels
from csirtnet.web.forms import FormErrors, attempt, optional_int, parse
from csirtnet.web.render import redirect, request_language
from csirtnet.web.views import admin_organisations, admin_system
from csirtnet.web.views.admin_common import admin_render, admin_tabs, tr

router = APIRouter(include_in_schema=False)
# The other sections live in their own modules, mounted under this (closed) router.
router.include_router(admin_organisations.router)
router.include_router(admin_system.router)

USERS_PER_PAGE = 50


@router.get("/admin")
def admin_home(request: Request, who: PageUser) -> Response:
    tabs = admin_tabs(who)
    if not tabs:
        raise Forbidden("You may not use the administration pages")
    return redirect(tabs[0][0])


# -- users ----------------------------------------------------------------------------------


def _offered_roles(who: Subject) -> list[str]:
    """Roles this subject may hand out, in the vocabulary's order."""
    return [r.value for r in identity_authz.grantable_roles(who)]


def _role_options(who: Subject, language: str) -> list[tuple[str, str]]:
    return [(r, i18n.translate(language, labels.ROLES[r])) for r in _offered_roles(who)]


@router.get("/admin/users")
def users_page(
    request: Request,
    session: Session,
    who: PageUser,
    q: str = "",
    organisation_id: str = "",
    active: str = "",
    cursor: str = "",
) -> Response:
    rows, next_cursor = identity_reads.users_page(
        session,
        who,
        q=q.strip()[:200] or None,
        organisation_id=optional_int(organisation_id),
        active={"1": True, "0": False}.get(active),
        cursor=cursor or None,
        limit=USERS_PER_PAGE,
    )
    organisations = identity_reads.listable_organisations(session, who)
    return admin_render(
        request,
        who,
        "admin/users.html",
        {
            "users": rows,
            "next_cursor": next_cursor,
            "filters": {"q": q, "organisation_id": organisation_id, "active": active},
            "organisations": [(o.id, o.name) for o in organisations],
            "role_labels": labels.ROLES,
            "may_create": can(who, Permission.USERS_WRITE),
            "first_page": not cursor,
        },
    )


def _empty_user_values(organisation_id: int | None) -> dict[str, Any]:
    return {"email": "", "full_name": "", "organisation_id": organisation_id or "", "roles": ["viewer"], "language": ""}


def _new_user_page(
    request: Request,
    session: DbSession,
    who: Subject,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    organisations = identity_reads.assignable_organisations(session, who)
    default_org = who.organisation_id if len(organisations) != 1 else organisations[0].id
    return admin_render(
        request,
        who,
        "admin/user_new.html",
        {
            "values": values
            or {
                "email": "",
                "full_name": "",
                "organisation_id": default_org or "",
                "roles": ["viewer"],
                "language": "",
            },
            "errors": errors or {},
            "organisations": [(o.id, o.name) for o in organisations],
            "role_options": _role_options(who, request_language(request)),
        },
        status_code=status_code,
    )


@router.get("/admin/users/new")
def new_user_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.USERS_WRITE)
    return _new_user_page(request, session, who)


@router.post("/admin/users/new")
def create_user(
    request: Request,
    session: Session,
    who: PageUser,
    email: Annotated[str, Form(max_length=400)] = "",
    full_name: Annotated[str, Form(max_length=500)] = "",
    organisation_id: Annotated[str, Form(max_length=20)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form(max_length=500)] = "",
    language: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    require(who, Permission.USERS_WRITE)
    chosen = [r for r in (roles or []) if r]
    values = {
        "email": email.strip(),
        "full_name": full_name.strip(),
        "organisation_id": organisation_id,
        "roles": chosen,
        "language": language,
    }
    errors: FormErrors = {}
    org_id = optional_int(organisation_id)
    if org_id is None:
        errors["organisation_id"] = N_("Choose an organisation.")
    data = parse(
        UserCreate,
        errors,
        email=values["email"],
        full_name=values["full_name"],
        organisation_id=org_id or 0,
        roles=chosen,
        password=password or None,
        language=language or None,
    )
    if "password" in errors:
        errors["password"] = N_("At least 12 characters.")
    user = None
    if data is not None and not errors:
        user = attempt(session, errors, lambda: service.create_user(session, who, data))
    if user is None:
        return _new_user_page(request, session, who, values=values, errors=errors, status_code=422)
    message = (
        N_("The user is created and can log in with the password you chose.")
        if password
        else N_("The user is created; an invitation email is on its way.")
    )
    return redirect(f"/admin/users/{user.id}", flash=tr(request, message))


def _user_page(
    request: Request,
    session: DbSession,
    who: Subject,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    may_edit = may_act_on_account(who, user)  # authz.identity: no button the rule would refuse
    history: list[AuditRecord] = []
    if can(who, Permission.AUDIT_READ):
        # The page lists action, actor and time only: nothing a redaction hides.
        history = [entry.record for entry in audit_reads.latest_of(session, who, "user_account", str(user.id))]
    return admin_render(
        request,
        who,
        "admin/user_edit.html",
        {
            "subject_user": user,
            "may_edit": may_edit,
            "values": values
            or {
                "email": user.email,
                "full_name": user.full_name,
                "language": user.language or "",
                "roles": sorted(user.roles),
                "is_active": user.is_active,
            },
            "errors": errors or {},
            "role_options": _role_options(who, request_language(request)),
            "role_labels": labels.ROLES,
            "history": history,
        },
        status_code=status_code,
    )


@router.get("/admin/users/{user_id}")
def user_page(request: Request, session: Session, who: PageUser, user_id: int) -> Response:
    require(who, Permission.USERS_READ)
    return _user_page(request, session, who, service.get_user(session, who, user_id))


@router.post("/admin/users/{user_id}")
def update_user(
    request: Request,
    session: Session,
    who: PageUser,
    user_id: int,
    full_name: Annotated[str, Form(max_length=500)] = "",
    language: Annotated[str, Form(max_length=10)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    is_active: Annotated[str, Form(max_length=10)] = "",
    email: Annotated[str | None, Form(max_length=400)] = None,
) -> Response:
    user = service.get_user_to_act_on(session, who, user_id)
    chosen = [r for r in (roles or []) if r]
    email = user.email if email is None else email.strip()  # a form without the field keeps it
    values = {
        "email": email,
        "full_name": full_name.strip(),
        "language": language,
        "roles": chosen,
        "is_active": bool(is_active),
    }
    # Roles this editor may not hand out are kept as they are (they are not on the form).
    new_roles = set(chosen) | (user.roles - set(_offered_roles(who)))
    active = bool(is_active)
    errors: FormErrors = {}
    data = parse(
        UserUpdate,
        errors,
        email=email if email.lower() != user.email else None,
        full_name=values["full_name"],
        language=language or None,
        roles=sorted(new_roles) if new_roles != user.roles else None,
        is_active=active if active != user.is_active else None,
    )
    if data is not None and not errors:
        attempt(session, errors, lambda: service.update_user(session, who, user.id, data))
    if errors:
        return _user_page(request, session, who, user, values=values, errors=errors, status_code=422)
    return redirect(f"/admin/users/{user.id}", flash=tr(request, "The changes are saved."))


@router.post("/admin/users/{user_id}/reset-2fa")
def reset_second_factor(request: Request, session: Session, who: PageUser, user_id: int) -> Response:
    user = service.get_user_to_act_on(session, who, user_id)
    login_service.reset_totp(session, who, user)
    message = tr(request, "The second factor of %(name)s is removed; they set up a new one at their next login.")
    return redirect(f"/admin/users/{user.id}", flash=message % {"name": user.full_name})


@router.post("/admin/users/{user_id}/send-reset")
def send_password_reset(request: Request, session: Session, who: PageUser, user_id: int) -> Response:
    user = service.get_user_to_act_on(session, who, user_id)
    errors: FormErrors = {}
    attempt(session, errors, lambda: login_service.send_password_reset(session, who, user))
    if errors:
        return _user_page(request, session, who, user, errors=errors, status_code=422)
    message = tr(request, "A link to set a new password is on its way to %(email)s.")
    return redirect(f"/admin/users/{user.id}", flash=message % {"email": user.email})
