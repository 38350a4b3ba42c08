"""Two csirtnet instances on loopback exchange indicators both ways over TAXII 2.1, and nothing
crosses that the peer may not see under its TLP (issue 14's "done when").

Instance A and instance B are each the whole app served by uvicorn on 127.0.0.1 (an ephemeral
port) over a database of its own, of the backend under test. On A a member shares a TLP:GREEN and
a TLP:AMBER+STRICT indicator in the national collection; A's account for a partner organisation
(a responder with an API token) is what B presents. B's coordinator subscribes through B's API to
A's national collection and B's worker runs the pull: B then holds the TLP:GREEN indicator and
none of the TLP:AMBER+STRICT one. B's member shares its own indicators; a push subscription (the
peer organisation: B's record of A) sends A the TLP:GREEN one and never the TLP:AMBER+STRICT one.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.intel.collections import taxii_id
from csirtnet.intel.federation import sync
from csirtnet.models import Indicator, StixObject, TaxiiSubscription, User
from csirtnet.vocabulary import Role
from csirtnet.worker import Worker
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator


@dataclass
class Instance:
    url: str
    database: Database

    def get(self, model: Any, **where: Any) -> list[Any]:
        with self.database.unit_of_work(write=False) as session:
            rows = session.scalars(select(model).filter_by(**where)).all()
            session.expunge_all()
            return list(rows)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(database: Database, settings: Settings) -> Iterator[Instance]:
    import uvicorn

    from csirtnet.app import create_app

    port = _free_port()
    app = create_app(settings, database, start_worker=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the instance did not start")
        time.sleep(0.02)
    try:
        yield Instance(f"http://127.0.0.1:{port}", database)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _token(database: Database, make: Callable[[Any], User]) -> tuple[str, str, int]:
    """A user made by `make` and an API token of theirs: (email, token, organisation id)."""
    with database.unit_of_work() as session:
        user = make(session)
        who = subject_for(user)
        issued = create_token(session, who, user, name="federation", scopes=grantable_scopes(who), expires_in_days=1)
        return user.email, issued.token, user.organisation_id


def _share(instance: Instance, token: str, value: str, tlp: str) -> None:
    r = httpx.post(
        f"{instance.url}/api/v1/indicators",
        json={"value": value, "tlp": tlp, "collection": "national"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text


def _values(instance: Instance) -> set[str]:
    return {i.value for i in instance.get(Indicator)}


@pytest.fixture
def two_instances(
    committing_database: Database, new_database: Callable[..., Database], backend_kind: str, settings: Settings
) -> Iterator[tuple[Instance, Instance]]:
    other = new_database(backend_kind, migrated=True)
    with _serve(committing_database, settings) as a, _serve(other, settings) as b:
        yield a, b


def test_two_instances_exchange_indicators_both_ways_under_tlp(
    two_instances: tuple[Instance, Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two_instances
    # A push reads versions once they have settled (sync.SETTLE); here they are minutes old at once.
    monkeypatch.setattr(sync, "SETTLE", timedelta(0))
    national = taxii_id("national")

    # Instance A: a member shares TLP:GREEN and TLP:AMBER+STRICT indicators in the national collection.
    _, sharer_a, _ = _token(a.database, lambda s: make_user(s, roles=[Role.RESPONDER]))
    _share(a, sharer_a, "198.51.100.21", "green")
    _share(a, sharer_a, "198.51.100.22", "amber+strict")
    # A's account for the partner (instance B's operator): a responder of a partner organisation.
    partner_email, partner_token, _ = _token(
        a.database, lambda s: make_user(s, roles=[Role.RESPONDER], organisation=make_organisation(s, name="CERT B"))
    )

    # Instance B: its coordinator subscribes to A's national collection through B's API.
    _, coordinator_b, _ = _token(b.database, lambda s: coordinator(s))
    with httpx.Client(
        base_url=f"{b.url}/api/v1", headers={"Authorization": f"Bearer {coordinator_b}"}, timeout=30
    ) as b_api:
        subscription = {
            "name": "Instance A, national",
            "api_root_url": f"{a.url}/taxii2/intel/",
            "remote_collection_id": national,
            "collection": "national",
            "username": partner_email,
            "secret": partner_token,
            "interval_minutes": 15,
        }
        created = b_api.post("/indicators/subscriptions", json=subscription | {"direction": "pull"})
        assert created.status_code == 201, created.text
        pull_id = created.json()["id"]
        assert partner_token not in created.text
        assert b_api.post(f"/indicators/subscriptions/{pull_id}/run").json()["queued"] is True
        Worker(b.database).run_until_idle(max_jobs=50)

        pulled = b_api.get(f"/indicators/subscriptions/{pull_id}").json()
        assert pulled["last_error"] is None and pulled["last_run_at"] is not None and pulled["cursor"], pulled
        assert "198.51.100.21" in _values(b), "B received the TLP:GREEN indicator"
        assert "198.51.100.22" not in _values(b), "B received nothing of the TLP:AMBER+STRICT one"
        assert not [o for o in b.get(StixObject) if "198.51.100.22" in o.body]
        green_on_b = [i for i in b.get(Indicator) if i.value == "198.51.100.21"]
        assert [(i.tlp, i.collection, i.origin) for i in green_on_b] == [("green", "national", "taxii")]

        # Pulling again brings nothing new (the cursor), and never the TLP:AMBER+STRICT one.
        before = len(b.get(StixObject))
        b_api.post(f"/indicators/subscriptions/{pull_id}/run")
        Worker(b.database).run_until_idle(max_jobs=50)
        assert len(b.get(StixObject)) == before

        # Instance B shares its own indicators, and pushes to A what A (its peer organisation) may see.
        _, sharer_b, _ = _token(b.database, lambda s: make_user(s, roles=[Role.RESPONDER]))
        _share(b, sharer_b, "203.0.113.50", "green")
        _share(b, sharer_b, "203.0.113.51", "amber+strict")
        with b.database.unit_of_work() as session:
            peer_on_b = make_organisation(session, name="CERT A").id
        created = b_api.post(
            "/indicators/subscriptions", json=subscription | {"direction": "push", "peer_organisation_id": peer_on_b}
        )
        assert created.status_code == 201, created.text
        push_id = created.json()["id"]
        b_api.post(f"/indicators/subscriptions/{push_id}/run")
        Worker(b.database).run_until_idle(max_jobs=50)

        pushed = b_api.get(f"/indicators/subscriptions/{push_id}").json()
        assert pushed["last_error"] is None and pushed["cursor"], pushed
        assert "203.0.113.50" in _values(a), "A has B's TLP:GREEN indicator"
        assert "203.0.113.51" not in _values(a), "B never sent its TLP:AMBER+STRICT indicator"
        assert not [o for o in a.get(StixObject) if "203.0.113.51" in o.body]
        # And A's members read it through A's own API, as any indicator shared with the network.
        found = httpx.get(
            f"{a.url}/api/v1/indicators", params={"q": "203.0.113.50"}, headers={"Authorization": f"Bearer {sharer_a}"}
        )
        assert found.status_code == 200 and "203.0.113.50" in found.text, found.text
        assert [s.direction for s in b.get(TaxiiSubscription)] == ["pull", "push"]
