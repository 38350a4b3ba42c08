"""Reading the members pages' forms: error messages in the reader's language, and the public
application form's rows (contacts by role, systems, experts) into the API schema."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from csirtnet.errors import AppError
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.models.contact import ContactRole
from csirtnet.organisation import documents
from csirtnet.organisation.schemas import PARTICULARS
from csirtnet.web.forms import text as text  # the pages read their fields with forms.text

Errors = dict[str, str]

_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "greater_than_equal": N_("This number is out of the allowed range."),
    "less_than_equal": N_("This number is out of the allowed range."),
    "enum": N_("Choose one of the offered values."),
    "too_long": N_("Too many entries."),
}
APPLY_CONTACT_ROLES = (ContactRole.INFOSEC_LEADER, ContactRole.INCIDENT_24X7, ContactRole.FOCAL_POINT)
APPLY_ROWS = 3  # system and expert rows on the public form


def message(language: str, error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return translate(language, N_("Enter a valid email address."))
    if kind in _MESSAGES:
        return translate(language, _MESSAGES[kind])
    text = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return translate(language, text)


def from_validation(exc: ValidationError, language: str, rename: dict[str, str] | None = None) -> Errors:
    out: Errors = {}
    for error in exc.errors():
        loc = ".".join(str(p) for p in error.get("loc", ()))
        name = (rename or {}).get(loc, loc) or "_"
        out.setdefault(name, message(language, dict(error)))
    return out


def from_app_error(exc: AppError, language: str, rename: dict[str, str] | None = None) -> Errors:
    out: Errors = {}
    for e in exc.errors or []:
        out.setdefault((rename or {}).get(e.field, e.field), translate_message(language, e.message))
    if not out:
        out["_"] = translate_message(language, exc.message)
    return out


async def uploads(form: FormData, name: str = "documents") -> list[documents.Upload]:
    out = []
    for item in form.getlist(name):
        if isinstance(item, UploadFile) and item.filename:
            out.append(documents.Upload(item.filename, await item.read()))
    return out


def application_values(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The public form as ApplicationForm input, and how its error locations map back to inputs."""
    values: dict[str, Any] = {}
    for name in (
        "applicant_kind",
        "language",
        "applicant_name",
        "applicant_email",
        "applicant_phone",
        "organisation_name",
        "organisation_name_en",
        *PARTICULARS,
        "capability_description",
        "staff_count",
    ):
        value = text(form, name)
        if value is not None:
            values[name] = value
    rename: dict[str, str] = {}
    contacts: list[dict[str, Any]] = []
    for role in APPLY_CONTACT_ROLES:
        prefix = f"c_{role.value}_"
        row = {f: text(form, prefix + f) for f in ("full_name", "position", "email", "phone")}
        if any(row.values()):
            for f in row:
                rename[f"contacts.{len(contacts)}.{f}"] = prefix + f
            contacts.append({"role": role.value, **{k: v for k, v in row.items() if v is not None}})
        rename[f"contacts.{role.value}.full_name"] = prefix + "full_name"
        rename[f"contacts.{role.value}.phone"] = prefix + "phone"
    values["contacts"] = contacts
    systems: list[dict[str, Any]] = []
    for i in range(APPLY_ROWS):
        system_name = text(form, f"s{i}_name")
        if system_name is None and not text(form, f"s{i}_level"):
            continue
        for f, input_name in (("name", "name"), ("security_level", "level"), ("description", "description")):
            rename[f"systems.{len(systems)}.{f}"] = f"s{i}_{input_name}"
        systems.append(
            {
                "name": system_name or "",
                "security_level": text(form, f"s{i}_level") or "",
                "national_important": form.get(f"s{i}_national") == "on",
            }
        )
    values["systems"] = systems
    values["services"] = [s for s in form.getlist("services") if isinstance(s, str)]
    experts: list[dict[str, Any]] = []
    for i in range(APPLY_ROWS):
        expert_name = text(form, f"e{i}_full_name")
        if expert_name is None:
            continue
        for f in ("full_name", "email", "skills", "certifications"):
            rename[f"experts.{len(experts)}.{f}"] = f"e{i}_{f}"
        certs = [c.strip() for c in (text(form, f"e{i}_certifications") or "").split(",") if c.strip()]
        expert: dict[str, Any] = {
            "full_name": expert_name,
            "skills": [s for s in form.getlist(f"e{i}_skills") if isinstance(s, str)],
            "certifications": certs,
        }
        if text(form, f"e{i}_email"):
            expert["email"] = text(form, f"e{i}_email")
        experts.append(expert)
    values["experts"] = experts
    return values, rename
