"""Membership applications: the public form (no account), the applicant's tracking link, the
coordinator's review (ask for more, approve, reject), and what approval creates: the organisation
with its dossier, its network member code, and its first admin (invited by email).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, can, require
from csirtnet.authz.permissions import Permission
from csirtnet.config import get_settings
from csirtnet.errors import Conflict, ErrorList, FieldError, NotFound, TooManyRequests, ValidationFailed
from csirtnet.kit.hashing import derive_token, new_token, sha256_hex
from csirtnet.kit.schemas import InputSchema
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    ApplicationDocument,
    ApplicationMessage,
    Expert,
    ExpertSkill,
    InformationSystem,
    MembershipApplication,
    Organisation,
    OrganisationContact,
    ServiceOffer,
    StoredFile,
    User,
)
from csirtnet.models.application import ApplicantKind, ApplicationStatus
from csirtnet.models.contact import ContactRole
from csirtnet.models.organisation import OrganisationKind
from csirtnet.organisation import documents, events, repository
from csirtnet.organisation.constituency import coordinators
from csirtnet.organisation.schemas import ContactCreate, Phone, SystemCreate, WebAddress
from csirtnet.organisation.settings import member_settings
from csirtnet.vocabulary import Role, first_services, skills
from csirtnet.worker import enqueue

RECEIVED_JOB = "membership.send_application_received"


class ApplicantExpert(BaseModel):
    full_name: str = Field(min_length=2, max_length=200)
    email: EmailStr | None = None
    position: str | None = Field(default=None, max_length=200)
    skills: list[str] = Field(default_factory=list)
    certifications: list[str] = Field(default_factory=list)

    @field_validator("skills")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in skills.SKILLS]
        if unknown:
            raise ValueError(f"unknown skill(s): {', '.join(unknown)}")
        return value


class ApplicationForm(BaseModel):
    """The member dossier (Circular 20/2017 form 01) as the public form sends it."""

    applicant_kind: ApplicantKind = ApplicantKind.ORGANISATION
    language: str = Field(default="vi", pattern=r"^(vi|en)$")
    applicant_name: str = Field(min_length=2, max_length=200)
    applicant_email: EmailStr
    applicant_phone: Phone | None = None
    organisation_name: str = Field(min_length=2, max_length=300)
    organisation_name_en: str | None = Field(default=None, max_length=300)
    short_name: str | None = Field(default=None, max_length=60)
    kind: OrganisationKind = OrganisationKind.PRIVATE_ENTERPRISE
    sector: str | None = Field(default=None, max_length=80)
    province: str | None = Field(default=None, max_length=80)
    owner_agency: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=500)
    website: WebAddress | None = None
    incident_email: EmailStr | None = None
    incident_phone: Phone | None = None
    capability_description: str | None = Field(default=None, max_length=10_000)
    staff_count: int | None = Field(default=None, ge=0, le=1_000_000)
    contacts: list[ContactCreate] = Field(default_factory=list, max_length=20)
    systems: list[SystemCreate] = Field(default_factory=list, max_length=50)
    services: list[str] = Field(default_factory=list)
    experts: list[ApplicantExpert] = Field(default_factory=list, max_length=50)

    @field_validator("services")
    @classmethod
    def _services(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if not first_services.is_valid(s)]
        if unknown:
            raise ValueError(f"unknown service(s): {', '.join(unknown)}")
        return sorted(set(value))


class ApplicantAnswer(InputSchema):
    """The applicant's answer on the tracking page (documents come beside it)."""

    body: str = Field(min_length=2, max_length=10_000)


def _applicant(app: MembershipApplication) -> Subject:
    return Subject(user_id=None, organisation_id=None, label=f"applicant:{app.applicant_email}")


