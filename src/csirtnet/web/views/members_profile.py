"""Pages of one member's profile: its particulars, capabilities, contacts, information systems,
declared products, constituency (claims and delegated parts) and experts. Every form is on the one
form path (declared in member_page_forms) and comes back in place on an error. Mounted by members.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can_manage_organisation
from csirtnet.authz import organisation as organisation_authz
from csirtnet.authz.organisation import profile_visible
from csirtnet.errors import NotFound
from csirtnet.exercise.results import reads as exercise_results
from csirtnet.i18n import N_, translate
from csirtnet.models import Organisation
from csirtnet.models.contact import ContactRole
from csirtnet.models.organisation import OrganisationKind
from csirtnet.organisation import constituency, directory, experts, products, reads, service
from csirtnet.organisation.schemas import (
    ContactCreate,
    ExpertCreate,
    ExpertUpdate,
    OrganisationUpdate,
    ServicesUpdate,
    SystemCreate,
)
from csirtnet.vocabulary import first_services, skills
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views import member_page_forms as mf

router = APIRouter(include_in_schema=False)


def _require_manage(who: Subject, organisation_id: int) -> None:
    """Ask before reading a form: one who may not change this member's data gets no form errors."""
    if not can_manage_organisation(who, organisation_id):
        raise NotFound("organisation")


def saved_redirect(request: Request, url: str, ok: str) -> Response:
    return redirect(url, flash=translate(request_language(request), ok))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def vocab(language: str) -> dict[str, Any]:
    return {
        "areas": first_services.AREAS,
        "services_by_key": first_services.SERVICES,
        "skill_names": {k: v.get(language, k) for k, v in skills.SKILLS.items()},
        "kinds": [k.value for k in OrganisationKind if k != OrganisationKind.COORDINATOR],
        "roles": [r.value for r in ContactRole],
    }


# -- one member's profile ------------------------------------------------------------------------


def _profile_context(session: DbSession, who: Subject, org: Organisation, language: str) -> dict[str, Any]:
    full = profile_visible(session, who, org.id)
    entry = directory.entries(session, who, [org])[0]
    ctx: dict[str, Any] = {
        **vocab(language),
        "org": org,
        "entry": entry,
        "full": full,
        "editable": can_manage_organisation(who, org.id),
        "is_coordinator": organisation_authz.sees_all_members(who),
        "experts": experts.reads(session, who, reads.experts(session, who, organisation_id=org.id)),
        "exercise_results": exercise_results.member_results_rows(session, who, org.id, language),
    }
    if full:
        profile = service.profile(session, who, org.id)
        ctx["contacts"] = profile.contacts
        ctx["systems"] = profile.systems
        ctx["products"] = products.products_of(session, who, org.id)
        ctx["claims"] = reads.claims(session, who, org.id)
        ctx["members"] = reads.other_members(session, org.id)
    return ctx


def _profile_page(
    request: Request,
    session: DbSession,
    who: Subject,
    organisation_id: int,
    *,
    sent: BoundForm | None = None,
    delegating: int | None = None,
    status_code: int = 200,
) -> Response:
    """The profile with each form blank (or as the owner keeps it), the one sent with its errors."""
    org = service.get(session, who, organisation_id)
    language = request_language(request)
    ctx = _profile_context(session, who, org, language)
    given = {sent.form.id: sent} if sent is not None else {}
    profile = {name: getattr(org, name) for name in mf.PROFILE.fields}
    ctx.update(
        {
            "profile_form": given.get(mf.PROFILE.id) or mf.PROFILE.blank(profile),
            "services_form": given.get(mf.SERVICES.id) or mf.SERVICES.blank({"services": ctx["entry"].services}),
            "service_choices": mf.service_choices(language),
            "contact_form": given.get(mf.CONTACT.id) or mf.CONTACT.blank(),
            "system_form": given.get(mf.SYSTEM.id) or mf.SYSTEM.blank(),
            "product_form": given.get(mf.PRODUCT.id) or mf.PRODUCT.blank(),
            "system_choices": [(str(s.id), s.name) for s in ctx.get("systems", [])],
            "claim_form": given.get(mf.CLAIM.id) or mf.CLAIM.blank(),
            "delegating": delegating,
            "delegate_form": given.get(mf.DELEGATE.id) or mf.DELEGATE.blank(),
            "member_choices": [(str(m.id), m.name) for m in ctx.get("members", [])],
            "expert_form": given.get(mf.EXPERT.id) or mf.EXPERT.blank(mf.EXPERT_INITIAL),
            "skill_choices": mf.skill_choices(language),
            "open_form": sent.form.id if sent is not None else request.query_params.get("open"),
        }
    )
    return render(request, "members/profile.html", ctx, status_code=status_code)


