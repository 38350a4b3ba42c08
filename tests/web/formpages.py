"""Checking a page form's bad submission through the app client, as the one form path promises:
the page answers 422 in the reader's language, the summary names each failing field by its label
(never its attribute name) linked to the field, the error sits at the field, and what was typed
comes back. Used by tests/web/test_member_forms.py and tests/web/test_admin_forms.py."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from csirtnet import i18n
from csirtnet.web import forms
from tests.helpers import csrf_from


def post_bad(
    client: Any,
    db: Any,
    user: Any,
    *,
    page: str,
    target: str,
    data: Mapping[str, Any],
    form_id: str,
    errors: Sequence[str],
    kept: Sequence[str] = (),
    files: Mapping[str, Any] | None = None,
    method: str = "post",
) -> None:
    """Submit `data` once in each language and check the page that comes back."""
    form = forms.DECLARED[form_id]
    for language in ("en", "vi"):
        user.language = language
        db.flush()
        if method == "get":
            r = client.get(target, params=dict(data))
        else:
            token = csrf_from(client.get(page).text)
            r = client.post(target, data={**data, "csrf_token": token}, files=files)
        where = f"{form_id} ({language})"
        assert r.status_code == 422, f"{where}: {r.status_code} {r.headers.get('location')}"
        assert f'<html lang="{language}"' in r.text, where
        assert 'data-testid="form-errors"' in r.text, f"{where}: no summary"
        for name in errors:
            label = i18n.translate(language, form[name].label)
            input_id = f"{form_id}-{name}"
            assert f'<a href="#{input_id}">{html.escape(label)}</a>' in r.text, f"{where}: summary lacks {label!r}"
            assert f'id="{input_id}-e"' in r.text, f"{where}: no error at {name}"
        summary = re.sub(r"<[^>]+>", " ", r.text.split('data-testid="form-errors"', 1)[1].split("</div>", 1)[0])
        for name in form.fields:
            if "_" in name:
                assert name not in summary, f"{where}: the attribute name {name} is in the summary"
        for value in kept:
            assert html.escape(value, quote=False) in r.text, f"{where}: {value!r} was not kept"
