"""Every string of the cluster domain reaches users in Vietnamese too: the templates, the marked
Python strings and the messages its services raise (catalog clusters.po, with the shared words
in the catalogs loaded before it)."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import csirtnet.cluster.events  # noqa: F401 - registers the digest event type
from csirtnet import i18n
from csirtnet.notification import render as email
from tests.web.test_i18n import _shape, raised_messages

PACKAGE = Path(str(resources.files("csirtnet")))
TEMPLATES = [
    path
    for folder in ("clusters", "channels", "events", "knowledge")
    for path in sorted((PACKAGE / "web" / "templates" / folder).glob("*.html"))
]
SOURCES = [
    *sorted((PACKAGE / "cluster").rglob("*.py")),
    *(
        PACKAGE / "web" / "views" / f"{name}.py"
        for name in ("clusters", "cluster_forms", "readiness", "channels", "events", "knowledge")
    ),
    PACKAGE / "authz" / "cluster.py",
    PACKAGE / "authz" / "tlp.py",
]


def own_catalog() -> dict[str, str]:
    """clusters.po plus the shared catalogs it builds on (a msgid lives in one catalog only, shared
    words such as "Organisation" in messages.po)."""
    out: dict[str, str] = {}
    for source in i18n.catalog_files(resources.files("csirtnet.web").joinpath("locale/vi/LC_MESSAGES")):
        catalog = read_po(io.BytesIO(source.read_bytes()), locale="vi")
        for m in catalog:
            if isinstance(m.id, str) and m.id and isinstance(m.string, str):
                out.setdefault(m.id, m.string)
    return out


def msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    options = {"extensions": "jinja2.ext.do", "trim_blocks": "True", "lstrip_blocks": "True"}
    for template in TEMPLATES:
        for lineno, message, _c, _x in extract_from_file(
            "jinja2.ext.babel_extract", str(template), keywords={"_": None}, options=options
        ):
            found.setdefault(message if isinstance(message, str) else message[0], f"{template.name}:{lineno}")
    keywords = {"N_": None, "translate": (2,), "translate_message": (2,), "tr": (2,)}
    for module in SOURCES:
        for lineno, message, _c, _x in extract_from_file("python", str(module), keywords=keywords):
            found.setdefault(message if isinstance(message, str) else message[0], f"{module.name}:{lineno}")
    return found


def test_every_string_of_the_domain_is_in_its_catalog() -> None:
    catalog = own_catalog()
    found = msgids()
    assert len(found) > 250
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(found.items()) if not catalog.get(msgid, "").strip()]
    assert not missing, "\n".join(missing)


def test_every_message_the_services_raise_is_translated() -> None:
    shapes = {_shape(msgid) for msgid, text in own_catalog().items() if text.strip()}
    missing = []
    for module in SOURCES:
        for message in raised_messages(module):
            if message not in shapes and not message.startswith("{}"):
                missing.append(f"{module.name}: {message!r}")
    assert not missing, "\n".join(missing)


def test_messages_with_values_come_out_in_vietnamese() -> None:
    assert i18n.translate_message(
        "vi", "starts_on: overlaps the term of STTTT Cao Bằng from 2025-01-01 to 2025-12-31"
    ) == ("Ngày bắt đầu: trùng với nhiệm kỳ của STTTT Cao Bằng từ 2025-01-01 đến 2025-12-31")
    assert i18n.translate_message("vi", "No such cluster, or you may not see it").startswith("Không có cụm")
    assert i18n.translate_message("vi", "@an@example.vn is not a member of this channel") == (
        "@an@example.vn không phải thành viên của kênh này"
    )


def test_the_digest_email_is_bilingual() -> None:
    params = {
        "count": 1,
        "more": 0,
        "tlp": "TLP:GREEN",
        "items": [
            {
                "channel": "Cụm số 1",
                "thread": "Diễn tập",
                "author": "Hoàng Văn Bắc",
                "tlp": "TLP:GREEN",
                "at": "2026-11-21 07:00",
                "excerpt": "Chuẩn bị diễn tập",
                "link": "/channels/1/threads/1#m1",
            }
        ],
    }
    subject_vi, body_vi = email.render("cluster.channel_digest", "vi", params, "http://x/channels")
    subject_en, body_en = email.render("cluster.channel_digest", "en", params, "http://x/channels")
    assert subject_vi.startswith("[TLP:GREEN] Tóm tắt") and "Chuẩn bị diễn tập" in body_vi
    assert subject_en.startswith("[TLP:GREEN] Channel digest") and "Hoàng Văn Bắc" in body_en
