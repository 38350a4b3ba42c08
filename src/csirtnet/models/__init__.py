"""Every table, one module each, on one metadata. Import a model from here or from its module."""

from csirtnet.models.advisory import (
    AckStatus,
    Advisory,
    AdvisoryDelivery,
    AdvisoryKind,
    AdvisoryRecipient,
    AdvisorySeverity,
    AdvisoryStatus,
    AdvisoryVersion,
)
from csirtnet.models.application import (
    ApplicantKind,
    ApplicationDocument,
    ApplicationMessage,
    ApplicationStatus,
    MembershipApplication,
)
from csirtnet.models.audit import AuditRecord
from csirtnet.models.base import Base
from csirtnet.models.channel import (
    Channel,
    ChannelDigestState,
    ChannelKind,
    ChannelMessage,
    ChannelMessageAttachment,
    ChannelMessageMention,
    ChannelMessageRecipient,
    ChannelOrganisation,
    ChannelThread,
)
from csirtnet.models.cluster import Cluster, ClusterLeadTerm, ClusterMember
from csirtnet.models.cluster_handover import ClusterHandover, ClusterHandoverDocument
from csirtnet.models.cluster_plan import ClusterPlan, ClusterPlanActivity, PlanActivityKind, PlanActivityStatus
from csirtnet.models.constituency import ClaimKind, ClaimStatus, ConstituencyClaim
from csirtnet.models.contact import ContactRole, OrganisationContact
from csirtnet.models.credential import ApiToken, LoginAttempt, PasswordReset, RecoveryCode, WebSession
from csirtnet.models.csaf_document import CsafDocument, CsafSource
from csirtnet.models.data_version import DataVersion
from csirtnet.models.deadline_profile import DeadlineProfile, DeadlineRule, IncidentDeadline
from csirtnet.models.declared_product import DeclaredProduct, product_key
from csirtnet.models.deployment import Deployment, DeploymentStatus
from csirtnet.models.event import EventKind, EventRegistration, NetworkEvent
from csirtnet.models.evidence import (
    DIGITAL_TYPES,
    CustodyAction,
    EvidenceCheck,
    EvidenceContent,
    EvidenceCustodyEntry,
    EvidenceItem,
    EvidenceKind,
    EvidenceRole,
    EvidenceStatus,
    EvidenceType,
    IsoStage,
    Volatility,
)
from csirtnet.models.exercise import (
    AfterActionReport,
    AnswerKind,
    Award,
    Challenge,
    ChallengeFile,
    ChallengeFlag,
    ChallengeHint,
    DefenceReport,
    Exercise,
    ExerciseKind,
    ExerciseLesson,
    ExerciseScope,
    ExerciseStaff,
    ExerciseStatus,
    ExerciseTeam,
    ExerciseTeamMember,
    ExternalResult,
    Finding,
    FindingStatus,
    HintUnlock,
    Inject,
    InjectAnswer,
    InjectFile,
    InjectKind,
    RemediationStatus,
    ScoringFunction,
    Solve,
    StaffRole,
    Submission,
    Target,
)
from csirtnet.models.expert import Expert, ExpertSkill
from csirtnet.models.incident import Incident, Phase
from csirtnet.models.incident_attachment import IncidentAttachment
from csirtnet.models.incident_comment import IncidentComment
from csirtnet.models.incident_indexes import KEYSET_INDEXES
from csirtnet.models.incident_link import IncidentLink, LinkKind
from csirtnet.models.incident_observable import IncidentObservable, ObservableKind
from csirtnet.models.incident_participant import IncidentParticipant, ParticipantRole
from csirtnet.models.incident_report import IncidentReport, IncidentReportAttachment, ReportChannel, ReportStatus
from csirtnet.models.incident_task import IncidentTask, IncidentTaskAssignee, TaskStatus
from csirtnet.models.incident_task_update import IncidentTaskUpdate
from csirtnet.models.incident_timeline import IncidentTimelineEntry
from csirtnet.models.information_system import InformationSystem
from csirtnet.models.intake_quarantine import QuarantinedMessage, QuarantineReason, QuarantineSource, QuarantineStatus
from csirtnet.models.job import Job, JobStatus
from csirtnet.models.knowledge import KnowledgeDocument, KnowledgeFile, KnowledgeKind
from csirtnet.models.notification import Notification, NotificationPreference, WebhookEndpoint
from csirtnet.models.organisation import Organisation, OrganisationKind, OrganisationStatus
from csirtnet.models.readiness import (
    ReadinessAction,
    ReadinessCriterion,
    ReadinessDrill,
    ReadinessEvidence,
    ReadinessRecord,
)
from csirtnet.models.service_offer import ServiceOffer
from csirtnet.models.stored_file import StoredFile
from csirtnet.models.support_request import Mode, RequestStatus, SupportRequest, Urgency
from csirtnet.models.support_request_target import SupportRequestTarget, TargetStatus
from csirtnet.models.user import User, UserRole
from csirtnet.models.vulnerability import Vulnerability

