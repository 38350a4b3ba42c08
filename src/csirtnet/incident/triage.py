"""Triage: from the queue of reports to incidents. Open an incident from a report, attach a report to
an existing incident (duplicates merge), reject it with a reason, link related incidents, and
classify (RSIT, severity per Decision 05, TLP/PAP, impact). The reporter is told what happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require
from csirtnet.authz.derived import guard_of
from csirtnet.authz.incident import get_visible, require_command, require_work
from csirtnet.authz.permissions import Permission
from csirtnet.config import get_settings
from csirtnet.errors import Conflict, ErrorList, NotFound, ValidationFailed
from csirtnet.incident import deadlines, events, severity
from csirtnet.incident.common import (
    coordinators,
    incident_link,
    next_reference,
    record_change,
    refresh_search_text,
)
from csirtnet.incident.schemas import Classification, OpenFromReport
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Cluster,
    Incident,
    IncidentLink,
    IncidentParticipant,
    IncidentReport,
    IncidentReportAttachment,
    LinkKind,
    Organisation,
    ParticipantRole,
    ReportStatus,
    StoredFile,
    User,
)
from csirtnet.notification.service import mark_handled, notify, send_email_to_address
from csirtnet.vocabulary import TLP, labels, rsit


def get_report(session: Session, who: Subject, report_id: int) -> IncidentReport:
    """A report, for someone who may see it (coordinators, the reporting organisation, the reporter)."""
    from csirtnet.authz.incident import visible_reports_clause

    report = session.scalar(select(IncidentReport).where(IncidentReport.id == report_id, visible_reports_clause(who)))
    if report is None:
        raise NotFound("report")
    return report


def report_files(session: Session, report: IncidentReport) -> list[tuple[int, StoredFile]]:
    """The files that came with a report (already shown to the caller): (attachment id, file)."""
    rows = session.execute(
        select(IncidentReportAttachment.id, StoredFile)
        .join(StoredFile, StoredFile.id == IncidentReportAttachment.stored_file_id)
        .where(IncidentReportAttachment.report_id == report.id)
        .order_by(IncidentReportAttachment.id)
    )
    return [(attachment_id, stored) for attachment_id, stored in rows]


def report_file(session: Session, who: Subject, report_id: int, attachment_id: int) -> StoredFile:
    """One file that came with a report, for those who may see the report."""
    report = get_report(session, who, report_id)
    row = session.scalar(
        select(StoredFile)
        .join(IncidentReportAttachment, IncidentReportAttachment.stored_file_id == StoredFile.id)
        .where(IncidentReportAttachment.id == attachment_id, IncidentReportAttachment.report_id == report.id)
    )
    if row is None:
        raise NotFound("attachment")
    return row


def _add_reporter(session: Session, who: Subject, report: IncidentReport, incident: Incident, at: datetime) -> None:
    """The user who reported takes part in the incident (as reporter) from `at`."""
    if report.reporter_user_id is None:
        return
    reporter = session.get(User, report.reporter_user_id)
    if reporter is not None:
        session.add(
            IncidentParticipant(
                incident_id=incident.id,
                user_id=reporter.id,
                organisation_id=reporter.organisation_id,
                role=ParticipantRole.REPORTER.value,
                starts_at=at,
                added_by_id=who.user_id,
            )
        )


def _new_report(session: Session, report_id: int) -> IncidentReport:
    report = session.get(IncidentReport, report_id)
    if report is None:
        raise NotFound("report")
    if report.status != ReportStatus.NEW.value:
        raise Conflict(f"Report {report.reference} was already triaged ({report.status})")
    return report


# -- classification ----------------------------------------------------------------------------


def classify(session: Session, who: Subject, incident: Incident, data: Classification) -> dict[str, Any]:
    """Apply the fields sent; returns what changed. Severity follows the Decision 05 suggestion
    unless a person overrides it with a reason."""
    sent = data.model_fields_set
    errors = ErrorList()
    values = {name: getattr(data, name) for name in sent}
    rsit_class = values.get("rsit_class", incident.rsit_class)
    rsit_type = values.get("rsit_type", incident.rsit_type)
    if ("rsit_class" in sent or "rsit_type" in sent) and (rsit_class or rsit_type):
        if rsit_class not in rsit.taxonomy():
            errors.add("rsit_class", f"{rsit_class!r} is not an RSIT class")
        elif not rsit_type or not rsit.is_valid(rsit_class, rsit_type):
            errors.add("rsit_type", f"{rsit_type!r} is not a type of the RSIT class {rsit_class!r}")
    if "deadline_profile_key" in sent and values["deadline_profile_key"]:
        prof = deadlines.profile(session, values["deadline_profile_key"])
        if prof is None or not prof.active:
            errors.add("deadline_profile_key", "no such active deadline profile")
    cluster_id = values.get("shared_with_cluster_id")
    if cluster_id is not None and session.get(Cluster, cluster_id) is None:
        errors.add("shared_with_cluster_id", "no such cluster")
    if "title" in sent and not values["title"]:
        errors.add("title", "must not be empty")
    errors.raise_if_any()

    changes: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        old = getattr(incident, name)
        if old != value:
            changes[name] = {"from": _plain(old), "to": _plain(value)}
            setattr(incident, name, value)

    simple = (
        "title",
        "description",
        "rsit_class",
        "rsit_type",
        "is_major",
        "sector",
        "province",
        "impact_functional",
        "impact_information",
        "impact_recoverability",
        "data_loss",
        "system_security_level",
        "system_on_national_list",
        "deadline_profile_key",
        "shared_with_cluster_id",
        "ransom_paid_at",
    )
    for name in simple:
        if name in sent:  # the schema refused null where the column holds none
            put(name, values[name])
    if "tlp" in sent and data.tlp is not None:
        put("tlp", data.tlp.value)
    if "pap" in sent and data.pap is not None:
        put("pap", data.pap.value)
    if "serious_criteria" in sent and data.serious_criteria is not None:
        put("serious_criteria", list(dict.fromkeys(data.serious_criteria)))

    suggestion = severity.suggest(
        incident.system_security_level, incident.system_on_national_list, incident.serious_criteria
    )
    put("severity_suggested", suggestion.severity.value)
    chosen = data.severity.value if "severity" in sent and data.severity is not None else None
    if chosen is None:
        # Nobody chose: follow the suggestion unless an earlier override (with its reason) stands.
        chosen = incident.severity if incident.severity_reason else suggestion.severity.value
    suggested = suggestion.severity.value
    if chosen != suggested:
        reason = values.get("severity_reason") or incident.severity_reason
        if not reason:
            raise ValidationFailed(
                "severity_reason",
                f"the criteria of Decision 05 suggest a {labels.name(labels.SEVERITIES, suggested, 'en')} incident;"
                f" say why it is {labels.name(labels.SEVERITIES, chosen, 'en')}",
            )
        put("severity_reason", reason)
    else:
        put("severity_reason", values.get("severity_reason") if "severity_reason" in sent else None)
    put("severity", chosen)

    if incident.tlp == TLP.RED.value and "tlp" in changes:
        _ensure_named_participant(session, who, incident)
    return changes


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _ensure_named_participant(session: Session, who: Subject, incident: Incident) -> None:
    """TLP:RED is seen by named participants only: whoever sets it stays among them."""
    if who.user_id is None or who.organisation_id is None:
        return
    from csirtnet.authz.incident import participant_role

    if participant_role(session, who, incident) is None or not _is_named(session, who, incident):
        session.add(
            IncidentParticipant(
                incident_id=incident.id,
                user_id=who.user_id,
                organisation_id=who.organisation_id,
                role=ParticipantRole.COMMANDER.value,
                starts_at=utcnow(),
                added_by_id=who.user_id,
                note="TLP:RED",
            )
        )
        session.flush()


def _is_named(session: Session, who: Subject, incident: Incident) -> bool:
    from csirtnet.authz.incident import active_participation_clause

    return (
        session.scalar(
            select(IncidentParticipant.id).where(
                IncidentParticipant.incident_id == incident.id,
                IncidentParticipant.user_id == who.user_id,
                active_participation_clause(utcnow()),
            )
        )
        is not None
    )


def update_classification(session: Session, who: Subject, incident_id: int, data: Classification) -> Incident:
    """Change an incident's classification (coordinators and the incident's commander)."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_command(session, who, incident)
    changes = classify(session, who, incident, data)
    if changes:
        refresh_search_text(session, incident)
        record_change(session, who, incident, "incident.classified", changes=changes)
        deadlines.sync(session, incident)
    return incident


