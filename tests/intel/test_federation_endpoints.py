"""Federation's API (/api/v1/indicators/subscriptions, /api/v1/indicators/collections/configured):
closed to anonymous callers, refused (403) to anyone but the coordinating body — a member of
another organisation included —, bad input a 422 naming the field, and the secret never in an
answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.models import TaxiiSubscription
from tests.factories import make_organisation
from tests.incident.helpers import api, coordinator, member

BASE = "/api/v1/indicators"
SECRET = "partner-token-0123456789"
BODY: dict[str, Any] = {
    "name": "CERT đối tác",
    "direction": "pull",
    "api_root_url": "https://taxii.partner.example/api1/",
    "remote_collection_id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
    "collection": "national",
    "username": "csirtnet@partner.example",
    "secret": SECRET,
    "interval_minutes": 30,
}


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    ident = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
    for method, path in [
        ("get", f"{BASE}/subscriptions"),
        ("post", f"{BASE}/subscriptions"),
        ("get", f"{BASE}/subscriptions/1"),
        ("patch", f"{BASE}/subscriptions/1"),
        ("delete", f"{BASE}/subscriptions/1"),
        ("post", f"{BASE}/subscriptions/1/run"),
        ("get", f"{BASE}/collections/configured"),
        ("post", f"{BASE}/collections/configured"),
        ("get", f"{BASE}/collections/configured/{ident}"),
        ("put", f"{BASE}/collections/configured/{ident}/members/1"),
        ("delete", f"{BASE}/collections/configured/{ident}/members/1"),
    ]:
        assert getattr(client, method)(path).status_code == 401, path


def test_the_coordinating_body_manages_subscriptions(client: Any, db: Session) -> None:
    headers = api(db, coordinator(db))
    created = client.post(f"{BASE}/subscriptions", json=BODY, headers=headers)
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["has_secret"] is True and "secret" not in sub and SECRET not in created.text
    ident = sub["id"]
    listed = client.get(f"{BASE}/subscriptions", headers=headers)
    assert [s["id"] for s in listed.json()] == [ident] and SECRET not in listed.text
    changed = client.patch(f"{BASE}/subscriptions/{ident}", json={"enabled": False}, headers=headers)
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    cleared = client.patch(f"{BASE}/subscriptions/{ident}", json={"username": None, "secret": None}, headers=headers)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["username"] is None and cleared.json()["has_secret"] is False
    run = client.post(f"{BASE}/subscriptions/{ident}/run", headers=headers)
    assert run.status_code == 202 and run.json() == {"subscription_id": ident, "queued": True}
    assert client.post(f"{BASE}/subscriptions/{ident}/run", headers=headers).json()["queued"] is False
    assert client.delete(f"{BASE}/subscriptions/{ident}", headers=headers).status_code == 204
    assert client.get(f"{BASE}/subscriptions/{ident}", headers=headers).status_code == 404


def test_members_may_not_see_or_change_subscriptions(client: Any, db: Session) -> None:
    sub = client.post(f"{BASE}/subscriptions", json=BODY, headers=api(db, coordinator(db))).json()
    for someone in (member(db), member(db, make_organisation(db))):
        headers = api(db, someone)
        assert client.get(f"{BASE}/subscriptions", headers=headers).status_code == 403
        assert client.get(f"{BASE}/subscriptions/{sub['id']}", headers=headers).status_code == 403
        assert client.post(f"{BASE}/subscriptions", json=BODY, headers=headers).status_code == 403
        assert (
            client.patch(f"{BASE}/subscriptions/{sub['id']}", json={"enabled": False}, headers=headers).status_code
            == 403
        )
        assert client.delete(f"{BASE}/subscriptions/{sub['id']}", headers=headers).status_code == 403
        assert client.post(f"{BASE}/subscriptions/{sub['id']}/run", headers=headers).status_code == 403
    assert db.scalar(select(TaxiiSubscription.enabled).where(TaxiiSubscription.id == sub["id"])) is True


def test_bad_subscriptions_are_refused_naming_the_field(client: Any, db: Session) -> None:
    headers = api(db, coordinator(db))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"api_root_url": "ftp://taxii.partner.example/"}, "api_root_url"),
        ({"api_root_url": "javascript:alert(1)"}, "api_root_url"),
        ({"remote_collection_id": "collection-1"}, "remote_collection_id"),
        ({"direction": "sideways"}, "direction"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"collection": "outbox:abc"}, "collection"),
        ({"direction": "push"}, "peer_organisation_id"),
        ({"name": "a\x00b"}, "name"),
    ]
    for overrides, field in cases:
        r = client.post(f"{BASE}/subscriptions", json=BODY | overrides, headers=headers)
        assert r.status_code == 422, (overrides, r.text)
        assert field in _fields(r), (overrides, r.text)
    ident = client.post(f"{BASE}/subscriptions", json=BODY, headers=headers).json()["id"]
    r = client.patch(f"{BASE}/subscriptions/{ident}", json={"api_root_url": "mailto:x@y"}, headers=headers)
    assert r.status_code == 422 and _fields(r) == ["api_root_url"]
    r = client.patch(f"{BASE}/subscriptions/{ident}", json={"enabled": None}, headers=headers)
    assert r.status_code == 422 and "enabled" in _fields(r)
    assert client.get(f"{BASE}/subscriptions/{ident}", headers=headers).json()["api_root_url"] == BODY["api_root_url"]


def test_configured_collections_through_the_api(client: Any, db: Session) -> None:
    headers = api(db, coordinator(db))
    partner = make_organisation(db)
    created = client.post(f"{BASE}/collections/configured", json={"title": "Ngân hàng"}, headers=headers)
    assert created.status_code == 201, created.text
    ident = created.json()["uuid"]
    assert created.json()["key"] == f"custom:{ident}"
    granted = client.put(
        f"{BASE}/collections/configured/{ident}/members/{partner.id}", json={"can_write": True}, headers=headers
    )
    assert granted.status_code == 200, granted.text
    assert [(m["organisation_id"], m["can_write"]) for m in granted.json()["members"]] == [(partner.id, True)]
    assert [c["uuid"] for c in client.get(f"{BASE}/collections/configured", headers=headers).json()] == [ident]
    # The partner's member sees the collection through TAXII's list, not through this management API.
    partner_headers = api(db, member(db, partner))
    assert client.get(f"{BASE}/collections/configured", headers=partner_headers).status_code == 403
    assert (
        client.post(f"{BASE}/collections/configured", json={"title": "x"}, headers=partner_headers).status_code == 403
    )
    assert (
        client.put(
            f"{BASE}/collections/configured/{ident}/members/{partner.id}",
            json={"can_write": False},
            headers=partner_headers,
        ).status_code
        == 403
    )
    # Bad input.
    assert _fields(client.post(f"{BASE}/collections/configured", json={"title": ""}, headers=headers)) == ["title"]
    r = client.put(f"{BASE}/collections/configured/{ident}/members/99999999", json={}, headers=headers)
    assert r.status_code == 422 and _fields(r) == ["organisation_id"]
    r = client.put(
        f"{BASE}/collections/configured/{ident}/members/{partner.id}", json={"can_write": 1}, headers=headers
    )
    assert r.status_code == 422 and "can_write" in _fields(r)
    assert client.get(f"{BASE}/collections/configured/not-a-uuid", headers=headers).status_code == 404
    revoked = client.delete(f"{BASE}/collections/configured/{ident}/members/{partner.id}", headers=headers)
    assert revoked.status_code == 204
    assert (
        client.delete(f"{BASE}/collections/configured/{ident}/members/{partner.id}", headers=headers).status_code == 404
    )
