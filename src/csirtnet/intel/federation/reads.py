"""What federation's endpoints, pages and CLI read: configured collections with their members, and
subscriptions (managers only: authz.intel.can_manage). A subscription's read model says whether it
has a secret, never the secret."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.intel.federation import service
from csirtnet.intel.federation.schemas import (
    SubscriptionRead,
    TaxiiCollectionMemberRead,
    TaxiiCollectionRead,
)
from csirtnet.models import Organisation, TaxiiCollection, TaxiiCollectionMember, TaxiiSubscription


def collection_read(session: Session, row: TaxiiCollection) -> TaxiiCollectionRead:
    members = session.execute(
        select(TaxiiCollectionMember.organisation_id, Organisation.name, TaxiiCollectionMember.can_write)
        .join(Organisation, Organisation.id == TaxiiCollectionMember.organisation_id)
        .where(TaxiiCollectionMember.collection_id == row.id)
        .order_by(Organisation.name, Organisation.id)
    ).all()
    return TaxiiCollectionRead(
        uuid=row.uuid,
        key=f"custom:{row.uuid}",
        title=row.title,
        description=row.description,
        created_at=row.created_at,
        members=[TaxiiCollectionMemberRead(organisation_id=o, organisation_name=n, can_write=w) for o, n, w in members],
    )


def configured_collections(session: Session, who: Subject) -> list[TaxiiCollectionRead]:
    """Every collection added by configuration, with who reads and writes it."""
    intel_authz.require_manage(who)
    rows = session.scalars(select(TaxiiCollection).order_by(TaxiiCollection.title, TaxiiCollection.id))
    return [collection_read(session, row) for row in rows]


def configured_collection(session: Session, who: Subject, ident: str) -> TaxiiCollectionRead:
    return collection_read(session, service.get_collection(session, who, ident))


def subscription_read(row: TaxiiSubscription) -> SubscriptionRead:
    return SubscriptionRead(
        id=row.id,
        name=row.name,
        direction=row.direction,
        api_root_url=row.api_root_url,
        remote_collection_id=row.remote_collection_id,
        collection=row.collection,
        username=row.username,
        has_secret=row.secret_ciphertext is not None,
        peer_organisation_id=row.peer_organisation_id,
        interval_minutes=row.interval_minutes,
        enabled=row.enabled,
        cursor=row.cursor,
        last_run_at=row.last_run_at,
        last_error=row.last_error,
        last_import_id=row.last_import_id,
        created_at=row.created_at,
    )


def subscriptions(session: Session, who: Subject) -> list[SubscriptionRead]:
    """Every subscription, by name."""
    intel_authz.require_manage(who)
    rows = session.scalars(select(TaxiiSubscription).order_by(TaxiiSubscription.name, TaxiiSubscription.id))
    return [subscription_read(row) for row in rows]


def subscription(session: Session, who: Subject, subscription_id: int) -> SubscriptionRead:
    return subscription_read(service.get(session, who, subscription_id))
