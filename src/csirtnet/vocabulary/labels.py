"""The one home of the names of stored codes: every code a user may see (roles, kinds, statuses,
phases, RSIT classes and types, sectors, …) with its English name as an msgid. The Vietnamese
catalog (web/locale/vi/LC_MESSAGES) translates them; pages, emails, PDFs and CSV files all read
their names here, so a code reads the same everywhere and no layer keeps a table of its own.

A table is `code -> msgid`; `name(table, code, language)` gives the name in a language, and the
code itself for a code the table does not know (free text such as a sector someone typed).
Names that are the same in every language (TLP:RED, MD5) are plain strings, not msgids.
"""

from __future__ import annotations

from collections.abc import Mapping

from csirtnet.i18n import N_, translate
from csirtnet.models import (
    AckStatus,
    AdvisoryKind,
    AdvisorySeverity,
    AdvisoryStatus,
    ChannelKind,
    DeploymentStatus,
    Mode,
    PlanActivityKind,
    PlanActivityStatus,
    ReadinessCriterion,
    RequestStatus,
    TargetStatus,
    Urgency,
)
from csirtnet.models.application import ApplicantKind, ApplicationStatus
from csirtnet.models.constituency import ClaimKind
from csirtnet.models.contact import ContactRole
from csirtnet.models.event import EventKind
from csirtnet.models.evidence import (
    CustodyAction,
    EvidenceKind,
    EvidenceRole,
    EvidenceStatus,
    EvidenceType,
    IsoStage,
    Volatility,
)
from csirtnet.models.incident import Phase
from csirtnet.models.incident_observable import ObservableKind
from csirtnet.models.incident_participant import ParticipantRole
from csirtnet.models.incident_report import ReportChannel, ReportStatus
from csirtnet.models.incident_task import TaskStatus
from csirtnet.models.intake_quarantine import QuarantineReason, QuarantineSource, QuarantineStatus
from csirtnet.models.intel import IndicatorKind, IndicatorOrigin
from csirtnet.models.job import JobStatus
from csirtnet.models.knowledge import KnowledgeKind
from csirtnet.models.organisation import OrganisationKind, OrganisationStatus
from csirtnet.vocabulary.enums import TLP, Role, Severity


def name(table: Mapping[str, str], code: object, language: str) -> str:
    """The code's name in `language`; a code the table does not know is shown as it is."""
    if code is None or code == "":
        return ""
    text = str(code)
    return translate(language, table[text]) if text in table else text


# -- people and organisations ------------------------------------------------------------------

ROLES: dict[str, str] = {
    Role.PLATFORM_ADMIN.value: N_("Platform admin"),
    Role.COORDINATOR.value: N_("Coordinator"),
    Role.ORG_ADMIN.value: N_("Organisation admin"),
    Role.RESPONDER.value: N_("Responder"),
    Role.VIEWER.value: N_("Viewer"),
}
ORGANISATION_KINDS: dict[str, str] = {
    OrganisationKind.COORDINATOR.value: N_("Coordinating body"),
    OrganisationKind.MINISTRY.value: N_("Ministry or central agency"),
    OrganisationKind.PROVINCE.value: N_("Provincial or city department"),
    OrganisationKind.MILITARY.value: N_("Military unit"),
    OrganisationKind.POLICE.value: N_("Police unit"),
    OrganisationKind.STATE_ENTERPRISE.value: N_("State-owned enterprise"),
    OrganisationKind.PRIVATE_ENTERPRISE.value: N_("Private enterprise"),
    OrganisationKind.TELECOM.value: N_("Telecom or internet provider"),
    OrganisationKind.FINANCE.value: N_("Bank or financial institution"),
    OrganisationKind.SECURITY_VENDOR.value: N_("Security company"),
    OrganisationKind.EXPERT.value: N_("Individual expert"),
}
ORGANISATION_STATUSES: dict[str, str] = {
    OrganisationStatus.ACTIVE.value: N_("Active"),
    OrganisationStatus.SUSPENDED.value: N_("Suspended"),
}
# Sectors are typed freely (an organisation's profile, an incident's classification); the ones the
# network uses are named here, anything else is shown as typed.
SECTORS: dict[str, str] = {
    "government": N_("Government"),
    "defence": N_("Defence"),
    "public security": N_("Public security"),
    "telecommunications": N_("Telecommunications"),
    "information technology": N_("Information technology"),
    "cybersecurity": N_("Cybersecurity"),
    "finance": N_("Finance and banking"),
    "banking": N_("Finance and banking"),
    "energy": N_("Energy"),
    "health": N_("Health"),
    "education": N_("Education"),
    "transport": N_("Transport"),
    "media": N_("Press and media"),
}
CONTACT_ROLES: dict[str, str] = {
    ContactRole.INCIDENT_24X7.value: N_("24/7 incident contact"),
    ContactRole.FOCAL_POINT.value: N_("Focal point"),
    ContactRole.LEADERSHIP.value: N_("Leadership"),
    ContactRole.INFOSEC_LEADER.value: N_("Information-security leader"),
    ContactRole.TECHNICAL.value: N_("Technical contact"),
}
APPLICATION_STATUSES: dict[str, str] = {
    ApplicationStatus.SUBMITTED.value: N_("Submitted"),
    ApplicationStatus.INFO_REQUESTED.value: N_("More information requested"),
    ApplicationStatus.ANSWERED.value: N_("Answered"),
    ApplicationStatus.APPROVED.value: N_("Approved"),
    ApplicationStatus.REJECTED.value: N_("Declined"),
}
APPLICANT_KINDS: dict[str, str] = {
    ApplicantKind.ORGANISATION.value: N_("Organisation"),
    ApplicantKind.INDIVIDUAL.value: N_("Individual expert"),
}
CLAIM_KINDS: dict[str, str] = {
    ClaimKind.IPV4.value: "IPv4",
    ClaimKind.IPV6.value: "IPv6",
    ClaimKind.ASN.value: "ASN",
    ClaimKind.DOMAIN.value: N_("Domain"),
}

