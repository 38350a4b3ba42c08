"""Pages: administration — users here; organisations, the audit log, jobs and webhooks in the
modules included below. Closed by `page_user` + CSRF (app.py); each page asks authz as well."""

from __future__ import annotations

from fastapi import APIRouter, Request
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
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, request_language
from csirtnet.web.views import admin_forms as af
from csirtnet.web.views import admin_organisations, admin_system
from csirtnet.web.views.admin_common import admin_render, admin_tabs, query_form, tr

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
def users_page(request: Request, session: Session, who: PageUser, cursor: str = "") -> Response:
    require(who, Permission.USERS_READ)  # asked first: filters are checked only for those who may list
    form = query_form(request, af.USER_FILTERS)
    q = form.text("q")
    if len(q) > 200:
        form.fail("q", N_("This is too long."))
    organisation_id = form.text("organisation_id")
    if organisation_id and not organisation_id.isdigit():
        form.fail("organisation_id", N_("Choose one of the offered values."))
    active = form.text("active")
    if active not in ("", "0", "1"):
        form.fail("active", N_("Choose one of the offered values."))
    rows: list[User] = []
    next_cursor = None
    if form.ok:
        rows, next_cursor = identity_reads.users_page(
            session,
            who,
            q=q or None,
            organisation_id=int(organisation_id) if organisation_id else None,
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
            "form": form,
            "filters": {"q": q, "organisation_id": organisation_id, "active": active},
            "organisations": [(str(o.id), o.name) for o in organisations],
            "role_labels": labels.ROLES,
            "may_create": can(who, Permission.USERS_WRITE),
            "first_page": not cursor,
        },
        status_code=200 if form.ok else 422,
    )


def _new_user_page(
    request: Request,
    session: DbSession,
    who: Subject,
    *,
    form: BoundForm | None = None,
    status_code: int = 200,
) -> Response:
    organisations = identity_reads.assignable_organisations(session, who)
    if form is None:
        default_org = who.organisation_id if len(organisations) != 1 else organisations[0].id
        form = af.USER_NEW.blank({"organisation_id": default_org or "", "roles": ["viewer"]})
    return admin_render(
        request,
        who,
        "admin/user_new.html",
        {
            "form": form,
            "organisations": [(str(o.id), o.name) for o in organisations],
            "role_options": _role_options(who, request_language(request)),
        },
        status_code=status_code,
    )


@router.get("/admin/users/new")
def new_user_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.USERS_WRITE)
    return _new_user_page(request, session, who)


@router.post("/admin/users/new")
async def create_user(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.USERS_WRITE)
    form = await af.USER_NEW.read(request)
    values = form.values()
    organisation_id = form.text("organisation_id")
    if not organisation_id:
        form.fail("organisation_id", N_("Choose an organisation."))
    elif not organisation_id.isdigit():
        form.fail("organisation_id", N_("Choose one of the offered values."))
    values["organisation_id"] = organisation_id if organisation_id.isdigit() else None
    data = form.validate(UserCreate, {k: v for k, v in values.items() if v is not None})
    if "password" in form.errors:
        form.errors["password"] = N_("At least 12 characters.")
    user = form.attempt(session, lambda: service.create_user(session, who, data)) if data is not None else None
    if user is None:
        return _new_user_page(request, session, who, form=form, status_code=422)
    message = (
        N_("The user is created and can log in with the password you chose.")
        if values.get("password")
        else N_("The user is created; an invitation email is on its way.")
    )
    return redirect(f"/admin/users/{user.id}", flash=tr(request, message))


def _user_page_form(user: User) -> BoundForm:
    """The edit form as the account stands (a button's refusal is shown in its summary)."""
    return af.USER_EDIT.blank(
        {
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language or "",
            "roles": sorted(user.roles),
            "is_active": user.is_active,
        }
    )


def _user_page(
    request: Request,
    session: DbSession,
    who: Subject,
    user: User,
    *,
    form: BoundForm | None = None,
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
            "form": form or _user_page_form(user),
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
async def update_user(request: Request, session: Session, who: PageUser, user_id: int) -> Response:
    user = service.get_user_to_act_on(session, who, user_id)
    data = await request.form()
    form = af.USER_EDIT.from_data(data)
    if "email" not in data:  # a form without the field keeps the address
        form.raw["email"] = user.email
    email = form.text("email")
    # Roles this editor may not hand out are kept as they are (they are not on the form).
    new_roles = set(form.chosen("roles")) | (user.roles - set(_offered_roles(who)))
    active = form.checked("is_active")
    changes = form.validate(
        UserUpdate,
        {
            "email": email if email and email.lower() != user.email else None,
            "full_name": form.text("full_name") or None,
            "language": form.optional("language"),
            "roles": sorted(new_roles) if new_roles != user.roles else None,
            "is_active": active if active != user.is_active else None,
        },
    )
    if changes is not None:
        form.attempt(session, lambda: service.update_user(session, who, user.id, changes))
    if not form.ok:
        return _user_page(request, session, who, user, form=form, status_code=422)
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
    form = _user_page_form(user)
    form.attempt(session, lambda: login_service.send_password_reset(session, who, user))
    if not form.ok:
        return _user_page(request, session, who, user, form=form, status_code=422)
    message = tr(request, "A link to set a new password is on its way to %(email)s.")
    return redirect(f"/admin/users/{user.id}", flash=message % {"email": user.email})
