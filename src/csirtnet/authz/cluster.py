"""Clusters: who belongs to which cluster, who leads it today, and what that allows.

Lead rights are not a stored role. They follow from the lead terms: the admins of the
organisation whose term contains the day coordinate the cluster for that day, and lose the
rights the day after the term ends (docs/adr/0006-cluster-lead-rights.md). Channel membership is
derived the same way from the cluster's membership, so an organisation that leaves a cluster
leaves its channel with it.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject
from csirtnet.config import get_settings
from csirtnet.errors import Forbidden
from csirtnet.models import (
    Channel,
    ChannelKind,
    ChannelOrganisation,
    Cluster,
    ClusterLeadTerm,
    ClusterMember,
    KnowledgeDocument,
    NetworkEvent,
    Organisation,
    OrganisationStatus,
)
from csirtnet.vocabulary import Role


def today() -> date:
    """The date in the network's time zone (terms change at local midnight)."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


# -- membership ------------------------------------------------------------------------------


def member_on(on: date) -> ColumnElement[bool]:
    """ClusterMember rows in force on `on` (joined that day or before, not yet left)."""
    return and_(
        ClusterMember.joined_on <= on,
        or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > on),
    )


def cluster_ids_of_org(session: Session, organisation_id: int | None, on: date | None = None) -> set[int]:
    """The clusters an organisation belongs to on `on` (today by default)."""
    if organisation_id is None:
        return set()
    day = on or today()
    return set(
        session.scalars(
            select(ClusterMember.cluster_id).where(ClusterMember.organisation_id == organisation_id, member_on(day))
        )
    )


def organisation_ids_in_cluster(session: Session, cluster_id: int, on: date | None = None) -> set[int]:
    day = on or today()
    return set(
        session.scalars(
            select(ClusterMember.organisation_id).where(ClusterMember.cluster_id == cluster_id, member_on(day))
        )
    )


# -- lead terms ------------------------------------------------------------------------------


def lead_term(session: Session, cluster_id: int, on: date | None = None) -> ClusterLeadTerm | None:
    """The term whose dates contain `on`; terms never overlap, so there is at most one."""
    day = on or today()
    return session.scalar(
        select(ClusterLeadTerm).where(
            ClusterLeadTerm.cluster_id == cluster_id,
            ClusterLeadTerm.starts_on <= day,
            ClusterLeadTerm.ends_on >= day,
        )
    )


def led_cluster_ids(session: Session, subject: Subject, on: date | None = None) -> set[int]:
    """Clusters whose lead term on `on` belongs to the subject's organisation, if the subject is
    one of its admins. Nobody else gets lead rights, whatever else they hold."""
    if subject.organisation_id is None or not subject.has_role(Role.ORG_ADMIN):
        return set()
    day = on or today()
    return set(
        session.scalars(
            select(ClusterLeadTerm.cluster_id).where(
                ClusterLeadTerm.organisation_id == subject.organisation_id,
                ClusterLeadTerm.starts_on <= day,
                ClusterLeadTerm.ends_on >= day,
            )
        )
    )


def can_coordinate_cluster(session: Session, subject: Subject, cluster_id: int, on: date | None = None) -> bool:
    """Coordinators always; the lead organisation's admins during their term."""
    from csirtnet.authz.policy import can

    if not can(subject, Permission.CLUSTERS_COORDINATE):
        return False
    if subject.sees_everything:
        return True
    return cluster_id in led_cluster_ids(session, subject, on)


def require_coordinate_cluster(session: Session, subject: Subject, cluster_id: int) -> None:
    if not can_coordinate_cluster(session, subject, cluster_id):
        raise Forbidden("Only the coordinator and the current lead's admins may do this for the cluster")


def can_record_handovers(session: Session, subject: Subject, cluster_id: int, on: date | None = None) -> bool:
    """Whether the subject records handovers of the cluster at all (the page offers the form):
    the coordinator's staff who change clusters, and the admins of the cluster's lead of today.
    A past lead's admins do not: once the term ends, the new lead records what it took over."""
    from csirtnet.authz.policy import can

    if subject.sees_everything:
        return can(subject, Permission.CLUSTERS_WRITE)
    return can(subject, Permission.CLUSTERS_COORDINATE) and cluster_id in led_cluster_ids(session, subject, on)