# -- the platform ------------------------------------------------------------------------------

JOB_STATUSES: dict[str, str] = {
    JobStatus.QUEUED.value: N_("Queued"),
    JobStatus.RUNNING.value: N_("Running"),
    JobStatus.DONE.value: N_("Done"),
    JobStatus.FAILED.value: N_("Failed"),
}
NOTIFICATION_CHANNELS: dict[str, str] = {
    "inapp": N_("In the app"),
    "email": N_("Email"),
}
SCOPES: dict[str, str] = {
    "profile:read": N_("Read your profile"),
    "profile:write": N_("Change your profile and tokens"),
    "users:read": N_("Read users"),
    "users:write": N_("Create and change users"),
    "organisations:read": N_("Read organisations"),
    "organisations:write": N_("Create and change organisations"),
    "audit:read": N_("Read the audit log"),
    "jobs:read": N_("Read background jobs"),
    "jobs:write": N_("Retry background jobs"),
    "notifications:read": N_("Read notifications"),
    "notifications:write": N_("Mark notifications read, change preferences"),
    "webhooks:write": N_("Manage webhooks"),
    "metrics:read": N_("Read metrics (Prometheus)"),
}

# -- sharing -----------------------------------------------------------------------------------

TLP_NAMES: dict[str, str] = {t.value: t.label for t in TLP}
TLP_HELP: dict[str, str] = {
    TLP.RED.value: N_("Only the people you name"),
    TLP.AMBER_STRICT.value: N_("Only your organisation (and the people you name)"),
    TLP.AMBER.value: N_("The organisations this is addressed to, need to know"),
    TLP.GREEN.value: N_("Every member of the channel or space"),
    TLP.CLEAR.value: N_("Anyone logged in"),
}

# -- incidents ---------------------------------------------------------------------------------

