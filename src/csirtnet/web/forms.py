"""THE form path: every HTML form of the product is declared, read, validated and re-rendered here.

A page declares its form once, at import, as a `Form` of `Field`s: each field has its name (the
input's name), its label (an English msgid, shown in the reader's language), its kind, whether it
is required, and where its value goes in the API schema. Then, in the view:

    PROFILE = Form("profile", [Field("full_name", N_("Full name"), required=True), ...])

    @router.post("/account")
    async def save(request, session, who):
        form = await PROFILE.read(request)            # what the user typed, kept as typed
        data = form.validate(UserUpdate, form.values())  # pydantic errors land on their fields
        if data is not None:
            form.attempt(session, lambda: service.update(session, who, data))  # savepoint
        if not form.ok:
            return render(request, "account/profile.html", {"form": form}, status_code=422)
        return redirect("/account", flash=...)

and the template renders each control with `f.field(form, "full_name")` and the summary with
`f.summary(form)` (web/templates/form_macros.html). On an error the same page comes back with:
each message next to its field, the field's label in the user's language; a summary at the top,
focused, listing the labels (never attribute names) as links to the fields; every value the user
typed (datetimes with their zone, multi-selects, checkboxes; chosen files are named again, since a
browser cannot refill a file input); required fields marked. Nothing the service did in a refused
attempt stays (it runs in a savepoint).

Messages are English msgids or English service sentences; templates translate them with
`tr_message`. A message never names an attribute: a service error on a field the form does not
show is mapped to a field through `Form.locations` or shown in the summary without the name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import N_
from csirtnet.kit.schemas import UpdateSchema

FormErrors = dict[str, str]
GENERAL = "_"  # the key of an error that belongs to no one field

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

Kind = Literal[
    "text",
    "textarea",
    "email",
    "url",
    "tel",
    "number",
    "password",
    "date",
    "datetime",  # a datetime-local input and a time-zone choice (<name>_zone)
    "select",
    "multiselect",  # a <select multiple> or a group of checkboxes (`widget="checkboxes"`)
    "checkbox",
    "file",
    "hidden",
]

# Pydantic's error types as messages people understand (msgids; the catalog translates them).
_PYDANTIC_MESSAGES = {
    "missing": N_("This field is required."),
    "null_refused": N_("This field is required."),
    "bool_refused": N_("This value is not valid."),
    "date_as_number": N_("Enter a date as yyyy-mm-dd."),
    "control_character": N_("This text holds a control character (such as a NUL byte); remove it."),
    "out_of_range": N_("This number is out of the allowed range."),
    "string_too_long": N_("This is too long."),
    "too_long": N_("Too many entries."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "greater_than": N_("This number is out of the allowed range."),
    "greater_than_equal": N_("This number is out of the allowed range."),
    "less_than": N_("This number is out of the allowed range."),
    "less_than_equal": N_("This number is out of the allowed range."),
    "literal_error": N_("Choose one of the offered values."),
    "enum": N_("Choose one of the offered values."),
    "bool_parsing": N_("Choose one of the offered values."),
    "date_parsing": N_("Enter a date as yyyy-mm-dd."),
    "date_from_datetime_parsing": N_("Enter a date as yyyy-mm-dd."),
    "datetime_parsing": N_("Enter a date and time."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "url_parsing": N_("Enter a full web address starting with https://."),
    "url_scheme": N_("Enter a full web address starting with https://."),
    "url_type": N_("Enter a full web address starting with https://."),
    "ip_any_address": N_("Enter an IP address."),
    "ip_v4_address": N_("Enter an IP address."),
    "ip_v6_address": N_("Enter an IP address."),
}
# What a pattern the schemas use asks for, said to people.
_PATTERN_MESSAGES = {
    r"^[A-Za-z0-9._-]+$": N_("Use only letters, digits, dots, dashes and underscores."),
    r"^[0-9+() .\-/]{3,40}$": N_("Enter a phone number: digits, spaces and + ( ) . - /"),
}
_DATETIME_INPUT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def pydantic_message(error: Mapping[str, Any]) -> str:
    """The msgid for one pydantic error (never its English `msg`, which names types and fields)."""
    kind = str(error.get("type", ""))
    if kind in ("string_too_short", "too_short"):
        if error.get("input") in ("", None, [], ()):
            return N_("This field is required.") if kind == "string_too_short" else N_("Choose at least one.")
        ctx = error.get("ctx")
        minimum = ctx.get("min_length") if isinstance(ctx, dict) else None
        if kind == "too_short":
            return N_("Choose at least one.") if minimum == 1 else N_("Too few entries.")
        return N_("This field is required.") if minimum == 1 else N_("This is too short.")
    if kind == "string_pattern_mismatch":
        ctx = error.get("ctx")
        pattern = ctx.get("pattern") if isinstance(ctx, dict) else None
        return _PATTERN_MESSAGES.get(str(pattern), N_("This is not in the expected format."))
    if kind == "value_error":
        text = str(error.get("msg", "")).removeprefix("Value error, ")
        if "email" in text.lower():
            return N_("Enter a valid email address.")
        # Our own validators raise English sentences meant for people (the catalog has them).
        return text if text and not _looks_internal(text) else N_("This value is not valid.")
    return _PYDANTIC_MESSAGES.get(kind, N_("This value is not valid."))


def _looks_internal(text: str) -> bool:
    return bool(re.search(r"\b[a-z]+_[a-z_]+\b", text)) or "Input should" in text


# -- declaring a form --------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One control of a form. `label` and `help` are English msgids; `choices` are (value, label
    msgid) pairs or a callable giving them per request (e.g. organisations)."""

    name: str
    label: str
    kind: Kind = "text"
    required: bool = False
    help: str | None = None
    choices: Sequence[tuple[str, str]] | None = None
    blank: str | None = None  # a select's empty choice (msgid), e.g. N_("Not set")
    widget: str | None = None  # "checkboxes": a multiselect as checkboxes; "radios": a select as radio buttons
    attrs: Mapping[str, str] = field(default_factory=dict)  # extra HTML attributes (maxlength…)