def can_record_handover(
    session: Session, subject: Subject, cluster_id: int, from_organisation_id: int, to_organisation_id: int
) -> bool:
    """One handover: the coordinator's staff record any; the current lead's admins record one their
    organisation is part of (handing the lead over, or taking it over), never one between others."""
    if not can_record_handovers(session, subject, cluster_id):
        return False
    return subject.sees_everything or subject.organisation_id in (from_organisation_id, to_organisation_id)


def require_record_handover(
    session: Session, subject: Subject, cluster_id: int, from_organisation_id: int, to_organisation_id: int
) -> None:
    if not can_record_handover(session, subject, cluster_id, from_organisation_id, to_organisation_id):
        raise Forbidden("Only the coordinator or the admins of the cluster's current lead record its handovers")


def is_cluster_insider(session: Session, subject: Subject, cluster_id: int, on: date | None = None) -> bool:
    """May see the cluster's internal work (plans, handover documents): coordinators and the
    users of organisations currently in the cluster."""
    if subject.sees_everything:
        return True
    return cluster_id in cluster_ids_of_org(session, subject.organisation_id, on)


def visible_cluster_ids(session: Session, subject: Subject) -> set[int] | None:
    """Clusters whose internals the subject may see; None means all."""
    if subject.sees_everything:
        return None
    return cluster_ids_of_org(session, subject.organisation_id)


# -- readiness -------------------------------------------------------------------------------


def readiness_organisation_ids(session: Session, subject: Subject, on: date | None = None) -> set[int] | None:
    """Whose readiness records the subject may read: None for all (coordinator), else its own
    organisation plus, for a cluster lead's admins, the organisations of the clusters they lead."""
    if subject.sees_everything:
        return None
    visible: set[int] = set()
    if subject.organisation_id is not None:
        visible.add(subject.organisation_id)
    for cluster_id in led_cluster_ids(session, subject, on):
        visible |= organisation_ids_in_cluster(session, cluster_id, on)
    return visible


def can_see_coverage(session: Session, subject: Subject) -> bool:
    return subject.sees_everything or bool(led_cluster_ids(session, subject))


def coverage_cluster_ids(session: Session, subject: Subject) -> set[int] | None:
    """Clusters whose coverage the subject may see; None for all."""
    if subject.sees_everything:
        return None
    return led_cluster_ids(session, subject)


# -- channels --------------------------------------------------------------------------------


def active_organisation_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Organisation.id).where(Organisation.status == OrganisationStatus.ACTIVE.value)))


def channel_organisation_ids(session: Session, channel: Channel, on: date | None = None) -> set[int]:
    """The organisations a channel is addressed to, derived, never copied."""
    if channel.kind == ChannelKind.NETWORK.value:
        return active_organisation_ids(session)
    if channel.kind == ChannelKind.CLUSTER.value and channel.cluster_id is not None:
        return organisation_ids_in_cluster(session, channel.cluster_id, on)
    return set(
        session.scalars(select(ChannelOrganisation.organisation_id).where(ChannelOrganisation.channel_id == channel.id))
    )


def is_channel_member(session: Session, subject: Subject, channel: Channel, on: date | None = None) -> bool:
    """Members: the users of the channel's organisations, and the coordinator's staff (who oversee
    every channel). An archived channel has no members left."""
    if not subject.is_authenticated or channel.archived_at is not None:
        return False
    if subject.sees_everything:
        return True
    return subject.organisation_id in channel_organisation_ids(session, channel, on)


def _organisation_channel_ids(session: Session, organisation_id: int | None) -> set[int]:
    """Channels addressed to an organisation: the network's, its clusters', its topics'."""
    if organisation_id is None:
        return set()
    clusters = cluster_ids_of_org(session, organisation_id)
    topic_ids = set(
        session.scalars(
            select(ChannelOrganisation.channel_id).where(ChannelOrganisation.organisation_id == organisation_id)
        )
    )
    active = organisation_id in active_organisation_ids(session)
    out: set[int] = set()
    for channel_id, kind, cluster_id in session.execute(select(Channel.id, Channel.kind, Channel.cluster_id)):
        if (
            (kind == ChannelKind.NETWORK.value and active)
            or (kind == ChannelKind.CLUSTER.value and cluster_id in clusters)
            or (kind == ChannelKind.TOPIC.value and channel_id in topic_ids)
        ):
            out.add(channel_id)
    return out


def member_channel_ids(session: Session, subject: Subject) -> set[int]:
    """Every channel the subject is a member of (for listing, posting and digests)."""
    if not subject.is_authenticated:
        return set()
    archived = set(session.scalars(select(Channel.id).where(Channel.archived_at.is_not(None))))
    if subject.sees_everything:
        return set(session.scalars(select(Channel.id))) - archived
    return _organisation_channel_ids(session, subject.organisation_id) - archived