# -- triage actions ------------------------------------------------------------------------------


def open_incident(session: Session, who: Subject, report_id: int, data: OpenFromReport) -> Incident:
    """Open an incident from a report in the queue."""
    require(who, Permission.INCIDENTS_TRIAGE)
    report = _new_report(session, report_id)
    org_id = data.reporting_organisation_id or report.reporting_organisation_id
    if org_id is None:
        raise ValidationFailed("reporting_organisation_id", "the report names no member organisation; choose one")
    org = session.get(Organisation, org_id)
    if org is None:
        raise ValidationFailed("reporting_organisation_id", "no such organisation")
    now = utcnow()
    incident = Incident(
        reference=next_reference(session, "SC", Incident),
        title=report.title,
        description=report.description,
        reporting_organisation_id=org.id,
        reporter_user_id=report.reporter_user_id,
        created_by_id=who.user_id,
        operating_unit=report.operating_unit,
        system_name=report.system_name,
        system_domains=list(report.system_domains or []),
        system_ips=list(report.system_ips or []),
        system_security_level=report.system_security_level,
        system_on_national_list=report.system_on_national_list,
        system_providers=report.system_providers,
        sector=org.sector,
        province=org.province,
        tlp=TLP.RED.value if report.confidential else TLP.AMBER.value,
        pap="amber",
        phase="triage",
        detected_at=report.detected_at,
        reported_at=report.reported_at,
        deadline_profile_key=deadlines.default_profile_key(session),
        severity="normal",
        severity_suggested="normal",
        serious_criteria=[],
        created_at=now,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    if who.user_id is not None and who.organisation_id is not None:
        session.add(
            IncidentParticipant(
                incident_id=incident.id,
                user_id=who.user_id,
                organisation_id=who.organisation_id,
                role=ParticipantRole.COMMANDER.value,
                starts_at=now,
                added_by_id=who.user_id,
            )
        )
    _add_reporter(session, who, report, incident, now)
    session.flush()
    changes = classify(session, who, incident, data)
    refresh_search_text(session, incident)
    report.status = ReportStatus.OPENED.value
    report.incident_id = incident.id
    report.triaged_by_id = who.user_id
    report.triaged_at = now
    record_change(
        session,
        who,
        incident,
        "incident.opened",
        report=report.reference,
        severity=incident.severity,
        changes=changes,
    )
    deadlines.sync(session, incident)
    tell_reporter(session, report, "opened", incident)
    return incident


def attach_report(session: Session, who: Subject, report_id: int, incident_id: int) -> Incident:
    """Attach a report to an incident it duplicates or adds to."""
    require(who, Permission.INCIDENTS_TRIAGE)
    report = _new_report(session, report_id)
    incident = get_visible(session, who, incident_id, audit_read=False)
    report.status = ReportStatus.ATTACHED.value
    report.incident_id = incident.id
    report.triaged_by_id = who.user_id
    report.triaged_at = utcnow()
    _add_reporter(session, who, report, incident, utcnow())
    record_change(session, who, incident, "incident.report_attached", report=report.reference)
    tell_reporter(session, report, "attached", incident)
    return incident


def reject_report(session: Session, who: Subject, report_id: int, reason: str) -> IncidentReport:
    """Reject a report (not an incident, out of scope, spam), with the reason the reporter will read."""
    require(who, Permission.INCIDENTS_TRIAGE)
    report = _new_report(session, report_id)
    if len(reason.strip()) < 3:
        raise ValidationFailed("reason", "say why the report is rejected")
    report.status = ReportStatus.REJECTED.value
    report.rejection_reason = reason.strip()
    report.triaged_by_id = who.user_id
    report.triaged_at = utcnow()
    audit.record(
        session,
        who,
        "incident_report.rejected",
        report,
        organisation_id=report.reporting_organisation_id,
        reference=report.reference,
        reason=report.rejection_reason,
    )
    tell_reporter(session, report, "rejected", None)
    return report


def tell_reporter(session: Session, report: IncidentReport, outcome: str, incident: Incident | None) -> None:
    """The reporter learns what happened: in the app (members) or by email (everyone else). The
    report no longer waits in triage: the coordinators' "report received" notifications are read."""
    told = [u.id for u in coordinators(session)]
    mark_handled(session, f"/incidents/reports/{report.id}", [events.REPORT_RECEIVED.key], told)
    params = {
        "reference": report.reference,
        "title": report.title,
        "outcome": outcome,
        "incident_reference": incident.reference if incident else "",
        "reason": report.rejection_reason or "",
    }
    if report.reporter_user_id is not None:
        user = session.get(User, report.reporter_user_id)
        if user is not None:
            link = incident_link(incident) if incident else f"/incidents/reports/{report.id}"
            notify(session, events.REPORT_OUTCOME.key, [user], params, link=link, guard=guard_of(report))
            return
    if report.reporter_email:
        send_email_to_address(
            session,
            report.reporter_email,
            report.language,
            events.REPORT_OUTCOME.key,
            {**params, "base_url": get_settings().base_url},
            guard=guard_of(report),
        )


def link_incidents(session: Session, who: Subject, incident_id: int, other_id: int, note: str | None) -> IncidentLink:
    """Link two related incidents; the subject must see both."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    if other_id == incident_id:
        raise ValidationFailed("other_incident_id", "an incident cannot be linked to itself")
    try:
        other = get_visible(session, who, other_id, audit_read=False)
    except NotFound:
        raise ValidationFailed("other_incident_id", "no such incident, or you may not see it") from None
    return ensure_link(session, who, incident, other, LinkKind.RELATED, note)


def ensure_link(
    session: Session,
    who: Subject,
    a: Incident,
    b: Incident,
    kind: LinkKind,
    note: str | None = None,
    *,
    content_tlp: str | None = None,
) -> IncidentLink:
    """Link a and b once per kind. `content_tlp` is the marking of what the link was derived from
    (a correlation through a TLP:RED observable is itself RED: only the named learn of it)."""
    low, high = (a, b) if a.id < b.id else (b, a)
    existing = session.scalar(
        select(IncidentLink).where(
            IncidentLink.incident_id == low.id,
            IncidentLink.other_incident_id == high.id,
            IncidentLink.kind == kind.value,
        )
    )
    if existing is not None:
        if existing.tlp is not None and content_tlp is None:
            existing.tlp = None  # now also derived from content everyone who sees both may read
        return existing
    link = IncidentLink(
        incident_id=low.id,
        other_incident_id=high.id,
        kind=kind.value,
        note=note,
        tlp=content_tlp,
        created_by_id=who.user_id,
    )
    session.add(link)
    session.flush()
    # Each side's record names only its own reference and the other's id, and is read only by those
    # who may see the other incident too (authz.incident.visible_timeline_clause): correlation
    # promises that a reader learns not even that an incident it may not see exists.
    for this, that in ((a, b), (b, a)):
        record_change(
            session,
            who,
            this,
            "incident.linked",
            content_tlp=content_tlp,
            other_incident_id=that.id,
            other_id=that.id,
            kind=kind.value,
        )
    return link
