"""Static checks of the one form path (csirtnet.web.forms, ADR 0017).

Every input a user types into is drawn by the form macros (web/templates/form_macros.html) from a
declared `Form`, so that its label, its error, its kept value and its required mark come from one
place. A template that writes a control by hand must be listed below with the reason; a new one
fails this test. The helpers the pages used before the form path do not come back.
"""

from __future__ import annotations

import importlib
import re
from importlib import resources
from pathlib import Path

import pytest

TEMPLATES = Path(str(resources.files("csirtnet.web").joinpath("templates")))

# A control written by hand: <input> that is not hidden, <select>, <textarea>.
CONTROL = re.compile(r"<(?:select|textarea)\b|<input\b(?![^>]*type=\"hidden\")", re.I)

# Templates allowed to write controls by hand, and why. Each still follows the macros' ids and
# error conventions (BoundForm.input_id, aria-invalid/aria-describedby) for a declared form, or is
# not a form a user fills in.
HAND_WRITTEN: dict[str, str] = {
    "form_macros.html": "the form path's own macros",
    "base.html": "the narrow-screen menu toggle (a checkbox with no form)",
    "account/notifications.html": "a grid of on/off switches: nothing a browser can send is invalid",
    "apply/form.html": "the services checklist grouped by area (declared field 'services')",
    "incidents/_classification.html": "the RSIT class chooser grouped by category (declared field 'rsit')",
    "incidents/my_tasks.html": "the 'My tasks' filter: two controls whose every value is valid",
    "clusters/readiness_record.html": "the drills table, one row per drill (declared repeated fields)",
    "clusters/detail.html": "the rotation order, one chooser per position (declared field 'order')",
    "mobilisation/incident.html": "skill levels and capabilities in a table by area (declared fields)",
    "mobilisation/request.html": "the roster of experts to accept, one checkbox per expert (declared field)",
}


def _hand_written() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in TEMPLATES.rglob("*.html"):
        count = len(CONTROL.findall(path.read_text(encoding="utf-8")))
        if count:
            found[path.relative_to(TEMPLATES).as_posix()] = count
    return found


def test_no_template_writes_a_control_by_hand_unless_listed() -> None:
    unlisted = sorted(set(_hand_written()) - set(HAND_WRITTEN))
    assert not unlisted, (
        "templates that write <input>/<select>/<textarea> themselves instead of f.field(form, name) "
        f"(web/templates/form_macros.html): {unlisted}"
    )


def test_the_list_of_hand_written_controls_holds_no_stale_entry() -> None:
    stale = sorted(set(HAND_WRITTEN) - set(_hand_written()))
    assert not stale, f"listed in HAND_WRITTEN but writing no control any more (remove them): {stale}"


def test_the_check_sees_a_control_written_by_hand() -> None:
    assert CONTROL.findall('<input name="q" type="search"> <select name="s"></select> <textarea></textarea>')
    assert not CONTROL.findall('<input type="hidden" name="csrf_token" value="x">')


@pytest.mark.parametrize("module", ["csirtnet.web.member_forms", "csirtnet.web.incident_forms"])
def test_the_old_form_modules_are_gone(module: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)


@pytest.mark.parametrize("helper", ["parse", "attempt", "text", "optional_int", "blank_to_none"])
def test_the_form_path_has_no_second_way_to_read_a_form(helper: str) -> None:
    from csirtnet.web import forms

    assert not hasattr(forms, helper), f"csirtnet.web.forms.{helper} is a second way around Form/BoundForm"
