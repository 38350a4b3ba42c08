"""Rows of federation's API (issue 14; authz/intel.py: configured collections and subscriptions are
`intel:manage`, the coordinating body's). Everyone else is refused, whatever their organisation; a
subscription's secret is in no answer, the coordinating body's included. Seeded by
tests/security/seed_intel_federation.py."""

from __future__ import annotations

from tests.security.table.vocabulary import API, STAFF, Table, fixed, js
from tests.security.world import World

TABLE = Table()
row = TABLE.row

IND = f"{API}/indicators"


def _collection(w: World) -> str:
    return w.refs["taxii-collection"]


def _org_a(w: World) -> int:
    return w.id("org:A")


def _org_b(w: World) -> int:
    return w.id("org:B")


def _subscription(w: World) -> int:
    return w.id("subscription")


row("GET", f"{IND}/collections/configured", STAFF)
row("POST", f"{IND}/collections/configured", STAFF, body=js(title="Viễn thông", description="Telecoms"))
row("GET", f"{IND}/collections/configured/{{collection_id}}", STAFF, variants=fixed(collection_id=_collection))
row(
    "PUT",
    f"{IND}/collections/configured/{{collection_id}}/members/{{organisation_id}}",
    STAFF,
    variants=fixed(collection_id=_collection, organisation_id=_org_b),
    body=js(can_write=True),
)
row(
    "DELETE",
    f"{IND}/collections/configured/{{collection_id}}/members/{{organisation_id}}",
    STAFF,
    variants=fixed(collection_id=_collection, organisation_id=_org_a),
)
row("GET", f"{IND}/subscriptions", STAFF, note="the secret of a subscription: in no answer")
row(
    "POST",
    f"{IND}/subscriptions",
    STAFF,
    body=js(
        name="CERT khu vực",
        direction="pull",
        api_root_url="https://taxii.region.matrix.example.vn/taxii2/intel/",
        remote_collection_id="0f3b7d0e-5c1a-4a55-9a8e-2e8f5d1c7b90",
        secret="another-partner-secret-0123456789",
    ),
)
row("GET", f"{IND}/subscriptions/{{subscription_id}}", STAFF, variants=fixed(subscription_id=_subscription))
row(
    "PATCH",
    f"{IND}/subscriptions/{{subscription_id}}",
    STAFF,
    variants=fixed(subscription_id=_subscription),
    body=js(interval_minutes=15, enabled=False),
)
row("DELETE", f"{IND}/subscriptions/{{subscription_id}}", STAFF, variants=fixed(subscription_id=_subscription))
row("POST", f"{IND}/subscriptions/{{subscription_id}}/run", STAFF, variants=fixed(subscription_id=_subscription))

ROWS = TABLE.rows
