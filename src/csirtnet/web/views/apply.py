"""The public membership application: the form at /apply and the applicant's tracking page.

Public on purpose (app.py PUBLIC_MODULES): organisations and individual experts apply without an
account. Every form is CSRF-protected (double-submit cookie), submissions are throttled per
client address (every submission counts, a refused one too: application.count_submission), and
the tracking page is reachable only with the secret token from the link the applicant was given
(the database keeps its hash). Both forms are on the one form path (csirtnet.web.forms): an error
brings the page back with every error at its field, in one round.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from csirtnet import i18n
from csirtnet.auth.deps import AnySubject, Session
from csirtnet.errors import ErrorList, TooManyRequests
from csirtnet.i18n import N_, translate
from csirtnet.models import MembershipApplication
from csirtnet.models.application import ApplicantKind, ApplicationStatus
from csirtnet.models.contact import ContactRole
from csirtnet.models.organisation import OrganisationKind
from csirtnet.organisation import application, documents
from csirtnet.organisation.schemas import PARTICULARS
from csirtnet.vocabulary import first_services, labels, skills
from csirtnet.web.forms import GENERAL, BoundForm, Field, Form
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)

ROWS = 3  # system and expert rows on the form
CONTACT_ROLES = (ContactRole.INFOSEC_LEADER, ContactRole.INCIDENT_24X7, ContactRole.FOCAL_POINT)
_FOR_ORGANISATIONS = N_("Required when an organisation applies.")
_DOCUMENT_TYPES = {"accept": ".pdf,.doc,.docx,.odt,.png,.jpg,.jpeg,.zip", "multiple": "multiple"}

# Each row's labels name the row, so that the summary says which one is wrong.
_CONTACT_LABELS = {
    ContactRole.INFOSEC_LEADER: (
        N_("Information-security leader: full name"),
        N_("Information-security leader: position"),
        N_("Information-security leader: email"),
        N_("Information-security leader: phone"),
    ),
    ContactRole.INCIDENT_24X7: (
        N_("24/7 incident contact: full name"),
        N_("24/7 incident contact: position"),
        N_("24/7 incident contact: email"),
        N_("24/7 incident contact: phone"),
    ),
    ContactRole.FOCAL_POINT: (
        N_("Focal point: full name"),
        N_("Focal point: position"),
        N_("Focal point: email"),
        N_("Focal point: phone"),
    ),
}
_SYSTEM_LABELS = (
    (N_("System 1: name"), N_("System 1: security level"), N_("System 1: on the national list")),
    (N_("System 2: name"), N_("System 2: security level"), N_("System 2: on the national list")),
    (N_("System 3: name"), N_("System 3: security level"), N_("System 3: on the national list")),
)
_EXPERT_LABELS = (
    (N_("Expert 1: full name"), N_("Expert 1: email"), N_("Expert 1: skills"), N_("Expert 1: certifications")),
    (N_("Expert 2: full name"), N_("Expert 2: email"), N_("Expert 2: skills"), N_("Expert 2: certifications")),
    (N_("Expert 3: full name"), N_("Expert 3: email"), N_("Expert 3: skills"), N_("Expert 3: certifications")),
)
_LEVELS = tuple((str(n), str(n)) for n in range(1, 6))
_CERTIFICATIONS_HELP = N_("Separate several with commas.")


def _contact_fields(role: ContactRole) -> list[Field]:
    name, position, email, phone = _CONTACT_LABELS[role]
    prefix = f"c_{role.value}_"
    return [
        Field(prefix + "full_name", name, help=_FOR_ORGANISATIONS, attrs={"maxlength": "200"}),
        Field(prefix + "position", position, attrs={"maxlength": "200"}),
        Field(prefix + "email", email, kind="email", attrs={"maxlength": "320"}),
        Field(
            prefix + "phone",
            phone,
            kind="tel",
            help=N_("A phone number or an email is required.") if role == ContactRole.INCIDENT_24X7 else None,
            attrs={"maxlength": "40"},
        ),
    ]


APPLY = Form(
    "apply",
    [
        Field("language", N_("Language"), kind="hidden"),
        Field(
            "applicant_kind",
            N_("Who is applying"),
            kind="select",
            widget="radios",
            choices=(
                (ApplicantKind.ORGANISATION.value, N_("An organisation")),
                (ApplicantKind.INDIVIDUAL.value, N_("An individual expert")),
            ),
        ),
        Field(
            "applicant_name", N_("Your full name"), required=True, attrs={"maxlength": "200", "autocomplete": "name"}
        ),
        Field(
            "applicant_email",
            N_("Your email"),
            kind="email",
            required=True,
            help=N_(
                "The tracking link and the decision are sent here; if approved, this becomes the first admin account."
            ),
            attrs={"maxlength": "320", "autocomplete": "email"},
        ),
        Field("applicant_phone", N_("Your phone"), kind="tel", attrs={"maxlength": "40", "autocomplete": "tel"}),
        Field(
            "organisation_name",
            N_("Official name (or your name, for an individual expert)"),
            required=True,
            attrs={"maxlength": "300"},
        ),
        Field("organisation_name_en", N_("Name in English"), attrs={"maxlength": "300"}),
        Field("short_name", N_("Short name"), attrs={"maxlength": "60"}),
        Field(
            "kind",
            N_("Type"),
            kind="select",
            choices=tuple(
                (k.value, labels.ORGANISATION_KINDS[k.value])
                for k in OrganisationKind
                if k not in (OrganisationKind.COORDINATOR, OrganisationKind.EXPERT)
            ),
        ),
        Field("sector", N_("Sector"), attrs={"maxlength": "80"}),
        Field("province", N_("Province or city"), attrs={"maxlength": "80"}),
        Field(
            "owner_agency",
            N_("Owner agency"),
            help=N_("The ministry, province or group the organisation answers to."),
            attrs={"maxlength": "300"},
        ),
        Field("address", N_("Address"), attrs={"maxlength": "500"}),
        Field(
            "website", N_("Website"), kind="url", help=N_("For example https://example.vn"), attrs={"maxlength": "300"}
        ),
        Field(
            "incident_email",
            N_("Public incident-reception email"),
            kind="email",
            help=N_("An organisation gives this email or the phone below."),
            attrs={"maxlength": "320"},
        ),
        Field("incident_phone", N_("Public incident-reception phone"), kind="tel", attrs={"maxlength": "40"}),
        *(f for role in CONTACT_ROLES for f in _contact_fields(role)),
        Field("capability_description", N_("Capability description"), kind="textarea", attrs={"maxlength": "10000"}),
        Field("staff_count", N_("Information-security staff"), kind="number", attrs={"min": "0"}),
        Field("services", N_("Services offered"), kind="multiselect", widget="checkboxes"),
        *(
            f
            for i, (name, level, national) in enumerate(_SYSTEM_LABELS)
            for f in (
                Field(f"s{i}_name", name, attrs={"maxlength": "300"}),
                Field(f"s{i}_level", level, kind="select", choices=_LEVELS, blank="—"),
                Field(f"s{i}_national", national, kind="checkbox"),
            )
        ),
        *(
            f
            for i, (name, email, skill, certs) in enumerate(_EXPERT_LABELS)
            for f in (
                Field(f"e{i}_full_name", name, attrs={"maxlength": "200"}),
                Field(f"e{i}_email", email, kind="email", attrs={"maxlength": "320"}),
                Field(f"e{i}_skills", skill, kind="multiselect"),
                Field(f"e{i}_certifications", certs, help=_CERTIFICATIONS_HELP),
            )
        ),
        Field("documents", N_("Documents (PDF, DOC, DOCX, ODT, PNG, JPG or ZIP)"), kind="file", attrs=_DOCUMENT_TYPES),
    ],
    # The dossier checks name a contact by its role, whichever row of the list it is in.
    locations={
        **{f"contacts.{role.value}.full_name": f"c_{role.value}_full_name" for role in CONTACT_ROLES},
        **{f"contacts.{role.value}.phone": f"c_{role.value}_phone" for role in CONTACT_ROLES},
    },
)
ANSWER = Form(
    "apply-answer",
    [
        Field("body", N_("Your answer or message"), kind="textarea", required=True, attrs={"maxlength": "10000"}),
        Field("documents", N_("More documents (optional)"), kind="file", attrs=_DOCUMENT_TYPES),
    ],
)


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _keep_language(request: Request, form: BoundForm) -> str:
    """The error page speaks the language the form was shown in."""
    if form.text("language") in i18n.LANGUAGES:
        request.state.language = form.text("language")
    return request_language(request)


def _form_page(request: Request, form: BoundForm, status_code: int = 200) -> Response:
    language = request_language(request)
    return render(
        request,
        "apply/form.html",
        {
            "form": form,
            "areas": first_services.AREAS,
            "skills": [
                (key, names.get(language, key))
                for key, names in sorted(skills.SKILLS.items(), key=lambda kv: kv[1].get(language, kv[0]))
            ],
            "contact_roles": CONTACT_ROLES,
            "rows": range(ROWS),
        },
        status_code=status_code,
    )


@router.get("/apply")
def apply_page(request: Request, who: AnySubject) -> Response:
    blank = APPLY.blank(
        {
            "language": request_language(request),
            "applicant_kind": ApplicantKind.ORGANISATION.value,
            "kind": OrganisationKind.PRIVATE_ENTERPRISE.value,
        }
    )
    return _form_page(request, blank)


def application_values(form: BoundForm) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as ApplicationForm input (contacts, systems and experts from the rows filled in),
    and where each row's errors go ("contacts.1.email" -> "c_incident_24x7_email")."""
    typed = form.values()
    names = (
        *("applicant_kind", "applicant_name", "applicant_email", "applicant_phone"),
        *("organisation_name", "organisation_name_en", *PARTICULARS, "capability_description", "staff_count"),
    )
    values: dict[str, Any] = {name: typed[name] for name in names if typed[name] is not None}
    values["language"] = form.text("language") if form.text("language") in i18n.LANGUAGES else "vi"
    values["services"] = form.chosen("services")
    rename: dict[str, str] = {}
    contacts: list[dict[str, Any]] = []
    for role in CONTACT_ROLES:
        prefix = f"c_{role.value}_"
        row = {f: form.optional(prefix + f) for f in ("full_name", "position", "email", "phone")}
        if any(row.values()):
            for f in row:
                rename[f"contacts.{len(contacts)}.{f}"] = prefix + f
            rename[f"contacts.{len(contacts)}"] = prefix + "full_name"
            contacts.append({"role": role.value, **{k: v for k, v in row.items() if v is not None}})
    values["contacts"] = contacts
    systems: list[dict[str, Any]] = []
    for i in range(ROWS):
        if not (form.text(f"s{i}_name") or form.text(f"s{i}_level")):
            continue
        for f, input_name in (("name", "name"), ("security_level", "level"), ("description", "name")):
            rename[f"systems.{len(systems)}.{f}"] = f"s{i}_{input_name}"
        rename[f"systems.{len(systems)}"] = f"s{i}_name"
        systems.append(
            {
                "name": form.text(f"s{i}_name"),
                "security_level": form.text(f"s{i}_level") or None,
                "national_important": form.checked(f"s{i}_national"),
            }
        )
    values["systems"] = systems
    experts: list[dict[str, Any]] = []
    for i in range(ROWS):
        if not (form.text(f"e{i}_full_name") or form.text(f"e{i}_email") or form.chosen(f"e{i}_skills")):
            continue
        for f in ("full_name", "email", "skills", "certifications"):
            rename[f"experts.{len(experts)}.{f}"] = f"e{i}_{f}"
        rename[f"experts.{len(experts)}"] = f"e{i}_full_name"
        expert: dict[str, Any] = {
            "full_name": form.text(f"e{i}_full_name"),
            "skills": form.chosen(f"e{i}_skills"),
            "certifications": [c.strip() for c in form.text(f"e{i}_certifications").split(",") if c.strip()],
        }
        if form.text(f"e{i}_email"):
            expert["email"] = form.text(f"e{i}_email")
        experts.append(expert)
    values["experts"] = experts
    return values, rename


