"""Every visible string has a Vietnamese translation; the language is chosen in the documented
order; Vietnamese names are sorted the Vietnamese way."""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

import pyotp
import pytest
from babel.messages.extract import extract_from_dir
from sqlalchemy import select

from csirtnet import i18n
from csirtnet.kit.text import sort_key
from csirtnet.models import AuditRecord, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_from, login

PACKAGE = Path(str(resources.files("csirtnet")))
TEMPLATES = PACKAGE / "web" / "templates"

# Python whose English messages reach users: AppError messages (and the field names and the
# things NotFound names that they carry) and strings marked N_() / translated in place.
SERVICE_SOURCES = [
    "identity",
    "auth",
    "authz",
    "errors.py",
    "notification/service.py",
    "kit/pagination.py",
    "organisation/service.py",
    "organisation/repository.py",
    "web",
]
_ERROR_CLASSES = {
    "AppError",
    "ValidationFailed",
    "NotAuthenticated",
    "Forbidden",
    "NotFound",
    "Conflict",
    "TooManyRequests",
    "LoginFailed",
    "LoginRequired",
    "SecondFactorRequired",
    "FieldError",
}
_FIELD_FIRST = {"ValidationFailed", "FieldError"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def vietnamese() -> dict[str, str]:
    catalog = i18n.merged_catalog("vi")
    assert catalog is not None, "no Vietnamese catalog"
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and isinstance(m.string, str)}


def template_msgids() -> dict[str, str]:
    """msgid -> where it is used, from every template of every domain."""
    found: dict[str, str] = {}
    options = {"**.html": {"extensions": "jinja2.ext.do", "trim_blocks": "True", "lstrip_blocks": "True"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(TEMPLATES), [("**.html", "jinja2.ext.babel_extract")], options_map=options, keywords={"_": None}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def marked_python_msgids() -> dict[str, str]:
    """Strings marked with N_() or translated in place (translate(lang, "…"), tr(request, "…")) anywhere
    in the package: pages, and the labels, emails, PDFs and CSV files below the web layer."""
    found: dict[str, str] = {}
    keywords = {"N_": None, "translate": (2,), "translate_message": (2,), "tr": (2,)}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), [("**.py", "python")], keywords=keywords
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _text(node: ast.expr) -> str | None:
    """A string literal as written; an f-string with {} where its values go."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def raised_messages(path: Path) -> list[str]:
    """English messages, field names and NotFound's nouns in one module's AppError calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes = set(_ERROR_CLASSES)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id in classes for b in node.bases):
            classes.add(node.name)
    out: list[str | None] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            # Default messages: `def __init__(self, message: str = "You may not do this")`.
            named = node.args.args[-len(node.args.defaults) :] if node.args.defaults else []
            out += [_text(d) for a, d in zip(named, node.args.defaults, strict=True) if a.arg == "message"]
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.args
                    and call.func.attr == "__init__"
                    and isinstance(call.func.value, ast.Call)
                ):
                    out.append(_text(call.args[0]))  # super().__init__(f"No such {what}, …")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        args = node.args
        if name in classes:
            if name in _FIELD_FIRST and len(args) >= 2:
                out += [_text(args[0]), _text(args[1])]
            elif args:
                out.append(_text(args[0]))
            out += [_text(k.value) for k in node.keywords if k.arg == "message"]
        elif name == "add" and isinstance(func, ast.Attribute) and len(args) == 2:
            texts = [_text(a) for a in args]
            if all(texts):
                out += texts  # ErrorList.add(field, message)
    # "{}: {}" (ValidationFailed's "field: message") has no words of its own to translate.
    return [m for m in out if m and re.search(r"[A-Za-z]", m.replace("{}", ""))]


def _shape(message: str) -> str:
    """Compare catalog entries with code by their fixed text: values become {}."""
    return _PLACEHOLDER.sub("{}", message)


