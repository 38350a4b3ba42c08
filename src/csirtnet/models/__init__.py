"""Every table, one module each, on one metadata. Import a model from here or from its module."""

from csirtnet.models.audit import AuditRecord
from csirtnet.models.base import Base
from csirtnet.models.cluster import Cluster, ClusterLeadTerm, ClusterMember
from csirtnet.models.credential import ApiToken, LoginAttempt, PasswordReset, RecoveryCode, WebSession
from csirtnet.models.expert import Expert, ExpertSkill
from csirtnet.models.job import Job, JobStatus
from csirtnet.models.notification import Notification, NotificationPreference, WebhookEndpoint
from csirtnet.models.organisation import Organisation, OrganisationKind, OrganisationStatus
from csirtnet.models.stored_file import StoredFile
from csirtnet.models.user import User, UserRole

__all__ = [
    "ApiToken",
    "AuditRecord",
    "Base",
    "Cluster",
    "ClusterLeadTerm",
    "ClusterMember",
    "Expert",
    "ExpertSkill",
    "Job",
    "JobStatus",
    "LoginAttempt",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "OrganisationKind",
    "OrganisationStatus",
    "PasswordReset",
    "RecoveryCode",
    "StoredFile",
    "User",
    "UserRole",
    "WebSession",
    "WebhookEndpoint",
]
