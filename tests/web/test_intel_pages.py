"""The indicator pages through the app client: a visitor is sent to log in; an organisation's
TLP:AMBER+STRICT indicator is absent from another organisation's search and its page is a 404
there; the search finds a value typed defanged or in another case; the indicator page shows
its markings, warninglist flag, sightings and correlations; a bad form comes back in place
(tests/web/formpages.py) with nothing saved; the bulk preview names the bad line."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import func, select

from csirtnet.models import Indicator, Sighting, User
from tests.helpers import csrf_from, login
from tests.intel.indicator_world import World, audit_count, make_world, share
from tests.web.formpages import post_bad

PAGES = [
    "/indicators",
    "/indicators/new",
    "/indicators/bulk",
    "/indicators/1",
    "/indicators/imports",
    "/indicators/export",
    "/indicators/collections",
    "/indicators/subscriptions",
]


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return make_world(db)


def _log_in(client, db, user: User) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.flush()
    client.cookies.clear()  # whoever was signed in before
    login(client, user.email, totp_secret=secret)


def _count(db, model: type) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_is_sent_to_log_in(client, path: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(path, follow_redirects=False)
    assert r.status_code in (302, 303, 307)
    assert r.headers["location"].startswith("/login")


def test_amber_strict_stays_in_its_organisation(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    strict = share(db, world.a1, "203.0.113.77", tlp="amber+strict")
    green = share(db, world.a1, "198.51.100.23", tlp="green")
    _log_in(client, db, world.b1)
    listed = client.get("/indicators")
    assert listed.status_code == 200
    assert "198.51.100.23" in listed.text
    assert "203.0.113.77" not in listed.text
    assert "203.0.113.77" not in client.get("/indicators", params={"q": "203.0.113"}).text
    assert client.get(f"/indicators/{strict.id}").status_code == 404
    assert client.get(f"/indicators/{green.id}").status_code == 200


def test_the_search_finds_a_defanged_or_differently_cased_value(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    share(db, world.a1, "evil-login.example.vn", tlp="green")
    share(db, world.a1, "192.0.2.15", tlp="green")
    _log_in(client, db, world.b1)
    for typed, found in (
        ("EVIL-LOGIN.example[.]VN", "evil-login.example.vn"),
        ("192.0.2[.]15", "192.0.2.15"),
        ("evil-log", "evil-login.example.vn"),
    ):
        r = client.get("/indicators", params={"q": typed})
        assert r.status_code == 200
        assert f'data-value="{found}"' in r.text, typed
    r = client.get("/indicators", params={"kind": "ipv4"})
    assert 'data-value="192.0.2.15"' in r.text and 'data-value="evil-login.example.vn"' not in r.text


def test_the_indicator_page_in_both_languages(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    ind = share(db, world.a1, "8.8.8.8", tlp="green", pap="green", tags=["attack:T1566"])
    _log_in(client, db, world.a2)
    for language, words in (("en", ("Sightings", "Correlations", "Likely false positive")), ("vi", ("Lần thấy",))):
        world.a2.language = language
        db.flush()
        r = client.get(f"/indicators/{ind.id}")
        assert r.status_code == 200
        assert f'<html lang="{language}"' in r.text
        assert 'class="tlp tlp-green"' in r.text and "PAP:GREEN" in r.text
        assert "attack:T1566" in r.text
        assert 'data-testid="warninglists"' in r.text  # a public resolver
        assert 'data-testid="decay-curve"' in r.text
        for word in words:
            assert word in r.text, (language, word)


def test_a_sighting_and_a_false_positive_report(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    ind = share(db, world.a1, "203.0.113.9", tlp="green")
    _log_in(client, db, world.b1)
    page = client.get(f"/indicators/{ind.id}")
    token = csrf_from(page.text)
    r = client.post(
        f"/indicators/{ind.id}/sightings",
        data={
            "csrf_token": token,
            "last_seen_at": "2026-12-01T10:00",
            "last_seen_at_zone": "Asia/Ho_Chi_Minh",
            "count": "3",
            "tlp": "green",
            "note": "Tường lửa chặn",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(f"/indicators/{ind.id}/false-positive", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Indicator, ind.id).sightings_count == 3
    text = client.get(f"/indicators/{ind.id}").text
    assert "Tường lửa chặn" in text and text.count('data-testid="sighting-row"') == 2


def test_a_bad_sighting_saves_nothing(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    ind = share(db, world.a1, "203.0.113.10", tlp="green")
    _log_in(client, db, world.b1)
    before = _count(db, Sighting), audit_count(db)
    post_bad(
        client,
        db,
        world.b1,
        page=f"/indicators/{ind.id}",
        target=f"/indicators/{ind.id}/sightings",
        data={"last_seen_at": "", "count": "0", "tlp": "green", "note": "không"},
        form_id="indicator_sighting",
        errors=("last_seen_at", "count"),
        kept=("không",),
    )
    assert (_count(db, Sighting), audit_count(db)) == before


def test_a_bad_new_indicator_saves_nothing(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    _log_in(client, db, world.a1)
    before = _count(db, Indicator), audit_count(db)
    post_bad(
        client,
        db,
        world.a1,
        page="/indicators/new",
        target="/indicators/new",
        data={
            "value": "không phải-giá trị",
            "kind": "ipv4",
            "collection": "national",
            "tlp": "amber",
            "confidence": "150",
            "tags": "attack:X1",
        },
        form_id="indicator",
        errors=("value", "confidence"),
        kept=("không phải-giá trị",),
    )
    assert (_count(db, Indicator), audit_count(db)) == before


def test_a_new_indicator_is_shared(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    _log_in(client, db, world.a1)
    token = csrf_from(client.get("/indicators/new").text)
    r = client.post(
        "/indicators/new",
        data={
            "csrf_token": token,
            "value": "hxxps://phish.example[.]vn/login",
            "kind": "",
            "collection": "national",
            "tlp": "green",
            "pap": "amber",
            "confidence": "80",
            "rsit": "fraud/phishing",
            "tags": "attack:T1566",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    db.expire_all()
    ind = db.scalar(select(Indicator).where(Indicator.value == "https://phish.example.vn/login"))
    assert ind is not None and ind.kind == "url" and ind.rsit == "fraud/phishing"
    assert "attack:T1566" in ind.tags


def test_the_bulk_preview_names_the_bad_line_and_adds_nothing(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    _log_in(client, db, world.a1)
    token = csrf_from(client.get("/indicators/bulk").text)
    text = "198.51.100.1\nevil[.]example.vn\nfoo\n"
    before = _count(db, Indicator)
    r = client.post(
        "/indicators/bulk",
        data={"csrf_token": token, "text": text, "collection": "national", "tlp": "green", "confidence": "50"},
    )
    assert r.status_code == 422
    assert 'data-line="3"' in r.text and "foo" in r.text
    assert r.text.count('data-testid="preview-row"') == 2
    assert _count(db, Indicator) == before
    good = "198.51.100.1\nevil[.]example.vn\n"
    r = client.post(
        "/indicators/bulk",
        data={"csrf_token": token, "text": good, "collection": "national", "tlp": "green", "confidence": "50"},
    )
    assert r.status_code == 200 and 'data-testid="confirm-button"' in r.text
    assert _count(db, Indicator) == before
    r = client.post(
        "/indicators/bulk",
        data={
            "csrf_token": token,
            "text": good,
            "collection": "national",
            "tlp": "green",
            "confidence": "50",
            "confirm": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _count(db, Indicator) == before + 2


def test_the_filters_refuse_what_they_do_not_offer(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    _log_in(client, db, world.b1)
    post_bad(
        client,
        db,
        world.b1,
        page="/indicators",
        target="/indicators",
        data={"kind": "planet", "collection": "outbox:999999", "q": "x"},
        form_id="indicator_filters",
        errors=("kind", "collection"),
        method="get",
    )


def test_the_collections_page_gives_the_taxii_addresses(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    _log_in(client, db, world.b1)
    r = client.get("/indicators/collections")
    assert r.status_code == 200
    assert "/taxii2/intel/" in r.text and 'data-key="national"' in r.text
    assert f'data-key="outbox:{world.org_b.id}"' in r.text
    assert f'data-key="outbox:{world.org_a.id}"' not in r.text
    assert client.get("/indicators/subscriptions").status_code == 403


GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def small_bundle() -> bytes:
    """One indicator to import and one object to skip (STIX 2.0)."""
    import json

    stamp = "2026-12-01T08:00:00.000Z"
    return json.dumps(
        {
            "type": "bundle",
            "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": [
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                    "created": stamp,
                    "modified": stamp,
                    "pattern": "[ipv4-addr:value = '203.0.113.50']",
                    "pattern_type": "stix",
                    "valid_from": stamp,
                    "object_marking_refs": [GREEN],
                },
                {
                    "type": "indicator",
                    "spec_version": "2.0",
                    "id": "indicator--0a6b7a43-3f0e-4b59-9a1e-6a0a4f6f0c11",
                    "created": stamp,
                    "modified": stamp,
                    "pattern": "[domain-name:value = 'old.example.vn']",
                    "pattern_type": "stix",
                    "valid_from": stamp,
                },
            ],
        }
    ).encode()


def test_an_uploaded_bundle_and_what_it_skipped(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    _log_in(client, db, world.a1)
    token = csrf_from(client.get("/indicators/imports").text)
    r = client.post(
        "/indicators/imports",
        data={"csrf_token": token, "collection": "national", "default_tlp": "amber"},
        files={"file": ("bundle.json", small_bundle(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert 'data-testid="count-created"' in page.text
    assert "indicator--0a6b7a43-3f0e-4b59-9a1e-6a0a4f6f0c11" in page.text and "spec_version" in page.text
    assert "bundle.json" in client.get("/indicators/imports").text
    ind = db.scalar(select(Indicator).where(Indicator.value == "203.0.113.50"))
    assert ind is not None and ind.tlp == "green"
    detail = client.get(f"/indicators/{ind.id}").text
    assert 'data-testid="origin-import"' in detail
    # Another organisation does not read this import's report.
    _log_in(client, db, world.b1)
    assert client.get(r.headers["location"]).status_code == 404
    assert "bundle.json" not in client.get("/indicators/imports").text


def test_a_file_that_is_no_bundle_is_refused_at_its_field(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    _log_in(client, db, world.a1)
    before = audit_count(db)
    post_bad(
        client,
        db,
        world.a1,
        page="/indicators/imports",
        target="/indicators/imports",
        data={"collection": "national", "default_tlp": "amber"},
        files={"file": ("notes.json", b'{"hello": "world"}', "application/json")},
        form_id="indicator_import",
        errors=("file",),
    )
    assert audit_count(db) == before


def test_an_export_downloads_what_the_reader_may_see(client, db, world: World) -> None:  # type: ignore[no-untyped-def]
    share(db, world.a1, "45.77.10.61", tlp="green")
    share(db, world.a1, "45.77.10.62", tlp="amber+strict")
    _log_in(client, db, world.b1)
    r = client.get("/indicators/export", params={"format": "blocklist-ips", "collection": "national"})
    assert r.status_code == 200, r.text[:500]
    assert "45.77.10.61" in r.text and "45.77.10.62" not in r.text
    assert "attachment" in r.headers["content-disposition"]
    r = client.get("/indicators/export", params={"format": "csv"})
    assert r.status_code == 200 and "45.77.10.61" in r.text and "45.77.10.62" not in r.text
    r = client.get("/indicators/export", params={"format": "stix", "collection": "national"})
    assert r.status_code == 200 and r.json()["type"] == "bundle"
    assert "45.77.10.61" in r.text and "45.77.10.62" not in r.text
    r = client.get("/indicators/export", params={"format": "misp-feed"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    post_bad(
        client,
        db,
        world.b1,
        page="/indicators/export",
        target="/indicators/export",
        data={"format": "pdf", "collection": "outbox:999999"},
        form_id="indicator_export",
        errors=("format", "collection"),
        method="get",
    )