@router.get("/members/{organisation_id}")
def profile_page(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    raw = request.query_params.get("delegate") or ""
    return _profile_page(request, session, who, organisation_id, delegating=int(raw) if raw.isdigit() else None)


def _saved(
    request: Request,
    session: DbSession,
    who: Subject,
    organisation_id: int,
    form: BoundForm,
    anchor: str,
    ok: str,
    *,
    delegating: int | None = None,
) -> Response:
    if not form.ok:
        return _profile_page(request, session, who, organisation_id, sent=form, delegating=delegating, status_code=422)
    return saved_redirect(request, f"/members/{organisation_id}#{anchor}", ok)


@router.post("/members/{organisation_id}/profile")
async def profile_submit(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    service.get_managed(session, who, organisation_id)  # ask before reading: no form errors for others
    form = await mf.PROFILE.read(request)
    data = form.validate(OrganisationUpdate)
    if data is not None:
        form.attempt(session, lambda: service.update(session, who, organisation_id, data))
    return _saved(request, session, who, organisation_id, form, "profile", N_("The profile is saved."))


@router.post("/members/{organisation_id}/confirm")
def profile_confirm(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    service.confirm(session, who, organisation_id)
    return saved_redirect(request, f"/members/{organisation_id}", N_("Thank you: the data is confirmed as current."))


@router.post("/members/{organisation_id}/contacts")
async def contact_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    service.get_managed(session, who, organisation_id)
    form = await mf.CONTACT.read(request)
    data = form.validate(ContactCreate)
    if data is not None:
        form.attempt(session, lambda: service.add_contact(session, who, organisation_id, data))
    return _saved(request, session, who, organisation_id, form, "contacts", N_("The contact is added."))


@router.post("/members/{organisation_id}/contacts/{contact_id}/delete")
def contact_remove(
    request: Request, session: Session, who: PageUser, organisation_id: int, contact_id: int
) -> Response:
    service.remove_contact(session, who, organisation_id, contact_id)
    return saved_redirect(request, f"/members/{organisation_id}#contacts", N_("The contact is removed."))


@router.post("/members/{organisation_id}/systems")
async def system_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    service.get_managed(session, who, organisation_id)
    form = await mf.SYSTEM.read(request)
    data = form.validate(SystemCreate)
    if data is not None:
        form.attempt(session, lambda: service.add_system(session, who, organisation_id, data))
    return _saved(request, session, who, organisation_id, form, "systems", N_("The system is added."))


@router.post("/members/{organisation_id}/systems/{system_id}/delete")
def system_remove(request: Request, session: Session, who: PageUser, organisation_id: int, system_id: int) -> Response:
    service.remove_system(session, who, organisation_id, system_id)
    return saved_redirect(request, f"/members/{organisation_id}#systems", N_("The system is removed."))


@router.post("/members/{organisation_id}/products")
async def product_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    service.get_managed(session, who, organisation_id)
    form = await mf.PRODUCT.read(request)
    data = form.validate(products.ProductCreate)
    if data is not None:
        form.attempt(session, lambda: products.add(session, who, organisation_id, data))
    return _saved(request, session, who, organisation_id, form, "products", N_("The product is declared."))


@router.post("/members/{organisation_id}/products/{product_id}/delete")
def product_remove(
    request: Request, session: Session, who: PageUser, organisation_id: int, product_id: int
) -> Response:
    products.remove(session, who, organisation_id, product_id)
    return saved_redirect(request, f"/members/{organisation_id}#products", N_("The product is removed."))


@router.post("/members/{organisation_id}/services")
async def services_set(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    service.get_managed(session, who, organisation_id)
    form = await mf.SERVICES.read(request)
    data = form.validate(ServicesUpdate)
    if "services" in form.errors:  # a key no longer offered (a page older than the vocabulary)
        form.errors["services"] = N_("Choose one of the offered values.")
    if data is not None:
        form.attempt(session, lambda: service.set_services(session, who, organisation_id, data.services))
    return _saved(request, session, who, organisation_id, form, "services", N_("The services are saved."))


@router.post("/members/{organisation_id}/constituency")
async def claim_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    _require_manage(who, organisation_id)
    form = await mf.CLAIM.read(request)
    form.missing_required()
    form.attempt(
        session,
        lambda: constituency.add_claim(session, who, organisation_id, form.text("value"), note=form.optional("note")),
    )
    return _saved(request, session, who, organisation_id, form, "constituency", N_("The claim is added."))


@router.post("/members/{organisation_id}/constituency/{claim_id}/delete")
def claim_remove(request: Request, session: Session, who: PageUser, organisation_id: int, claim_id: int) -> Response:
    constituency.remove_claim(session, who, claim_id)
    return saved_redirect(request, f"/members/{organisation_id}#constituency", N_("The claim is removed."))


@router.post("/members/{organisation_id}/constituency/{claim_id}/delegate")
async def claim_delegate(
    request: Request, session: Session, who: PageUser, organisation_id: int, claim_id: int
) -> Response:
    _require_manage(who, organisation_id)
    form = await mf.DELEGATE.read(request)
    form.missing_required()
    target = form.text("organisation_id")
    if target and not target.isdigit():
        form.fail("organisation_id", N_("Choose one of the offered values."))
    form.attempt(session, lambda: constituency.delegate(session, who, claim_id, form.text("value"), int(target or 0)))
    return _saved(
        request,
        session,
        who,
        organisation_id,
        form,
        "constituency",
        N_("The part is delegated."),
        delegating=claim_id,
    )


@router.post("/members/{organisation_id}/experts")
async def expert_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    _require_manage(who, organisation_id)
    form = await mf.EXPERT.read(request)
    values = form.values()
    level = form.text("level")
    values["skills"] = [{"skill": s, "level": level} for s in form.chosen("skills")]
    values["certifications"] = _split(form.text("certifications"))
    values["languages"] = _split(form.text("languages"))
    values.pop("level")
    if values["max_deployments"] is None:
        values.pop("max_deployments")
    data = form.validate(ExpertCreate, {k: v for k, v in values.items() if v is not None})
    if data is not None:
        form.attempt(session, lambda: experts.create(session, who, organisation_id, data))
    return _saved(request, session, who, organisation_id, form, "experts", N_("The expert is added."))


@router.post("/members/{organisation_id}/experts/{expert_id}/availability")
async def expert_availability(
    request: Request, session: Session, who: PageUser, organisation_id: int, expert_id: int
) -> Response:
    data = await request.form()
    experts.update(session, who, expert_id, ExpertUpdate(available=data.get("available") == "on"))
    return saved_redirect(request, f"/members/{organisation_id}#experts", N_("The expert is updated."))


@router.post("/members/{organisation_id}/experts/{expert_id}/delete")
def expert_remove(request: Request, session: Session, who: PageUser, organisation_id: int, expert_id: int) -> Response:
    reads.expert_of(session, organisation_id, expert_id)
    experts.remove(session, who, expert_id)
    return saved_redirect(request, f"/members/{organisation_id}#experts", N_("The expert is removed."))
