"""The indicator API: every route closed to anonymous callers, TLP between organisations (an
AMBER+STRICT indicator of A hidden from B and from the coordinating body, AMBER seen by the
coordinating body, GREEN by every member, RED only by its author), bad input named by field."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.incident.helpers import api
from tests.intel.indicator_world import make_world

BASE = "/api/v1/indicators"


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    for method, path in [
        ("get", BASE),
        ("post", BASE),
        ("get", f"{BASE}/collections"),
        ("post", f"{BASE}/bulk"),
        ("get", f"{BASE}/1"),
        ("patch", f"{BASE}/1"),
        ("post", f"{BASE}/1/revoke"),
        ("post", f"{BASE}/1/sightings"),
        ("post", f"{BASE}/1/false-positive"),
    ]:
        assert getattr(client, method)(path).status_code == 401, path


def _share(client: Any, headers: dict[str, str], value: str, tlp: str, **extra: Any) -> dict[str, Any]:
    r = client.post(BASE, json={"value": value, "tlp": tlp, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_tlp_between_organisations_on_every_read_and_write(client: Any, db: Session) -> None:
    w = make_world(db)
    a1, a2, b1, coord = api(db, w.a1), api(db, w.a2), api(db, w.b1), api(db, w.coordinator)
    strict = _share(client, a1, "strict.example.vn", "amber+strict")
    amber = _share(client, a1, "amber.example.vn", "amber")
    green = _share(client, a1, "green.example.vn", "green")
    red = _share(client, a1, "red.example.vn", "red")
    ids = [x["id"] for x in (strict, amber, green, red)]

    def visible(headers: dict[str, str]) -> list[bool]:
        return [client.get(f"{BASE}/{i}", headers=headers).status_code == 200 for i in ids]

    assert visible(b1) == [False, False, True, False]
    assert visible(coord) == [False, True, True, False]
    assert visible(a2) == [True, True, True, False]
    assert visible(a1) == [True, True, True, True]
    listed = client.get(BASE, params={"q": "red.example.vn"}, headers=a2).json()["items"]
    assert listed == []
    assert [i["value"] for i in client.get(BASE, headers=b1).json()["items"]] == ["green.example.vn"]
    # writes on what one may not see answer as if it did not exist; on what one sees but did not share, 403
    for path in [
        f"{BASE}/{strict['id']}/sightings",
        f"{BASE}/{strict['id']}/false-positive",
        f"{BASE}/{strict['id']}/revoke",
    ]:
        assert client.post(path, json={}, headers=b1).status_code == 404, path
    assert client.patch(f"{BASE}/{strict['id']}", json={"confidence": 1}, headers=b1).status_code == 404
    assert client.patch(f"{BASE}/{green['id']}", json={"confidence": 1}, headers=b1).status_code == 403
    assert client.post(f"{BASE}/{green['id']}/revoke", headers=b1).status_code == 403
    # sharing into another organisation's outbox is refused
    r = client.post(BASE, json={"value": "1.2.3.4", "collection": f"outbox:{w.org_a.id}"}, headers=b1)
    assert r.status_code == 403
    keys = {c["key"] for c in client.get(f"{BASE}/collections", headers=b1).json()}
    assert "national" in keys and f"outbox:{w.org_b.id}" in keys and f"outbox:{w.org_a.id}" not in keys


def test_share_sight_report_update_revoke_and_read(client: Any, db: Session) -> None:
    w = make_world(db)
    a1, b1 = api(db, w.a1), api(db, w.b1)
    made = _share(client, a1, "hxxp://evil[.]example[.]vn/a", "green", tags=["fraud/phishing"], confidence=80)
    assert made["kind"] == "url" and made["value"] == "http://evil.example.vn/a"
    assert made["decay"]["expired"] is False and made["decay"]["score"] > 30 and made["may_edit"] is True
    sighting = client.post(f"{BASE}/{made['id']}/sightings", json={"count": 4, "tlp": "green"}, headers=b1)
    assert sighting.status_code == 201, sighting.text
    fp = client.post(f"{BASE}/{made['id']}/false-positive", json={"note": "internal", "tlp": "green"}, headers=b1)
    assert fp.status_code == 201 and fp.json()["false_positive"] is True
    seen = client.get(f"{BASE}/{made['id']}", headers=b1).json()
    assert (seen["sightings_count"], seen["false_positive_count"], seen["may_edit"]) == (4, 1, False)
    assert {s["organisation"] for s in seen["sightings"]} == {w.org_b.name}
    changed = client.patch(f"{BASE}/{made['id']}", json={"confidence": 60, "valid_until": None}, headers=a1)
    assert changed.status_code == 200 and changed.json()["confidence"] == 60
    revoked = client.post(f"{BASE}/{made['id']}/revoke", json={"reason": "taken down"}, headers=a1)
    assert revoked.json()["revoked"] is True and revoked.json()["decay"]["reason"] == "revoked"
    found = client.get(BASE, params={"q": "hxxp://evil[.]example[.]vn/", "include_expired": "true"}, headers=b1)
    assert [i["id"] for i in found.json()["items"]] == [made["id"]]
    assert client.get(BASE, params={"q": "hxxp://evil[.]example[.]vn/"}, headers=b1).json()["items"] == []


def test_bulk_paste_previews_then_adds(client: Any, db: Session) -> None:
    w = make_world(db)
    a1 = api(db, w.a1)
    body = {"text": "198.51.100.3\n10.0.0.1\nbad.example.vn\n", "tlp": "green", "dry_run": True}
    preview = client.post(f"{BASE}/bulk", json=body, headers=a1)
    assert preview.status_code == 200, preview.text
    assert [line["status"] for line in preview.json()["lines"]] == ["would-create"] * 3
    assert preview.json()["lines"][1]["warninglists"] == ["List of RFC 1918 CIDR blocks"]
    assert client.get(BASE, headers=a1).json()["items"] == []
    done = client.post(f"{BASE}/bulk", json={**body, "dry_run": False}, headers=a1).json()
    assert done["created"] == 3 and all(line["indicator_id"] for line in done["lines"])
    assert len(client.get(BASE, headers=a1).json()["items"]) == 3


def test_bad_input_names_the_field(client: Any, db: Session) -> None:
    w = make_world(db)
    a1 = api(db, w.a1)
    made = _share(client, a1, "203.0.113.5", "green")

    def field_of(r: Any) -> list[str]:
        assert r.status_code == 422, r.text
        return [e["field"] for e in r.json()["errors"]]

    assert "value" in field_of(client.post(BASE, json={"value": "???", "tlp": "green"}, headers=a1))
    assert any("tlp" in f for f in field_of(client.post(BASE, json={"value": "1.2.3.4", "tlp": "pink"}, headers=a1)))
    assert any(
        "confidence" in f for f in field_of(client.post(BASE, json={"value": "1.2.3.4", "confidence": 101}, headers=a1))
    )
    assert field_of(client.post(BASE, json={"value": "1.2.3.4", "tags": ["vulnerable/nope"]}, headers=a1)) == [
        "tags[0]"
    ]
    assert any(
        "confidence" in f for f in field_of(client.patch(f"{BASE}/{made['id']}", json={"confidence": None}, headers=a1))
    )
    assert field_of(
        client.post(f"{BASE}/{made['id']}/sightings", json={"first_seen_at": "2099-01-01T00:00:00Z"}, headers=a1)
    ) == ["last_seen_at"]
    assert any(
        "count" in f for f in field_of(client.post(f"{BASE}/{made['id']}/sightings", json={"count": 0}, headers=a1))
    )
    assert any(
        "tlp" in f for f in field_of(client.post(f"{BASE}/{made['id']}/false-positive", json={"tlp": "x"}, headers=a1))
    )
    r = client.post(f"{BASE}/bulk", json={"text": "1.2.3.4\nnonsense!\n"}, headers=a1)
    assert field_of(r) == ["text"] and "line 2" in r.json()["errors"][0]["message"]
    assert any(
        "note" in f or "reason" in f
        for f in field_of(client.post(f"{BASE}/{made['id']}/revoke", json={"reason": "x" * 3000}, headers=a1))
    )
    assert field_of(client.get(BASE, params={"collection": "elsewhere"}, headers=a1)) == ["collection"]
    assert field_of(client.get(BASE, params={"cursor": "garbage"}, headers=a1)) == ["cursor"]


def test_an_indicator_shows_what_correlates_with_it_that_the_reader_may_see(client: Any, db: Session) -> None:
    w = make_world(db)
    a1, b1 = api(db, w.a1), api(db, w.b1)
    mine = _share(client, a1, "c2.example.vn", "green")
    theirs = _share(client, b1, "c2.example.vn", "green")
    hidden = _share(client, b1, "www.c2.example.vn", "amber+strict", kind="hostname")
    under = _share(client, b1, "cdn.c2.example.vn", "green", kind="hostname")
    links = client.get(f"{BASE}/{mine['id']}", headers=a1).json()["correlations"]
    found = {(link["relation"], link["type"], link.get("indicator_id")) for link in links}
    assert ("exact", "indicator", theirs["id"]) in found
    assert any(link.get("indicator_id") == under["id"] for link in links)
    assert all(link.get("indicator_id") != hidden["id"] for link in links)


def test_a_user_without_a_role_reads_no_indicator(client: Any, db: Session) -> None:
    from tests.factories import make_user

    w = make_world(db)
    _share(client, api(db, w.a1), "green.example.vn", "green")
    nobody = api(db, make_user(db, roles=[], organisation=w.org_a))
    assert client.get(BASE, headers=nobody).status_code in (401, 403)
    assert client.get(f"{BASE}/collections", headers=nobody).status_code in (401, 403)