__all__ = [
    "DIGITAL_TYPES",
    "KEYSET_INDEXES",
    "AckStatus",
    "Advisory",
    "AdvisoryDelivery",
    "AdvisoryKind",
    "AdvisoryRecipient",
    "AdvisorySeverity",
    "AdvisoryStatus",
    "AdvisoryVersion",
    "AfterActionReport",
    "AnswerKind",
    "ApiToken",
    "ApplicantKind",
    "ApplicationDocument",
    "ApplicationMessage",
    "ApplicationStatus",
    "AuditRecord",
    "Award",
    "Base",
    "Challenge",
    "ChallengeFile",
    "ChallengeFlag",
    "ChallengeHint",
    "Channel",
    "ChannelDigestState",
    "ChannelKind",
    "ChannelMessage",
    "ChannelMessageAttachment",
    "ChannelMessageMention",
    "ChannelMessageRecipient",
    "ChannelOrganisation",
    "ChannelThread",
    "ClaimKind",
    "ClaimStatus",
    "Cluster",
    "ClusterHandover",
    "ClusterHandoverDocument",
    "ClusterLeadTerm",
    "ClusterMember",
    "ClusterPlan",
    "ClusterPlanActivity",
    "ConstituencyClaim",
    "ContactRole",
    "CsafDocument",
    "CsafSource",
    "CustodyAction",
    "DataVersion",
    "DeadlineProfile",
    "DeadlineRule",
    "DeclaredProduct",
    "DefenceReport",
    "Deployment",
    "DeploymentStatus",
    "EventKind",
    "EventRegistration",
    "EvidenceCheck",
    "EvidenceContent",
    "EvidenceCustodyEntry",
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceRole",
    "EvidenceStatus",
    "EvidenceType",
    "Exercise",
    "ExerciseKind",
    "ExerciseLesson",
    "ExerciseScope",
    "ExerciseStaff",
    "ExerciseStatus",
    "ExerciseTeam",
    "ExerciseTeamMember",
    "Expert",
    "ExpertSkill",
    "ExternalResult",
    "Finding",
    "FindingStatus",
    "HintUnlock",
    "Incident",
    "IncidentAttachment",
    "IncidentComment",
    "IncidentDeadline",
    "IncidentLink",
    "IncidentObservable",
    "IncidentParticipant",
    "IncidentReport",
    "IncidentReportAttachment",
    "IncidentTask",
    "IncidentTaskAssignee",
    "IncidentTaskUpdate",
    "IncidentTimelineEntry",
    "InformationSystem",
    "Inject",
    "InjectAnswer",
    "InjectFile",
    "InjectKind",
    "IsoStage",
    "Job",
    "JobStatus",
    "KnowledgeDocument",
    "KnowledgeFile",
    "KnowledgeKind",
    "LinkKind",
    "LoginAttempt",
    "MembershipApplication",
    "Mode",
    "NetworkEvent",
    "Notification",
    "NotificationPreference",
    "ObservableKind",
    "Organisation",
    "OrganisationContact",
    "OrganisationKind",
    "OrganisationStatus",
    "ParticipantRole",
    "PasswordReset",
    "Phase",
    "PlanActivityKind",
    "PlanActivityStatus",
    "QuarantineReason",
    "QuarantineSource",
    "QuarantineStatus",
    "QuarantinedMessage",
    "ReadinessAction",
    "ReadinessCriterion",
    "ReadinessDrill",
    "ReadinessEvidence",
    "ReadinessRecord",
    "RecoveryCode",
    "RemediationStatus",
    "ReportChannel",
    "ReportStatus",
    "RequestStatus",
    "ScoringFunction",
    "ServiceOffer",
    "Solve",
    "StaffRole",
    "StoredFile",
    "Submission",
    "SupportRequest",
    "SupportRequestTarget",
    "Target",
    "TargetStatus",
    "TaskStatus",
    "Urgency",
    "User",
    "UserRole",
    "Volatility",
    "Vulnerability",
    "WebSession",
    "WebhookEndpoint",
    "product_key",
]