def may_list_members(session: Session, subject: Subject, channel_id: int) -> bool:
    """Who belongs to a channel is for its members (and the coordinator's staff) to list."""
    return channel_id in member_channel_ids(session, subject)


def recipient_channel_ids(session: Session, subject: Subject) -> set[int]:
    """Channels addressed to the subject's organisation (TLP:AMBER's need to know)."""
    if not subject.is_authenticated:
        return set()
    return _organisation_channel_ids(session, subject.organisation_id)


def may_manage_channel(session: Session, subject: Subject, channel: Channel) -> bool:
    """Archive or change a channel: coordinators; topic channels also their cluster's lead or creator."""
    from csirtnet.authz.policy import can

    if not can(subject, Permission.CHANNELS_MANAGE):
        return False
    if subject.sees_everything:
        return True
    if channel.kind != ChannelKind.TOPIC.value:
        return False
    if channel.created_by_id is not None and channel.created_by_id == subject.user_id:
        return True
    return channel.cluster_id is not None and channel.cluster_id in led_cluster_ids(session, subject)


def cluster_exists(session: Session, cluster_id: int) -> bool:
    return session.get(Cluster, cluster_id) is not None


def may_upload_files(subject: Subject) -> bool:
    """Uploading a cluster document is the first step of attaching it to a handover, a channel
    message, a readiness record or a knowledge document: it needs a right to do one of those."""
    from csirtnet.authz.permissions import Permission
    from csirtnet.authz.policy import can

    return any(
        can(subject, p)
        for p in (
            Permission.CLUSTERS_COORDINATE,
            Permission.CHANNELS_WRITE,
            Permission.READINESS_WRITE,
            Permission.KNOWLEDGE_WRITE,
        )
    )


# -- what the cluster pages offer ---------------------------------------------------------------


def can_manage_clusters(subject: Subject) -> bool:
    """Establish clusters, change their members and plan lead terms: the coordinator's staff."""
    from csirtnet.authz.policy import can

    return subject.sees_everything and can(subject, Permission.CLUSTERS_WRITE)


def leads(session: Session, subject: Subject, cluster_id: int) -> bool:
    """The subject is an admin of the cluster's lead of today (not merely the coordinator)."""
    return cluster_id in led_cluster_ids(session, subject)


def panel_cluster_ids(session: Session, subject: Subject) -> set[int] | None:
    """The clusters the home panel lists: the organisation's own, or every one (None) for the
    coordinator's staff, whose organisation belongs to none; empty when there is nothing to show."""
    mine = cluster_ids_of_org(session, subject.organisation_id)
    if mine or not subject.sees_everything:
        return mine
    return None


def led_or_all_cluster_ids(session: Session, subject: Subject) -> set[int] | None:
    """Clusters the subject organises for (events, topic channels): every one (None) for the
    coordinator's staff, the clusters it leads today for a lead's admins, else none."""
    if subject.sees_everything:
        return None
    return led_cluster_ids(session, subject)


def can_schedule_events(session: Session, subject: Subject) -> bool:
    """Schedule events: the coordinator's staff for the network, a lead's admins for its cluster."""
    from csirtnet.authz.policy import can

    return can(subject, Permission.EVENTS_WRITE) and (
        subject.sees_everything or bool(led_cluster_ids(session, subject))
    )


def can_schedule_network_events(subject: Subject) -> bool:
    """Events for the whole network (no cluster) are the coordinator's."""
    return subject.sees_everything


def can_open_channels(session: Session, subject: Subject) -> bool:
    """Open channels: the coordinator's staff, and a lead's admins (topic channels of their cluster)."""
    from csirtnet.authz.policy import can

    return can(subject, Permission.CHANNELS_MANAGE) and (
        subject.sees_everything or bool(led_cluster_ids(session, subject))
    )


def can_open_network_channels(subject: Subject) -> bool:
    """The whole network's and the clusters' own channels are the coordinator's to open."""
    return subject.sees_everything


def channel_audience_organisation_ids(session: Session, subject: Subject) -> set[int] | None:
    """Organisations a new topic channel may address: every one (None) for the coordinator's
    staff, the members of the clusters a lead's admins lead today."""
    if subject.sees_everything:
        return None
    ids: set[int] = set()
    for cluster_id in led_cluster_ids(session, subject):
        ids |= organisation_ids_in_cluster(session, cluster_id)
    return ids