DECLARED: dict[str, Form] = {}  # every form of the product, by id (the browser test submits each)


class Form:
    """A declared form. `locations` maps a schema or service error location ("contacts.0.email")
    to the field that shows it, when the two names differ."""

    def __init__(
        self,
        form_id: str,
        fields: Iterable[Field],
        *,
        locations: Mapping[str, str] | None = None,
        bare_ids: bool = False,
    ) -> None:
        self.id = form_id
        # Inputs id'd by their name alone, for the login pages' forms (#email, #password, #code),
        # which password managers, bookmarklets and scripts already know.
        self.bare_ids = bare_ids
        self.fields: dict[str, Field] = {}
        for f in fields:
            if f.name in self.fields:
                raise ValueError(f"form {form_id!r} declares {f.name!r} twice")
            self.fields[f.name] = f
        self.locations = dict(locations or {})
        self.module = str(sys._getframe(1).f_globals.get("__name__", ""))  # where it is declared
        if DECLARED.setdefault(form_id, self) is not self:
            raise ValueError(f"two forms are called {form_id!r}; form ids are unique in the product")

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def blank(self, initial: Mapping[str, Any] | None = None, *, zone: str | None = None, key: str = "") -> BoundForm:
        """The form as first shown: `initial` values (model values: datetimes, lists, bools…)
        turned into what the inputs hold. `zone` is the reader's time zone for datetimes; `key`
        tells apart the copies of a form shown once per row."""
        bound = BoundForm(self, zone=zone)
        bound.key = key
        for name, value in (initial or {}).items():
            bound.set_initial(name, value)
        return bound

    async def read(self, request: Request, *, zone: str | None = None) -> BoundForm:
        """What the user sent, kept exactly as typed for the re-render."""
        data = await request.form()
        return self.from_data(data, zone=zone)

    def from_data(self, data: FormData, *, zone: str | None = None) -> BoundForm:
        bound = BoundForm(self, zone=zone)
        for name, f in self.fields.items():
            if f.kind == "file":
                uploads = [item for item in data.getlist(name) if isinstance(item, UploadFile) and item.filename]
                bound.uploads[name] = uploads
            elif f.kind == "multiselect":
                bound.raw[name] = [v for v in data.getlist(name) if isinstance(v, str)]
            elif f.kind == "checkbox":
                bound.raw[name] = "on" if data.get(name) not in (None, "") else ""
            else:
                value = data.get(name)
                bound.raw[name] = value if isinstance(value, str) else ""
                if f.kind == "datetime":
                    zone_value = data.get(f"{name}_zone")
                    if isinstance(zone_value, str) and zone_value.strip():
                        bound.zones[name] = zone_value.strip()
        return bound


