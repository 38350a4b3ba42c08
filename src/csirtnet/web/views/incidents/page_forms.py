"""The incident pages' forms, declared once on the one form path (csirtnet.web.forms): the incident
page's (classification, phase, closing, timeline, tasks, discussion, observables, files,
participants, links), the report page's triage, the list and queue filters and the deadline rules.
Choices that depend on the data (people, profiles, clusters, organisations) are given by the page."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from csirtnet.i18n import N_
from csirtnet.models import ObservableKind, TaskStatus
from csirtnet.vocabulary import PAP, TLP, labels
from csirtnet.web import forms
from csirtnet.web.forms import Field, Form

TLP_CHOICES = tuple((t.value, f"TLP:{t.value.upper()}") for t in TLP)
PAP_CHOICES = tuple((p.value, f"PAP:{p.value.upper()}") for p in PAP)
LEVELS = tuple((str(n), str(n)) for n in range(1, 6))

# The classification, as the incident page and the report page's triage both ask it. `rsit` is a
# class/type pair ("intrusions/system-compromise"), shown as one select grouped by class.
_CLASSIFICATION = [
    Field("rsit", N_("RSIT class / type"), kind="select", blank=N_("Not classified yet")),
    Field("system_security_level", N_("Security level (1–5)"), kind="select", choices=LEVELS, blank=N_("Not known")),
    Field("system_on_national_list", N_("On the national list of important information systems"), kind="checkbox"),
    Field(
        "serious_criteria",
        N_("Impact (Decision 05/2017/QĐ-TTg criteria)"),
        kind="multiselect",
        widget="checkboxes",
        choices=tuple(labels.SERIOUS_CRITERIA.items()),
        help=N_(
            "A system of level 4–5 (or on the national list) with any of these impacts makes the incident serious."
        ),
    ),
    Field(
        "severity",
        N_("Severity"),
        kind="select",
        choices=tuple(labels.SEVERITIES.items()),
        blank=N_("As suggested by the criteria"),
    ),
    Field(
        "severity_reason",
        N_("Reason, when overriding the suggestion"),
        help=N_("Needed when the severity differs from what the criteria suggest."),
        attrs={"maxlength": "2000"},
    ),
    Field("is_major", N_("Major incident (coordinator's statistics)"), kind="checkbox"),
    Field("tlp", "TLP", kind="select", choices=TLP_CHOICES),
    Field("pap", "PAP", kind="select", choices=PAP_CHOICES),
    Field("sector", N_("Sector"), attrs={"maxlength": "80"}),
    Field("province", N_("Province"), attrs={"maxlength": "80"}),
    Field(
        "impact_functional",
        N_("Functional impact"),
        kind="select",
        choices=tuple(labels.IMPACT_FUNCTIONAL.items()),
        blank="—",
    ),
    Field(
        "impact_information",
        N_("Information impact"),
        kind="select",
        choices=tuple(labels.IMPACT_INFORMATION.items()),
        blank="—",
    ),
    Field(
        "impact_recoverability",
        N_("Recoverability"),
        kind="select",
        choices=tuple(labels.IMPACT_RECOVERABILITY.items()),
        blank="—",
    ),
    Field("data_loss", N_("Data was lost"), kind="checkbox"),
    Field("deadline_profile_key", N_("Deadline profile"), kind="select"),
    Field("shared_with_cluster_id", N_("Share with cluster"), kind="select", blank=N_("Not shared")),
]
_CLASSIFICATION_LOCATIONS = {"rsit_class": "rsit", "rsit_type": "rsit"}

CLASSIFY = Form("incident-classify", _CLASSIFICATION, locations=_CLASSIFICATION_LOCATIONS)
OPEN_FROM_REPORT = Form(
    "report-open",
    [
        Field("title", N_("Title"), help=N_("Empty: the report's title."), attrs={"maxlength": "300"}),
        Field("reporting_organisation_id", N_("Reporting organisation"), kind="select", blank="—"),
        *_CLASSIFICATION,
    ],
    locations=_CLASSIFICATION_LOCATIONS,
)
ATTACH_REPORT = Form(
    "report-attach",
    [
        Field(
            "incident",
            N_("Incident reference"),
            required=True,
            help=N_("For example SC-2026-000001."),
            attrs={"maxlength": "40"},
        )
    ],
    locations={"incident_id": "incident"},
)
REJECT_REPORT = Form(
    "report-reject",
    [Field("reason", N_("Why it is rejected (the reporter reads this)"), kind="textarea", required=True)],
)

PHASE = Form(
    "incident-phase",
    [
        Field("phase", N_("Move to"), kind="select", required=True),
        Field("note", N_("Note"), attrs={"maxlength": "2000"}),
    ],
)
CLOSE = Form(
    "incident-close",
    [
        Field("result", N_("Result of the response"), kind="textarea", required=True),
        Field("root_cause", N_("Root cause"), kind="textarea", required=True),
        Field("actions_taken", N_("Actions taken"), kind="textarea", required=True),
        Field("lessons_learned", N_("Lessons learned"), kind="textarea", required=True),
    ],
    locations={
        "closing_report.result": "result",
        "closing_report.root_cause": "root_cause",
        "closing_report.actions_taken": "actions_taken",
        "closing_report.lessons_learned": "lessons_learned",
        "closing_report": "result",
    },
)

TIMELINE = Form(
    "incident-timeline",
    [
        Field("occurred_at", N_("When"), kind="datetime", required=True),
        Field("text", N_("What happened"), kind="textarea", required=True, attrs={"maxlength": "4000", "rows": "2"}),
    ],
    locations={"timezone": "occurred_at"},
)

TASK_STATUS_CHOICES = tuple((s.value, labels.TASK_STATUSES[s.value]) for s in TaskStatus)
TASK_NEW = Form(
    "incident-task",
    [
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "4000", "rows": "3"}),
        Field("owner_id", N_("Owner"), kind="select", blank="—"),
        Field("assignee_ids", N_("Assignees"), kind="multiselect", widget="checkboxes"),
        Field("due_at", N_("Due"), kind="datetime"),
    ],
)
TASK_UPDATE = Form(
    "incident-task-update",
    [
        Field("status", N_("Status"), kind="select", choices=TASK_STATUS_CHOICES, required=True),
        Field(
            "note",
            N_("What was done"),
            kind="textarea",
            help=N_("Kept in the task's log with your name and the time."),
            attrs={"maxlength": "4000", "rows": "3"},
        ),
    ],
)
TASK_ASSIGN = Form(
    "incident-task-assign",
    [
        Field("owner_id", N_("Owner"), kind="select", blank="—"),
        Field("assignee_ids", N_("Assignees"), kind="multiselect", widget="checkboxes"),
        Field("due_at", N_("Due"), kind="datetime"),
        Field("note", N_("Why (optional)"), attrs={"maxlength": "4000"}),
    ],
)

COMMENT = Form(
    "incident-comment",
    [
        Field(
            "body",
            N_("Message"),
            kind="textarea",
            required=True,
            help=N_("Mention someone with @email or @[Full Name]; they are notified."),
            attrs={"maxlength": "8000", "rows": "3"},
        )
    ],
)

OBSERVABLE = Form(
    "incident-observable",
    [
        Field(
            "kind",
            N_("Kind"),
            kind="select",
            choices=tuple((k.value, labels.OBSERVABLE_KINDS[k.value]) for k in ObservableKind),
            required=True,
        ),
        Field("value", N_("Value"), required=True, attrs={"maxlength": "2048"}),
        Field("tlp", "TLP", kind="select", choices=TLP_CHOICES, required=True),
        Field("note", N_("Note"), attrs={"maxlength": "1000"}),
    ],
)
OBSERVABLES_PASTE = Form(
    "incident-observables-paste",
    [
        Field(
            "text",
            N_("Paste observables"),
            kind="textarea",
            required=True,
            help=N_(
                "One or more per line: IP addresses, domains, URLs, email addresses, MD5, SHA-1 or SHA-256 "
                "hashes; defanged forms such as hxxp:// and 1.2.3[.]4 are understood."
            ),
            attrs={"rows": "8", "spellcheck": "false"},
        ),
        Field("tlp", "TLP", kind="select", choices=TLP_CHOICES, required=True),
        Field("note", N_("Note"), attrs={"maxlength": "1000"}),
    ],
)

ATTACHMENT = Form(
    "incident-attachment",
    [
        Field("file", N_("File"), kind="file", required=True),
        Field(
            "tlp",
            "TLP",
            kind="select",
            choices=TLP_CHOICES,
            required=True,
            help=N_("TLP:RED: only the people named on the incident see the file, its name included."),
        ),
        Field("note", N_("Note"), attrs={"maxlength": "1000"}),
    ],
)

PARTICIPANT = Form(
    "incident-participant",
    [
        Field("email", N_("User's email"), kind="email", attrs={"maxlength": "254"}),
        Field("organisation_code", N_("…or a whole organisation (member code)"), attrs={"maxlength": "40"}),
        Field("role", N_("Role"), kind="select", choices=tuple(labels.PARTICIPANT_ROLES.items()), required=True),
        Field(
            "evidence_role",
            N_("Evidence role"),
            kind="select",
            choices=tuple(labels.EVIDENCE_ROLES.items()),
            blank=N_("None: sees no evidence"),
            help=N_("Only a named user gets one; custodians and analysts handle the incident's evidence."),
        ),
        Field("ends_at", N_("Access ends (optional)"), kind="datetime"),
    ],
    locations={"user_id": "email", "organisation_id": "organisation_code", "starts_at": "ends_at"},
)

LINK = Form(
    "incident-link",
    [
        Field(
            "other",
            N_("Incident reference"),
            required=True,
            help=N_("For example SC-2026-000001."),
            attrs={"maxlength": "40"},
        ),
        Field("note", N_("Note"), attrs={"maxlength": "1000"}),
    ],
    locations={"other_incident_id": "other"},
)

YES_NO_ANY = (("", N_("Any")), ("1", N_("Yes")), ("0", N_("No")))
INCIDENT_FILTERS = Form(
    "incident-filters",
    [
        Field("q", N_("Search"), kind="text", attrs={"maxlength": "200", "type": "search"}),
        Field("phase", N_("Phase"), kind="select", choices=tuple(labels.PHASES.items()), blank=N_("Any")),
        Field("severity", N_("Severity"), kind="select", choices=tuple(labels.SEVERITIES.items()), blank=N_("Any")),
        Field(
            "rsit_class", N_("RSIT class"), kind="select", choices=tuple(labels.RSIT_CLASSES.items()), blank=N_("Any")
        ),
        Field("province", N_("Province"), kind="select", blank=N_("Any")),
        Field("organisation_id", N_("Reporting organisation"), kind="select", blank=N_("Any")),
        Field("overdue", N_("Overdue"), kind="select", choices=YES_NO_ANY[1:], blank=N_("Any")),
        Field("mine", N_("Only incidents I take part in"), kind="checkbox"),
    ],
)
REPORT_FILTERS = Form(
    "report-filters",
    [
        Field("status", N_("Status"), kind="select", choices=tuple(labels.REPORT_STATUSES.items()), blank=N_("Any")),
        Field("q", N_("Search"), attrs={"maxlength": "200"}),
    ],
)

DEADLINE_RULE = Form(
    "deadline-rule",
    [
        Field("profile", N_("Profile"), kind="select", required=True),
        Field(
            "key",
            N_("Rule key"),
            required=True,
            help=N_("Letters, digits, - and _; an existing key changes that rule."),
            attrs={"maxlength": "40"},
        ),
        Field("label_vi", N_("Label (Vietnamese)"), required=True, attrs={"maxlength": "200"}),
        Field("label_en", N_("Label (English)"), required=True, attrs={"maxlength": "200"}),
        Field(
            "anchor",
            N_("Counted from"),
            required=True,
            help=N_("A moment of the incident, or the key of an earlier rule of the profile."),
            attrs={"list": "anchors", "maxlength": "40"},
        ),
        Field(
            "offset_minutes",
            N_("Offset (minutes)"),
            kind="number",
            help=N_("Empty: due when the response ends. A day is 1440."),
            attrs={"min": "0"},
        ),
        Field(
            "condition",
            N_("Applies when"),
            kind="select",
            choices=tuple(labels.DEADLINE_CONDITIONS.items()),
            blank=N_("always"),
        ),
        Field(
            "satisfied_by",
            N_("Met by"),
            kind="select",
            choices=tuple(labels.DEADLINE_SATISFIED_BY.items()),
            required=True,
        ),
        Field("remind_before_minutes", N_("Reminder before (minutes)"), kind="number", attrs={"min": "0"}),
    ],
)


def classification_values(form: forms.BoundForm, sent: Collection[str]) -> dict[str, Any]:
    """The classification form as `Classification` input: the RSIT pair split, an empty choice
    meaning "not set" for optional fields and "as suggested" for the severity. A field the request
    did not carry at all (`sent` are the names it did) is left as it is."""
    values = form.values(*(f.name for f in _CLASSIFICATION if f.kind in ("checkbox", "multiselect") or f.name in sent))
    values.setdefault("rsit", None)
    if "rsit" not in sent:
        values.pop("rsit")
        return _drop_unset(values)
    klass, _, kind = (values.pop("rsit") or "").partition("/")
    values["rsit_class"], values["rsit_type"] = (klass or None), (kind or None)
    return _drop_unset(values)


def _drop_unset(values: dict[str, Any]) -> dict[str, Any]:
    # Not sent, or empty: the severity as suggested; TLP, PAP and the profile as they are (or default).
    for name in ("severity", "severity_reason", "tlp", "pap", "deadline_profile_key"):
        if values.get(name) is None:
            values.pop(name, None)
    return values


def classification_initial(c: Any, *, default_profile: str | None = None) -> dict[str, Any]:
    """What the classification form shows first for an incident or a report (`c`)."""
    rsit = f"{c.rsit_class}/{c.rsit_type}" if getattr(c, "rsit_class", None) and getattr(c, "rsit_type", None) else ""
    overridden = bool(getattr(c, "severity_reason", None))
    tlp = getattr(c, "tlp", None) or ("red" if getattr(c, "confidential", False) else "amber")
    return {
        "rsit": rsit,
        "system_security_level": getattr(c, "system_security_level", None),
        "system_on_national_list": getattr(c, "system_on_national_list", False),
        "serious_criteria": getattr(c, "serious_criteria", None) or [],
        "severity": getattr(c, "severity", None) if overridden else None,
        "severity_reason": getattr(c, "severity_reason", None),
        "is_major": getattr(c, "is_major", False),
        "tlp": tlp,
        "pap": getattr(c, "pap", None) or "amber",
        "sector": getattr(c, "sector", None),
        "province": getattr(c, "province", None),
        "impact_functional": getattr(c, "impact_functional", None),
        "impact_information": getattr(c, "impact_information", None),
        "impact_recoverability": getattr(c, "impact_recoverability", None),
        "data_loss": getattr(c, "data_loss", False),
        "deadline_profile_key": getattr(c, "deadline_profile_key", None) or default_profile,
        "shared_with_cluster_id": getattr(c, "shared_with_cluster_id", None),
    }