def can_post(session: Session, subject: Subject, channel: Channel) -> bool:
    """Post in a channel: its members who may write in channels."""
    from csirtnet.authz.policy import can

    return can(subject, Permission.CHANNELS_WRITE) and is_channel_member(session, subject, channel)


# -- events, documents, readiness records --------------------------------------------------------


def visible_events_clause(session: Session, who: Subject) -> ColumnElement[bool]:
    """Network events are for everyone; a cluster's events for its members, the organiser and
    the coordinator."""
    if who.sees_everything:
        return true()
    clusters = visible_cluster_ids(session, who) or set()
    return or_(
        NetworkEvent.cluster_id.is_(None),
        NetworkEvent.cluster_id.in_(sorted(clusters)),
        NetworkEvent.organiser_organisation_id == (who.organisation_id or 0),
    )


def can_manage_event(session: Session, who: Subject, event: NetworkEvent) -> bool:
    """The coordinator, the organiser's admins, and the lead of the event's cluster."""
    from csirtnet.authz.policy import can

    if not can(who, Permission.EVENTS_WRITE):
        return False
    if who.sees_everything:
        return True
    if who.has_role(Role.ORG_ADMIN) and who.organisation_id == event.organiser_organisation_id:
        return True
    return event.cluster_id is not None and can_coordinate_cluster(session, who, event.cluster_id)


def require_schedule_event(session: Session, who: Subject, cluster_id: int | None) -> None:
    """Network-wide events are the coordinator's; a cluster's, the coordinator's and its lead's."""
    if who.organisation_id is None:
        raise Forbidden("Events are organised by a member organisation")
    if cluster_id is None:
        if not can_schedule_network_events(who):
            raise Forbidden("Only the coordinator organises network-wide events; choose your cluster")
    else:
        require_coordinate_cluster(session, who, cluster_id)


def document_community_clause(session: Session, who: Subject) -> ColumnElement[bool]:
    """Knowledge-base documents' community (TLP:GREEN): the whole network's space, or one cluster's
    for those who see inside it."""
    if who.sees_everything:
        return true()
    insider = visible_cluster_ids(session, who) or set()
    return or_(KnowledgeDocument.cluster_id.is_(None), KnowledgeDocument.cluster_id.in_(sorted(insider)))


def can_edit_document(who: Subject, doc: KnowledgeDocument) -> bool:
    """Its author, the admins of the author's organisation, and the coordinator."""
    from csirtnet.authz.policy import can

    if not can(who, Permission.KNOWLEDGE_WRITE):
        return False
    if who.sees_everything or doc.author_id == who.user_id:
        return True
    return who.has_role(Role.ORG_ADMIN) and who.organisation_id == doc.organisation_id


def can_edit_readiness(who: Subject, organisation_id: int) -> bool:
    """Members edit their own record; nobody else does (the platform admin excepted)."""
    from csirtnet.authz.policy import can

    if not can(who, Permission.READINESS_WRITE):
        return False
    return who.is_platform_admin or who.organisation_id == organisation_id


def require_manage_clusters(who: Subject) -> None:
    from csirtnet.authz.policy import require

    require(who, Permission.CLUSTERS_WRITE)
    if not who.sees_everything:
        raise Forbidden("Only the coordinator changes clusters, their members and lead terms")


def channel_organisation_choices(session: Session, who: Subject, kind: str, cluster_id: int | None) -> set[int] | None:
    """Which organisations a channel the subject opens (or changes) may address: any (None) for the
    coordinator; a topic channel of a lead's admins only their cluster's members (refused for a
    cluster they do not lead)."""
    if who.sees_everything or kind != ChannelKind.TOPIC.value or cluster_id is None:
        return None
    require_coordinate_cluster(session, who, cluster_id)
    return organisation_ids_in_cluster(session, cluster_id)


def can_open_topics_outside_clusters(who: Subject) -> bool:
    """A topic channel of no cluster is the coordinator's; a lead's admins open theirs in their cluster."""
    return who.sees_everything


def require_open_channel_kind(who: Subject, kind: str) -> None:
    if kind == ChannelKind.NETWORK.value and not can_open_network_channels(who):
        raise Forbidden("Only the coordinator opens network-wide channels")


def in_channel_audience(subject: Subject, organisation_id: int | None, channel_organisation_ids: set[int]) -> bool:
    """A user is in a channel's audience through its organisation, or as the coordinator's staff."""
    return subject.sees_everything or organisation_id in channel_organisation_ids
