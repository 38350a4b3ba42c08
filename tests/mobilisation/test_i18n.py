"""Every string mobilisation shows has its Vietnamese translation: page text, labels, timeline
entries, error messages with their field names, and both languages of every email."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file

from csirtnet import i18n
from csirtnet.mobilisation import events
from csirtnet.notification import events as all_events
from tests.web.test_i18n import raised_messages, vietnamese

PACKAGE = Path(str(resources.files("csirtnet")))
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_mobilisation_page_string_is_translated() -> None:
    catalog = vietnamese()
    options = {"**.html": {"extensions": "jinja2.ext.do", "trim_blocks": "True", "lstrip_blocks": "True"}}
    found = extract_from_dir(
        str(PACKAGE / "web/templates/mobilisation"),
        [("**.html", "jinja2.ext.babel_extract")],
        options_map=options,
        keywords={"_": None, "ngettext": (1, 2)},
    )
    msgids = [m for _f, _l, m, _c, _x in found if isinstance(m, str)]  # plurals are checked below
    assert len(msgids) > 80
    assert [m for m in msgids if not catalog.get(m, "").strip()] == []
    for module in ("web/views/mobilisation.py", "web/views/mobilisation_forms.py", "vocabulary/labels.py"):
        marked = [m for _l, m, _c, _x in extract_from_file("python", str(PACKAGE / module), keywords={"N_": None})]
        assert marked, module
        assert [m for m in marked if not catalog.get(str(m), "").strip()] == [], module
    assert i18n.translate("vi", "Mobilisation") == "Điều động chuyên gia"
    assert (
        i18n.translations("vi")
        .ngettext(
            "%(num)s expert was mobilised from member organisations.",
            "%(num)s experts were mobilised from member organisations.",
            3,
        )
        .startswith("%(num)s chuyên gia")
    )


def test_every_mobilisation_error_message_is_translated() -> None:
    shapes = {_PLACEHOLDER.sub("{}", m) for m, text in vietnamese().items() if text.strip()}
    modules = [*sorted((PACKAGE / "mobilisation").glob("*.py")), PACKAGE / "authz/mobilisation.py"]
    messages = {m for module in modules for m in raised_messages(module)}
    assert "only {} more expert(s) are needed" in messages
    assert sorted(messages - shapes) == []
    assert i18n.translate_message("vi", "expert_ids: only 2 more expert(s) are needed") == (
        "Chuyên gia: chỉ cần thêm 2 chuyên gia"
    )
    assert i18n.translate_message("vi", "No such support request, or you may not see it") == (
        "Không có yêu cầu hỗ trợ này, hoặc bạn không có quyền xem"
    )


def test_every_mobilisation_event_has_an_email_in_both_languages() -> None:
    keys = [k for k in all_events.EVENTS if k.startswith("mobilisation.")]
    assert events.REQUEST_RECEIVED.key in keys and len(keys) == 7
    for key in keys:
        for language in ("vi", "en"):
            template = PACKAGE / "notification/templates" / f"{key}.{language}.txt"
            assert template.read_text(encoding="utf-8").startswith("Subject: "), template
        assert all_events.title(key, {}, "vi") != all_events.title(key, {}, "en")
