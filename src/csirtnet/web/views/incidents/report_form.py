"""The initial report (Circular 20/2017 form 03) on the one form path: the public form at /report
and the member's at /incidents/report ask the same questions; the public one also asks for the
organisation and needs an email address (the tracking link and the outcome are sent there)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from csirtnet.i18n import LANGUAGE_NAMES, N_
from csirtnet.incident.attachments import Attachment
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm, Field, Form

_LIST_HELP = N_("Separate several with commas.")
_LEVELS = tuple((str(n), str(n)) for n in range(1, 6))


def _fields(*, public: bool) -> list[Field]:
    return [
        # 1. Reporter and contact.
        Field("reporter_name", N_("Your full name"), required=True, attrs={"maxlength": "200", "autocomplete": "name"}),
        Field("reporter_position", N_("Position"), attrs={"maxlength": "200"}),
        Field(
            "reporter_email",
            N_("Email"),
            kind="email",
            required=public,
            help=N_("We tell you what happened to your report at this address.") if public else None,
            attrs={"maxlength": "320", "autocomplete": "email"},
        ),
        Field("reporter_phone", N_("Phone"), kind="tel", attrs={"maxlength": "40", "autocomplete": "tel"}),
        *([Field("organisation_name", N_("Organisation"), attrs={"maxlength": "300"})] if public else []),
        Field("operating_unit", N_("Operating unit of the system"), attrs={"maxlength": "300"}),
        # 2. The affected system.
        Field("system_name", N_("System name"), attrs={"maxlength": "300"}),
        Field("system_domains", N_("Domain names"), help=_LIST_HELP),
        Field("system_ips", N_("IP addresses"), help=_LIST_HELP),
        Field(
            "system_security_level", N_("Security level (1–5)"), kind="select", choices=_LEVELS, blank=N_("Not known")
        ),
        Field("system_on_national_list", N_("On the national list of important information systems"), kind="checkbox"),
        Field(
            "system_providers",
            N_("Service providers (hosting, connectivity, security)"),
            kind="textarea",
            attrs={"rows": "2", "maxlength": "2000"},
        ),
        # 3. The incident.
        Field("title", N_("Short title"), required=True, attrs={"maxlength": "300"}),
        Field(
            "description",
            N_("Description"),
            kind="textarea",
            required=True,
            help=N_("What happened, what you see, what is affected."),
            attrs={"rows": "6", "maxlength": "20000"},
        ),
        Field("detected_at", N_("Detected at (your local time)"), kind="datetime", required=True),
        Field("incident_status", N_("Current status"), kind="select", choices=tuple(labels.STATUSES_AT_REPORT.items())),
        Field("detection_method", N_("How it was detected"), kind="textarea", attrs={"rows": "2", "maxlength": "4000"}),
        Field(
            "already_notified",
            N_("Who was already notified"),
            kind="textarea",
            attrs={"rows": "2", "maxlength": "2000"},
        ),
        # 4. Optional details.
        Field("operating_system", N_("Operating system"), attrs={"maxlength": "2000"}),
        Field("services", N_("Services on the system"), attrs={"maxlength": "2000"}),
        Field(
            "security_measures",
            N_("Security measures in place"),
            kind="textarea",
            attrs={"rows": "2", "maxlength": "4000"},
        ),
        Field("public_ips", N_("Public IP addresses"), help=_LIST_HELP),
        Field("purpose", N_("Purpose of the system"), attrs={"maxlength": "2000"}),
        Field("support_requested", N_("Support requested"), kind="textarea", attrs={"rows": "2", "maxlength": "4000"}),
        Field("confidential", N_("Keep this report confidential (TLP:RED)"), kind="checkbox"),
        Field("attachments", N_("Attachments (logs, screenshots)"), kind="file", attrs={"multiple": "multiple"}),
        Field("language", N_("Language"), kind="hidden"),
    ]


PUBLIC_REPORT = Form("public-report", _fields(public=True), locations={"timezone": "detected_at"})
MEMBER_REPORT = Form("member-report", _fields(public=False), locations={"timezone": "detected_at"})

# The sections of form 03, as the template shows them.
SECTIONS = (
    (
        N_("1. Reporter and contact"),
        (
            "reporter_name",
            "reporter_position",
            "reporter_email",
            "reporter_phone",
            "organisation_name",
            "operating_unit",
        ),
    ),
    (
        N_("2. The affected system"),
        (
            "system_name",
            "system_domains",
            "system_ips",
            "system_security_level",
            "system_on_national_list",
            "system_providers",
        ),
    ),
    (
        N_("3. The incident"),
        ("title", "description", "detected_at", "incident_status", "detection_method", "already_notified"),
    ),
)
OPTIONAL_SECTION = (
    N_("4. Optional details"),
    (
        "operating_system",
        "services",
        "security_measures",
        "public_ips",
        "purpose",
        "support_requested",
        "confidential",
        "attachments",
    ),
)


def blank(form: Form, language: str, initial: dict[str, Any] | None = None, *, zone: str | None = None) -> BoundForm:
    """The report form as first shown, in the reader's language."""
    return form.blank({"incident_status": "unknown", **(initial or {}), "language": language}, zone=zone)


def values(form: BoundForm, language: str) -> dict[str, Any]:
    """What the user typed as ReportCreate input: blanks left to the schema's defaults, the
    report's language the one the form was shown in."""
    out = {name: value for name, value in form.values().items() if value is not None}
    out["language"] = form.text("language") if form.text("language") in LANGUAGE_NAMES else language
    return out


async def attachments(form: BoundForm, name: str = "attachments") -> list[Attachment]:
    """The chosen files' contents (read once the form is valid)."""
    out = []
    for upload in form.uploads.get(name, []):
        data = await upload.read()
        if data:
            out.append(Attachment(upload.filename or "", upload.content_type or "application/octet-stream", data))
    return out


async def close_files(request: Request) -> None:
    """Close every part the browser sent (an empty file input's too), whatever the answer."""
    for _name, item in (await request.form()).multi_items():
        if isinstance(item, UploadFile):
            await item.close()
