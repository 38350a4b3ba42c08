"""Every stored code a user may see has a name in csirtnet.vocabulary.labels, and every name a
Vietnamese translation: a new enum value cannot reach a page, an email or a PDF as a raw code."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources

import pytest
from babel.messages.extract import extract_from_file

from csirtnet import i18n
from csirtnet import models as m
from csirtnet.vocabulary import TLP, Role, Severity, labels, rsit

# (the enum, its table): every member must be named.
NAMED: list[tuple[type[StrEnum], dict[str, str]]] = [
    (Role, labels.ROLES),
    (Severity, labels.SEVERITIES),
    (TLP, labels.TLP_HELP),
    (m.OrganisationKind, labels.ORGANISATION_KINDS),
    (m.OrganisationStatus, labels.ORGANISATION_STATUSES),
    (m.contact.ContactRole, labels.CONTACT_ROLES),
    (m.application.ApplicationStatus, labels.APPLICATION_STATUSES),
    (m.application.ApplicantKind, labels.APPLICANT_KINDS),
    (m.constituency.ClaimKind, labels.CLAIM_KINDS),
    (m.job.JobStatus, labels.JOB_STATUSES),
    (m.incident.Phase, labels.PHASES),
    (m.ReportStatus, labels.REPORT_STATUSES),
    (m.ReportChannel, labels.REPORT_CHANNELS),
    (m.QuarantineReason, labels.QUARANTINE_REASONS),
    (m.QuarantineSource, labels.QUARANTINE_SOURCES),
    (m.QuarantineStatus, labels.QUARANTINE_STATUSES),
    (m.incident_participant.ParticipantRole, labels.PARTICIPANT_ROLES),
    (m.incident_task.TaskStatus, labels.TASK_STATUSES),
    (m.incident_observable.ObservableKind, labels.OBSERVABLE_KINDS),
    (m.Urgency, labels.URGENCIES),
    (m.Mode, labels.MODES),
    (m.RequestStatus, labels.REQUEST_STATUSES),
    (m.TargetStatus, labels.TARGET_STATUSES),
    (m.DeploymentStatus, labels.DEPLOYMENT_STATUSES),
    (m.PlanActivityKind, labels.ACTIVITY_KINDS),
    (m.PlanActivityStatus, labels.ACTIVITY_STATUSES),
    (m.ReadinessCriterion, labels.READINESS_CRITERIA),
    (m.ChannelKind, labels.CHANNEL_KINDS),
    (m.event.EventKind, labels.EVENT_KINDS),
    (m.knowledge.KnowledgeKind, labels.KNOWLEDGE_KINDS),
    (m.ExerciseKind, labels.EXERCISE_KINDS),
    (m.ExerciseScope, labels.EXERCISE_SCOPES),
    (m.ExerciseStatus, labels.EXERCISE_STATUSES),
    (m.exercise.StaffRole, labels.EXERCISE_STAFF_ROLES),
    (m.exercise.InjectKind, labels.INJECT_KINDS),
    (m.AnswerKind, labels.INJECT_ANSWER_KINDS),
    (m.exercise.FindingStatus, labels.FINDING_STATUSES),
    (m.exercise.RemediationStatus, labels.REMEDIATION_STATUSES),
]


@pytest.mark.parametrize(("enum", "table"), NAMED, ids=lambda v: getattr(v, "__name__", ""))
def test_every_value_of_a_shown_enum_is_named(enum: type[StrEnum], table: dict[str, str]) -> None:
    assert sorted(v.value for v in enum if v.value not in table) == []


def test_every_rsit_class_and_type_is_named() -> None:
    taxonomy = rsit.taxonomy()
    assert sorted(set(taxonomy) - set(labels.RSIT_CLASSES)) == []
    types = {t for entries in taxonomy.values() for t in entries}
    assert sorted(types - set(labels.RSIT_TYPES)) == []


def test_every_name_has_a_vietnamese_translation() -> None:
    """Every N_() name of labels.py is in the Vietnamese catalog (the plain strings are the same in
    every language: TLP:RED, MD5)."""
    catalog = i18n.merged_catalog("vi")
    assert catalog is not None
    source = str(resources.files("csirtnet").joinpath("vocabulary/labels.py"))
    msgids = [str(m) for _line, m, _c, _x in extract_from_file("python", source, keywords={"N_": None})]
    assert len(msgids) > 150
    missing = [msgid for msgid in msgids if msgid not in catalog or not catalog[msgid].string]
    assert missing == []


def test_a_name_is_given_in_the_readers_language_and_free_text_as_typed() -> None:
    assert labels.name(labels.SECTORS, "government", "vi") == "Cơ quan nhà nước"
    assert labels.name(labels.SECTORS, "government", "en") == "Government"
    assert labels.name(labels.SECTORS, "hàng không", "vi") == "hàng không"
    assert labels.rsit("intrusions", "application-compromise", "vi") == "Xâm nhập / Chiếm quyền ứng dụng"
    assert labels.rsit(None, None, "vi") == ""