def test_every_template_string_has_a_vietnamese_translation() -> None:
    catalog = vietnamese()
    msgids = template_msgids()
    assert len(msgids) > 100  # the extraction really found the templates
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(msgids.items()) if not catalog.get(msgid, "").strip()]
    assert not missing, "templates use strings without a Vietnamese translation:\n" + "\n".join(missing)


def test_every_marked_python_string_has_a_vietnamese_translation() -> None:
    catalog = vietnamese()
    msgids = marked_python_msgids()
    assert "That code is not valid" in msgids and "Application compromise" in msgids
    missing = [f"{where}: {msgid!r}" for msgid, where in sorted(msgids.items()) if not catalog.get(msgid, "").strip()]
    assert not missing, "Python strings without a Vietnamese translation:\n" + "\n".join(missing)


def test_every_error_message_that_reaches_users_has_a_vietnamese_translation() -> None:
    shapes = {_shape(msgid) for msgid, text in vietnamese().items() if text.strip()}
    missing: list[str] = []
    seen: set[str] = set()
    for source in SERVICE_SOURCES:
        path = PACKAGE / source
        for module in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            for message in raised_messages(module):
                if message not in seen and message not in shapes:
                    missing.append(f"{module.relative_to(PACKAGE)}: {message!r}")
                seen.add(message)
    assert "that code does not match; check the time on your phone" in seen
    assert "No such {}, or you may not see it" in seen
    assert not missing, "error messages without a Vietnamese translation:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    for msgid, text in vietnamese().items():
        assert sorted(_PLACEHOLDER.findall(msgid)) == sorted(_PLACEHOLDER.findall(text)), msgid


def test_messages_with_values_are_translated_around_the_values() -> None:
    assert i18n.translate_message("vi", "No such user, or you may not see it") == (
        "Không có người dùng này, hoặc bạn không có quyền xem"
    )
    assert i18n.translate_message("vi", "A user with the email an@example.vn already exists") == (
        "Đã có người dùng với email an@example.vn"
    )
    assert i18n.translate_message("vi", "code: that code does not match; check the time on your phone") == (
        "Mã: mã không khớp; hãy kiểm tra đồng hồ trên điện thoại của bạn"
    )
    assert i18n.translate_message("en", "No such user, or you may not see it") == "No such user, or you may not see it"
    assert i18n.translate_message("vi", "nothing like this is in the catalog") == "nothing like this is in the catalog"


# -- choosing the language ------------------------------------------------------------------


def _login_heading(response: object) -> str:
    text = response.text  # type: ignore[attr-defined]
    if "<h1>Đăng nhập</h1>" in text:
        return "vi"
    if "<h1>Log in</h1>" in text:
        return "en"
    raise AssertionError("the login page has no known heading")


def test_query_parameter_wins_over_cookie_and_browser(client) -> None:
    client.cookies.set("csirtnet_lang", "vi")
    r = client.get("/login?lang=en", headers={"accept-language": "vi-VN,vi;q=0.9"})
    assert _login_heading(r) == "en"
    r = client.get("/login?lang=vi", headers={"accept-language": "en-GB,en;q=0.9"})
    assert _login_heading(r) == "vi"


def test_cookie_wins_over_the_browser(client) -> None:
    client.cookies.set("csirtnet_lang", "en")
    assert _login_heading(client.get("/login", headers={"accept-language": "vi"})) == "en"


def test_browser_language_then_the_default(client, settings) -> None:
    assert _login_heading(client.get("/login", headers={"accept-language": "en-US,en;q=0.8,vi;q=0.5"})) == "en"
    assert _login_heading(client.get("/login", headers={"accept-language": "fr-FR, vi;q=0.7, en;q=0.6"})) == "vi"
    assert settings.default_language == "vi"
    assert _login_heading(client.get("/login", headers={"accept-language": "de-DE"})) == "vi"
    assert _login_heading(client.get("/login")) == "vi"


def test_saved_choice_of_a_user_wins_over_cookie_and_browser(client, db) -> None:
    user = make_user(db, language="en")
    login(client, user.email)
    client.cookies.set("csirtnet_lang", "vi")
    home = client.get("/", headers={"accept-language": "vi"})
    assert "Log out" in home.text and "Đăng xuất" not in home.text
    assert "Đăng xuất" in client.get("/?lang=vi").text