async def _uploads(form: BoundForm) -> list[documents.Upload]:
    return [documents.Upload(u.filename or "", await u.read()) for u in form.uploads.get("documents", [])]


def _check_uploads(form: BoundForm, uploads: list[documents.Upload]) -> None:
    errors = ErrorList()
    documents.check(uploads, errors)
    for error in errors.errors:
        form.fail("documents", error.message)


async def _close_files(request: Request) -> None:
    for _name, item in (await request.form()).multi_items():
        if isinstance(item, UploadFile):
            await item.close()


@router.post("/apply")
async def apply_submit(request: Request, session: Session, who: AnySubject) -> Response:
    try:
        return await _apply(request, session)
    finally:
        await _close_files(request)


async def _apply(request: Request, session: Session) -> Response:
    form = await APPLY.read(request)
    language = _keep_language(request, form)
    try:
        # Counted before it is checked: a refused submission spends the address's allowance too.
        application.count_submission(session, _client_ip(request))
    except TooManyRequests as exc:
        form.fail(GENERAL, exc.message)
        response = _form_page(request, form, status_code=429)
        response.headers.update(exc.headers)
        return response
    values, rename = application_values(form)
    data = form.validate(application.ApplicationForm, values, locations=rename)
    # What the service would refuse next is asked now too, so that the errors come in one round.
    for error in application.dossier_errors(values):
        form.fail(error.field, error.message)
    uploads = await _uploads(form)
    _check_uploads(form, uploads)
    submitted = form.attempt(
        session,
        lambda: application.submit(session, data, uploads, ip=_client_ip(request)) if data is not None else None,
    )
    if submitted is None:
        return _form_page(request, form, status_code=422)
    _app, token = submitted
    return redirect(
        f"/apply/track/{token}",
        flash=translate(language, "Your application was received. Keep this page's address to follow it."),
    )