PHASES: dict[str, str] = {
    Phase.TRIAGE.value: N_("Triage"),
    Phase.ANALYSIS.value: N_("Analysis"),
    Phase.CONTAINMENT.value: N_("Containment"),
    Phase.ERADICATION.value: N_("Eradication"),
    Phase.RECOVERY.value: N_("Recovery"),
    Phase.POST_INCIDENT.value: N_("Post-incident"),
    Phase.CLOSED.value: N_("Closed"),
}
SEVERITIES: dict[str, str] = {
    Severity.NORMAL.value: N_("Normal"),
    Severity.SERIOUS.value: N_("Serious"),
}
REPORT_STATUSES: dict[str, str] = {
    ReportStatus.NEW.value: N_("Waiting for triage"),
    ReportStatus.OPENED.value: N_("Incident opened"),
    ReportStatus.ATTACHED.value: N_("Attached to an incident"),
    ReportStatus.REJECTED.value: N_("Rejected"),
}
REPORT_CHANNELS: dict[str, str] = {
    ReportChannel.WEB.value: N_("Web"),
    ReportChannel.API.value: N_("API"),
    ReportChannel.PUBLIC.value: N_("Public form"),
    ReportChannel.EMAIL.value: N_("Email"),
    ReportChannel.FEED.value: N_("Security feed"),
}
# The intake's quarantine: why an email was not filed, where it came from, what was decided.
QUARANTINE_REASONS: dict[str, str] = {
    QuarantineReason.UNPARSEABLE.value: N_("The message cannot be read"),
    QuarantineReason.REJECTED.value: N_("Its values are not a usable report"),
    QuarantineReason.TOO_MANY_ATTACHMENTS.value: N_("More attachments than a report takes"),
    QuarantineReason.REFUSED.value: N_("The report could not be filed"),
}
QUARANTINE_SOURCES: dict[str, str] = {
    QuarantineSource.SMTP.value: N_("SMTP intake"),
    QuarantineSource.MAILDIR.value: N_("Mailbox poller"),
    QuarantineSource.DEMO.value: N_("Demo data"),
}
QUARANTINE_STATUSES: dict[str, str] = {
    QuarantineStatus.PENDING.value: N_("Waiting for a decision"),
    QuarantineStatus.RELEASED.value: N_("Filed as a report"),
    QuarantineStatus.DISCARDED.value: N_("Discarded by a coordinator"),
}
# The status the reporter gives on the initial report (form 03).
STATUSES_AT_REPORT: dict[str, str] = {
    "ongoing": N_("Ongoing"),
    "contained": N_("Contained"),
    "resolved": N_("Resolved"),
    "unknown": N_("Unknown"),
}
PARTICIPANT_ROLES: dict[str, str] = {
    ParticipantRole.COMMANDER.value: N_("Commander"),
    ParticipantRole.LIAISON.value: N_("Liaison"),
    ParticipantRole.RESPONDER.value: N_("Responder"),
    ParticipantRole.OBSERVER.value: N_("Observer"),
    ParticipantRole.REPORTER.value: N_("Reporter"),
}
EVIDENCE_ROLES: dict[str, str] = {
    EvidenceRole.CUSTODIAN.value: N_("Evidence custodian"),
    EvidenceRole.ANALYST.value: N_("Evidence analyst"),
    EvidenceRole.OBSERVER.value: N_("Evidence observer"),
}
TASK_STATUSES: dict[str, str] = {
    TaskStatus.OPEN.value: N_("Open"),
    TaskStatus.IN_PROGRESS.value: N_("In progress"),
    TaskStatus.DONE.value: N_("Done"),
    TaskStatus.CANCELLED.value: N_("Cancelled"),
}
SERIOUS_CRITERIA: dict[str, str] = {
    "service_interruption": N_("Service interruption"),
    "state_secret_disclosure": N_("Possible disclosure of state secrets"),
    "integrity_unrecoverable": N_("Unrecoverable loss of integrity"),
    "loss_of_control": N_("Loss of control of the system"),
    "wide_spread": N_("Wide spread"),
}
IMPACT_FUNCTIONAL: dict[str, str] = {
    "none": N_("None"),
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
}
IMPACT_INFORMATION: dict[str, str] = {
    "none": N_("None"),
    "privacy": N_("Privacy breach"),
    "proprietary": N_("Proprietary breach"),
    "integrity": N_("Integrity loss"),
}
IMPACT_RECOVERABILITY: dict[str, str] = {
    "regular": N_("Regular"),
    "supplemented": N_("Supplemented"),
    "extended": N_("Extended"),
    "not_recoverable": N_("Not recoverable"),
}
OBSERVABLE_KINDS: dict[str, str] = {
    ObservableKind.IP.value: N_("IP address"),
    ObservableKind.DOMAIN.value: N_("Domain"),
    ObservableKind.URL.value: N_("URL"),
    ObservableKind.EMAIL.value: N_("Email address"),
    ObservableKind.MD5.value: "MD5",
    ObservableKind.SHA1.value: "SHA-1",
    ObservableKind.SHA256.value: "SHA-256",
}
# The moments a deadline rule counts from, and the conditions under which it applies
# (incident.deadlines.ANCHORS and CONDITIONS).
DEADLINE_ANCHORS: dict[str, str] = {
    "detected": N_("Detection"),
    "reported": N_("The report"),
    "opened": N_("Opening the incident"),
    "ransom_paid": N_("Payment of a ransom"),
}
DEADLINE_CONDITIONS: dict[str, str] = {
    "serious": N_("The incident is serious"),
    "normal": N_("The incident is normal"),
    "major": N_("A major incident"),
    "ransom_paid": N_("A ransom was paid"),
}
DEADLINE_SATISFIED_BY: dict[str, str] = {
    "report": N_("met by the report"),
    "closing": N_("met by the closing report"),
    "manual": N_("marked by a participant"),
}
# ENISA RSIT (csirtnet.vocabulary.rsit): the classes, and every type by its machine value.
RSIT_CLASSES: dict[str, str] = {
    "abusive-content": N_("Abusive content"),
    "malicious-code": N_("Malicious code"),
    "information-gathering": N_("Information gathering"),
    "intrusion-attempts": N_("Intrusion attempts"),
    "intrusions": N_("Intrusions"),
    "availability": N_("Availability"),
    "information-content-security": N_("Information content security"),
    "fraud": N_("Fraud"),
    "vulnerable": N_("Vulnerable"),
    "other": N_("Other"),
    "test": N_("Test"),
}
RSIT_TYPES: dict[str, str] = {
    "spam": N_("Spam"),
    "harmful-speech": N_("Harmful speech"),
    "violence": N_("(Child) sexual exploitation, sexual or violent content"),
    "infected-system": N_("Infected system"),
    "c2-server": N_("Command-and-control server"),
    "malware-distribution": N_("Malware distribution"),
    "malware-configuration": N_("Malware configuration"),
    "scanner": N_("Scanning"),
    "sniffing": N_("Sniffing"),
    "social-engineering": N_("Social engineering"),
    "ids-alert": N_("Exploitation of known vulnerabilities"),
    "brute-force": N_("Login attempts"),
    "exploit": N_("New attack signature"),
    "privileged-account-compromise": N_("Privileged account compromise"),
    "unprivileged-account-compromise": N_("Unprivileged account compromise"),
    "application-compromise": N_("Application compromise"),
    "system-compromise": N_("System compromise"),
    "burglary": N_("Burglary"),
    "dos": N_("Denial of service"),
    "ddos": N_("Distributed denial of service"),
    "misconfiguration": N_("Misconfiguration"),
    "sabotage": N_("Sabotage"),
    "outage": N_("Outage"),
    "unauthorised-information-access": N_("Unauthorised access to information"),
    "unauthorised-information-modification": N_("Unauthorised modification of information"),
    "data-loss": N_("Data loss"),
    "data-leak": N_("Leak of confidential information"),
    "unauthorised-use-of-resources": N_("Unauthorised use of resources"),
    "copyright": N_("Copyright"),
    "masquerade": N_("Masquerade"),
    "phishing": N_("Phishing"),
    "weak-crypto": N_("Weak cryptography"),
    "ddos-amplifier": N_("DDoS amplifier"),
    "potentially-unwanted-accessible": N_("Potentially unwanted accessible services"),
    "information-disclosure": N_("Information disclosure"),
    "vulnerable-system": N_("Vulnerable system"),
    "other": N_("Uncategorised"),
    "undetermined": N_("Undetermined"),
    "test": N_("Test"),
}


