"""The OASIS `taxii2-client` (taxii2client.v21) against a real csirtnet server on 127.0.0.1: discovery,
the API root, collections, paging through a collection of 2,500 objects 1,000 at a time (as_pages),
manifests, posting a bundle and reading its status, HTTP Basic with a password or an API token; and
TLP through the client: a member of another organisation pages the national collection and gets the
TLP:GREEN objects and none of the TLP:AMBER+STRICT ones; without credentials the client is refused."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import requests
from sqlalchemy import insert
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages  # type: ignore[import-untyped]

from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.intel.collections import taxii_id
from csirtnet.models import StixObject
from csirtnet.vocabulary import Role
from csirtnet.vocabulary.enums import TLP
from tests.factories import PASSWORD, make_organisation, make_user
from tests.intel.test_taxii import stix_body, stix_id, stix_rows, token_of

NATIONAL = taxii_id("national")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(committing_database: Database, settings: Settings) -> Iterator[str]:
    """The whole app served by uvicorn on loopback over a database of its own."""
    import uvicorn

    from csirtnet.app import create_app

    port = _free_port()
    settings.base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings, committing_database, start_worker=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def people(committing_database: Database) -> dict[str, Any]:
    """Two member organisations; A has 2,500 TLP:GREEN and 40 TLP:AMBER+STRICT objects in the national
    collection (bulk-inserted); a responder of each, with a password and an API token."""
    with committing_database.unit_of_work() as db:
        org_a, org_b = make_organisation(db), make_organisation(db)
        a = make_user(db, roles=[Role.RESPONDER], organisation=org_a)
        b = make_user(db, roles=[Role.RESPONDER], organisation=org_b)
        green = stix_rows("national", 2500, tlp=TLP.GREEN, organisation=org_a, created_by=a)
        strict = stix_rows("national", 40, tlp=TLP.AMBER_STRICT, organisation=org_a, created_by=a)
        # interleaved in date_added order: the hidden ones sit inside every page's range
        for i, row in enumerate(strict):
            row["date_added"] = green[i * 60]["date_added"]
        db.execute(insert(StixObject), green + strict)
        out = {
            "a": (a.email, token_of(db, a)),
            "b": (b.email, token_of(db, b)),
            "b_password": (b.email, PASSWORD),
            "green": [r["stix_id"] for r in green],
            "strict": {r["stix_id"] for r in strict},
        }
    return out


def test_discovery_collections_and_paging_with_the_oasis_client(server: str, people: dict[str, Any]) -> None:
    email, password = people["b_password"]
    discovery = Server(f"{server}/taxii2/", user=email, password=password)
    assert discovery.title == "csirtnet TAXII 2.1"
    assert discovery.default is not None and discovery.default.url == f"{server}/taxii2/intel/"
    root = discovery.api_roots[0]
    assert root.versions == ["application/taxii+json;version=2.1"] and root.max_content_length > 0
    by_id = {c.id: c for c in root.collections}
    national = by_id[NATIONAL]
    assert national.can_read and national.can_write and national.title == "National collection"

    email, token = people["b"]
    collection = Collection(f"{server}/taxii2/intel/collections/{NATIONAL}/", user=email, password=token)
    seen: list[str] = []
    sizes = []
    for envelope in as_pages(collection.get_objects, per_request=1000):
        objects = envelope.get("objects", [])
        sizes.append(len(objects))
        seen += [o["id"] for o in objects]
    assert sizes == [1000, 1000, 500]
    assert seen == people["green"], "every TLP:GREEN object once, in the order added"
    assert not set(seen) & people["strict"], "none of the TLP:AMBER+STRICT ones"

    manifest_ids = [
        record["id"]
        for envelope in as_pages(collection.get_manifest, per_request=1000)
        for record in envelope.get("objects", [])
    ]
    assert manifest_ids == people["green"]

    # the owner's member sees its TLP:AMBER+STRICT objects too
    email, token = people["a"]
    own = Collection(f"{server}/taxii2/intel/collections/{NATIONAL}/", user=email, password=token)
    everything = [o["id"] for env in as_pages(own.get_objects, per_request=1000) for o in env.get("objects", [])]
    assert len(everything) == 2540 and people["strict"] <= set(everything)


def test_posting_a_bundle_and_reading_its_status(server: str, people: dict[str, Any]) -> None:
    email, token = people["a"]
    root = ApiRoot(f"{server}/taxii2/intel/", user=email, password=token)
    national = next(c for c in root.collections if c.id == NATIONAL)
    objects = [stix_body(stix_id(), "2026-06-01T00:00:00.000Z") for _ in range(5)]
    bundle = {"type": "bundle", "id": stix_id("bundle"), "objects": objects}
    status = national.add_objects(orjson.dumps(bundle), wait_for_completion=False)
    assert status.status == "complete"
    assert status.total_count == 5 and status.success_count == 5 and status.failure_count == 0
    assert {s["id"] for s in status.successes} == {o["id"] for o in objects}
    again = root.get_status(status.id)
    assert again.id == status.id and again.success_count == 5
    one = national.get_object(objects[0]["id"])
    assert one["objects"][0]["id"] == objects[0]["id"]
    versions = national.object_versions(objects[0]["id"])
    assert versions["versions"] == ["2026-06-01T00:00:00.000Z"]


def test_without_credentials_or_with_wrong_ones_the_client_is_refused(server: str, people: dict[str, Any]) -> None:
    with pytest.raises(requests.HTTPError) as anonymous:
        Server(f"{server}/taxii2/").refresh()
    refused = anonymous.value.response
    assert refused is not None and refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Basic ")
    email, _ = people["b"]
    with pytest.raises(requests.HTTPError) as wrong:
        Server(f"{server}/taxii2/", user=email, password="not the password").refresh()
    assert wrong.value.response is not None and wrong.value.response.status_code == 401
