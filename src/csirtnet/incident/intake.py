"""Reports arriving: from members (UI and API), from anyone (the public form), and by email.

Every report lands in the triage queue and the coordinators are told. People without an account
get a tracking link whose token is stored only as its SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require
from csirtnet.authz.derived import guard_of
from csirtnet.authz.permissions import Permission
from csirtnet.config import get_settings
from csirtnet.errors import TooManyRequests, ValidationFailed
from csirtnet.incident import events
from csirtnet.incident.attachments import MAX_ATTACHMENTS, Attachment, attach
from csirtnet.incident.common import coordinators, next_reference, report_search_words
from csirtnet.incident.schemas import ReportCreate
from csirtnet.kit.hashing import derive_token, new_token, sha256_hex
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentReport, ReportChannel, ReportStatus
from csirtnet.notification.service import notify
from csirtnet.worker import enqueue

ACKNOWLEDGE_JOB = "incident.send_report_acknowledgement"

PUBLIC_LIMIT_PER_HOUR = 5  # reports one IP address may file through /report in an hour
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Received:
    report: IncidentReport
    tracking_token: str | None  # only for reporters without an account; shown once


def public_subject(label: str) -> Subject:
    """The actor recorded for a report from someone without an account."""
    return Subject(user_id=None, organisation_id=None, label=label[:200])


PUBLIC_SUBMISSION = "incident_report.public_submission"


def count_public_submission(session: Session, ip: str | None) -> None:
    """Count one submission of the public form from `ip`, valid or not, in the audit log; refuse it
    (TooManyRequests) once the address has sent PUBLIC_LIMIT_PER_HOUR in the last hour. The public
    page calls it before reading the form, so that invalid submissions spend the allowance too."""
    if not ip:
        return
    address = ("public_address", ip[:80])
    if audit.count_since(session, PUBLIC_SUBMISSION, address, utcnow() - timedelta(hours=1)) >= PUBLIC_LIMIT_PER_HOUR:
        raise TooManyRequests("Too many reports from your address; try again in an hour or call the hotline", 3600)
    audit.record(session, public_subject(f"public:{ip}"), PUBLIC_SUBMISSION, address, guard=None)


def detection_time_problem(detected_at: object, *, now: datetime | None = None) -> str | None:
    """Why a detection time is refused (one in the future, beyond the clock skew), or None. A form
    asks this beside its schema so that every error comes back in one round."""
    if not isinstance(detected_at, datetime) or detected_at.tzinfo is None:
        return None  # not a time yet: the schema names what is wrong with it
    return "is in the future" if detected_at > (now or utcnow()) + CLOCK_SKEW else None


def submit(
    session: Session,
    who: Subject,
    data: ReportCreate,
    *,
    channel: ReportChannel,
    source_ip: str | None = None,
    formal: bool = False,
    attachments: list[Attachment] | None = None,
    email_message_id: str | None = None,
    email_from: str | None = None,
    max_attachments: int | None = MAX_ATTACHMENTS,
    contact_required: bool = True,
) -> Received:
    """File a report into the triage queue. A coordinator releasing an email from the intake's
    quarantine files it as it is: every file kept (`max_attachments=None`), and without a reply
    address if it had none (`contact_required=False`)."""
    member = who.user_id is not None
    if member:
        require(who, Permission.INCIDENTS_REPORT)
    if not member and not data.reporter_email and contact_required:
        raise ValidationFailed("reporter_email", "is needed so that we can tell you what happened to your report")
    now = utcnow()
    problem = detection_time_problem(data.detected_at, now=now)
    if problem:
        raise ValidationFailed("detected_at", problem)
    nonce = None if member else new_token(18)
    token = tracking_token(nonce) if nonce else None
    report = IncidentReport(
        reference=next_reference(session, "BC", IncidentReport),
        status=ReportStatus.NEW.value,
        channel=channel.value,
        formal=formal,
        language=data.language,
        title=data.title,
        reporter_user_id=who.user_id,
        reporting_organisation_id=who.organisation_id if member else None,
        organisation_name=data.organisation_name,
        reporter_name=data.reporter_name,
        reporter_position=data.reporter_position,
        reporter_email=str(data.reporter_email) if data.reporter_email else None,
        reporter_phone=data.reporter_phone,
        operating_unit=data.operating_unit,
        system_name=data.system_name,
        system_domains=data.system_domains,
        system_ips=data.system_ips,
        system_security_level=data.system_security_level,
        system_on_national_list=data.system_on_national_list,
        system_providers=data.system_providers,
        description=data.description,
        detected_at=data.detected_at,
        incident_status=data.incident_status,
        detection_method=data.detection_method,
        already_notified=data.already_notified,
        reported_at=now,
        operating_system=data.operating_system,
        services=data.services,
        security_measures=data.security_measures,
        public_ips=data.public_ips,
        purpose=data.purpose,
        confidential=data.confidential,
        support_requested=data.support_requested,
        tracking_token_hash=sha256_hex(token) if token else None,
        tracking_nonce=nonce,
        source_ip=source_ip,
        email_message_id=email_message_id,
        email_from=email_from,
    )
    report.search_words = report_search_words(report)
    session.add(report)
    session.flush()
    if attachments:
        attach(session, report, attachments, uploaded_by_id=who.user_id, max_files=max_attachments)
    audit.record(
        session,
        who,
        "incident_report.received",
        report,
        organisation_id=report.reporting_organisation_id,
        reference=report.reference,
        channel=channel.value,
        formal=formal,
        attachments=len(attachments or []),
    )
    params = {"reference": report.reference, "title": report.title}
    notify(
        session,
        events.REPORT_RECEIVED.key,
        coordinators(session),
        params,
        link=f"/incidents/reports/{report.id}",
        guard=guard_of(report),
    )
    if token and report.reporter_email:
        # The job rebuilds the tracking link from the report's id: a job payload holds no secret.
        enqueue(session, ACKNOWLEDGE_JOB, guard=None, report_id=report.id)
    return Received(report, token)


def tracking_path(token: str) -> str:
    return f"/report/track/{token}"


def tracking_token(nonce: str) -> str:
    """A public reporter's tracking token, rebuilt from the report's nonce with the server's key."""
    return derive_token(get_settings().resolved_secret_key(), "report-tracking", nonce)


def acknowledgement_email(report: IncidentReport) -> tuple[str, str, dict[str, str]] | None:
    """(address, language, params) of the acknowledgement with its tracking link, built now."""
    if report.tracking_nonce is None or not report.reporter_email:
        return None
    link = get_settings().base_url.rstrip("/") + tracking_path(tracking_token(report.tracking_nonce))
    params = {"reference": report.reference, "title": report.title, "tracking_link": link}
    return report.reporter_email, report.language, params


def find_by_token(session: Session, token: str) -> IncidentReport | None:
    if not token or len(token) > 200:
        return None
    return session.scalar(select(IncidentReport).where(IncidentReport.tracking_token_hash == sha256_hex(token)))
