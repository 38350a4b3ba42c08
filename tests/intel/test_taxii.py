"""The TAXII 2.1 server through HTTP (in process): discovery, API root, collections, objects with
every filter and the keyset pages, manifest, versions, one object, delete, post, status; the media
types (406, 415), the size limit (413), TAXII error messages; who may read what (TLP and collection
readers); HTTP Basic with a password or an API token, bearer tokens, throttling and the second
factor. The OASIS client against a live server is in test_taxii_client.py."""

from __future__ import annotations

import base64
import itertools
import uuid
from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.intel.collections import taxii_id
from csirtnet.kit.time import utcnow
from csirtnet.models import AuditRecord, IntelImport, LoginAttempt, Organisation, StixObject, User
from csirtnet.vocabulary import Role
from csirtnet.vocabulary.enums import TLP
from tests.factories import PASSWORD, make_organisation, make_user

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/intel"
NATIONAL = taxii_id("national")
SCOPES = ["incidents:read", "intel:read", "intel:write"]
_seq = itertools.count(1)


# -- helpers (test_taxii_client.py uses them too) ---------------------------------------------------


def stix_id(kind: str = "indicator") -> str:
    return f"{kind}--{uuid.uuid4()}"


def stix_body(ident: str, modified: str, *, kind: str = "indicator", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind,
        "spec_version": "2.1",
        "id": ident,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
    }
    if kind == "indicator":
        n = next(_seq)
        body |= {
            "pattern": f"[ipv4-addr:value = '198.51.{n // 250 % 250}.{n % 250}']",
            "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        }
    return body | extra


def stix_rows(
    collection: str,
    count: int,
    *,
    tlp: TLP = TLP.GREEN,
    organisation: Organisation | None = None,
    created_by: User | None = None,
    kind: str = "indicator",
    start: Any = None,
) -> list[dict[str, Any]]:
    """Rows for `insert(StixObject)`: `count` objects, one version each, added one millisecond apart."""
    start = start or utcnow() - timedelta(hours=1)
    rows = []
    for i in range(count):
        ident = stix_id(kind)
        modified = "2026-01-01T00:00:00.000Z"
        rows.append(
            {
                "collection": collection,
                "stix_id": ident,
                "stix_type": kind,
                "spec_version": "2.1",
                "modified": modified,
                "created": "2026-01-01T00:00:00.000Z",
                "date_added": start + timedelta(milliseconds=i),
                "tlp": tlp.value,
                "organisation_id": organisation.id if organisation else None,
                "created_by_id": created_by.id if created_by else None,
                "body": orjson.dumps(stix_body(ident, modified, kind=kind)).decode(),
            }
        )
    return rows


def add_stix(db: Session, collection: str, count: int = 1, **kwargs: Any) -> list[StixObject]:
    rows = [StixObject(**row) for row in stix_rows(collection, count, **kwargs)]
    db.add_all(rows)
    db.flush()
    return rows


def add_version(db: Session, first: StixObject, modified: str, *, minutes: int = 1, **overrides: Any) -> StixObject:
    row = StixObject(
        collection=first.collection,
        stix_id=first.stix_id,
        stix_type=first.stix_type,
        spec_version=first.spec_version,
        modified=modified,
        created=first.created,
        date_added=first.date_added + timedelta(minutes=minutes),
        tlp=overrides.pop("tlp", first.tlp),
        organisation_id=first.organisation_id,
        created_by_id=first.created_by_id,
        body=orjson.dumps(stix_body(first.stix_id, modified, kind=first.stix_type, name=modified)).decode(),
    )
    for key, value in overrides.items():
        setattr(row, key, value)
    db.add(row)
    db.flush()
    return row


def basic(email: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{email}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Accept": TAXII}


def token_of(db: Session, user: User, scopes: list[str] | None = None) -> str:
    """An API token of the user with the TAXII scopes its roles grant."""
    who = subject_for(user)
    wanted = [s for s in scopes or SCOPES if s in grantable_scopes(who)]
    return create_token(db, who, user, name="taxii", scopes=wanted, expires_in_days=1).token


def auth(db: Session, user: User, scopes: list[str] | None = None) -> dict[str, str]:
    """Basic with the user's email and an API token (the fast way: no password hash per call)."""
    return basic(user.email, token_of(db, user, scopes))


def objects_of(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == TAXII
    return list(r.json().get("objects", []))


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    coordinating = make_organisation(db, is_coordinator=True)
    org_a, org_b = make_organisation(db), make_organisation(db)
    a = make_user(db, roles=[Role.RESPONDER], organisation=org_a)
    a_viewer = make_user(db, roles=[Role.VIEWER], organisation=org_a)
    b = make_user(db, roles=[Role.RESPONDER], organisation=org_b)
    coordinator = make_user(db, roles=[Role.COORDINATOR], organisation=coordinating)
    db.commit()
    return {
        "org_a": org_a,
        "org_b": org_b,
        "a": a,
        "a_viewer": a_viewer,
        "b": b,
        "coordinator": coordinator,
        "A": auth(db, a),
        "A_viewer": auth(db, a_viewer),
        "B": auth(db, b),
        "C": auth(db, coordinator),
    }


# -- closed: anonymous, bad credentials, the second factor ------------------------------------------

# No such status or object; fixed, so that every test process names the tests alike.
UNKNOWN = "5b1e6c2a-7d0e-4f35-9a51-3c8f2e7d9b40"
ROUTES = [
    ("GET", "/taxii2/"),
    ("GET", f"{ROOT}/"),
    ("GET", f"{ROOT}/status/{UNKNOWN}/"),
    ("GET", f"{ROOT}/collections/"),
    ("GET", f"{ROOT}/collections/{NATIONAL}/"),
    ("GET", f"{ROOT}/collections/{NATIONAL}/objects/"),
    ("POST", f"{ROOT}/collections/{NATIONAL}/objects/"),
    ("GET", f"{ROOT}/collections/{NATIONAL}/manifest/"),
    ("GET", f"{ROOT}/collections/{NATIONAL}/objects/indicator--{UNKNOWN}/"),
    ("DELETE", f"{ROOT}/collections/{NATIONAL}/objects/indicator--{UNKNOWN}/"),
    ("GET", f"{ROOT}/collections/{NATIONAL}/objects/indicator--{UNKNOWN}/versions/"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_gets_401_asking_for_basic(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, path, headers={"Accept": TAXII})
    assert r.status_code == 401
    assert r.headers["content-type"] == TAXII
    assert r.headers["www-authenticate"].startswith("Basic ")
    error = r.json()
    assert error["http_status"] == "401" and error["title"] and error["error_id"] == r.headers["x-request-id"]


def test_basic_with_the_password_or_a_token_and_bearer_tokens(client: TestClient, db: Session) -> None:
    user = make_user(db, roles=[Role.RESPONDER])
    token = token_of(db, user)
    db.commit()
    assert client.get("/taxii2/", headers=basic(user.email, PASSWORD)).status_code == 200
    assert client.get("/taxii2/", headers=basic(user.email.upper(), token)).status_code == 200
    bearer = client.get("/taxii2/", headers={"Authorization": f"Bearer {token}", "Accept": TAXII})
    assert bearer.status_code == 200 and bearer.headers["content-type"] == TAXII
    assert client.get("/taxii2/", headers=basic(user.email, "wrong password")).status_code == 401
    assert client.get("/taxii2/", headers={"Authorization": "Basic !!notbase64", "Accept": TAXII}).status_code == 401
    assert client.get("/taxii2/", headers={"Authorization": "Bearer csn_nope_nope"}).status_code == 401
    other = make_user(db, roles=[Role.RESPONDER])
    db.commit()
    refused = client.get("/taxii2/", headers=basic(other.email, token))
    assert refused.status_code == 401, "a token is only good with its own user's email"
    assert client.get("/taxii2/", headers={"Cookie": "csirtnet_session=x"}).status_code == 401, "no browser sessions"


def test_failed_passwords_are_counted_and_throttled(client: TestClient, db: Session, settings: Any) -> None:
    user = make_user(db, roles=[Role.RESPONDER])
    db.commit()
    for _ in range(settings.login_max_failures):
        assert client.get("/taxii2/", headers=basic(user.email, "guess")).status_code == 401
    failed = db.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.email == user.email))
    assert failed == settings.login_max_failures, "the failed attempts were kept although the calls failed"
    locked = client.get("/taxii2/", headers=basic(user.email, PASSWORD))
    assert locked.status_code == 401 and "locked" in locked.json()["description"]
    settings.login_ip_max_attempts = settings.login_max_failures + 1
    throttled = client.get("/taxii2/", headers=basic("nobody@example.vn", "guess"))
    assert throttled.status_code == 429 and throttled.headers["retry-after"]


def test_the_second_factor_rule(client: TestClient, db: Session) -> None:
    owing = make_user(db, roles=[Role.COORDINATOR], second_factor=False)
    enrolled = make_user(db, roles=[Role.RESPONDER], second_factor=True)
    owing_token, enrolled_token = token_of(db, owing, ["intel:read"]), token_of(db, enrolled)
    db.commit()
    for headers in (basic(owing.email, PASSWORD), basic(owing.email, owing_token)):
        r = client.get("/taxii2/", headers=headers)
        assert r.status_code == 403 and r.headers["content-type"] == TAXII
    refused = client.get("/taxii2/", headers=basic(enrolled.email, PASSWORD))
    assert refused.status_code == 401 and "API token" in refused.json()["description"]
    assert client.get("/taxii2/", headers=basic(enrolled.email, enrolled_token)).status_code == 200


# -- media types ------------------------------------------------------------------------------------


def test_media_types(client: TestClient, world: dict[str, Any]) -> None:
    headers = dict(world["A"])
    for accept in (TAXII, "application/taxii+json", "*/*", "application/taxii+json; version=2.1"):
        r = client.get("/taxii2/", headers=headers | {"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"] == TAXII, accept
    for accept in ("application/json", "application/taxii+json;version=2.0", "text/html"):
        r = client.get(f"{ROOT}/collections/", headers=headers | {"Accept": accept})
        assert r.status_code == 406 and r.json()["http_status"] == "406", accept
    url = f"{ROOT}/collections/{NATIONAL}/objects/"
    for content_type in ("application/json", "application/taxii+json;version=2.0", "text/plain"):
        r = client.post(url, content=b'{"objects": []}', headers=headers | {"Content-Type": content_type})
        assert r.status_code == 415, content_type


def test_discovery_and_api_root(client: TestClient, world: dict[str, Any], settings: Any) -> None:
    discovery = client.get("/taxii2/", headers=world["B"]).json()
    assert discovery["title"] and discovery["default"] == "http://testserver/taxii2/intel/"
    assert discovery["api_roots"] == [discovery["default"]]
    root = client.get(f"{ROOT}/", headers=world["B"]).json()
    assert root["versions"] == [TAXII] and root["max_content_length"] == settings.max_upload_bytes
    assert client.get("/taxii2/other/", headers=world["B"]).status_code == 404


# -- collections ------------------------------------------------------------------------------------


def test_collections_are_those_the_caller_may_read_or_write(client: TestClient, world: dict[str, Any]) -> None:
    outbox_a, outbox_b = taxii_id(f"outbox:{world['org_a'].id}"), taxii_id(f"outbox:{world['org_b'].id}")
    seen = {c["id"]: c for c in client.get(f"{ROOT}/collections/", headers=world["B"]).json()["collections"]}
    assert NATIONAL in seen and outbox_b in seen and outbox_a not in seen
    national = seen[NATIONAL]
    assert national["can_read"] is True and national["can_write"] is True
    assert national["media_types"] == ["application/stix+json;version=2.1"] and national["title"]
    viewer = client.get(f"{ROOT}/collections/{NATIONAL}/", headers=world["A_viewer"]).json()
    assert viewer["can_read"] is True and viewer["can_write"] is False
    assert client.get(f"{ROOT}/collections/{outbox_a}/", headers=world["B"]).status_code == 404
    assert client.get(f"{ROOT}/collections/{outbox_a}/objects/", headers=world["B"]).status_code == 404
    assert client.get(f"{ROOT}/collections/not-a-uuid/", headers=world["B"]).status_code == 404
    assert client.get(f"{ROOT}/collections/{outbox_a}/manifest/", headers=world["B"]).status_code == 404
    one = f"{ROOT}/collections/{outbox_a}/objects/indicator--{uuid.uuid4()}/"
    assert client.get(one, headers=world["B"]).status_code == 404
    assert client.get(f"{one}versions/", headers=world["B"]).status_code == 404
    assert client.delete(one, headers=world["B"]).status_code == 404
    everything = client.get(f"{ROOT}/collections/", headers=world["C"]).json()["collections"]
    assert {outbox_a, outbox_b, NATIONAL} <= {c["id"] for c in everything}


# -- objects: TLP and the collection's readers ------------------------------------------------------


def test_tlp_decides_who_reads_which_object(client: TestClient, db: Session, world: dict[str, Any]) -> None:
    org_a, a = world["org_a"], world["a"]
    green = add_stix(db, "national", 2, tlp=TLP.GREEN, organisation=org_a, created_by=a)
    strict = add_stix(db, "national", 2, tlp=TLP.AMBER_STRICT, organisation=org_a, created_by=a)
    amber = add_stix(db, "national", 1, tlp=TLP.AMBER, organisation=org_a, created_by=a)
    red = add_stix(db, "national", 1, tlp=TLP.RED, organisation=org_a, created_by=a)
    outbox = add_stix(db, f"outbox:{org_a.id}", 1, tlp=TLP.GREEN, organisation=org_a, created_by=a)
    db.commit()
    url = f"{ROOT}/collections/{NATIONAL}/objects/"

    def ids(headers: dict[str, str]) -> set[str]:
        return {o["id"] for o in objects_of(client.get(url, headers=headers))}

    assert ids(world["B"]) == {o.stix_id for o in green}, "B: TLP:GREEN only"
    assert ids(world["A"]) == {o.stix_id for o in green + strict + amber + red}, "A's sharer sees all it shared"
    assert ids(world["A_viewer"]) == {o.stix_id for o in green + strict + amber}, "TLP:RED is its sharer's"
    assert ids(world["C"]) == {o.stix_id for o in green + amber}, "AMBER+STRICT stays in the organisation"
    hidden = f"{ROOT}/collections/{NATIONAL}/objects/{strict[0].stix_id}/"
    assert client.get(hidden, headers=world["B"]).status_code == 404
    assert client.get(hidden + "versions/", headers=world["B"]).status_code == 404
    assert client.get(hidden, headers=world["A"]).status_code == 200
    outbox_url = f"{ROOT}/collections/{taxii_id(f'outbox:{org_a.id}')}/objects/"
    assert {o["id"] for o in objects_of(client.get(outbox_url, headers=world["C"]))} == {outbox[0].stix_id}
    assert client.get(outbox_url, headers=world["B"]).status_code == 404
    manifest = client.get(f"{ROOT}/collections/{NATIONAL}/manifest/", headers=world["B"]).json()["objects"]
    assert {m["id"] for m in manifest} == {o.stix_id for o in green}


def test_pages_follow_the_keyset_and_say_where_they_start_and_end(
    client: TestClient, db: Session, world: dict[str, Any]
) -> None:
    rows = add_stix(db, "national", 25, tlp=TLP.GREEN, organisation=world["org_a"])
    db.commit()
    url = f"{ROOT}/collections/{NATIONAL}/objects/"
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 10}
    pages = 0
    while True:
        r = client.get(url, params=params, headers=world["B"])
        envelope = r.json()
        seen += [o["id"] for o in envelope["objects"]]
        pages += 1
        first = r.headers["x-taxii-date-added-first"]
        last = r.headers["x-taxii-date-added-last"]
        assert first <= last and first.endswith("Z")
        if not envelope["more"]:
            assert "next" not in envelope
            break
        assert len(envelope["objects"]) == 10
        params = {"limit": 10, "next": envelope["next"]}
    assert pages == 3 and seen == [r.stix_id for r in rows], "every object once, in the order they were added"
    # added_after: what was added after the tenth object
    tenth = client.get(url, params={"limit": 10}, headers=world["B"]).headers["x-taxii-date-added-last"]
    after = objects_of(client.get(url, params={"added_after": tenth}, headers=world["B"]))
    assert [o["id"] for o in after] == [r.stix_id for r in rows[10:]]
    # the body is what was stored, byte for byte
    one = client.get(url, params={"limit": 1}, headers=world["B"])
    assert rows[0].body.encode() in one.content
    # manifest pages the same way
    manifest = client.get(f"{ROOT}/collections/{NATIONAL}/manifest/", params={"limit": 20}, headers=world["B"]).json()
    assert manifest["more"] is True and len(manifest["objects"]) == 20
    record = manifest["objects"][0]
    assert record == {
        "id": rows[0].stix_id,
        "date_added": record["date_added"],
        "version": "2026-01-01T00:00:00.000Z",
        "media_type": "application/stix+json;version=2.1",
    }
    rest = client.get(
        f"{ROOT}/collections/{NATIONAL}/manifest/", params={"limit": 20, "next": manifest["next"]}, headers=world["B"]
    ).json()
    assert rest["more"] is False and len(rest["objects"]) == 5
    empty = client.get(url, params={"added_after": "2999-01-01T00:00:00Z"}, headers=world["B"])
    assert empty.status_code == 200 and empty.json() == {} and "x-taxii-date-added-first" not in empty.headers


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-3"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"next": "garbage!"}, "next"),
        ({"added_after": "yesterday"}, "added_after"),
        ({"added_after": "2026-13-01T00:00:00Z"}, "added_after"),
        ({"match[version]": "newest"}, "match[version]"),
        ({"match[id]": "not an id"}, "match[id]"),
        ({"match[type]": "Bad Type!"}, "match[type]"),
        ({"match[spec_version]": "two"}, "match[spec_version]"),
        ({"match[id]": ","}, "match[id]"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(
    client: TestClient, world: dict[str, Any], params: dict[str, str], field: str
) -> None:
    for path in ("objects/", "manifest/"):
        r = client.get(f"{ROOT}/collections/{NATIONAL}/{path}", params=params, headers=world["B"])
        assert r.status_code == 400, (path, params, r.text)
        assert r.headers["content-type"] == TAXII and r.json()["description"].startswith(field)


def test_limit_is_lowered_to_the_servers_page(client: TestClient, db: Session, world: dict[str, Any]) -> None:
    db.execute(insert(StixObject), stix_rows("national", 1002, tlp=TLP.GREEN))
    db.commit()
    envelope = client.get(f"{ROOT}/collections/{NATIONAL}/objects/", params={"limit": 5000}, headers=world["B"]).json()
    assert len(envelope["objects"]) == 1000 and envelope["more"] is True


def test_match_filters_and_versions(client: TestClient, db: Session, world: dict[str, Any]) -> None:
    org_a = world["org_a"]
    first = add_stix(db, "national", 1, tlp=TLP.GREEN, organisation=org_a)[0]
    second = add_version(db, first, "2026-02-01T00:00:00.000Z", minutes=1)
    third = add_version(db, first, "2026-03-01T00:00:00.000Z", minutes=2)
    hidden_newest = add_version(db, first, "2026-04-01T00:00:00.000Z", minutes=3, tlp=TLP.AMBER_STRICT.value)
    other = add_stix(db, "national", 1, tlp=TLP.GREEN, organisation=org_a, kind="malware")[0]
    db.commit()
    url = f"{ROOT}/collections/{NATIONAL}/objects/"

    def versions(headers: dict[str, str], **params: str) -> list[str]:
        found = objects_of(client.get(url, params={"match[id]": first.stix_id} | params, headers=headers))
        return [o["modified"] for o in found]

    assert versions(world["B"]) == [third.modified], "the newest version B may see"
    assert versions(world["A"]) == [hidden_newest.modified]
    assert versions(world["B"], **{"match[version]": "first"}) == [first.modified]
    assert versions(world["B"], **{"match[version]": "first,last"}) == [first.modified, third.modified]
    assert versions(world["B"], **{"match[version]": "all"}) == [first.modified, second.modified, third.modified]
    assert versions(world["B"], **{"match[version]": "2026-02-01T00:00:00Z"}) == [second.modified]
    assert versions(world["B"], **{"match[version]": "2026-02-01T00:00:00.000000Z"}) == [second.modified]
    assert versions(world["B"], **{"match[spec_version]": "2.0"}) == []
    assert versions(world["B"], **{"match[spec_version]": "2.1"}) == [third.modified]
    by_type = objects_of(client.get(url, params={"match[type]": "malware"}, headers=world["B"]))
    assert [o["id"] for o in by_type] == [other.stix_id]
    both = objects_of(client.get(url, params={"match[type]": "malware,indicator"}, headers=world["B"]))
    assert {o["id"] for o in both} == {first.stix_id, other.stix_id}

    one = f"{url}{first.stix_id}/"
    assert [o["modified"] for o in objects_of(client.get(one, headers=world["B"]))] == [third.modified]
    all_of_one = client.get(one, params={"match[version]": "all", "limit": 2}, headers=world["B"]).json()
    assert all_of_one["more"] is True and len(all_of_one["objects"]) == 2
    assert client.get(one, params={"match[version]": "2025-01-01T00:00:00Z"}, headers=world["B"]).json() == {}
    assert client.get(f"{url}indicator--{uuid.uuid4()}/", headers=world["B"]).status_code == 404
    assert client.get(f"{url}not-a-stix-id/", headers=world["B"]).status_code == 400

    listed = client.get(f"{one}versions/", headers=world["B"])
    assert listed.json() == {"more": False, "versions": [first.modified, second.modified, third.modified]}
    assert listed.headers["x-taxii-date-added-first"] < listed.headers["x-taxii-date-added-last"]
    assert client.get(f"{one}versions/", headers=world["A"]).json()["versions"][-1] == hidden_newest.modified
    assert client.get(f"{one}versions/", params={"limit": "0"}, headers=world["B"]).status_code == 400
    assert client.get(f"{one}versions/", params={"match[spec_version]": "x"}, headers=world["B"]).status_code == 400
    assert client.get(f"{one}versions/", params={"next": "%%%"}, headers=world["B"]).status_code == 400
    assert client.get(f"{url}bad/versions/", headers=world["B"]).status_code == 400
    paged = client.get(f"{one}versions/", params={"limit": 1}, headers=world["B"]).json()
    assert paged["more"] is True and paged["versions"] == [first.modified]
    manifest = client.get(
        f"{ROOT}/collections/{NATIONAL}/manifest/",
        params={"match[id]": first.stix_id, "match[version]": "all"},
        headers=world["B"],
    ).json()
    assert [m["version"] for m in manifest["objects"]] == [first.modified, second.modified, third.modified]


# -- delete -----------------------------------------------------------------------------------------


def test_delete_is_for_the_owner_or_the_coordinating_body(
    client: TestClient, db: Session, world: dict[str, Any]
) -> None:
    org_a, a = world["org_a"], world["a"]
    first = add_stix(db, "national", 1, tlp=TLP.GREEN, organisation=org_a, created_by=a)[0]
    newer = add_version(db, first, "2026-05-01T00:00:00.000Z")
    kept = add_stix(db, "national", 1, tlp=TLP.GREEN, organisation=org_a, created_by=a)[0]
    db.commit()
    url = f"{ROOT}/collections/{NATIONAL}/objects/{first.stix_id}/"
    assert client.delete(url, headers=world["B"]).status_code == 403, "another organisation's writer"
    assert client.delete(url, headers=world["A_viewer"]).status_code == 403, "the owner's viewer may not write"
    assert client.delete(url, headers=world["A"] | {"Accept": "text/html"}).status_code == 406
    assert client.delete(url, params={"match[version]": "bad"}, headers=world["A"]).status_code == 400
    gone = client.delete(url, headers=world["A"])
    assert gone.status_code == 200, gone.text
    assert db.scalars(select(StixObject.modified).where(StixObject.stix_id == first.stix_id)).all() == [
        first.modified
    ], "match[version] defaults to the newest version"
    assert newer.modified not in client.get(f"{url}versions/", headers=world["A"]).json()["versions"]
    record = db.scalars(select(AuditRecord).where(AuditRecord.action == "intel.stix_deleted")).one()
    assert record.summary["stix_id"] == first.stix_id and record.actor_user_id == a.id
    all_left = client.delete(url, params={"match[version]": "all"}, headers=world["C"])
    assert all_left.status_code == 200, "the coordinating body deletes any"
    assert client.get(url, headers=world["A"]).status_code == 404
    assert client.delete(url, headers=world["A"]).status_code == 404
    assert client.get(f"{ROOT}/collections/{NATIONAL}/objects/{kept.stix_id}/", headers=world["B"]).status_code == 200


# -- post and status --------------------------------------------------------------------------------


def test_post_is_refused_before_anything_is_read(client: TestClient, world: dict[str, Any], settings: Any) -> None:
    url = f"{ROOT}/collections/{NATIONAL}/objects/"

    def post(body: bytes, who: str) -> Any:
        return client.post(url, content=body, headers=world[who] | {"Content-Type": TAXII})

    assert post(b'{"objects": []}', "A_viewer").status_code == 403, "a viewer shares nothing"
    outbox_b = taxii_id(f"outbox:{world['org_b'].id}")
    r = client.post(
        f"{ROOT}/collections/{outbox_b}/objects/",
        content=b'{"objects":[]}',
        headers=world["A"] | {"Content-Type": TAXII},
    )
    assert r.status_code == 404, "another member's outbox is not there for A"
    assert post(b"{not json", "A").status_code == 400
    for body in (b"[]", b'{"objects": {}}', b'{"objects": [1]}', b'{"type": "bundle"}'):
        r = post(body, "A")
        assert r.status_code == 422 and r.json()["description"].startswith("objects"), body
    settings.max_upload_bytes = 10_000_000
    big = b'{"objects": [' + b",".join([b'{"type": "x"}'] * 1_000_000) + b"]}"
    assert len(big) > 10_000_000
    r = post(big, "A")
    assert r.status_code == 413 and r.headers["content-type"] in (TAXII, "application/problem+json")


def test_post_imports_and_answers_the_status(client: TestClient, db: Session, world: dict[str, Any]) -> None:
    url = f"{ROOT}/collections/{NATIONAL}/objects/"
    good = [stix_body(stix_id(), "2026-01-01T00:00:00.000Z") for _ in range(3)]
    bad = {"type": "indicator", "id": stix_id(), "spec_version": "2.1"}
    envelope = orjson.dumps({"objects": [*good, bad]})
    r = client.post(url, content=envelope, headers=world["A"] | {"Content-Type": TAXII})
    assert r.status_code == 202, r.text
    assert r.headers["content-type"] == TAXII
    status = r.json()
    assert status["status"] == "complete" and status["total_count"] == 4
    assert status["success_count"] == 3 and status["failure_count"] == 1 and status["pending_count"] == 0
    assert {s["id"] for s in status["successes"]} == {o["id"] for o in good}
    assert status["failures"][0]["id"] == bad["id"] and status["failures"][0]["message"]
    row = db.scalars(select(IntelImport).where(IntelImport.uuid == status["id"])).one()
    assert row.collection == "national" and row.created_by_id == world["a"].id
    again = client.post(url, content=envelope, headers=world["A"] | {"Content-Type": "application/taxii+json"})
    assert again.json()["success_count"] == 3, "a re-post is a success that changes nothing"
    status_url = f"{ROOT}/status/{status['id']}/"
    assert client.get(status_url, headers=world["A"]).json() == status
    assert client.get(status_url.rstrip("/"), headers=world["A_viewer"]).json()["id"] == status["id"]
    assert client.get(status_url, headers=world["C"]).status_code == 200
    assert client.get(status_url, headers=world["B"]).status_code == 404, "another organisation's post"
    assert client.get(f"{ROOT}/status/not-a-uuid/", headers=world["A"]).status_code == 404
    seen = {o["id"] for o in objects_of(client.get(url, headers=world["A"]))}
    assert {o["id"] for o in good} <= seen


def test_status_of_an_import_row(client: TestClient, db: Session, world: dict[str, Any]) -> None:
    row = IntelImport(
        uuid=str(uuid.uuid4()),
        format="stix",
        source="taxii",
        collection="national",
        status="complete",
        total=3,
        created=1,
        versions=0,
        unchanged=1,
        skipped=1,
        successes=[{"id": "indicator--1", "version": "v"}, {"id": "indicator--2", "version": "v"}],
        failures=[{"id": "indicator--3", "version": "v", "message": "no pattern"}],
        organisation_id=world["org_a"].id,
        created_by_id=world["a"].id,
    )
    capped = IntelImport(
        uuid=str(uuid.uuid4()),
        format="stix",
        source="taxii",
        collection="national",
        status="pending",
        total=10,
        created=5,
        skipped=2,
        failures=[{"id": "indicator--3", "version": "v", "message": "no pattern"}],
        organisation_id=world["org_a"].id,
        created_by_id=world["a"].id,
    )
    db.add_all([row, capped])
    db.commit()
    status = client.get(f"{ROOT}/status/{row.uuid}/", headers=world["A"]).json()
    assert status["success_count"] == 2 and status["failure_count"] == 1 and status["total_count"] == 3
    assert status["failures"] == [{"id": "indicator--3", "version": "v", "message": "no pattern"}]
    pending = client.get(f"{ROOT}/status/{capped.uuid}/", headers=world["A"]).json()
    assert pending["status"] == "pending" and pending["pending_count"] == 3 and pending["total_count"] == 10
    assert "failures" not in pending, "a capped list is left out rather than contradict its count"
    assert client.get(f"{ROOT}/status/{row.uuid}/", headers=world["B"]).status_code == 404


def test_deleting_the_last_version_removes_the_typed_indicator(
    client: TestClient, db: Session, world: dict[str, Any]
) -> None:
    from csirtnet.intel import service
    from csirtnet.intel.schemas import IndicatorCreate
    from csirtnet.models import Indicator

    a = world["a"]
    shared = service.create(db, subject_for(a), IndicatorCreate(value="198.51.100.77", tlp=TLP.GREEN))
    db.commit()
    ident = shared.stix_id
    url = f"{ROOT}/collections/{NATIONAL}/objects/{ident}/"
    assert client.get(url, headers=world["B"]).status_code == 200
    assert client.delete(url, params={"match[version]": "all"}, headers=world["A"]).status_code == 200
    db.expire_all()
    assert db.scalar(select(Indicator.id).where(Indicator.stix_id == ident)) is None, (
        "gone from the collection, gone from search, correlation and the exports"
    )
