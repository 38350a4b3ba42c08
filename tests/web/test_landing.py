"""Visitors get a landing page at / (what the network is, the report form, the application, the
login), logged-in people their home; the login page links the public forms; every page shows the
icon and /favicon.ico answers."""

from __future__ import annotations

from tests.factories import make_organisation
from tests.helpers import login
from tests.incident.helpers import member


def test_visitors_get_the_landing_page_and_logged_in_people_their_home(client, db) -> None:
    landing = client.get("/")
    assert landing.status_code == 200 and 'data-testid="landing"' in landing.text
    for link in ('href="/report"', 'href="/apply"', 'href="/login"'):
        assert link in landing.text
    assert "Mạng lưới ứng cứu sự cố" in landing.text
    english = client.get("/?lang=en")
    assert "Anyone can report a cybersecurity incident" in english.text
    login_page = client.get("/login")
    assert 'href="/report"' in login_page.text and 'href="/apply"' in login_page.text
    user = member(db, make_organisation(db))
    login(client, user.email)
    home = client.get("/")
    assert 'data-testid="landing"' not in home.text and user.full_name in home.text


def test_every_page_shows_the_icon_and_favicon_ico_answers(client, db) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/vnd.microsoft.icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    for path in ("/", "/login", "/report", "/apply"):
        assert '<link rel="icon" href="/static/favicon.svg"' in client.get(path).text, path
    login(client, member(db).email)
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/incidents").text
