"""What every incident page shares: the labels of stored codes, the timeline's change texts, the
context every template gets, and running a form's change so that a refusal comes back as a flash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet import i18n
from csirtnet.errors import AppError
from csirtnet.i18n import N_
from csirtnet.incident import forms
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import PAP, TLP, rsit
from csirtnet.web.render import redirect, request_language

T = TypeVar("T")

PHASE_LABELS = {
    "triage": N_("Triage"),
    "analysis": N_("Analysis"),
    "containment": N_("Containment"),
    "eradication": N_("Eradication"),
    "recovery": N_("Recovery"),
    "post_incident": N_("Post-incident"),
    "closed": N_("Closed"),
}
REPORT_STATUS_LABELS = {
    "new": N_("Waiting for triage"),
    "opened": N_("Incident opened"),
    "attached": N_("Attached to an incident"),
    "rejected": N_("Rejected"),
}
CHANNEL_LABELS = {"web": N_("Web"), "api": N_("API"), "public": N_("Public form"), "email": N_("Email")}
ROLE_LABELS = {
    "commander": N_("Commander"),
    "liaison": N_("Liaison"),
    "responder": N_("Responder"),
    "observer": N_("Observer"),
    "reporter": N_("Reporter"),
}
TASK_STATUS_LABELS = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "cancelled": N_("Cancelled"),
}
CRITERIA_LABELS = {
    "service_interruption": N_("Service interruption"),
    "state_secret_disclosure": N_("Possible disclosure of state secrets"),
    "integrity_unrecoverable": N_("Unrecoverable loss of integrity"),
    "loss_of_control": N_("Loss of control of the system"),
    "wide_spread": N_("Wide spread"),
}
IMPACT_FUNCTIONAL = {"none": N_("None"), "low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
IMPACT_INFORMATION = {
    "none": N_("None"),
    "privacy": N_("Privacy breach"),
    "proprietary": N_("Proprietary breach"),
    "integrity": N_("Integrity loss"),
}
IMPACT_RECOVERABILITY = {
    "regular": N_("Regular"),
    "supplemented": N_("Supplemented"),
    "extended": N_("Extended"),
    "not_recoverable": N_("Not recoverable"),
}
RSIT_CLASS_LABELS = {
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
OBSERVABLE_KINDS = {
    "ip": N_("IP address"),
    "domain": N_("Domain"),
    "url": N_("URL"),
    "email": N_("Email address"),
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
}
CHANGE_TEXT = {
    "incident.opened": N_("Incident opened from report {report}"),
    "incident.classified": N_("Classification changed: {fields}"),
    "incident.phase_changed": N_("Phase changed from {from_phase} to {to_phase}"),
    "incident.report_attached": N_("Report {report} attached"),
    "incident.linked": N_("Linked with another incident"),
    "incident.participant_added": N_("Participant added as {role}"),
    "incident.participant_ended": N_("A participation ended"),
    "incident.task_created": N_("Task created: {title}"),
    "incident.task_updated": N_("Task updated: {title}"),
    "incident.observable_added": N_("Observable added: {kind} {value}"),
    "incident.observable_removed": N_("Observable removed: {kind} {value}"),
    "incident.deadline_met": N_("Deadline met: {label}"),
    "incident.deadline_overdue": N_("Deadline overdue: {label}"),
}
SATISFIED_BY_LABELS = {
    "report": N_("met by the report"),
    "closing": N_("met by the closing report"),
    "manual": N_("marked by a participant"),
}


def tr(request: Request) -> Callable[[str], str]:
    lang = request_language(request)
    return lambda message: i18n.translate(lang, message)


def attempt(session: DbSession, change: Callable[[], T]) -> T:
    """Run a change in a savepoint, so a refused change leaves nothing behind in the request's
    transaction (which still commits what came before, e.g. the audit of a read)."""
    with session.begin_nested():
        return change()


def fail(request: Request, url: str, exc: AppError) -> Response:
    say = tr(request)
    detail = "; ".join(f"{e.field}: {say(e.message)}" for e in exc.errors) if exc.errors else say(exc.message)
    return redirect(url, flash=f"{say('Not saved')}: {detail}", kind="error")


def change_text(request: Request, action: str | None, details: dict[str, Any]) -> str:
    say = tr(request)
    template = CHANGE_TEXT.get(action or "")
    if template is None:
        return action or ""
    params = {k: v for k, v in details.items() if isinstance(v, str | int)}
    for key in ("from_phase", "to_phase"):
        if key in params:
            params[key] = say(PHASE_LABELS.get(str(params[key]), str(params[key])))
    if "role" in params:
        params["role"] = say(ROLE_LABELS.get(str(params["role"]), str(params["role"])))
    if "label" in details and request_language(request) == "en":
        params["label"] = details.get("label", "")
    params["fields"] = ", ".join(sorted((details.get("changes") or {}).keys()))
    try:
        return say(template).format(**params)
    except (KeyError, IndexError):
        return say(template)


def common(request: Request) -> dict[str, Any]:
    return {
        "phase_labels": PHASE_LABELS,
        "report_status_labels": REPORT_STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "role_labels": ROLE_LABELS,
        "task_status_labels": TASK_STATUS_LABELS,
        "criteria_labels": CRITERIA_LABELS,
        "rsit_class_labels": RSIT_CLASS_LABELS,
        "observable_kinds": OBSERVABLE_KINDS,
        "impact_functional": IMPACT_FUNCTIONAL,
        "impact_information": IMPACT_INFORMATION,
        "impact_recoverability": IMPACT_RECOVERABILITY,
        "satisfied_by_labels": SATISFIED_BY_LABELS,
        "taxonomy": rsit.taxonomy(),
        "tlps": [t.value for t in TLP],
        "paps": [p.value for p in PAP],
        "now": utcnow(),
    }


def classification_values(form: Any) -> dict[str, Any]:
    """Classification fields from a triage or edit form (only those present are sent)."""
    values: dict[str, Any] = {}
    for name in (
        "rsit_class",
        "rsit_type",
        "severity",
        "severity_reason",
        "tlp",
        "pap",
        "sector",
        "province",
        "impact_functional",
        "impact_information",
        "impact_recoverability",
        "deadline_profile_key",
        "title",
    ):
        if name in form:
            values[name] = forms.text(form, name)
    for name in ("system_security_level", "shared_with_cluster_id", "reporting_organisation_id"):
        if name in form:
            raw = forms.text(form, name)
            values[name] = raw
    if "rsit" in form:
        raw = forms.text(form, "rsit") or ""
        klass, _, kind = raw.partition("/")
        values["rsit_class"], values["rsit_type"] = (klass or None), (kind or None)
    if "classification_form" in form:
        values["serious_criteria"] = [c for c in form.getlist("serious_criteria") if isinstance(c, str)]
        values["is_major"] = form.get("is_major") == "on"
        values["data_loss"] = form.get("data_loss") == "on"
        values["system_on_national_list"] = form.get("system_on_national_list") == "on"
    # An empty choice means "not set" for optional fields, and "leave as is" for required ones.
    for name in ("severity", "tlp", "pap", "deadline_profile_key", "title"):
        if values.get(name) is None:
            values.pop(name, None)
    if not values.get("severity_reason"):
        values.pop("severity_reason", None)
    return values
