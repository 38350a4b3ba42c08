"""The collections indicators and STIX objects are shared in, and their TAXII identities.

A collection is named by a key (authz.intel decides its readers from the key alone):
- "national" — the whole network;
- "cluster:<id>" — one regional cluster's organisations;
- "outbox:<organisation id>" — one member's own outbox: what it shares for the coordinating body;
- "custom:<uuid>" — one added by configuration (`TaxiiCollection`, `csirtnet intel collection add`).

The first three are implied by the network: no row, no set-up, a new cluster or member has its
collection at once. TAXII shows every collection by a UUID: the configured one's own, the others' a
UUID5 of their key under a fixed namespace, so the same network always shows the same ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.models import Cluster, Organisation, TaxiiCollection

NATIONAL = intel_authz.NATIONAL
# Fixed forever: changing it would change every implied collection's TAXII id.
NAMESPACE = uuid.UUID("6f1b8c1e-3c1a-5d8e-9a55-2b7c1e0c5a11")


@dataclass(frozen=True)
class Collection:
    key: str
    id: str  # the TAXII id (a UUID)
    title: str
    description: str
    can_read: bool
    can_write: bool


def taxii_id(key: str) -> str:
    """The UUID TAXII shows for a collection key."""
    if key.startswith("custom:"):
        return key.removeprefix("custom:")
    return str(uuid.uuid5(NAMESPACE, key))


def check_key(key: str, field: str = "collection") -> str:
    """A well-formed key ("national", "cluster:3", "outbox:12", "custom:<uuid>"), or ValidationFailed."""
    if key == NATIONAL:
        return key
    prefix, _, rest = key.partition(":")
    if prefix in ("cluster", "outbox") and rest.isdigit() and len(rest) < 12:
        return key
    if prefix == "custom":
        try:
            return f"custom:{uuid.UUID(rest)}"
        except ValueError:
            pass
    raise ValidationFailed(
        field, "not a collection (national, cluster:<id>, outbox:<organisation id> or custom:<uuid>)"
    )


def _candidates(session: Session) -> list[tuple[str, str, str]]:
    """Every collection of the network: (key, title, description)."""
    out = [(NATIONAL, "National collection", "Indicators shared with the whole network")]
    for cluster_id, name in session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.id)):
        out.append((f"cluster:{cluster_id}", f"Cluster: {name}", f"Indicators shared within {name}"))
    for org_id, name in session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.id)):
        out.append((f"outbox:{org_id}", f"Outbox: {name}", f"What {name} shares with the coordinating body"))
    for ident, title, description in session.execute(
        select(TaxiiCollection.uuid, TaxiiCollection.title, TaxiiCollection.description).order_by(TaxiiCollection.id)
    ):
        out.append((f"custom:{ident}", title, description or ""))
    return out


def _decide(session: Session, who: Subject, keys: list[str]) -> dict[str, tuple[bool, bool]]:
    """(may read, may write) for each key, in one statement per hundred keys."""
    out: dict[str, tuple[bool, bool]] = {}
    for start in range(0, len(keys), 100):
        chunk = keys[start : start + 100]
        columns = []
        for key in chunk:
            k = literal(key)
            columns.append(intel_authz.readable_collection_clause(who, k))
            columns.append(intel_authz.writable_collection_clause(who, k))
        row = session.execute(select(*columns)).one()
        for i, key in enumerate(chunk):
            out[key] = (bool(row[2 * i]), bool(row[2 * i + 1]))
    return out


def visible(session: Session, who: Subject) -> list[Collection]:
    """The collections `who` may read or write, national first."""
    candidates = _candidates(session)
    rights = _decide(session, who, [key for key, _, _ in candidates])
    return [
        Collection(key, taxii_id(key), title, description, *rights[key])
        for key, title, description in candidates
        if any(rights[key])
    ]


def by_taxii_id(session: Session, who: Subject, ident: str) -> Collection:
    """The collection TAXII names `ident`, if `who` may read or write it; NotFound otherwise."""
    for collection in visible(session, who):
        if collection.id == ident:
            return collection
    raise NotFound("collection")


def by_key(session: Session, who: Subject, key: str) -> Collection:
    """The collection of `key`, if `who` may read or write it; NotFound otherwise."""
    key = check_key(key)
    for collection in visible(session, who):
        if collection.key == key:
            return collection
    raise NotFound("collection")


def default_for(who: Subject) -> str:
    """Where a member shares when it does not say: the national collection."""
    return NATIONAL