def rsit(klass: str | None, type_: str | None, language: str) -> str:
    """ "Intrusions / Application compromise" in the reader's language; "" when unclassified."""
    if not klass:
        return ""
    parts = [name(RSIT_CLASSES, klass, language)]
    if type_:
        parts.append(name(RSIT_TYPES, type_, language))
    return " / ".join(parts)


# How a change reads in an incident's timeline, by the change's action ({names} are its values).
TIMELINE_CHANGES: dict[str, str] = {
    "incident.opened": N_("Incident opened from report {report}"),
    "incident.classified": N_("Classification changed: {changes}"),
    "incident.phase_changed": N_("Phase: {from_phase} → {to_phase}"),
    "incident.report_attached": N_("Report {report} attached"),
    "incident.linked": N_("Linked with another incident"),
    "incident.participant_added": N_("Participant added: {person} as {role}"),
    "incident.participant_ended": N_("Participation ended: {person}"),
    "incident.evidence_role_changed": N_("Evidence role of {person}: {evidence_role}"),
    "incident.task_created": N_("Task created: {title}"),
    "incident.task_updated": N_("Task “{title}”: {changes}"),
    "incident.observable_added": N_("Observable added: {kind} {value}"),
    "incident.observables_added": N_("{count} observables added: {values}"),
    "incident.observable_removed": N_("Observable removed: {kind} {value}"),
    "incident.attachment_added": N_("File added: {name} ({tlp})"),
    "incident.attachment_removed": N_("File removed: {name} ({tlp})"),
    "incident.deadline_met": N_("Deadline met: {label}"),
    "incident.deadline_overdue": N_("Deadline overdue: {label}"),
    "mobilisation.request_raised": N_("Support request raised for {experts_needed} expert(s)"),
    "mobilisation.request_sent": N_("Support request sent to {organisation} (round {round})"),
    "mobilisation.request_accepted": N_("{organisation} accepted the support request: {experts}"),
    "mobilisation.request_declined": N_("{organisation} declined the support request: {reason}"),
    "mobilisation.request_expired": N_("{organisation} did not answer the support request in time"),
    "mobilisation.request_fulfilled": N_("Support request fulfilled"),
    "mobilisation.request_unfilled": N_("Support request could not be filled"),
    "mobilisation.request_cancelled": N_("Support request cancelled: {reason}"),
    "mobilisation.expert_deployed": N_("Expert deployed: {expert}"),
    "mobilisation.deployment_started": N_("Deployment started: {expert}"),
    "mobilisation.expert_released": N_("Expert released: {expert}"),
    "mobilisation.deployment_recorded": N_("Hours and outcome recorded for {expert}"),
}
# What the timeline calls the fields of an incident and of a task when it says what changed
# ("Severity: Normal → Serious"); TLP and PAP name themselves ("TLP:AMBER → TLP:RED").
CHANGED_FIELDS: dict[str, str] = {
    "title": N_("Title"),
    "description": N_("Description"),
    "rsit_class": N_("RSIT class"),
    "rsit_type": N_("RSIT type"),
    "severity": N_("Severity"),
    "severity_suggested": N_("Suggested severity"),
    "severity_reason": N_("Reason for the severity"),
    "serious_criteria": N_("Impact (Decision 05/2017/QĐ-TTg criteria)"),
    "is_major": N_("Major incident"),
    "sector": N_("Sector"),
    "province": N_("Province"),
    "impact_functional": N_("Functional impact"),
    "impact_information": N_("Information impact"),
    "impact_recoverability": N_("Recoverability"),
    "data_loss": N_("Data was lost"),
    "system_security_level": N_("Security level"),
    "system_on_national_list": N_("On the national list of important information systems"),
    "deadline_profile_key": N_("Deadline profile"),
    "shared_with_cluster_id": N_("Shared with cluster"),
    "ransom_paid_at": N_("Ransom paid"),
    "status": N_("Status"),
    "owner_id": N_("Owner"),
    "assignees": N_("Assignees"),
    "due_at": N_("Due"),
}