def tracking_link(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/apply/track/{token}"


def tracking_token(nonce: str) -> str:
    """An applicant's tracking token, rebuilt from the application's nonce with the server's key."""
    return derive_token(get_settings().resolved_secret_key(), "application-tracking", nonce)


def received_email(app: MembershipApplication) -> tuple[str, str, dict[str, Any]] | None:
    """(address, language, params) of the confirmation with its tracking link, built now."""
    if app.tracking_nonce is None:
        return None
    params: dict[str, Any] = {
        "organisation": app.organisation_name,
        "applicant": app.applicant_name,
        "application_id": app.id,
        "link": tracking_link(tracking_token(app.tracking_nonce)),
    }
    return app.applicant_email, app.language, params


def dossier_errors(values: dict[str, Any]) -> list[FieldError]:
    """What an organisation's dossier lacks (the contacts by role, a way to report incidents),
    from ApplicationForm input: the page asks it even when the schema refused something else, so
    that every error comes in one round."""
    if str(values.get("applicant_kind") or ApplicantKind.ORGANISATION.value) == ApplicantKind.INDIVIDUAL.value:
        return []
    out: list[FieldError] = []
    contacts = [c for c in values.get("contacts") or [] if isinstance(c, dict)]
    roles = {str(c.get("role")) for c in contacts}
    for role, label in (
        (ContactRole.INCIDENT_24X7, "a 24/7 incident-reception contact is required"),
        (ContactRole.FOCAL_POINT, "a focal point is required"),
        (ContactRole.INFOSEC_LEADER, "the information-security leader is required"),
    ):
        if role.value not in roles:
            out.append(FieldError(f"contacts.{role.value}.full_name", label))
    for contact in contacts:
        if contact.get("role") == ContactRole.INCIDENT_24X7.value and not (
            contact.get("email") or contact.get("phone")
        ):
            out.append(
                FieldError("contacts.incident_24x7.phone", "give a phone number or an email for the 24/7 contact")
            )
    if not (values.get("incident_email") or values.get("incident_phone")):
        out.append(FieldError("incident_email", "give the public incident-reception email or phone"))
    return out


def _check_dossier(form: ApplicationForm, errors: ErrorList) -> None:
    for error in dossier_errors(form.model_dump(mode="json")):
        errors.add(error.field, error.message)


PUBLIC_SUBMISSION = "membership.public_submission"


def count_submission(session: Session, ip: str | None) -> None:
    """Count one submission of the public form from `ip`, valid or not, in the audit log; refuse it
    (TooManyRequests) once the address has sent `apply_max_per_hour` in the last hour. The public
    page calls it before reading the form, so that invalid submissions spend the allowance too."""
    if not ip:
        return
    address = ("public_address", ip[:80])
    recent = audit.count_since(session, PUBLIC_SUBMISSION, address, utcnow() - timedelta(hours=1))
    if recent >= member_settings().apply_max_per_hour:
        raise TooManyRequests("Too many applications from your address; try again in an hour", retry_after=3600)
    audit.record(
        session,
        Subject(user_id=None, organisation_id=None, label=f"public:{ip}"),
        PUBLIC_SUBMISSION,
        address,
        guard=None,
    )


def submit(
    session: Session, form: ApplicationForm, uploads: list[documents.Upload], *, ip: str | None
) -> tuple[MembershipApplication, str]:
    """File an application from the public form (the page counts it first: count_submission);
    returns it and the applicant's secret tracking token."""
    errors = ErrorList()
    _check_dossier(form, errors)
    documents.check(uploads, errors)
    errors.raise_if_any()
    nonce = new_token(18)
    token = tracking_token(nonce)
    individual = form.applicant_kind == ApplicantKind.INDIVIDUAL
    app = MembershipApplication(
        token_hash=sha256_hex(token),
        tracking_nonce=nonce,
        status=ApplicationStatus.SUBMITTED.value,
        applicant_kind=form.applicant_kind.value,
        language=form.language,
        applicant_name=form.applicant_name.strip(),
        applicant_email=str(form.applicant_email).lower(),
        applicant_phone=form.applicant_phone,
        organisation_name=form.organisation_name.strip(),
        organisation_name_en=form.organisation_name_en,
        short_name=form.short_name,
        kind=OrganisationKind.EXPERT.value if individual else form.kind.value,
        sector=form.sector,
        province=form.province,
        owner_agency=form.owner_agency,
        address=form.address,
        website=form.website,
        incident_email=str(form.incident_email).lower() if form.incident_email else None,
        incident_phone=form.incident_phone,
        capability_description=form.capability_description,
        staff_count=form.staff_count,
        dossier={
            "contacts": [c.model_dump(mode="json") for c in form.contacts],
            "systems": [s.model_dump(mode="json") for s in form.systems],
            "services": list(form.services),
            "experts": [e.model_dump(mode="json") for e in form.experts],
        },
        submitted_ip=ip,
    )
    session.add(app)
    session.flush()
    _attach(session, app, uploads)
    audit.record(
        session,
        _applicant(app),
        "membership.applied",
        app,
        organisation=app.organisation_name,
        kind=app.applicant_kind,
        documents=len(uploads),
    )
    params = {"organisation": app.organisation_name, "applicant": app.applicant_name, "application_id": app.id}
    from csirtnet.notification.service import notify

    notify(
        session,
        events.APPLICATION_SUBMITTED.key,
        coordinators(session),
        params,
        link=f"/members/applications/{app.id}",
        guard=None,
    )
    # The job rebuilds the tracking link from the application's id: a job payload holds no secret.
    enqueue(session, RECEIVED_JOB, guard=None, application_id=app.id)
    return app, token


def _attach(session: Session, app: MembershipApplication, uploads: list[documents.Upload]) -> list[StoredFile]:
    position = session.scalar(
        select(func.count()).select_from(ApplicationDocument).where(ApplicationDocument.application_id == app.id)
    )
    stored = []
    for i, upload in enumerate(uploads):
        row = documents.save(session, upload)
        session.add(ApplicationDocument(application_id=app.id, stored_file_id=row.id, position=(position or 0) + i))
        stored.append(row)
    session.flush()
    return stored


def find_by_token(session: Session, token: str) -> MembershipApplication | None:
    if not token or len(token) > 200:
        return None
    return session.scalar(select(MembershipApplication).where(MembershipApplication.token_hash == sha256_hex(token)))


def messages(session: Session, app: MembershipApplication) -> list[ApplicationMessage]:
    return list(
        session.scalars(
            select(ApplicationMessage)
            .where(ApplicationMessage.application_id == app.id)
            .order_by(ApplicationMessage.created_at, ApplicationMessage.id)
        )
    )


def attached(session: Session, app: MembershipApplication) -> list[StoredFile]:
    return list(
        session.scalars(
            select(StoredFile)
            .join(ApplicationDocument, ApplicationDocument.stored_file_id == StoredFile.id)
            .where(ApplicationDocument.application_id == app.id)
            .order_by(ApplicationDocument.position)
        )
    )


def document(session: Session, who: Subject, application_id: int, file_id: int) -> StoredFile:
    """A supporting document of an application, for those who may read the application."""
    for stored in attached(session, get(session, who, application_id)):
        if stored.id == file_id:
            return stored
    raise NotFound("document")


def answer(session: Session, token: str, body: str, uploads: list[documents.Upload]) -> MembershipApplication:
    """The applicant answers a question (and may add documents) through the tracking page."""
    app = find_by_token(session, token)
    if app is None:
        raise NotFound("application")
    if not ApplicationStatus(app.status).open:
        raise ValidationFailed("body", "this application is already decided")
    errors = ErrorList()
    body = (body or "").strip()
    if len(body) < 2:
        errors.add("body", "write your answer")
    if len(body) > 10_000:
        errors.add("body", "at most 10000 characters")
    documents.check(uploads, errors)
    errors.raise_if_any()
    session.add(ApplicationMessage(application_id=app.id, author="applicant", body=body))
    _attach(session, app, uploads)
    if app.status == ApplicationStatus.INFO_REQUESTED.value:
        app.status = ApplicationStatus.ANSWERED.value
    audit.record(session, _applicant(app), "membership.answered", app, documents=len(uploads))
    from csirtnet.notification.service import notify

    reviewers = coordinators(session)
    notify(
        session,
        events.APPLICATION_ANSWERED.key,
        reviewers,
        {"organisation": app.organisation_name, "application_id": app.id},
        link=f"/members/applications/{app.id}",
        guard=None,
    )
    return app


# -- review --------------------------------------------------------------------------------


def get(session: Session, who: Subject, application_id: int) -> MembershipApplication:
    require(who, Permission.APPLICATIONS_READ)
    app = session.get(MembershipApplication, application_id)
    if app is None:
        raise NotFound("application")
    return app


def _handled(session: Session, app: MembershipApplication) -> None:
    """A coordinator acted on the application: it no longer waits for the others either."""
    from csirtnet.notification.service import mark_handled

    waiting = [events.APPLICATION_SUBMITTED.key, events.APPLICATION_ANSWERED.key]
    told = [u.id for u in coordinators(session)]
    mark_handled(session, f"/members/applications/{app.id}", waiting, told)


WAITING_FOR_COORDINATOR = (ApplicationStatus.SUBMITTED.value, ApplicationStatus.ANSWERED.value)


def waiting_for_decision(session: Session, who: Subject, *, limit: int) -> list[MembershipApplication]:
    """Applications waiting for a coordinator (new, or answered by the applicant), oldest first."""
    if not can(who, Permission.APPLICATIONS_REVIEW):
        return []
    query = repository.applications(who).where(MembershipApplication.status.in_(WAITING_FOR_COORDINATOR))
    return list(
        session.scalars(query.order_by(MembershipApplication.updated_at, MembershipApplication.id).limit(limit))
    )


def _open(session: Session, who: Subject, application_id: int) -> MembershipApplication:
    require(who, Permission.APPLICATIONS_REVIEW)
    app = get(session, who, application_id)
    if not ApplicationStatus(app.status).open:
        raise Conflict(f"The application is already {app.status}")
    return app


def request_info(session: Session, who: Subject, application_id: int, question: str) -> MembershipApplication:
    """Ask the applicant for more; they answer on their tracking page."""
    app = _open(session, who, application_id)
    question = (question or "").strip()
    if len(question) < 3:
        raise ValidationFailed("question", "write the question")
    session.add(ApplicationMessage(application_id=app.id, author="coordinator", user_id=who.user_id, body=question))
    app.status = ApplicationStatus.INFO_REQUESTED.value
    _handled(session, app)
    audit.record(session, who, "membership.info_requested", app, question=question)
    from csirtnet.notification.service import send_email_to_address

    send_email_to_address(
        session,
        app.applicant_email,
        app.language,
        events.APPLICATION_INFO_REQUESTED.key,
        {"organisation": app.organisation_name, "question": question, "application_id": app.id},
        guard=None,
    )
    return app


def next_member_code(session: Session) -> str:
    """The next free code in the configured format, e.g. MB-2025-0007."""
    fmt = member_settings().member_code_format
    year = utcnow().year
    try:
        probe = fmt.format(year=year, seq=0)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationFailed("member_code", f"the configured member code format {fmt!r} is invalid") from exc
    prefix = re.split(r"\{seq", fmt, maxsplit=1)[0].format(year=year) if "{seq" in fmt else probe
    taken = session.scalar(
        select(func.count(Organisation.id)).where(Organisation.member_code.startswith(prefix, autoescape=True))
    )
    seq = (taken or 0) + 1
    for _ in range(10_000):
        code = fmt.format(year=year, seq=seq)
        if session.scalar(select(Organisation.id).where(Organisation.member_code == code)) is None:
            return code
        if "{seq" not in fmt:
            break
        seq += 1
    raise Conflict(
        "No free member code in the configured format; give one", errors=[FieldError("member_code", "taken")]
    )


def approve(
    session: Session,
    who: Subject,
    application_id: int,
    *,
    member_code: str | None = None,
    admin_email: str | None = None,
    admin_name: str | None = None,
) -> tuple[Organisation, User]:
    """Admit the applicant: create the organisation and its dossier, give it a member code, invite
    its first admin, and tell the applicant."""
    from csirtnet.identity.schemas import UserCreate
    from csirtnet.identity.service import create_user
    from csirtnet.notification.service import send_email_to_address

    app = _open(session, who, application_id)
    code = member_code or next_member_code(session)
    if session.scalar(select(Organisation.id).where(Organisation.member_code == code)) is not None:
        raise Conflict(f"The member code {code} is already used", errors=[FieldError("member_code", "already used")])
    email = (admin_email or app.applicant_email).strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            f"A user with the email {email} already exists; choose another admin email",
            errors=[FieldError("admin_email", "already in use")],
        )
    org = Organisation(
        name=app.organisation_name,
        name_en=app.organisation_name_en,
        short_name=app.short_name,
        member_code=code,
        kind=app.kind,
        sector=app.sector,
        province=app.province,
        owner_agency=app.owner_agency,
        address=app.address,
        website=app.website,
        incident_email=app.incident_email,
        incident_phone=app.incident_phone,
        capability_description=app.capability_description,
        staff_count=app.staff_count,
        confirmed_at=utcnow(),
    )
    session.add(org)
    session.flush()
    _materialise_dossier(session, app, org)
    for stored in attached(session, app):
        stored.organisation_id = org.id
    audit.record(session, who, "organisation.created", org, organisation_id=org.id, name=org.name, member_code=code)
    user = create_user(
        session,
        who,
        UserCreate(
            email=email,
            full_name=(admin_name or app.applicant_name).strip(),
            organisation_id=org.id,
            roles=[Role.ORG_ADMIN],
            password=None,
            language="en" if app.language == "en" else "vi",
            phone=app.applicant_phone,
        ),
    )
    app.status = ApplicationStatus.APPROVED.value
    _handled(session, app)
    app.organisation_id = org.id
    app.decided_by_id = who.user_id
    app.decided_at = utcnow()
    audit.record(
        session, who, "membership.approved", app, organisation_id=org.id, member_code=code, admin_user_id=user.id
    )
    send_email_to_address(
        session,
        app.applicant_email,
        app.language,
        events.APPLICATION_APPROVED.key,
        {"organisation": org.name, "code": code, "admin_email": email, "application_id": app.id},
        guard=None,
    )
    return org, user


