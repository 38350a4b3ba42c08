"""The bases of every request body: what the schemas refuse so nothing unchecked reaches the database.

ADR 0019. Every model the API reads from a request body (and every model nested in one) is an
`InputSchema`; every partial update (PATCH) is an `UpdateSchema`. Both refuse, each with a 422
that names the field:

- text holding a control character (NUL, the other C0 and C1 controls, DEL) other than tab, line
  feed and carriage return, or half of a surrogate pair: PostgreSQL cannot store NUL, and none of
  them belongs in a name, a title or a note (`clean_text`);
- a whole number beyond the database's integer (32 bits, signed): every integer column but the
  few internal counters is one, and an id beyond it can name nothing;
- true or false where the field asks for a number (pydantic's lax mode would read 1 or 0), and a
  number where it asks for a date or a time (it would read seconds since 1970); query parameters
  of dates use `Day` and `Moment` for the same.

`UpdateSchema` adds: a field left out keeps its value; an explicit `null` is refused unless the
field is declared `Clearable[...]`, where null empties it (its column must then be nullable:
tests/test_input_schemas.py checks). Declaring `x: str | None = None` in an update therefore means
"may be left out", never "may be set to null". The published document says the same: a field that
refuses null is not nullable there.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar, get_args

from pydantic import BaseModel, BeforeValidator, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

_T = TypeVar("_T")

# C0 controls but tab (09), line feed (0a) and carriage return (0d); DEL and the C1 controls;
# lone surrogates (JSON may carry "\ud800", which cannot be encoded as UTF-8).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class _Clears:
    """Marks an update field whose null empties the stored value."""

    def __repr__(self) -> str:
        return "CLEARS"


CLEARS = _Clears()

# An update field that may be set to null to empty it: `name_en: Clearable[str] = None`.
Clearable = Annotated[_T | None, CLEARS]


def clean_text(value: str) -> str:
    """The text unchanged, or ValueError naming the first character a field may not hold."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"must not contain the control character U+{ord(found.group()):04X}")
    return value


def unstorable_parameter(value: str) -> str | None:
    """Why a path or query parameter cannot reach the database (a whole number beyond 32 bits, a
    control character), or None. Used to name the parameter when the database refused one."""
    if re.fullmatch(r"\s*[+-]?\d+\s*", value) and not INT_MIN <= int(value) <= INT_MAX:
        return f"must be between {INT_MIN} and {INT_MAX}"
    found = _CONTROL.search(value)
    return f"must not contain the control character U+{ord(found.group()):04X}" if found else None


def _check(value: Any) -> None:
    if isinstance(value, str):
        try:
            clean_text(value)
        except ValueError as exc:
            raise PydanticCustomError("control_character", str(exc)) from None
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise PydanticCustomError("out_of_range", f"must be between {INT_MIN} and {INT_MAX}")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def not_a_number(value: Any) -> Any:
    """A date or a time is written as one (ISO 8601), never as a number: pydantic's lax mode
    would read 7e-146 or "12345" as seconds since 1970."""
    if (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        raise PydanticCustomError("date_as_number", "give a date as yyyy-mm-dd (a time as ISO 8601), not a number")
    return value


# Query parameters of dates and times: `on: Day | None = None`.
Day = Annotated[date, BeforeValidator(not_a_number)]
Moment = Annotated[datetime, BeforeValidator(not_a_number)]


def _admits(annotation: Any, kinds: tuple[Any, ...]) -> bool:
    if annotation in kinds or annotation is Any:
        return True
    return any(_admits(arg, kinds) for arg in get_args(annotation))


def _admits_bool(annotation: Any) -> bool:
    if annotation is bool or annotation is Any:
        return True
    return any(_admits_bool(arg) for arg in get_args(annotation))


class InputSchema(BaseModel):
    """A request body: no control characters in any text, no integer beyond 32 bits, no true or
    false where a number is asked (pydantic's lax mode reads them as 1 and 0)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        flags = isinstance(value, bool) or (isinstance(value, list) and any(isinstance(v, bool) for v in value))
        if flags and info.field_name is not None and not _admits_bool(cls.model_fields[info.field_name].annotation):
            raise PydanticCustomError("bool_refused", "must not be true or false")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _no_number_for_dates(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        annotation = cls.model_fields[info.field_name].annotation
        if _admits(annotation, (date, datetime)) and not _admits(annotation, (str, int, float)):
            return not_a_number(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _check(value)
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        for prop in handler.resolve_ref_schema(json_schema).get("properties", {}).values():
            _bound_integers(prop)
        return json_schema


def _bound_integers(schema: dict[str, Any]) -> None:
    """The published document gives every integer of a body the bounds `_check` enforces."""
    if schema.get("type") == "integer":
        schema.setdefault("minimum", INT_MIN)
        schema.setdefault("maximum", INT_MAX)
    for option in schema.get("anyOf", []):
        _bound_integers(option)
    if isinstance(schema.get("items"), dict):
        _bound_integers(schema["items"])


class UpdateSchema(InputSchema):
    """A partial update: a field left out keeps its value; null only where the field is `Clearable`."""

    @classmethod
    def admits_null(cls, name: str) -> bool:
        """Whether null is a value of the field (it empties it) rather than a mistake."""
        return CLEARS in cls.model_fields[name].metadata

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name is not None and not cls.admits_null(info.field_name):
            raise PydanticCustomError("null_refused", "may be left out but not null")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = super().__get_pydantic_json_schema__(core_schema, handler)
        properties = handler.resolve_ref_schema(json_schema).get("properties", {})
        for name, field in cls.model_fields.items():
            prop = properties.get(field.alias or name)
            if prop is None or cls.admits_null(name):
                continue
            options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
            if len(options) == 1:
                prop.update(options[0])
            elif options:
                prop["anyOf"] = options
            if prop.get("default", 0) is None:
                del prop["default"]
        return json_schema
