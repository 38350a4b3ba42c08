"""Submitting a form with bad input in the browser, and checking what the one form path promises
(csirtnet.web.forms): the page comes back (422) in the same language, the error summary has the
focus and lists each failing field by its label, each error sits next to its field, everything the
user typed is still there, and no attribute name is visible anywhere on the page.

Browser tests of every form call `submit_bad` with a `BadInput` row; see tests/browser/test_forms.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# What the checks type into each kind of control (a value the browser accepts but the server
# refuses, or that shows it kept what was typed).
Typed = str | Sequence[str] | bool


@dataclass(frozen=True)
class BadInput:
    """One bad submission: where the form is, what to type, which fields must complain."""

    name: str  # for the test id and messages
    url: str  # the page that shows the form
    form: str  # a CSS selector for the <form>
    typed: Mapping[str, Typed]  # input name -> value (a list for multi-selects; bool for checkboxes)
    errors: Sequence[str]  # input names whose error must show
    submit: str = "button[type=submit]"  # within the form
    general: bool = False  # an error of the whole form is expected in the summary too
    ignore_values: Sequence[str] = field(default_factory=tuple)  # inputs the server may rightly reset (passwords)


def _fill(page: Any, form: Any, name: str, value: Typed) -> None:
    control = form.locator(f"[name='{name}']")
    kind = (control.first.get_attribute("type") or control.first.evaluate("e => e.tagName")).lower()
    if isinstance(value, bool):
        control.first.set_checked(value)
    elif kind == "checkbox":  # a group of checkboxes
        wanted = {value} if isinstance(value, str) else set(value)
        for i in range(control.count()):
            box = control.nth(i)
            box.set_checked((box.get_attribute("value") or "") in wanted)
    elif kind == "select":
        control.first.select_option(value if isinstance(value, str) else list(value))
    elif kind == "file":
        control.first.set_input_files(value)  # paths
    else:
        # Playwright's fill() refuses text a typed input cannot hold; set it as a user's paste would.
        control.first.evaluate(
            "(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }", value
        )


def _kept(form: Any, name: str, value: Typed) -> bool:
    control = form.locator(f"[name='{name}']")
    if isinstance(value, bool):
        return bool(control.first.is_checked()) == value
    kind = (control.first.get_attribute("type") or control.first.evaluate("e => e.tagName")).lower()
    if kind == "checkbox":
        wanted = {value} if isinstance(value, str) else set(value)
        checked = {control.nth(i).get_attribute("value") for i in range(control.count()) if control.nth(i).is_checked()}
        return checked == wanted
    if kind == "select":
        selected = control.first.evaluate("e => Array.from(e.selectedOptions).map(o => o.value)")
        return set(selected) == ({value} if isinstance(value, str) else set(value))
    if kind == "file":
        return True  # a browser cannot refill a file input; the page names the files instead
    return bool(control.first.input_value() == value)


def submit_bad(page: Any, base: str, case: BadInput, *, language: str) -> None:
    """Submit `case` and assert everything the form path promises; raises AssertionError naming
    the form and what went wrong."""
    where = f"{case.name} ({case.url})"
    page.goto(base + case.url)
    form = page.locator(case.form).first
    form.wait_for()
    form.evaluate("f => { f.noValidate = true; }")  # the server must catch what the browser would
    for name, value in case.typed.items():
        _fill(page, form, name, value)
    with page.expect_navigation() as navigation:
        form.locator(case.submit).first.click()
    response = navigation.value
    assert response is not None and response.status == 422, f"{where}: status {response and response.status}"

    assert page.get_attribute("html", "lang") == language, f"{where}: the language changed"
    summary = page.locator("[data-testid=form-errors]")
    assert summary.count() == 1, f"{where}: no error summary"
    assert page.evaluate(
        "() => document.activeElement && document.activeElement.matches('[data-testid=form-errors]')"
    ), f"{where}: the summary does not have the focus"
    form = page.locator(case.form).first
    summary_text = summary.inner_text()
    for name in case.errors:
        control = form.locator(f"[name='{name}']").first
        # A group of checkboxes is named by its fieldset.
        input_id = control.get_attribute("id") or control.evaluate("e => (e.closest('fieldset') || {}).id || ''")
        container = page.locator(f"#{input_id}").first
        assert container.get_attribute("aria-invalid") == "true" or page.locator(
            f"fieldset#{input_id}, #{input_id}"
        ).first.evaluate("e => !!e.closest('.has-error')"), f"{where}: {name} is not marked invalid"
        error = page.locator(f"#{input_id}-e")
        if error.count() == 0:  # a checkbox group's error belongs to its fieldset
            group = page.locator(f"fieldset:has([name='{name}'])").first
            fid = group.get_attribute("id") or ""
            error = page.locator(f"#{fid}-e")
        assert error.count() == 1 and error.first.is_visible(), f"{where}: no error next to {name}"
        label = _label_of(page, form, name)
        assert label and label in summary_text, f"{where}: the summary does not name {label!r} ({name})"
    for name, value in case.typed.items():
        if name in case.ignore_values:
            continue
        assert _kept(form, name, value), f"{where}: what was typed in {name} is lost"
    leaked = attribute_names_shown(page)
    assert not leaked, f"{where}: attribute names on the page: {sorted(leaked)}"


def _label_of(page: Any, form: Any, name: str) -> str:
    control = form.locator(f"[name='{name}']").first
    input_id = control.get_attribute("id") or ""
    label = page.locator(f"label[for='{input_id}']")
    if label.count() == 0:
        label = page.locator(f"fieldset:has([name='{name}']) > legend")
    if label.count() == 0:
        label = page.locator(f"label:has([name='{name}'])")
    text = label.first.inner_text() if label.count() else ""
    return re.sub(r"\s*\*.*$", "", text, flags=re.DOTALL).strip()


def attribute_names_shown(page: Any) -> set[str]:
    """Names of the page's inputs (and the schema-like words they are made of) that appear in
    the visible text: a form error showing `severity_reason` or `c_incident_24x7_full_name`."""
    names = page.evaluate(
        "() => Array.from(document.querySelectorAll('input[name], select[name], textarea[name]'))"
        ".map(e => e.name).filter(n => n.includes('_') && n !== 'csrf_token')"
    )
    text = page.inner_text("body")
    shown = {n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", text)}
    # Snake-case words in an error or the summary are attribute names whatever the inputs are called.
    for error_text in page.eval_on_selector_all(
        "[data-testid=form-errors], small.error", "els => els.map(e => e.innerText)"
    ):
        shown |= set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", error_text))
    return shown
