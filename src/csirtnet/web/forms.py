"""Form helpers for pages: turn pydantic and service errors into per-field messages, run a change
in a savepoint so a refused one leaves nothing behind, and read the small values forms send.

Field errors are English msgids (or English service messages); templates translate them with
`tr_message`, so the page shows them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from csirtnet.errors import AppError
from csirtnet.i18n import N_

FormErrors = dict[str, str]
GENERAL = "_"  # the key of an error that belongs to no one field

M = TypeVar("M", bound=BaseModel)

_PYDANTIC_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_long": N_("This is too long."),
    "string_pattern_mismatch": N_("Use only letters, digits, dots, dashes and underscores."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "greater_than_equal": N_("This number is out of the allowed range."),
    "less_than_equal": N_("This number is out of the allowed range."),
    "literal_error": N_("Choose one of the offered values."),
    "enum": N_("Choose one of the offered values."),
}


def _pydantic_message(error: dict[str, object]) -> str:
    kind = str(error.get("type", ""))
    if kind == "string_too_short":
        if error.get("input") == "":
            return N_("This field is required.")
        ctx = error.get("ctx")
        minimum = ctx.get("min_length") if isinstance(ctx, dict) else None
        return N_("This field is required.") if minimum == 1 else N_("This is too short.")
    if kind == "too_short":
        return N_("Choose at least one.")
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return N_("Enter a valid email address.")
    return _PYDANTIC_MESSAGES.get(kind, N_("This value is not valid."))


def parse(model: type[M], errors: FormErrors, **values: object) -> M | None:
    """Validate form values with an API schema; on failure fill `errors` and return None."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ()
            name = str(loc[0]) if loc else GENERAL
            errors.setdefault(name, _pydantic_message(dict(error)))
        return None


def app_error_fields(exc: AppError, errors: FormErrors) -> None:
    """Put a service error on the fields it names, or on the form as a whole."""
    if exc.errors:
        for field_error in exc.errors:
            errors.setdefault(field_error.field, field_error.message)
    else:
        errors.setdefault(GENERAL, exc.message)


T = TypeVar("T")


@contextmanager
def _savepoint(session: Session) -> Iterator[None]:
    with session.begin_nested():
        yield


def attempt(session: Session, errors: FormErrors, change: Callable[[], T]) -> T | None:
    """Run a service call in a savepoint: when it refuses (AppError), nothing it did stays,
    the refusal lands in `errors`, and None is returned. Forbidden and NotFound propagate so
    the caller gets the error page."""
    from csirtnet.errors import Forbidden, NotFound

    try:
        with _savepoint(session):
            return change()
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        app_error_fields(exc, errors)
        return None


def text(form: FormData, name: str) -> str | None:
    """A text field as typed, trimmed; None when it is missing, blank or not text (a file)."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def optional_int(value: str | None) -> int | None:
    """A select or number box: empty means no value; anything else must be a whole number."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