# -- mobilisation ------------------------------------------------------------------------------

URGENCIES: dict[str, str] = {
    Urgency.LOW.value: N_("Low"),
    Urgency.NORMAL.value: N_("Normal"),
    Urgency.HIGH.value: N_("High"),
    Urgency.CRITICAL.value: N_("Critical"),
}
MODES: dict[str, str] = {
    Mode.ON_SITE.value: N_("On site"),
    Mode.REMOTE.value: N_("Remote"),
}
REQUEST_STATUSES: dict[str, str] = {
    RequestStatus.OPEN.value: N_("Open"),
    RequestStatus.FULFILLED.value: N_("Fulfilled"),
    RequestStatus.UNFILLED.value: N_("Unfilled"),
    RequestStatus.CANCELLED.value: N_("Cancelled"),
}
TARGET_STATUSES: dict[str, str] = {
    TargetStatus.PENDING.value: N_("Waiting for an answer"),
    TargetStatus.ACCEPTED.value: N_("Accepted"),
    TargetStatus.DECLINED.value: N_("Declined"),
    TargetStatus.EXPIRED.value: N_("No answer in time"),
    TargetStatus.WITHDRAWN.value: N_("Withdrawn"),
}
DEPLOYMENT_STATUSES: dict[str, str] = {
    DeploymentStatus.PLANNED.value: N_("Planned"),
    DeploymentStatus.ACTIVE.value: N_("On the incident"),
    DeploymentStatus.RELEASED.value: N_("Released"),
}
SKILL_LEVELS: dict[int, str] = {1: N_("basic"), 2: N_("practitioner"), 3: N_("expert")}

# -- clusters ----------------------------------------------------------------------------------