def _track(
    request: Request,
    session: Session,
    app: MembershipApplication,
    token: str,
    form: BoundForm | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "apply/track.html",
        {
            "app": app,
            "token": token,
            "is_open": ApplicationStatus(app.status).open,
            "messages": application.messages(session, app),
            "documents": application.attached(session, app),
            "form": form or ANSWER.blank(),
        },
        status_code=status_code,
    )


@router.get("/apply/track/{token}")
def track_page(request: Request, session: Session, who: AnySubject, token: str) -> Response:
    app = application.find_by_token(session, token)
    if app is None:
        return render(request, "apply/unknown.html", {}, status_code=404)
    return _track(request, session, app, token)


@router.post("/apply/track/{token}")
async def track_answer(request: Request, session: Session, who: AnySubject, token: str) -> Response:
    try:
        return await _answer(request, session, token)
    finally:
        await _close_files(request)


async def _answer(request: Request, session: Session, token: str) -> Response:
    app = application.find_by_token(session, token)
    if app is None:
        return render(request, "apply/unknown.html", {}, status_code=404)
    form = await ANSWER.read(request)
    data = form.validate(application.ApplicantAnswer, {"body": form.text("body")})
    uploads = await _uploads(form)
    _check_uploads(form, uploads)
    form.attempt(session, lambda: application.answer(session, token, data.body, uploads) if data else None)
    if not form.ok:
        return _track(request, session, app, token, form, status_code=422)
    language = request_language(request)
    return redirect(f"/apply/track/{token}", flash=translate(language, "Your answer was sent to the coordinator."))
