"""The one form path (csirtnet.web.forms): what the user typed comes back, errors land on the
fields by their labels, nothing an attribute is called reaches the page, and a refused change
leaves nothing behind."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from csirtnet import i18n
from csirtnet.errors import FieldError, Forbidden, ValidationFailed
from csirtnet.i18n import N_
from csirtnet.models import Organisation
from csirtnet.web import forms
from csirtnet.web.render import _time_zones, environment
from tests.factories import make_organisation

SPEC = forms.Form(
    "probe",
    [
        forms.Field("title", N_("Short title"), required=True),
        forms.Field("detected_at", N_("Detected at (your local time)"), kind="datetime", required=True),
        forms.Field(
            "services",
            N_("Services"),
            kind="multiselect",
            widget="checkboxes",
            choices=(("a", N_("Analysis")), ("b", N_("Triage")), ("c", N_("Recovery"))),
        ),
        forms.Field("confidential", N_("Keep this report confidential (TLP:RED)"), kind="checkbox"),
        forms.Field("contact_email", N_("Email"), kind="email"),
        forms.Field("attachments", N_("Attachments (logs, screenshots)"), kind="file"),
    ],
    locations={"contacts.0.email": "contact_email"},
)


class Probe(BaseModel):
    title: str = Field(min_length=3, max_length=20)
    detected_at: datetime
    services: list[str] = []
    confidential: bool = False
    contact_email: str | None = None

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and "@" not in value:
            raise ValueError("not an email: contact_email")  # an internal message, never shown
        return value


def _sent(**fields: Any) -> forms.BoundForm:
    items: list[tuple[str, Any]] = []
    for name, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            items.append((name, v))
    return SPEC.from_data(FormData(items), zone="Asia/Ho_Chi_Minh")


def _render(bound: forms.BoundForm, language: str = "en") -> str:
    template = environment().from_string(
        '{% import "form_macros.html" as f with context %}{{ f.summary(form) }}{{ f.fields(form) }}'
    )
    table = i18n.gettext_for(language)
    return template.render(
        form=bound,
        _=table.gettext,
        tr_message=lambda m: i18n.translate_message(language, m),
        time_zones=_time_zones,
    )


def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_what_the_user_typed_comes_back_exactly() -> None:
    bound = _sent(
        title="x",
        detected_at="2026-12-06T07:30",
        detected_at_zone="Asia/Bangkok",
        services=["a", "c"],
        confidential="on",
        contact_email="khong-phai-email",
    )
    data = bound.validate(Probe)
    assert data is None and set(bound.errors) == {"title", "contact_email"}
    page = _render(bound)
    # The datetime as the input takes it, with the zone the user chose (not "2026-12-06 07:30:00+07:00").
    assert 'value="2026-12-06T07:30"' in page
    assert '<option value="Asia/Bangkok" selected>' in page
    assert re.search(r'value="a" checked', page) and re.search(r'value="c" checked', page)
    assert not re.search(r'value="b" checked', page)
    assert 'name="confidential" checked' in page
    assert 'value="khong-phai-email"' in page


def test_datetimes_are_read_in_the_zone_the_user_chose() -> None:
    bound = _sent(title="Web defaced", detected_at="2026-12-06T07:30", detected_at_zone="Asia/Bangkok")
    data = bound.validate(Probe)
    assert data is not None
    assert data.detected_at == datetime(2026, 12, 6, 0, 30, tzinfo=UTC)
    assert bound.values()["detected_at"].tzinfo == ZoneInfo("Asia/Bangkok")


def test_errors_are_listed_by_label_in_the_readers_language_and_never_by_attribute() -> None:
    bound = _sent(title="", detected_at="hôm qua", contact_email="x")
    bound.validate(Probe)
    page = _render(bound, "vi")
    summary = page[: page.index("</div>")]
    assert "data-autofocus" in summary and 'role="alert"' in summary
    for label in ("Short title", "Detected at (your local time)", "Email"):
        assert i18n.translate("vi", label) in _visible_text(summary)
    assert '<a href="#probe-title">' in summary and '<a href="#probe-detected_at">' in summary
    text = _visible_text(page)
    for name in ("detected_at", "contact_email", "title:", "Input should", "Value error"):
        assert name not in text, f"{name!r} reached the page"
    assert 'id="probe-title-e"' in page and 'aria-invalid="true"' in page
    assert "*" in text, "required fields are marked"


def test_a_service_error_lands_on_its_field_or_in_the_summary_without_a_name(db: Session) -> None:
    bound = _sent(title="A title", detected_at="2026-12-06T07:30")

    def refuse() -> None:
        make_organisation(db, name="Left behind by a refused change")
        raise ValidationFailed(
            "contacts.0.email",
            "Already used by another member",
            errors=[
                FieldError("contacts.0.email", "Already used by another member"),
                FieldError("system_security_level", "Level 5 systems need a named owner"),
            ],
        )

    assert bound.attempt(db, refuse) is None
    assert bound.errors == {
        "contact_email": "Already used by another member",
        forms.GENERAL: "Level 5 systems need a named owner",
    }
    assert db.scalar(select(Organisation).where(Organisation.name == "Left behind by a refused change")) is None
    text = _visible_text(_render(bound))
    assert "system_security_level" not in text and "Level 5 systems need a named owner" in text


def test_forbidden_is_not_a_form_error(db: Session) -> None:
    bound = _sent(title="A title", detected_at="2026-12-06T07:30")

    def forbidden() -> None:
        raise Forbidden()

    with pytest.raises(Forbidden):
        bound.attempt(db, forbidden)


def test_a_form_with_errors_runs_nothing(db: Session) -> None:
    bound = _sent(title="")
    bound.missing_required()
    ran: list[bool] = []
    assert bound.attempt(db, lambda: ran.append(True)) is None
    assert ran == []
    assert bound.errors == {"title": "This field is required.", "detected_at": "This field is required."}


def test_initial_values_are_shown_as_the_inputs_hold_them() -> None:
    bound = SPEC.blank(
        {
            "title": "Web defaced",
            "detected_at": datetime(2026, 12, 6, 0, 30, tzinfo=UTC),
            "services": ["b"],
            "confidential": True,
        },
        zone="Asia/Ho_Chi_Minh",
    )
    page = _render(bound)
    assert 'value="2026-12-06T07:30"' in page and '<option value="Asia/Ho_Chi_Minh" selected>' in page
    assert 'value="b" checked' in page and 'name="confidential" checked' in page
    assert "data-autofocus" not in page, "no summary before anything was sent"


def test_files_are_named_again_after_an_error() -> None:
    from io import BytesIO

    from starlette.datastructures import Headers, UploadFile

    upload = UploadFile(BytesIO(b"log"), filename="nginx-access.log", headers=Headers({}))
    bound = SPEC.from_data(FormData([("title", ""), ("attachments", upload)]))
    bound.validate(Probe)
    assert "nginx-access.log" in _visible_text(_render(bound))