ACTIVITY_KINDS: dict[str, str] = {
    PlanActivityKind.WORKSHOP.value: N_("Workshop"),
    PlanActivityKind.DRILL.value: N_("Drill"),
    PlanActivityKind.TRAINING.value: N_("Training"),
    PlanActivityKind.CHANNEL.value: N_("Information-exchange channel"),
    PlanActivityKind.OTHER.value: N_("Other"),
}
ACTIVITY_STATUSES: dict[str, str] = {
    PlanActivityStatus.PLANNED.value: N_("Planned"),
    PlanActivityStatus.IN_PROGRESS.value: N_("In progress"),
    PlanActivityStatus.DONE.value: N_("Done"),
    PlanActivityStatus.CANCELLED.value: N_("Cancelled"),
}
TERM_STATUSES: dict[str, str] = {
    "past": N_("Past"),
    "current": N_("Current"),
    "planned": N_("Planned"),
}
READINESS_CRITERIA: dict[str, str] = {
    ReadinessCriterion.ANTIMALWARE.value: N_("Anti-malware connected to national monitoring"),
    ReadinessCriterion.BACKUP.value: N_("Backup plan, restore tested in 12 months"),
    ReadinessCriterion.IR_TEAM.value: N_("Response team with 24/7 contact"),
    ReadinessCriterion.SYSTEMS.value: N_("Systems inventory with approved levels"),
    ReadinessCriterion.DRILLS.value: N_("Took part in a drill"),
    "no_record": N_("No readiness record"),
}
COVERAGE_GROUPINGS: dict[str, str] = {
    "cluster": N_("Cluster"),
    "sector": N_("Sector"),
    "province": N_("Province"),
}
CHANNEL_KINDS: dict[str, str] = {
    ChannelKind.NETWORK.value: N_("Whole network"),
    ChannelKind.CLUSTER.value: N_("Cluster"),
    ChannelKind.TOPIC.value: N_("Topic"),
}
EVENT_KINDS: dict[str, str] = {
    EventKind.WORKSHOP.value: N_("Workshop"),
    EventKind.SEMINAR.value: N_("Seminar"),
    EventKind.TRAINING.value: N_("Training"),
    EventKind.OTHER.value: N_("Other"),
}
KNOWLEDGE_KINDS: dict[str, str] = {
    KnowledgeKind.PLAYBOOK.value: N_("Playbook"),
    KnowledgeKind.LESSONS_LEARNED.value: N_("Lessons learned"),
    KnowledgeKind.MATERIAL.value: N_("Event material"),
    KnowledgeKind.REPORT.value: N_("Report"),
    KnowledgeKind.OTHER.value: N_("Other"),
}


# -- evidence ----------------------------------------------------------------------------------

