"""The membership applications API for coordinators (applicants use the public /apply pages)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.kit import downloads
from csirtnet.kit.files import download
from csirtnet.kit.pagination import Page, page_of, paginate
from csirtnet.models import MembershipApplication
from csirtnet.organisation import application, repository
from csirtnet.organisation.schemas import (
    ApplicationDetail,
    ApplicationRead,
    ApproveBody,
    DocumentRead,
    MessageRead,
    OrganisationRead,
    RejectApplicationBody,
    RequestInfoBody,
)

router = APIRouter(prefix="/applications", tags=["applications"])


def _detail(session: Session, app: MembershipApplication) -> ApplicationDetail:
    base = ApplicationRead.model_validate(app).model_dump()
    return ApplicationDetail(
        **base,
        messages=[MessageRead.model_validate(m) for m in application.messages(session, app)],
        documents=[
            DocumentRead(id=f.id, filename=f.filename, size=f.size, content_type=f.content_type, sha256=f.sha256)
            for f in application.attached(session, app)
        ],
    )


@router.get("", response_model=Page[ApplicationRead])
def list_applications(
    session: Session,
    who: ApiUser,
    status: str | None = Query(default=None, max_length=20),
    q: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[ApplicationRead]:
    """Membership applications, newest first."""
    return page_of(
        ApplicationRead,
        paginate(
            session,
            repository.applications(who, status=status, q=q),
            MembershipApplication.id,
            limit=limit,
            cursor=cursor,
        ),
    )


@router.get("/{application_id}", response_model=ApplicationDetail)
def get_application(application_id: int, session: Session, who: ApiUser) -> ApplicationDetail:
    """One application with its questions, answers and documents."""
    return _detail(session, application.get(session, who, application_id))


@router.get("/{application_id}/documents/{file_id}", **downloads.FILE)
def download_document(application_id: int, file_id: int, session: Session, who: ApiUser) -> StreamingResponse:
    """Download a supporting document."""
    return download(application.document(session, who, application_id, file_id))


@router.post("/{application_id}/request-info", response_model=ApplicationDetail)
def request_info(application_id: int, body: RequestInfoBody, session: Session, who: ApiUser) -> ApplicationDetail:
    """Ask the applicant for more information."""
    return _detail(session, application.request_info(session, who, application_id, body.question))


@router.post("/{application_id}/approve", response_model=OrganisationRead)
def approve(application_id: int, body: ApproveBody, session: Session, who: ApiUser) -> OrganisationRead:
    """Admit the applicant: organisation, member code, first admin (invited by email)."""
    org, _user = application.approve(
        session,
        who,
        application_id,
        member_code=body.member_code,
        admin_email=str(body.admin_email) if body.admin_email else None,
        admin_name=body.admin_name,
    )
    return OrganisationRead.model_validate(org)


@router.post("/{application_id}/reject", response_model=ApplicationDetail)
def reject(application_id: int, body: RejectApplicationBody, session: Session, who: ApiUser) -> ApplicationDetail:
    """Decline the application with a reason."""
    return _detail(session, application.reject(session, who, application_id, body.reason))