# -- a form as sent or shown -------------------------------------------------------------------


class BoundForm:
    """One form with its values (as typed) and its errors, for one request."""

    def __init__(self, form: Form, *, zone: str | None = None) -> None:
        self.form = form
        self.zone = zone or _default_zone()
        self.raw: dict[str, str | list[str]] = {}
        self.zones: dict[str, str] = {}
        self.uploads: dict[str, list[UploadFile]] = {}
        self.errors: FormErrors = {}
        self.locations: dict[str, str] = {}  # this request's own locations (rows filled in)
        # Tells apart the inputs of one form shown once per row (a deployment, an activity), so
        # their ids stay unique on the page; "" for a form shown once.
        self.key = ""

    # values ----------------------------------------------------------------------------------
    def set_initial(self, name: str, value: Any) -> None:
        f = self.form.fields.get(name)
        if f is None:
            raise KeyError(f"form {self.form.id!r} has no field {name!r}")
        self.raw[name] = _as_input(f, value, self.zone)

    def text(self, name: str) -> str:
        """A field's value as typed, trimmed ('' when empty or not sent)."""
        value = self.raw.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def chosen(self, name: str) -> list[str]:
        value = self.raw.get(name, [])
        return list(value) if isinstance(value, list) else ([value] if value else [])

    def checked(self, name: str) -> bool:
        return self.raw.get(name) == "on"

    def zone_of(self, name: str) -> str:
        return self.zones.get(name) or self.zone

    def datetime(self, name: str) -> datetime | str | None:
        """A datetime field as an aware datetime in its chosen zone; the typed text when it is not
        one (validation then says so on the field); None when empty."""
        typed = self.text(name)
        if not typed:
            return None
        if not _DATETIME_INPUT.match(typed):
            return typed
        try:
            zone = ZoneInfo(self.zone_of(name))
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(f"{name}", N_("Choose a time zone from the list."))
            return typed
        try:
            return datetime.fromisoformat(typed).replace(tzinfo=zone)
        except ValueError:
            return typed

    def file_names(self, name: str) -> list[str]:
        return [u.filename or "" for u in self.uploads.get(name, [])]

    def values(self, *names: str) -> dict[str, Any]:
        """The fields as schema input: text trimmed (blank → None, so clearing a box clears the
        value), multiselects as lists, checkboxes as bools, datetimes aware in their zone. File
        fields are left out (read them with `uploads`). `names` limits to some fields."""
        out: dict[str, Any] = {}
        for name, f in self.form.fields.items():
            if (names and name not in names) or f.kind == "file":
                continue
            if f.kind == "multiselect":
                out[name] = self.chosen(name)
            elif f.kind == "checkbox":
                out[name] = self.checked(name)
            elif f.kind == "datetime":
                out[name] = self.datetime(name)
            elif f.kind == "password":
                out[name] = self.raw.get(name) or None  # as typed: spaces are part of a password
            else:
                out[name] = self.text(name) or None
        return out

    def missing_required(self) -> None:
        """Mark every required field left blank."""
        for name, f in self.form.fields.items():
            if not f.required or name in self.errors:
                continue
            if f.kind == "file":
                empty = not self.uploads.get(name)
            elif f.kind == "multiselect":
                empty = not self.chosen(name)
            elif f.kind == "checkbox":
                empty = not self.checked(name)
            elif f.kind == "password":
                empty = not self.raw.get(name)
            else:
                empty = not self.text(name)
            if empty:
                self.fail(
                    name, N_("Choose at least one.") if f.kind == "multiselect" else N_("This field is required.")
                )

    # errors ----------------------------------------------------------------------------------
    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, name: str, message: str) -> None:
        """Put `message` (a msgid or English sentence) on a field, or on the form (GENERAL)."""
        self.errors.setdefault(self._field_for(name), message)

    def _field_for(self, location: str) -> str:
        if location in self.form.fields or location == GENERAL:
            return location
        if location in self.locations:
            return self.locations[location]
        if location in self.form.locations:
            return self.form.locations[location]
        head = location.split(".", 1)[0]
        if head in self.form.fields:
            return head
        if head in self.form.locations:
            return self.form.locations[head]
        return GENERAL

    def validate(
        self, model: type[M], values: Mapping[str, Any] | None = None, *, locations: Mapping[str, str] | None = None
    ) -> M | None:
        """Check the required fields, then validate `values` (default: every field) with an API
        schema; every error lands on its field. None when anything is wrong. `locations` adds this
        request's own error locations (rows of a list the user filled: "contacts.1.email")."""
        self.locations.update(locations or {})
        self.missing_required()
        try:
            data = model.model_validate(unchanged_left_out(model, self.values() if values is None else values))
        except ValidationError as exc:
            for error in exc.errors():
                location = ".".join(str(p) for p in error.get("loc") or ()) or GENERAL
                self.fail(location, pydantic_message(error))
            return None
        return data if self.ok else None

    def attempt(self, session: Session, change: Callable[[], T]) -> T | None:
        """Run a service call in a savepoint: when it refuses (AppError), nothing it did stays, the
        refusal lands on the field it names, and None is returned. Forbidden and NotFound
        propagate (the error page). Does nothing and returns None when the form has errors."""
        if self.errors:
            return None
        try:
            with _savepoint(session):
                return change()
        except (Forbidden, NotFound):
            raise
        except AppError as exc:
            self.add_app_error(exc)
            return None

    def add_app_error(self, exc: AppError) -> None:
        if exc.errors:
            for field_error in exc.errors:
                self.fail(field_error.field, field_error.message)
        else:
            self.fail(GENERAL, exc.message)

    def summary(self) -> list[tuple[str | None, str | None, str]]:
        """(input id, label msgid, message) per error in the form's field order; the general
        error first, with no id or label."""
        out: list[tuple[str | None, str | None, str]] = []
        if GENERAL in self.errors:
            out.append((None, None, self.errors[GENERAL]))
        for name, f in self.form.fields.items():
            if name in self.errors:
                out.append((self.input_id(name), f.label, self.errors[name]))
        return out

    def input_id(self, name: str) -> str:
        if self.form.bare_ids:
            return name
        return f"{self.form.id}-{self.key}-{name}" if self.key else f"{self.form.id}-{name}"

    def __iter__(self) -> Iterator[Field]:
        return iter(self.form.fields.values())


@contextmanager
def _savepoint(session: Session) -> Iterator[None]:
    with session.begin_nested():
        yield


def _default_zone() -> str:
    from csirtnet.config import get_settings

    return get_settings().timezone


def _as_input(f: Field, value: Any, zone: str) -> str | list[str]:
    """A model value as the input shows it."""
    if f.kind == "multiselect":
        if value is None:
            return []
        return [str(v.value if hasattr(v, "value") else v) for v in value]
    if f.kind == "checkbox":
        return "on" if value else ""
    if value is None:
        return ""
    if f.kind == "datetime" and isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(zone)) if value.tzinfo else value
        return local.strftime("%Y-%m-%dT%H:%M")
    if f.kind == "date" and isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "value"):  # an enum
        return str(value.value)
    return str(value)


def unchanged_left_out(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values a page gives a partial update, its None for a field that takes no null left out:
    a page means "unchanged" by it (an empty choice, a value it did not show), where the API
    refuses a null (kit.schemas.UpdateSchema)."""
    if not issubclass(model, UpdateSchema):
        return dict(values)
    names = {field.alias or name: name for name, field in model.model_fields.items()}
    return {
        key: value
        for key, value in values.items()
        if value is not None or key not in names or model.admits_null(names[key])
    }