EVIDENCE_KINDS: dict[str, str] = {
    EvidenceKind.DIGITAL.value: N_("Digital file"),
    EvidenceKind.PHYSICAL.value: N_("Physical item"),
}
EVIDENCE_TYPES: dict[str, str] = {
    EvidenceType.DISK_IMAGE.value: N_("Disk image"),
    EvidenceType.MEMORY_IMAGE.value: N_("Memory image"),
    EvidenceType.LOG.value: N_("Log file"),
    EvidenceType.PACKET_CAPTURE.value: N_("Packet capture"),
    EvidenceType.MAILBOX.value: N_("Mailbox"),
    EvidenceType.SCREENSHOT.value: N_("Screenshot"),
    EvidenceType.DOCUMENT.value: N_("Document"),
    EvidenceType.OTHER_FILE.value: N_("Other file"),
    EvidenceType.HARD_DISK.value: N_("Hard disk"),
    EvidenceType.PHONE.value: N_("Phone"),
    EvidenceType.COMPUTER.value: N_("Computer"),
    EvidenceType.SERVER.value: N_("Server"),
    EvidenceType.STORAGE_MEDIA.value: N_("Storage media"),
    EvidenceType.OTHER_DEVICE.value: N_("Other device"),
}
VOLATILITY: dict[str, str] = {
    Volatility.REGISTERS_CACHE.value: N_("1. Registers, cache"),
    Volatility.MEMORY.value: N_("2. Routing table, ARP cache, process table, kernel statistics, memory"),
    Volatility.TEMPORARY_FILES.value: N_("3. Temporary file systems"),
    Volatility.DISK.value: N_("4. Disk"),
    Volatility.REMOTE_LOGS.value: N_("5. Remote logging and monitoring data"),
    Volatility.PHYSICAL_CONFIGURATION.value: N_("6. Physical configuration, network topology"),
    Volatility.ARCHIVAL_MEDIA.value: N_("7. Archival media"),
}
ISO_STAGES: dict[str, str] = {
    IsoStage.IDENTIFICATION.value: N_("Identification"),
    IsoStage.COLLECTION.value: N_("Collection"),
    IsoStage.ACQUISITION.value: N_("Acquisition"),
    IsoStage.PRESERVATION.value: N_("Preservation"),
}
CUSTODY_ACTIONS: dict[str, str] = {
    CustodyAction.COLLECTED.value: N_("Collected"),
    CustodyAction.COPIED.value: N_("Copied"),
    CustodyAction.SEALED.value: N_("Sealed"),
    CustodyAction.TRANSFER_OFFERED.value: N_("Transfer offered"),
    CustodyAction.TRANSFER_ACKNOWLEDGED.value: N_("Transfer acknowledged"),
    CustodyAction.TRANSFER_DECLINED.value: N_("Transfer declined"),
    CustodyAction.TRANSFER_CANCELLED.value: N_("Transfer cancelled"),
    CustodyAction.CHECKED_OUT.value: N_("Checked out for analysis"),
    CustodyAction.CHECKED_IN.value: N_("Checked back in"),
    CustodyAction.ANALYSED.value: N_("Analysed"),
    CustodyAction.VIEWED.value: N_("Viewed"),
    CustodyAction.DOWNLOADED.value: N_("Downloaded"),
    CustodyAction.EXPORTED.value: N_("Exported for legal proceedings"),
    CustodyAction.RETURNED.value: N_("Returned"),
    CustodyAction.DISPOSED.value: N_("Disposed of"),
}
EVIDENCE_STATUSES: dict[str, str] = {
    EvidenceStatus.HELD.value: N_("Held"),
    EvidenceStatus.CHECKED_OUT.value: N_("Checked out"),
    EvidenceStatus.RETURNED.value: N_("Returned"),
    EvidenceStatus.DISPOSED.value: N_("Disposed of"),
}

# -- advisories --------------------------------------------------------------------------------

ADVISORY_KINDS: dict[str, str] = {
    AdvisoryKind.WARNING.value: N_("warning"),
    AdvisoryKind.ADVISORY.value: N_("advisory"),
}
ADVISORY_STATUSES: dict[str, str] = {
    AdvisoryStatus.DRAFT.value: N_("draft"),
    AdvisoryStatus.IN_REVIEW.value: N_("in review"),
    AdvisoryStatus.PUBLISHED.value: N_("published"),
    AdvisoryStatus.WITHDRAWN.value: N_("withdrawn"),
}
ADVISORY_SEVERITIES: dict[str, str] = {
    AdvisorySeverity.LOW.value: N_("low"),
    AdvisorySeverity.MEDIUM.value: N_("medium"),
    AdvisorySeverity.HIGH.value: N_("high"),
    AdvisorySeverity.CRITICAL.value: N_("critical"),
}
ACK_STATUSES: dict[str, str] = {
    AckStatus.PENDING.value: N_("not answered"),
    AckStatus.RECEIVED.value: N_("received"),
    AckStatus.APPLIED.value: N_("applied"),
    AckStatus.NOT_AFFECTED.value: N_("not affected"),
    AckStatus.NEEDS_HELP.value: N_("needs help"),
}
ADVISORY_FIELDS: dict[str, str] = {
    "kind": N_("Kind"),
    "title": N_("Title"),
    "summary": N_("Summary"),
    "body": N_("Details"),
    "severity": N_("Severity"),
    "tlp": "TLP",
    "pap": "PAP",
    "cvss_vector": N_("CVSS vector"),
    "cvss_score": N_("CVSS score"),
    "cve_ids": "CVE",
    "affected_products": N_("Affected products"),
    "indicators": N_("Indicators"),
    "recommended_actions": N_("Recommended actions"),
    "references": N_("References"),
    "csaf_document_ids": N_("Vendor CSAF advisories"),
    "deadline_at": N_("Deadline to act"),
}

# -- exercises (issue 16) -------------------------------------------------------------------------
from csirtnet.models.exercise import ExerciseKind, ExerciseScope, ExerciseStatus, StaffRole  # noqa: E402

