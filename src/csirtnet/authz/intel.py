"""Who may read and share indicators and STIX objects. THE one decision: the indicator pages and
search, the API, the TAXII server, every export (STIX, MISP feed, CSV, blocklists, RPZ, Suricata),
federation pushes, correlation and the derived records all go through the clauses below.

Everything shared sits in one collection (intel.collections), whose key says who belongs:
- "national": every member of the network (any signed-in user of a member organisation);
- "cluster:<id>": the organisations in the cluster today;
- "outbox:<organisation id>": that organisation (what it shares for the coordinating body to pass on);
- "custom:<uuid>": the organisations configured as its readers (`TaxiiCollectionMember`).
The coordinating body's staff and platform admins read every collection.

Inside a collection, TLP 2.0 decides (authz.tlp, the same rule as everywhere), the collection's
readers being the community and the object's source organisation its author:
- TLP:CLEAR and TLP:GREEN — every reader of the collection;
- TLP:AMBER — the source organisation and the coordinating body (the recipient on a need-to-know
  basis);
- TLP:AMBER+STRICT — the source organisation only (not the coordinating body);
- TLP:RED — the person who shared it only.
The collection comes first for every marking (TLP:CLEAR too: every reader of the collection, not
anyone signed in); whoever shared an object keeps seeing it.

A sighting is seen by who sees its indicator, then under the sighting's own TLP (its reporter's
organisation the author); so is a sighting's STIX form (TAXII, exports, federation).

Writing: a collection's readers with `intel:write` share into it (an outbox: its own organisation
only; a configured collection: its writers); the coordinating body writes into any. Managing
collections, subscriptions and warninglists is `intel:manage` (the coordinating body).

Deleting a STIX object (TAXII DELETE) is for who may write into its collection and is its owner: a
sharer of its source organisation, whoever shared it, or the coordinating body. An import's report (a
TAXII POST's status resource) is read by whoever posted it, their organisation, and the coordinating
body.

The platform itself (jobs, the CLI without a user) sees everything: it is what exports on behalf of
a named peer (`visible_*` then take the peer's subject, never the system's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, false, literal, or_, select, true
from sqlalchemy.orm import Session

from csirtnet.authz import tlp as tlp_rules
from csirtnet.authz.cluster import member_on, today
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can
from csirtnet.errors import Forbidden, NotFound
from csirtnet.models import (
    ClusterMember,
    Indicator,
    IntelImport,
    Sighting,
    StixObject,
    TaxiiCollection,
    TaxiiCollectionMember,
)

NATIONAL = "national"


def _is_system(who: Subject) -> bool:
    return who.user_id is None and who.is_platform_admin


def can_read(who: Subject) -> bool:
    return _is_system(who) or (who.is_authenticated and can(who, Permission.INTEL_READ))


def can_share(who: Subject) -> bool:
    """May `who` share indicators or sightings at all (into some collection)?"""
    return _is_system(who) or (
        can(who, Permission.INTEL_WRITE) and (who.sees_everything or who.organisation_id is not None)
    )


def can_manage(who: Subject) -> bool:
    """Configured collections, subscriptions, warninglists: the coordinating body."""
    return can(who, Permission.INTEL_MANAGE)


def require_share(who: Subject) -> None:
    if not can_share(who):
        raise Forbidden("You may not share indicators")


def require_manage(who: Subject) -> None:
    if not can_manage(who):
        raise Forbidden("Only the coordinating body manages collections, subscriptions and warninglists")


def _cluster_keys(organisation_id: int) -> Any:
    return select(literal("cluster:") + cast(ClusterMember.cluster_id, String)).where(
        ClusterMember.organisation_id == organisation_id, member_on(today())
    )


def _custom_keys(organisation_id: int, *, writers: bool) -> Any:
    query = (
        select(literal("custom:") + TaxiiCollection.uuid)
        .join(TaxiiCollectionMember, TaxiiCollectionMember.collection_id == TaxiiCollection.id)
        .where(TaxiiCollectionMember.organisation_id == organisation_id)
    )
    return query.where(TaxiiCollectionMember.can_write.is_(True)) if writers else query


def readable_collection_clause(who: Subject, column: Any) -> ColumnElement[bool]:
    """The collections (`column` holds a collection key) whose objects `who` may read, TLP aside."""
    if _is_system(who):
        return true()
    if not can_read(who):
        return false()
    if who.sees_everything:
        return true()
    if who.organisation_id is None:
        return false()
    org = who.organisation_id
    return or_(
        column == NATIONAL,
        column == f"outbox:{org}",
        column.in_(_cluster_keys(org)),
        column.in_(_custom_keys(org, writers=False)),
    )


def writable_collection_clause(who: Subject, column: Any) -> ColumnElement[bool]:
    """The collections `who` may share into."""
    if not can_share(who):
        return false()
    if _is_system(who) or who.sees_everything:
        return true()
    assert who.organisation_id is not None
    org = who.organisation_id
    return or_(
        column == NATIONAL,
        column == f"outbox:{org}",
        column.in_(_cluster_keys(org)),
        column.in_(_custom_keys(org, writers=True)),
    )


def may_write_collection(session: Session, who: Subject, key: str) -> bool:
    return bool(session.scalar(select(writable_collection_clause(who, literal(key)))))


def may_read_collection(session: Session, who: Subject, key: str) -> bool:
    return bool(session.scalar(select(readable_collection_clause(who, literal(key)))))


def require_write_collection(session: Session, who: Subject, key: str) -> None:
    if not may_write_collection(session, who, key):
        raise Forbidden("You may not share into this collection")


def _tlp_clause(who: Subject, *, tlp: Any, author: Any, organisation: Any, collection: Any) -> ColumnElement[bool]:
    if _is_system(who):
        return true()
    in_collection = readable_collection_clause(who, collection)
    # The collection first, for every marking: TLP:CLEAR is "every reader of the collection" here,
    # not anyone signed in (authz.tlp's CLEAR alone let every member read another organisation's
    # outbox). Whoever shared it keeps seeing it.
    return and_(
        or_(in_collection, author == literal(who.user_id)) if who.user_id is not None else in_collection,
        tlp_rules.visible_clause(
            who,
            tlp=tlp,
            author_user_id=author,
            author_organisation_id=organisation,
            named=false(),
            in_community=in_collection,
            recipient_organisation=true() if who.sees_everything else false(),
        ),
    )


def visible_indicators_clause(who: Subject) -> ColumnElement[bool]:
    """The indicators `who` may see (see the module page)."""
    if not can_read(who):
        return false()
    return _tlp_clause(
        who,
        tlp=Indicator.tlp,
        author=Indicator.created_by_id,
        organisation=Indicator.source_organisation_id,
        collection=Indicator.collection,
    )


def visible_stix_clause(who: Subject, table: Any = StixObject) -> ColumnElement[bool]:
    """The STIX object versions `who` may read (TAXII, exports, federation)."""
    if not can_read(who):
        return false()
    own = _tlp_clause(
        who, tlp=table.tlp, author=table.created_by_id, organisation=table.organisation_id, collection=table.collection
    )
    if _is_system(who):
        return own
    # A sighting's STIX form is under its own TLP AND its indicator's: a TLP:GREEN sighting of an
    # AMBER+STRICT indicator is not for every reader of the collection (its note, that it was seen).
    sighted = exists(select(Indicator.id).where(Indicator.id == table.indicator_id, visible_indicators_clause(who)))
    return and_(own, or_(table.stix_type != "sighting", table.indicator_id.is_(None), sighted))


def visible_sightings_clause(who: Subject) -> ColumnElement[bool]:
    """Sightings of indicators `who` may see, under the sighting's own TLP (its reporter is the author)."""
    if not can_read(who):
        return false()
    indicator_visible = exists(
        select(Indicator.id).where(Indicator.id == Sighting.indicator_id, visible_indicators_clause(who))
    )
    if _is_system(who):
        return indicator_visible
    own = tlp_rules.visible_clause(
        who,
        tlp=Sighting.tlp,
        author_user_id=Sighting.created_by_id,
        author_organisation_id=Sighting.organisation_id,
        named=false(),
        in_community=true(),
        recipient_organisation=true() if who.sees_everything else false(),
    )
    return and_(indicator_visible, own)


