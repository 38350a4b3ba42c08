"""Channels: creating them, posting threads and replies under a TLP marking, mentions, and the
daily digest's schedule. Services never commit; notifications go out after the commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require, tlp
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.organisation import ContactRule
from csirtnet.authz.permissions import Permission
from csirtnet.cluster import files
from csirtnet.cluster.channel import mentions, repository
from csirtnet.cluster.channel.schemas import (
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    MessageCreate,
    MessageRead,
    ThreadCreate,
    UserRef,
)
from csirtnet.cluster.events import CHANNEL_MENTION
from csirtnet.cluster.schemas import FileRead, OrgRef
from csirtnet.config import get_settings
from csirtnet.errors import ErrorList, Forbidden, ValidationFailed
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Channel,
    ChannelKind,
    ChannelMessage,
    ChannelMessageAttachment,
    ChannelMessageMention,
    ChannelMessageRecipient,
    ChannelOrganisation,
    ChannelThread,
    Cluster,
    Job,
    JobStatus,
    Organisation,
    User,
)
from csirtnet.notification import service as notification_service
from csirtnet.vocabulary import TLP
from csirtnet.worker import enqueue

DIGEST_JOB = "cluster.channel_digest"
DIGEST_HOUR = time(7, 0)  # local time of the daily digest


# -- channels --------------------------------------------------------------------------------


def ensure_cluster_channel(session: Session, who: Subject, cluster: Cluster) -> Channel:
    """The cluster's own channel; its members are whoever is in the cluster at the time."""
    existing = repository.cluster_channel(session, cluster.id)
    if existing is not None:
        return existing
    channel = Channel(
        kind=ChannelKind.CLUSTER.value,
        cluster_id=cluster.id,
        name=cluster.name,
        name_en=cluster.name_en,
        description=None,
        created_by_id=who.user_id,
    )
    session.add(channel)
    session.flush()
    audit.record(session, who, "channel.created", channel, kind=channel.kind, cluster_id=cluster.id, name=channel.name)
    return channel


def _check_organisations(session: Session, ids: list[int], allowed: set[int] | None) -> list[int]:
    errors = ErrorList()
    unique = list(dict.fromkeys(ids))
    for index, org_id in enumerate(unique):
        if session.get(Organisation, org_id) is None:
            errors.add(f"organisation_ids.{index}", f"no organisation with id {org_id}")
        elif allowed is not None and org_id not in allowed:
            errors.add(f"organisation_ids.{index}", f"organisation {org_id} is not in the cluster you lead")
    errors.raise_if_any()
    return unique


def create_channel(session: Session, who: Subject, data: ChannelCreate) -> Channel:
    """A network channel (coordinator) or a topic channel (coordinator, or a cluster lead's admins
    for organisations of their cluster)."""
    require(who, Permission.CHANNELS_MANAGE)
    cluster_authz.require_open_channel_kind(who, data.kind)
    if data.kind == ChannelKind.NETWORK.value and data.organisation_ids:
        raise ValidationFailed("organisation_ids", "a network channel reaches every organisation")
    if data.cluster_id is not None:
        if session.get(Cluster, data.cluster_id) is None:
            raise ValidationFailed("cluster_id", f"no cluster with id {data.cluster_id}")
        if data.kind == ChannelKind.NETWORK.value:
            raise ValidationFailed("cluster_id", "a network channel belongs to no cluster")
    if (
        data.kind == ChannelKind.TOPIC.value
        and data.cluster_id is None
        and not cluster_authz.can_open_topics_outside_clusters(who)
    ):
        raise ValidationFailed("cluster_id", "choose the cluster you lead")
    allowed = cluster_authz.channel_organisation_choices(session, who, data.kind, data.cluster_id)
    org_ids = _check_organisations(session, data.organisation_ids, allowed)
    if data.kind == ChannelKind.TOPIC.value and who.organisation_id is not None and who.organisation_id not in org_ids:
        org_ids.append(who.organisation_id)
    channel = Channel(
        kind=data.kind,
        cluster_id=data.cluster_id,
        name=data.name.strip(),
        name_en=(data.name_en or "").strip() or None,
        description=(data.description or "").strip() or None,
        created_by_id=who.user_id,
    )
    session.add(channel)
    session.flush()
    for org_id in org_ids:
        session.add(ChannelOrganisation(channel_id=channel.id, organisation_id=org_id))
    audit.record(session, who, "channel.created", channel, kind=channel.kind, name=channel.name, organisations=org_ids)
    return channel