EXERCISE_KINDS: dict[str, str] = {
    ExerciseKind.TABLETOP.value: N_("tabletop exercise"),
    ExerciseKind.TECHNICAL.value: N_("technical drill"),
    ExerciseKind.LIVE_FIRE.value: N_("live-fire exercise"),
    ExerciseKind.EXTERNAL.value: N_("outside drill"),
}
EXERCISE_SCOPES: dict[str, str] = {
    ExerciseScope.NATIONAL.value: N_("national"),
    ExerciseScope.CLUSTER.value: N_("cluster"),
    ExerciseScope.INTERNATIONAL.value: N_("international"),
}
EXERCISE_STATUSES: dict[str, str] = {
    ExerciseStatus.DRAFT.value: N_("draft"),
    ExerciseStatus.PUBLISHED.value: N_("published"),
    ExerciseStatus.RUNNING.value: N_("running"),
    ExerciseStatus.FINISHED.value: N_("finished"),
    ExerciseStatus.ARCHIVED.value: N_("archived"),
}
EXERCISE_STAFF_ROLES: dict[str, str] = {
    StaffRole.ORGANISER.value: N_("organiser"),
    StaffRole.CONTROLLER.value: N_("controller"),
    StaffRole.JUDGE.value: N_("judge"),
}
EXERCISE_SIDES: dict[str, str] = {
    "player": N_("player"),
    "attacker": N_("attacker"),
    "defender": N_("defender"),
}
INJECT_KINDS: dict[str, str] = {
    "text": N_("Scenario update"),
    "alert": N_("Simulated alert"),
    "email": N_("Simulated email"),
    "contact_check": N_("Contact check"),
}
INJECT_ANSWER_KINDS: dict[str, str] = {
    "text": N_("Text"),
    "file": N_("A file"),
    "incident_report": N_("An incident report"),
}
# live-fire (exercise/livefire)
FINDING_STATUSES: dict[str, str] = {
    "submitted": N_("waiting for a judge"),
    "valid": N_("validated"),
    "duplicate": N_("duplicate"),
    "invalid": N_("rejected"),
}
FINDING_SEVERITIES: dict[str, str] = {
    "critical": N_("critical"),
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
    "none": N_("none"),
}
REMEDIATION_STATUSES: dict[str, str] = {
    "open": N_("open"),
    "fixed": N_("fixed"),
    "accepted": N_("risk accepted"),
}
# indicators (intel): types, where an indicator came from, imports, subscriptions
INDICATOR_KINDS: dict[str, str] = {
    IndicatorKind.IPV4.value: N_("IPv4 address"),
    IndicatorKind.IPV6.value: N_("IPv6 address"),
    IndicatorKind.IPV4_NET.value: N_("IPv4 network"),
    IndicatorKind.IPV6_NET.value: N_("IPv6 network"),
    IndicatorKind.DOMAIN.value: N_("Domain"),
    IndicatorKind.HOSTNAME.value: N_("Hostname"),
    IndicatorKind.URL.value: N_("URL"),
    IndicatorKind.EMAIL.value: N_("Email address"),
    IndicatorKind.MD5.value: "MD5",
    IndicatorKind.SHA1.value: "SHA-1",
    IndicatorKind.SHA256.value: "SHA-256",
    IndicatorKind.SHA512.value: "SHA-512",
    IndicatorKind.FILENAME.value: N_("File name"),
    IndicatorKind.ASN.value: N_("AS number"),
    IndicatorKind.JA3.value: "JA3",
    IndicatorKind.JA4.value: "JA4",
    IndicatorKind.STIX_PATTERN.value: N_("STIX pattern"),
}
INDICATOR_ORIGINS: dict[str, str] = {
    IndicatorOrigin.MANUAL.value: N_("added by hand"),
    IndicatorOrigin.STIX.value: N_("a STIX bundle"),
    IndicatorOrigin.MISP.value: "MISP",
    IndicatorOrigin.TAXII.value: N_("a TAXII subscription"),
    IndicatorOrigin.ADVISORY.value: N_("an advisory"),
}
INTEL_IMPORT_FORMATS: dict[str, str] = {
    "stix": N_("STIX 2.1 bundle"),
    "misp-event": N_("MISP event"),
    "misp-feed": N_("MISP feed"),
}
INTEL_IMPORT_STATUSES: dict[str, str] = {
    "pending": N_("in progress"),
    "complete": N_("complete"),
    "failed": N_("failed"),
}
SUBSCRIPTION_DIRECTIONS: dict[str, str] = {
    "pull": N_("Pull: import the remote collection"),
    "push": N_("Push: send to the remote collection"),
}