def get_visible_indicator(session: Session, who: Subject, indicator_id: int) -> Indicator:
    """One indicator `who` may see; NotFound otherwise (absent and hidden look the same)."""
    found = session.scalar(select(Indicator).where(Indicator.id == indicator_id, visible_indicators_clause(who)))
    if found is None:
        raise NotFound("indicator")
    return found


def can_edit_indicator(who: Subject, indicator: Indicator) -> bool:
    """Change, revoke or re-mark an indicator: its source organisation's sharers, or whoever shared it
    (an import's owner), and the coordinating body for what came in without a member source."""
    if not can(who, Permission.INTEL_WRITE):
        return False
    if indicator.created_by_id is not None and indicator.created_by_id == who.user_id:
        return True
    if indicator.source_organisation_id is not None:
        return indicator.source_organisation_id == who.organisation_id
    return who.sees_everything


def require_edit_indicator(who: Subject, indicator: Indicator) -> None:
    if not can_edit_indicator(who, indicator):
        raise Forbidden("Only the organisation that shared this indicator changes it")


def can_delete_stix(who: Subject, obj: StixObject) -> bool:
    """Delete a version of a STIX object (TAXII DELETE), besides writing into its collection: its
    source organisation's sharers, whoever shared it, or the coordinating body."""
    if _is_system(who):
        return True
    if not can(who, Permission.INTEL_WRITE):
        return False
    if obj.created_by_id is not None and obj.created_by_id == who.user_id:
        return True
    if who.sees_everything:
        return True
    return obj.organisation_id is not None and obj.organisation_id == who.organisation_id


def can_read_import(who: Subject, row: IntelImport) -> bool:
    """An import's report (TAXII status): whoever posted it, their organisation, the coordinating body."""
    if _is_system(who) or who.sees_everything:
        return True
    if not can_read(who):
        return False
    if row.created_by_id is not None and row.created_by_id == who.user_id:
        return True
    return row.organisation_id is not None and row.organisation_id == who.organisation_id


def visible_imports_clause(who: Subject) -> ColumnElement[bool]:
    """The imports whose reports `who` may read (the list of imports; `can_read_import` for one)."""
    if _is_system(who) or who.sees_everything:
        return true()
    if not can_read(who):
        return false()
    mine = IntelImport.created_by_id == who.user_id if who.user_id is not None else false()
    if who.organisation_id is None:
        return mine
    return or_(mine, IntelImport.organisation_id == who.organisation_id)
