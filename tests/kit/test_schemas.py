"""kit.schemas: the checks every request body shares (ADR 0019). The generated checks over every
schema of the API are in tests/test_input_schemas.py."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest
from pydantic import Field, ValidationError

from csirtnet.kit.schemas import Clearable, Day, InputSchema, UpdateSchema, clean_text, unstorable_parameter
from csirtnet.kit.text import sort_key
from csirtnet.models import Organisation
from csirtnet.models.base import fit


class Patch(UpdateSchema):
    name: str | None = Field(default=None, max_length=30)
    name_en: Clearable[str] = Field(default=None, max_length=30)
    owner_id: int | None = None
    tags: list[str] | None = None


class Body(InputSchema):
    count: int = 0
    flag: bool = False
    ratio: float | None = None
    on: date | None = None
    at: datetime | None = None


def _types(model: type[InputSchema], body: dict[str, object]) -> dict[str, list[str]]:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        out: dict[str, list[str]] = {}
        for e in exc.errors():
            out.setdefault(str(e["loc"][0]), []).append(e["type"])
        return out
    return {}


def test_an_update_keeps_what_is_left_out_refuses_null_and_clears_a_clearable_field() -> None:
    assert Patch.model_validate({}).model_fields_set == set()
    assert _types(Patch, {"name": None}) == {"name": ["null_refused"]}
    assert _types(Patch, {"owner_id": None, "tags": None}) == {"owner_id": ["null_refused"], "tags": ["null_refused"]}
    cleared = Patch.model_validate({"name_en": None})
    assert cleared.model_fields_set == {"name_en"} and cleared.name_en is None
    assert (Patch.admits_null("name"), Patch.admits_null("name_en")) == (False, True)


def test_the_document_marks_only_clearable_fields_nullable_and_bounds_integers() -> None:
    properties = Patch.model_json_schema()["properties"]
    assert properties["name"] == {"maxLength": 30, "title": "Name", "type": "string"}
    assert {"type": "null"} in properties["name_en"]["anyOf"]
    assert properties["owner_id"] == {"maximum": 2**31 - 1, "minimum": -(2**31), "title": "Owner Id", "type": "integer"}


def test_text_numbers_and_flags() -> None:
    assert _types(Patch, {"name": "a\x00b", "tags": ["ok", "\x1b"]}) == {
        "name": ["control_character"],
        "tags": ["control_character"],
    }
    assert _types(Patch, {"name": "tab\there\r\n"}) == {}
    assert _types(Body, {"count": 2**31}) == {"count": ["out_of_range"]}
    assert _types(Body, {"count": -(2**31)}) == {}
    assert _types(Body, {"count": True, "ratio": False}) == {"count": ["bool_refused"], "ratio": ["bool_refused"]}
    assert _types(Body, {"flag": True}) == {}
    # Lax pydantic reads a number as seconds since 1970; a date is written as one.
    assert _types(Body, {"on": 7.2e-146, "at": "12345"}) == {"on": ["date_as_number"], "at": ["date_as_number"]}
    assert _types(Body, {"on": "2026-03-01", "at": "2026-03-01T08:30:00+07:00"}) == {}


def test_a_query_date_is_not_a_number() -> None:
    from pydantic import TypeAdapter

    assert TypeAdapter(Day).validate_python("2026-03-01") == date(2026, 3, 1)
    for number in ("7.249074547671356e-146", "20260301", 12):
        with pytest.raises(ValidationError, match="not a number"):
            TypeAdapter(Day).validate_python(number)


def test_clean_text_keeps_tab_newline_and_return_and_refuses_the_other_controls() -> None:
    assert clean_text("a\tb\nc\r\nd Ư ✓") == "a\tb\nc\r\nd Ư ✓"
    for char in ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\ud800"]:
        with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
            clean_text(f"ab{char}cd")


def test_a_parameter_the_database_cannot_hold_is_recognised() -> None:
    assert unstorable_parameter(str(2**31)) is not None
    assert unstorable_parameter(str(-(2**31) - 1)) is not None
    assert unstorable_parameter("a\x00") is not None
    assert unstorable_parameter(str(2**31 - 1)) is None
    assert unstorable_parameter("Hà Nội 12345678901234567890x") is None


def test_a_derived_key_is_cut_to_its_column_and_keeps_its_order() -> None:
    names = ["Đà Nẵng " * 60, "Đà Nẵng " * 59 + "Huế", "An Giang " * 50, "«Đ»" * 100, "Bắc Kạn"]
    keys = [fit(Organisation.name_sort, sort_key(n)) for n in names]
    assert all(len(k) <= 400 for k in keys)
    assert len(sort_key(names[0])) > 400  # the cut mattered
    # A cut key orders as its prefix: never against the full key's order, at most a tie.
    for earlier, later in itertools.pairwise(sorted(names, key=sort_key)):
        assert fit(Organisation.name_sort, sort_key(earlier)) <= fit(Organisation.name_sort, sort_key(later))