def test_switching_language_is_remembered_for_the_user(client, db) -> None:
    user = make_user(db, language="vi")
    login(client, user.email)
    home = client.get("/")
    r = client.post("/lang", data={"code": "en", "next": "/account", "csrf_token": csrf_from(home.text)})
    assert r.status_code == 303 and r.headers["location"] == "/account"
    db.expire_all()
    assert db.get(User, user.id).language == "en"
    assert "Your account" in client.get("/account").text
    changed = db.scalars(select(AuditRecord).where(AuditRecord.action == "user.updated")).all()
    assert any(rec.summary.get("changes", {}).get("language") == {"from": "vi", "to": "en"} for rec in changed)


def test_error_pages_speak_the_readers_language(client, db) -> None:
    user = make_user(db, language="vi")
    login(client, user.email)
    r = client.get("/admin/users")
    assert r.status_code == 403
    assert "Bạn cần có quyền &#39;users:read&#39; để thực hiện thao tác này" in r.text


# -- Vietnamese order -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later"),
    [("Dương", "Đỗ"), ("Anh", "Ăn"), ("Ăn", "Ân"), ("An", "Ăn"), ("Ơn", "Phú"), ("Hà", "Hạ"), ("Ư", "Vân")],
)
def test_sort_key_follows_the_vietnamese_alphabet(earlier: str, later: str) -> None:
    assert sort_key(earlier) < sort_key(later)


def test_users_list_is_in_vietnamese_order(client, db) -> None:
    secret = pyotp.random_base32()
    org = make_organisation(db, name="Sở Thông tin và Truyền thông Bắc Kạn")
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN], totp_secret=secret, full_name="Zô Quản Trị")
    names = ["Đỗ Thị Hoa", "Dương Văn Minh", "Ăn Văn Tư", "Anh Thị Lan", "Âu Minh Khang", "Bùi Thị Yến", "Ôn Văn Sơn"]
    for name in names:
        make_user(db, organisation=org, full_name=name)
    login(client, admin.email, totp_secret=secret)
    page = client.get(f"/admin/users?organisation_id={org.id}")
    assert page.status_code == 200
    shown = re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', page.text)
    assert shown == [
        "Anh Thị Lan",
        "Ăn Văn Tư",
        "Âu Minh Khang",
        "Bùi Thị Yến",
        "Dương Văn Minh",
        "Đỗ Thị Hoa",
        "Ôn Văn Sơn",
    ]


def test_users_search_ignores_accents(client, db) -> None:
    secret = pyotp.random_base32()
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN], totp_secret=secret)
    make_user(db, full_name="Nguyễn Thị Đoan Trang", organisation=admin.organisation)
    make_user(db, full_name="Trần Văn Bình", organisation=admin.organisation)
    login(client, admin.email, totp_secret=secret)
    page = client.get("/admin/users", params={"q": "doan trang"})
    assert "Nguyễn Thị Đoan Trang" in page.text
    assert "Trần Văn Bình" not in page.text


def test_no_msgid_is_translated_in_two_catalogs() -> None:
    """One word, one translation: a msgid lives in exactly one catalog (shared words in messages.po)."""
    from importlib import resources

    from babel.messages.pofile import read_po

    from csirtnet.i18n import catalog_files

    owner: dict[str, str] = {}
    twice: list[str] = []
    for source in catalog_files(resources.files("csirtnet.web").joinpath("locale/vi/LC_MESSAGES")):
        with source.open("rb") as fh:
            messages = list(read_po(fh, locale="vi"))
        for message in messages:
            if not message.id:
                continue
            if message.id in owner:
                twice.append(f"{message.id!r} in {owner[message.id]} and {source.name}")
            owner.setdefault(str(message.id), source.name)
    assert not twice, "translated twice: " + "; ".join(twice[:20])
