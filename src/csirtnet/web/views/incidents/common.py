"""What every incident page shares: the timeline's change texts in words, the context every
template gets (with the labels of stored codes from csirtnet.vocabulary.labels), and running a
form's change so that a refusal comes back as a flash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet import i18n
from csirtnet.errors import AppError
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import PAP, TLP, labels, rsit
from csirtnet.web import incident_forms as forms
from csirtnet.web.render import redirect, request_language

T = TypeVar("T")


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
    template = labels.TIMELINE_CHANGES.get(action or "")
    if template is None:
        return action or ""
    params = {k: v for k, v in details.items() if isinstance(v, str | int)}
    for key in ("from_phase", "to_phase"):
        if key in params:
            params[key] = say(labels.PHASES.get(str(params[key]), str(params[key])))
    if "role" in params:
        params["role"] = say(labels.PARTICIPANT_ROLES.get(str(params["role"]), str(params["role"])))
    if "label" in details and request_language(request) == "en":
        params["label"] = details.get("label", "")
    params["fields"] = ", ".join(sorted((details.get("changes") or {}).keys()))
    try:
        return say(template).format(**params)
    except (KeyError, IndexError):
        return say(template)


def common(request: Request) -> dict[str, Any]:
    return {
        "phase_labels": labels.PHASES,
        "report_status_labels": labels.REPORT_STATUSES,
        "channel_labels": labels.REPORT_CHANNELS,
        "role_labels": labels.PARTICIPANT_ROLES,
        "task_status_labels": labels.TASK_STATUSES,
        "criteria_labels": labels.SERIOUS_CRITERIA,
        "rsit_class_labels": labels.RSIT_CLASSES,
        "rsit_type_labels": labels.RSIT_TYPES,
        "status_at_report_labels": labels.STATUSES_AT_REPORT,
        "sector_labels": labels.SECTORS,
        "observable_kinds": labels.OBSERVABLE_KINDS,
        "impact_functional": labels.IMPACT_FUNCTIONAL,
        "impact_information": labels.IMPACT_INFORMATION,
        "impact_recoverability": labels.IMPACT_RECOVERABILITY,
        "satisfied_by_labels": labels.DEADLINE_SATISFIED_BY,
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