def _materialise_dossier(session: Session, app: MembershipApplication, org: Organisation) -> None:
    dossier: dict[str, Any] = app.dossier or {}
    for c in dossier.get("contacts", []):
        session.add(
            OrganisationContact(
                organisation_id=org.id,
                role=c["role"],
                full_name=c["full_name"],
                position=c.get("position"),
                email=c.get("email"),
                phone=c.get("phone"),
            )
        )
    for s in dossier.get("systems", []):
        session.add(
            InformationSystem(
                organisation_id=org.id,
                name=s["name"],
                security_level=int(s["security_level"]),
                national_important=bool(s.get("national_important")),
                description=s.get("description"),
            )
        )
    for key in sorted(set(dossier.get("services", []))):
        session.add(ServiceOffer(organisation_id=org.id, service=key))
    experts = list(dossier.get("experts", []))
    if app.applicant_kind == ApplicantKind.INDIVIDUAL.value and not experts:
        experts = [{"full_name": app.applicant_name, "email": app.applicant_email, "skills": [], "certifications": []}]
    for e in experts:
        expert = Expert(
            organisation_id=org.id,
            full_name=e["full_name"],
            email=e.get("email"),
            province=org.province,
            certifications=list(e.get("certifications") or []),
            languages=["vi"],
            availability=[],
        )
        expert.skills = [ExpertSkill(skill=s, level=2) for s in sorted(set(e.get("skills") or []))]
        session.add(expert)
    session.flush()


def reject(session: Session, who: Subject, application_id: int, reason: str) -> MembershipApplication:
    """Decline with a reason the applicant is told."""
    app = _open(session, who, application_id)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationFailed("reason", "say why the application is declined")
    app.status = ApplicationStatus.REJECTED.value
    _handled(session, app)
    app.decision_reason = reason
    app.decided_by_id = who.user_id
    app.decided_at = utcnow()
    audit.record(session, who, "membership.rejected", app, reason=reason)
    from csirtnet.notification.service import send_email_to_address

    send_email_to_address(
        session,
        app.applicant_email,
        app.language,
        events.APPLICATION_REJECTED.key,
        {"organisation": app.organisation_name, "reason": reason, "application_id": app.id},
        guard=None,
    )
    return app