def update_channel(session: Session, who: Subject, channel_id: int, data: ChannelUpdate) -> Channel:
    """Rename, describe, change a topic channel's organisations, archive or reopen."""
    channel = repository.get_channel(session, who, channel_id)
    if not cluster_authz.may_manage_channel(session, who, channel):
        raise Forbidden("You may not change this channel")
    fields = data.model_dump(exclude_unset=True)
    changes: dict[str, object] = {}
    for name in ("name", "name_en", "description"):
        if name in fields:
            value = (fields[name] or "").strip() or None
            if name == "name" and value is None:
                raise ValidationFailed("name", "cannot be empty")
            if value != getattr(channel, name):
                changes[name] = {"from": getattr(channel, name), "to": value}
                setattr(channel, name, value)
    if fields.get("organisation_ids") is not None:
        if channel.kind != ChannelKind.TOPIC.value:
            raise ValidationFailed("organisation_ids", "only a topic channel lists its organisations")
        allowed = cluster_authz.channel_organisation_choices(session, who, channel.kind, channel.cluster_id)
        org_ids = _check_organisations(session, fields["organisation_ids"], allowed)
        before = sorted(cluster_authz.channel_organisation_ids(session, channel))
        session.execute(delete(ChannelOrganisation).where(ChannelOrganisation.channel_id == channel.id))
        for org_id in org_ids:
            session.add(ChannelOrganisation(channel_id=channel.id, organisation_id=org_id))
        if sorted(org_ids) != before:
            changes["organisations"] = {"from": before, "to": sorted(org_ids)}
    if fields.get("archived") is not None and fields["archived"] != (channel.archived_at is not None):
        channel.archived_at = utcnow() if fields["archived"] else None
        changes["archived"] = fields["archived"]
    if changes:
        session.flush()
        audit.record(session, who, "channel.updated", channel, changes=changes)
    return channel


def channel_read(session: Session, who: Subject, channel: Channel) -> ChannelRead:
    orgs: list[OrgRef] | None = None
    if channel.kind != ChannelKind.NETWORK.value:
        ids = cluster_authz.channel_organisation_ids(session, channel)
        rows = session.scalars(
            select(Organisation).where(Organisation.id.in_(sorted(ids))).order_by(Organisation.name_sort)
        )
        orgs = [OrgRef.model_validate(o) for o in rows]
    return ChannelRead(
        id=channel.id,
        kind=channel.kind,
        cluster_id=channel.cluster_id,
        name=channel.name,
        name_en=channel.name_en,
        description=channel.description,
        archived=channel.archived_at is not None,
        member=cluster_authz.is_channel_member(session, who, channel),
        can_manage=cluster_authz.may_manage_channel(session, who, channel),
        organisations=orgs,
    )


# -- messages --------------------------------------------------------------------------------


def _audience(message_tlp: TLP, author: Subject, channel_org_ids: set[int], user: User, named: set[int]) -> bool:
    """Would `user` see a message with this marking, named recipients and channel?"""
    from csirtnet.identity.service import subject_for

    subject = subject_for(user)
    member = cluster_authz.in_channel_audience(subject, user.organisation_id, channel_org_ids)
    return tlp.may_see(
        subject,
        message_tlp,
        tlp.Audience(
            author_user_id=author.user_id,
            author_organisation_id=author.organisation_id,
            named_user_ids=frozenset(named),
            in_community=member,
            recipient_organisation=user.organisation_id in channel_org_ids,
        ),
    )


def _post(
    session: Session,
    who: Subject,
    channel: Channel,
    thread: ChannelThread | None,
    title: str | None,
    data: MessageCreate,
) -> ChannelMessage:
    require(who, Permission.CHANNELS_WRITE)
    if not cluster_authz.is_channel_member(session, who, channel):
        raise Forbidden("You are not a member of this channel")
    marking = tlp.parse(data.tlp)
    members = repository.channel_members(session, channel)
    member_ids = {u.id for u in members}
    errors = ErrorList()
    body = data.body.strip()
    if not body:
        errors.add("body", "write a message")
    named: set[int] = set()
    users = repository.users_by_id(session, data.recipient_ids)
    for index, user_id in enumerate(dict.fromkeys(data.recipient_ids)):
        user = users.get(user_id)
        if user is None or not user.is_active:
            errors.add(f"recipient_ids.{index}", f"no user with id {user_id}")
        elif user_id not in member_ids:
            errors.add(f"recipient_ids.{index}", f"{user.full_name} is not a member of this channel")
        elif user_id != who.user_id:
            named.add(user_id)
    if marking is TLP.RED and not named:
        errors.add("recipient_ids", "TLP:RED needs at least one named recipient")
    found = mentions.find(body, members)
    for problem in found.errors:
        errors.add("body", problem)
    channel_orgs = cluster_authz.channel_organisation_ids(session, channel)
    mentioned = [u for u in found.users if u.id != who.user_id]
    for user in mentioned:
        if not _audience(marking, who, channel_orgs, user, named):
            errors.add("body", f"{user.full_name} cannot see a {marking.label} message; name them as a recipient")
    errors.raise_if_any()
    documents = files.claim(session, who, data.attachment_ids, "attachment_ids")
    now = utcnow()
    if thread is None:
        assert title is not None
        thread = ChannelThread(channel_id=channel.id, title=title.strip(), author_id=who.user_id, created_at=now)
        session.add(thread)
        session.flush()
    thread.last_message_at = now
    assert who.user_id is not None and who.organisation_id is not None
    message = ChannelMessage(
        channel_id=channel.id,
        thread_id=thread.id,
        author_id=who.user_id,
        author_organisation_id=who.organisation_id,
        body=body,
        tlp=marking.value,
        opens_thread=title is not None,
        created_at=now,
    )
    session.add(message)
    session.flush()
    for user_id in sorted(named):
        session.add(ChannelMessageRecipient(message_id=message.id, user_id=user_id))
    for user in mentioned:
        session.add(ChannelMessageMention(message_id=message.id, user_id=user.id))
    for doc in documents:
        session.add(ChannelMessageAttachment(message_id=message.id, stored_file_id=doc.id))
    audit.record(
        session,
        who,
        "channel.message_posted",
        message,
        channel_id=channel.id,
        thread_id=thread.id,
        tlp=marking.value,
        recipients=sorted(named),
        mentions=[u.id for u in mentioned],
        # Ids, never names or hashes: the audit log's readers are not the message's (ADR 0002).
        attachments=[d.id for d in documents],
    )
    if mentioned:
        author = session.get(User, who.user_id)
        notification_service.notify(
            session,
            CHANNEL_MENTION.key,
            mentioned,
            {"author": author.full_name if author else who.label, "channel": channel.name},
            link=f"/channels/{channel.id}/threads/{thread.id}#m{message.id}",
            guard=None,
        )
    schedule_digest(session)
    return message


