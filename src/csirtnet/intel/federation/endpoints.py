"""The JSON API of federation: collections added by configuration
(/api/v1/indicators/collections/configured) and subscriptions to remote TAXII 2.1 collections
(/api/v1/indicators/subscriptions). Both are `intel:manage` (the coordinating body): anyone else
gets 403. A subscription's secret goes in and never comes out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.intel.federation import reads, service
from csirtnet.intel.federation.schemas import (
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionRunRead,
    SubscriptionUpdate,
    TaxiiCollectionCreate,
    TaxiiCollectionGrant,
    TaxiiCollectionRead,
)
from csirtnet.kit.schemas import INT_MAX

router = APIRouter(tags=["indicators"])

CollectionId = Annotated[str, Path(max_length=64)]
Id = Annotated[int, Path(ge=1, le=INT_MAX)]


@router.get("/indicators/collections/configured", response_model=list[TaxiiCollectionRead])
def list_configured_collections(session: Session, who: ApiUser) -> list[TaxiiCollectionRead]:
    """Collections added by configuration, with the organisations that read and write them."""
    return reads.configured_collections(session, who)


@router.post("/indicators/collections/configured", response_model=TaxiiCollectionRead, status_code=201)
def create_configured_collection(body: TaxiiCollectionCreate, session: Session, who: ApiUser) -> TaxiiCollectionRead:
    """Add a collection by configuration; grant organisations read or write afterwards."""
    row = service.create_collection(session, who, body)
    return reads.collection_read(session, row)


@router.get("/indicators/collections/configured/{collection_id}", response_model=TaxiiCollectionRead)
def get_configured_collection(collection_id: CollectionId, session: Session, who: ApiUser) -> TaxiiCollectionRead:
    """One configured collection (by its UUID) with its members."""
    return reads.configured_collection(session, who, collection_id)


@router.put(
    "/indicators/collections/configured/{collection_id}/members/{organisation_id}", response_model=TaxiiCollectionRead
)
def grant_configured_collection(
    collection_id: CollectionId, organisation_id: Id, body: TaxiiCollectionGrant, session: Session, who: ApiUser
) -> TaxiiCollectionRead:
    """Let an organisation read (can_write: and write) a configured collection."""
    service.grant(session, who, collection_id, organisation_id, body)
    return reads.configured_collection(session, who, collection_id)


@router.delete("/indicators/collections/configured/{collection_id}/members/{organisation_id}", status_code=204)
def revoke_configured_collection(
    collection_id: CollectionId, organisation_id: Id, session: Session, who: ApiUser
) -> Response:
    """Take a configured collection away from an organisation."""
    service.revoke(session, who, collection_id, organisation_id)
    return Response(status_code=204)


@router.get("/indicators/subscriptions", response_model=list[SubscriptionRead])
def list_subscriptions(session: Session, who: ApiUser) -> list[SubscriptionRead]:
    """Subscriptions to remote TAXII 2.1 collections, with their last run."""
    return reads.subscriptions(session, who)


@router.post("/indicators/subscriptions", response_model=SubscriptionRead, status_code=201)
def create_subscription(body: SubscriptionCreate, session: Session, who: ApiUser) -> SubscriptionRead:
    """Subscribe to a remote TAXII 2.1 collection: pull from it, or push to it what the peer may see."""
    return reads.subscription_read(service.create(session, who, body))


@router.get("/indicators/subscriptions/{subscription_id}", response_model=SubscriptionRead)
def get_subscription(subscription_id: Id, session: Session, who: ApiUser) -> SubscriptionRead:
    """One subscription (never its secret)."""
    return reads.subscription(session, who, subscription_id)


@router.patch("/indicators/subscriptions/{subscription_id}", response_model=SubscriptionRead)
def update_subscription(
    subscription_id: Id, body: SubscriptionUpdate, session: Session, who: ApiUser
) -> SubscriptionRead:
    """Change a subscription; another remote starts from the beginning."""
    return reads.subscription_read(service.update(session, who, subscription_id, body))


@router.delete("/indicators/subscriptions/{subscription_id}", status_code=204)
def remove_subscription(subscription_id: Id, session: Session, who: ApiUser) -> Response:
    """Delete a subscription (what it brought stays)."""
    service.remove(session, who, subscription_id)
    return Response(status_code=204)


@router.post("/indicators/subscriptions/{subscription_id}/run", response_model=SubscriptionRunRead, status_code=202)
def run_subscription(subscription_id: Id, session: Session, who: ApiUser) -> SubscriptionRunRead:
    """Run a subscription now (queued; its outcome shows as last_run_at and last_error)."""
    queued = service.run_now(session, who, subscription_id)
    return SubscriptionRunRead(subscription_id=subscription_id, queued=queued)
