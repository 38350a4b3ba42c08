"""Federation's configuration: collections added by configuration (who reads and writes them) and
subscriptions to remote TAXII 2.1 collections. Managing either is `intel:manage` (the coordinating
body, authz.intel.can_manage). Every change writes one audit record; the audit never holds a
subscription's secret, which is sealed with the platform key (intel.federation.sealing) as it comes
in and opened only by the run that presents it (intel.federation.sync).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.errors import ErrorList, NotFound, ValidationFailed
from csirtnet.intel import collections
from csirtnet.intel.federation import sealing, sync, tasks
from csirtnet.intel.federation.schemas import (
    SubscriptionCreate,
    SubscriptionUpdate,
    TaxiiCollectionCreate,
    TaxiiCollectionGrant,
)
from csirtnet.models import Organisation, TaxiiCollection, TaxiiCollectionMember, TaxiiSubscription

PULL, PUSH = "pull", "push"
T = TypeVar("T")


# -- configured collections ----------------------------------------------------------------------


def create_collection(session: Session, who: Subject, data: TaxiiCollectionCreate) -> TaxiiCollection:
    """Add a collection by configuration (no reader until organisations are granted it)."""
    intel_authz.require_manage(who)
    title = data.title.strip()
    if not title:
        raise ValidationFailed("title", "must not be empty")
    row = TaxiiCollection(
        uuid=str(uuid.uuid4()),
        title=title,
        description=(data.description or "").strip() or None,
        created_by_id=who.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, who, "intel.collection_created", row, title=row.title)
    return row


def get_collection(session: Session, who: Subject, ident: str) -> TaxiiCollection:
    """A configured collection by its UUID (or its key "custom:<uuid>"); managers only."""
    intel_authz.require_manage(who)
    try:
        key = uuid.UUID(ident.removeprefix("custom:"))
    except ValueError:
        raise NotFound("collection") from None
    row = session.scalar(select(TaxiiCollection).where(TaxiiCollection.uuid == str(key)))
    if row is None:
        raise NotFound("collection")
    return row


def _organisation(session: Session, organisation_id: int, field: str) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise ValidationFailed(field, f"no organisation has the id {organisation_id}")
    return org


def grant(
    session: Session, who: Subject, ident: str, organisation_id: int, data: TaxiiCollectionGrant
) -> TaxiiCollectionMember:
    """Let an organisation read (and with `can_write`, write) a configured collection."""
    collection = get_collection(session, who, ident)
    _organisation(session, organisation_id, "organisation_id")
    member = session.scalar(
        select(TaxiiCollectionMember).where(
            TaxiiCollectionMember.collection_id == collection.id,
            TaxiiCollectionMember.organisation_id == organisation_id,
        )
    )
    if member is None:
        member = TaxiiCollectionMember(collection_id=collection.id, organisation_id=organisation_id)
        session.add(member)
    member.can_write = data.can_write
    session.flush()
    audit.record(
        session,
        who,
        "intel.collection_granted",
        collection,
        organisation_id=organisation_id,
        member_organisation_id=organisation_id,
        access="write" if data.can_write else "read",
    )
    return member


def revoke(session: Session, who: Subject, ident: str, organisation_id: int) -> None:
    """Take a configured collection away from an organisation."""
    collection = get_collection(session, who, ident)
    member = session.scalar(
        select(TaxiiCollectionMember).where(
            TaxiiCollectionMember.collection_id == collection.id,
            TaxiiCollectionMember.organisation_id == organisation_id,
        )
    )
    if member is None:
        raise NotFound("collection member")
    session.delete(member)
    session.flush()
    audit.record(
        session,
        who,
        "intel.collection_revoked",
        collection,
        organisation_id=organisation_id,
        member_organisation_id=organisation_id,
    )


# -- subscriptions -------------------------------------------------------------------------------


def check_url(url: str, field: str = "api_root_url") -> str:
    """An API root URL a subscription may reach: http or https, a host, no credentials in it."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValidationFailed(field, "not a URL") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationFailed(field, "must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValidationFailed(field, "must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(field, "must not hold a user name or password (give them as username and secret)")
    if parts.query or parts.fragment:
        raise ValidationFailed(field, "must not have a query or a fragment")
    if any(ch.isspace() for ch in text):
        raise ValidationFailed(field, "must not contain spaces")
    return text if text.endswith("/") else text + "/"


def check_collection_id(value: str, field: str = "remote_collection_id") -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValidationFailed(field, "not a TAXII collection id (a UUID)") from None


def _local_collection(session: Session, key: str) -> str:
    key = collections.check_key(key.strip(), "collection")
    try:
        collections.by_key(session, Subject.system("intel.federation"), key)
    except NotFound:
        raise ValidationFailed("collection", f"there is no collection {key}") from None
    return key


def _check_peer(session: Session, direction: str, peer: int | None) -> None:
    if peer is not None:
        _organisation(session, peer, "peer_organisation_id")
    elif direction == PUSH:
        raise ValidationFailed(
            "peer_organisation_id", "a push needs the organisation the peer stands for (what it may see is sent)"
        )


def create(session: Session, who: Subject, data: SubscriptionCreate) -> TaxiiSubscription:
    """Subscribe to a remote TAXII 2.1 collection (pull) or feed one (push)."""
    intel_authz.require_manage(who)
    errors = ErrorList()
    name = _gather(errors, lambda: _name(data.name))
    url = _gather(errors, lambda: check_url(data.api_root_url))
    remote = _gather(errors, lambda: check_collection_id(data.remote_collection_id))
    key = _gather(errors, lambda: _local_collection(session, data.collection))
    _gather(errors, lambda: _check_peer(session, data.direction, data.peer_organisation_id))
    errors.raise_if_any()
    row = TaxiiSubscription(
        name=name,
        direction=data.direction,
        api_root_url=url,
        remote_collection_id=remote,
        collection=key,
        username=(data.username or "").strip() or None,
        secret_ciphertext=sealing.seal(data.secret) if data.secret else None,
        peer_organisation_id=data.peer_organisation_id,
        interval_minutes=data.interval_minutes,
        enabled=data.enabled,
        created_by_id=who.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, who, "intel.subscription_created", row, **_summary(row))
    if row.enabled:
        tasks.ensure_scheduled(session)
    return row


def _gather(errors: ErrorList, check: Callable[[], T]) -> T:
    """The check's value; its field error is kept in `errors` (every field is reported at once)."""
    try:
        return check()
    except ValidationFailed as exc:
        errors.errors.extend(exc.errors)
        return None  # type: ignore[return-value]  # never used: raise_if_any raises first


def _name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValidationFailed("name", "must not be empty")
    return name


def _summary(row: TaxiiSubscription) -> dict[str, Any]:
    """What the audit keeps of a subscription: never its secret."""
    return {
        "name": row.name,
        "direction": row.direction,
        "api_root_url": row.api_root_url,
        "remote_collection_id": row.remote_collection_id,
        "collection": row.collection,
        "username": row.username,
        "peer_organisation_id": row.peer_organisation_id,
        "interval_minutes": row.interval_minutes,
        "enabled": row.enabled,
    }


def get(session: Session, who: Subject, subscription_id: int) -> TaxiiSubscription:
    intel_authz.require_manage(who)
    row = session.get(TaxiiSubscription, subscription_id)
    if row is None:
        raise NotFound("subscription")
    return row


def update(session: Session, who: Subject, subscription_id: int, data: SubscriptionUpdate) -> TaxiiSubscription:
    """Change a subscription; moving it to another remote starts its cursor afresh."""
    row = get(session, who, subscription_id)
    given = data.model_fields_set
    errors = ErrorList()
    new_name, new_url, new_remote = data.name, data.api_root_url, data.remote_collection_id
    name = _gather(errors, lambda: _name(new_name)) if new_name is not None else row.name
    url = _gather(errors, lambda: check_url(new_url)) if new_url is not None else row.api_root_url
    remote = (
        _gather(errors, lambda: check_collection_id(new_remote)) if new_remote is not None else row.remote_collection_id
    )
    peer = data.peer_organisation_id if "peer_organisation_id" in given else row.peer_organisation_id
    _gather(errors, lambda: _check_peer(session, row.direction, peer))
    errors.raise_if_any()
    if (url, remote) != (row.api_root_url, row.remote_collection_id):
        row.cursor = None  # another remote: start afresh
    row.name, row.api_root_url, row.remote_collection_id, row.peer_organisation_id = name, url, remote, peer
    if "username" in given:
        row.username = (data.username or "").strip() or None
    secret_changed = "secret" in given
    if secret_changed:
        row.secret_ciphertext = sealing.seal(data.secret) if data.secret else None
    if data.interval_minutes is not None:
        row.interval_minutes = data.interval_minutes
    if data.enabled is not None:
        row.enabled = data.enabled
    session.flush()
    audit.record(session, who, "intel.subscription_changed", row, secret_changed=secret_changed, **_summary(row))
    if row.enabled:
        tasks.ensure_scheduled(session)
    return row


def remove(session: Session, who: Subject, subscription_id: int) -> None:
    """Delete a subscription (what it imported stays)."""
    row = get(session, who, subscription_id)
    summary = _summary(row)
    audit.record(session, who, "intel.subscription_removed", row, **summary)
    session.delete(row)
    session.flush()


def run_now(session: Session, who: Subject, subscription_id: int) -> bool:
    """Queue a run of the subscription now; False when one is already waiting or running."""
    row = get(session, who, subscription_id)
    queued = tasks.queue_run(session, row)
    audit.record(session, who, "intel.subscription_run_requested", row, queued=queued)
    return queued


def run_here(session: Session, who: Subject, subscription_id: int) -> sync.RunOutcome:
    """Run a subscription in the caller's unit of work (the CLI's `run`): pull or push now."""
    row = get(session, who, subscription_id)
    outcome = sync.pull(session, row.id) if row.direction == PULL else sync.push(session, row.id)
    assert outcome is not None
    return outcome