def start_thread(session: Session, who: Subject, channel_id: int, data: ThreadCreate) -> ChannelMessage:
    """Open a thread with its first message."""
    channel = repository.get_channel(session, who, channel_id)
    return _post(session, who, channel, None, data.title, data)


def reply(session: Session, who: Subject, channel_id: int, thread_id: int, data: MessageCreate) -> ChannelMessage:
    """Reply in a thread the caller can read."""
    channel = repository.get_channel(session, who, channel_id)
    thread = repository.get_thread(session, who, channel_id, thread_id)
    repository.thread_row(session, who, thread)  # 404 unless the caller sees some of it
    return _post(session, who, channel, thread, None, data)


def message_reads(session: Session, who: Subject, messages: Sequence[ChannelMessage]) -> list[MessageRead]:
    """Messages as the API and pages show them. Reading TLP:RED is audited."""
    ids = [m.id for m in messages]
    recipients = repository.users_by_message(session, ChannelMessageRecipient, ids)
    mentioned = repository.users_by_message(session, ChannelMessageMention, ids)
    attached = repository.attachments(session, ids)
    authors = repository.users_by_id(session, (m.author_id for m in messages))
    contacts = ContactRule(session, who)
    red = [m.id for m in messages if m.tlp == TLP.RED.value and m.author_id != who.user_id]
    if red:
        audit.record(session, who, "channel.red_read", ("channel_message", red[0]), messages=red)
    return [
        MessageRead(
            id=m.id,
            thread_id=m.thread_id,
            channel_id=m.channel_id,
            author=user_ref(authors.get(m.author_id), contacts),
            body=m.body,
            tlp=m.tlp,
            opens_thread=m.opens_thread,
            created_at=m.created_at,
            recipients=[r for r in (user_ref(u, contacts) for u in recipients[m.id]) if r],
            mentions=[r for r in (user_ref(u, contacts) for u in mentioned[m.id]) if r],
            attachments=[FileRead.model_validate(f) for f in attached[m.id]],
        )
        for m in messages
    ]


def user_ref(user: User | None, contacts: ContactRule | None) -> UserRef | None:
    """A person as `contacts`' reader may see them: the email only where the member directory would
    show it (None: the reader manages them, e.g. an event's organiser)."""
    if user is None:
        return None
    email_visible = contacts is None or contacts.email_visible(user.id, user.organisation_id)
    return UserRef(
        id=user.id,
        full_name=user.full_name,
        email=user.email if email_visible else None,
        organisation=user.organisation.short_name or user.organisation.name,
    )


# -- the digest's schedule -------------------------------------------------------------------


def next_digest_at(now: datetime | None = None) -> datetime:
    """The next 07:00 in the network's time zone."""
    zone = ZoneInfo(get_settings().timezone)
    local_now = (now or utcnow()).astimezone(zone)
    candidate = datetime.combine(local_now.date(), DIGEST_HOUR, tzinfo=zone)
    if candidate <= local_now:
        candidate += timedelta(days=1)
    return candidate


def schedule_digest(session: Session) -> None:
    """Make sure a digest run is queued for the next morning. Several queued runs are harmless:
    each user's high-water mark makes a second run find nothing new."""
    queued = session.scalar(select(Job.id).where(Job.name == DIGEST_JOB, Job.status == JobStatus.QUEUED.value).limit(1))
    if queued is None:
        enqueue(session, DIGEST_JOB, guard=None, run_after=next_digest_at())
