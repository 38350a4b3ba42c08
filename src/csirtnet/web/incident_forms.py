"""Reading the incident forms of the pages (member and public): values to schemas, errors to
per-field messages (English msgids that the templates translate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from csirtnet.errors import AppError
from csirtnet.i18n import N_
from csirtnet.incident.attachments import Attachment
from csirtnet.web.forms import text as text  # the pages read their fields with forms.text
from csirtnet.web.forms import unchanged_left_out

M = TypeVar("M", bound=BaseModel)
Errors = dict[str, str]
GENERAL = "_"

MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "int_parsing": N_("Enter a whole number."),
    "greater_than_equal": N_("This number is out of the allowed range."),
    "less_than_equal": N_("This number is out of the allowed range."),
    "literal_error": N_("Choose one of the offered values."),
    "enum": N_("Choose one of the offered values."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "datetime_parsing": N_("Enter a date and time."),
}
# Messages of the services that pages show, as msgids (the .po translates them).
KNOWN = [
    N_("This value is not valid."),
    N_("Enter a valid email address."),
    N_("Enter IP addresses such as 203.0.113.5, separated by commas."),
    N_("Enter domain names such as portal.example.gov.vn, separated by commas."),
]


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    loc = error.get("loc") or ()
    name = str(loc[0]) if loc else ""
    if kind == "value_error":
        if "email" in name:
            return N_("Enter a valid email address.")
        if name.endswith("ips"):
            return N_("Enter IP addresses such as 203.0.113.5, separated by commas.")
        if name.endswith("domains"):
            return N_("Enter domain names such as portal.example.gov.vn, separated by commas.")
    if kind == "string_too_short" and error.get("input") in ("", None):
        return N_("This field is required.")
    return MESSAGES.get(kind, N_("This value is not valid."))


def parse(model: type[M], values: dict[str, Any], errors: Errors) -> M | None:
    try:
        return model.model_validate(unchanged_left_out(model, values))
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ()
            errors.setdefault(str(loc[0]) if loc else GENERAL, _message(dict(error)))
        return None


def app_error(exc: AppError, errors: Errors) -> None:
    if exc.errors:
        for e in exc.errors:
            errors.setdefault(e.field, e.message)
    else:
        errors.setdefault(GENERAL, exc.message)


def local_datetime(value: str | None, zone: str) -> datetime | str | None:
    """A datetime-local value ("2026-03-01T08:30") read in the user's time zone."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value  # the schema reports it
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed


REPORT_FIELDS = (
    "title",
    "description",
    "reporter_name",
    "reporter_position",
    "reporter_email",
    "reporter_phone",
    "organisation_name",
    "operating_unit",
    "system_name",
    "system_domains",
    "system_ips",
    "system_providers",
    "incident_status",
    "detection_method",
    "already_notified",
    "operating_system",
    "services",
    "security_measures",
    "public_ips",
    "purpose",
    "support_requested",
    "language",
)


def report_values(form: FormData, zone: str) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(form, name) for name in REPORT_FIELDS}
    values = {k: v for k, v in values.items() if v is not None}
    for name in ("system_domains", "system_ips", "public_ips"):
        values.setdefault(name, "")
    level = text(form, "system_security_level")
    if level:
        values["system_security_level"] = level
    values["system_on_national_list"] = form.get("system_on_national_list") == "on"
    values["confidential"] = form.get("confidential") == "on"
    values["detected_at"] = local_datetime(text(form, "detected_at"), zone)
    if values["detected_at"] is None:
        del values["detected_at"]
    return values


async def uploads(form: FormData, name: str = "attachments") -> list[Attachment]:
    files: list[Attachment] = []
    for item in form.getlist(name):
        if isinstance(item, UploadFile):
            data = await item.read()
            await item.close()
            if data and item.filename:
                files.append(Attachment(item.filename, item.content_type or "application/octet-stream", data))
    return files
