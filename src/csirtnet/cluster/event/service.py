"""Events: the coordinator organises network events, a cluster's lead its cluster's; users
register (within the capacity), the organiser marks attendance, materials go to the knowledge base."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, require
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.cluster.channel.service import user_ref
from csirtnet.cluster.event.schemas import (
    AttendanceMark,
    EventCreate,
    EventRead,
    EventUpdate,
    MaterialAdd,
    RegistrationRead,
)
from csirtnet.cluster.events import EVENT_REGISTERED
from csirtnet.cluster.knowledge import service as knowledge
from csirtnet.cluster.schemas import OrgRef
from csirtnet.config import get_settings
from csirtnet.errors import Conflict, ErrorList, FieldError, Forbidden, NotFound, ValidationFailed
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Cluster,
    EventRegistration,
    KnowledgeDocument,
    NetworkEvent,
    Organisation,
    User,
)
from csirtnet.notification import service as notification_service


def _aware(value: datetime) -> datetime:
    """A time without a zone is read in the network's time zone (what a form sends)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo(get_settings().timezone))
    return value


def events(session: Session, who: Subject, *, upcoming: bool | None = None) -> Select[NetworkEvent]:
    require(who, Permission.EVENTS_READ)
    query = select(NetworkEvent).where(cluster_authz.visible_events_clause(session, who))
    now = utcnow()
    if upcoming is True:
        query = query.where(NetworkEvent.ends_at >= now)
    elif upcoming is False:
        query = query.where(NetworkEvent.ends_at < now)
    return query


def get(session: Session, who: Subject, event_id: int) -> NetworkEvent:
    event = session.scalar(events(session, who).where(NetworkEvent.id == event_id))
    if event is None:
        raise NotFound("event")
    return event


def _require_manage(session: Session, who: Subject, event: NetworkEvent) -> None:
    require(who, Permission.EVENTS_WRITE)
    if not cluster_authz.can_manage_event(session, who, event):
        raise Forbidden("Only the organiser, the cluster's lead and the coordinator manage this event")


def _check_times(starts_at: datetime, ends_at: datetime, errors: ErrorList) -> None:
    if ends_at <= starts_at:
        errors.add("ends_at", "must be after the start")


def _check_link(link: str | None, errors: ErrorList) -> str | None:
    link = (link or "").strip() or None
    if link and not link.startswith(("https://", "http://")):
        errors.add("online_link", "must be an http(s) address")
    return link


def create(session: Session, who: Subject, data: EventCreate) -> NetworkEvent:
    """Schedule an event: network-wide (coordinator) or for a cluster (coordinator, current lead)."""
    require(who, Permission.EVENTS_WRITE)
    if data.cluster_id is not None and session.get(Cluster, data.cluster_id) is None:
        raise ValidationFailed("cluster_id", f"no cluster with id {data.cluster_id}")
    cluster_authz.require_schedule_event(session, who, data.cluster_id)
    errors = ErrorList()
    starts_at, ends_at = _aware(data.starts_at), _aware(data.ends_at)
    _check_times(starts_at, ends_at, errors)
    link = _check_link(data.online_link, errors)
    if not (data.location or "").strip() and not link:
        errors.add("location", "give a place or an online link")
    errors.raise_if_any()
    event = NetworkEvent(
        cluster_id=data.cluster_id,
        kind=data.kind.value,
        title=data.title.strip(),
        title_en=(data.title_en or "").strip() or None,
        description=(data.description or "").strip() or None,
        starts_at=starts_at,
        ends_at=ends_at,
        location=(data.location or "").strip() or None,
        online_link=link,
        capacity=data.capacity,
        organiser_organisation_id=who.organisation_id,
        created_by_id=who.user_id,
    )
    session.add(event)
    session.flush()
    audit.record(
        session, who, "event.created", event, title=event.title, cluster_id=event.cluster_id, starts_at=starts_at
    )
    return event


def update(session: Session, who: Subject, event_id: int, data: EventUpdate) -> NetworkEvent:
    """Change or cancel an event."""
    event = get(session, who, event_id)
    _require_manage(session, who, event)
    fields = data.model_dump(exclude_unset=True)
    errors = ErrorList()
    for name in ("starts_at", "ends_at"):
        if fields.get(name) is not None:
            fields[name] = _aware(fields[name])
    _check_times(fields.get("starts_at") or event.starts_at, fields.get("ends_at") or event.ends_at, errors)
    if "online_link" in fields:
        fields["online_link"] = _check_link(fields["online_link"], errors)
    if "capacity" in fields and fields["capacity"] is not None:
        taken = _registered_count(session, event.id)
        if fields["capacity"] < taken:
            errors.add("capacity", f"{taken} people are already registered")
    errors.raise_if_any()
    changes: dict[str, object] = {}
    cancelled = fields.pop("cancelled", None)
    for name, value in fields.items():
        if value is None and name in ("kind", "title", "starts_at", "ends_at"):
            continue
        if hasattr(value, "value"):
            value = value.value
        if isinstance(value, str):
            value = value.strip() or None
        if value != getattr(event, name):
            changes[name] = {"from": getattr(event, name), "to": value}
            setattr(event, name, value)
    if cancelled is not None and cancelled != (event.cancelled_at is not None):
        event.cancelled_at = utcnow() if cancelled else None
        changes["cancelled"] = cancelled
    if changes:
        audit.record(session, who, "event.updated", event, changes=changes)
    return event


def _registered_count(session: Session, event_id: int) -> int:
    return session.scalar(select(func.count(EventRegistration.id)).where(EventRegistration.event_id == event_id)) or 0


def _registration(session: Session, event_id: int, user_id: int | None) -> EventRegistration | None:
    if user_id is None:
        return None
    return session.scalar(
        select(EventRegistration).where(EventRegistration.event_id == event_id, EventRegistration.user_id == user_id)
    )


def register(session: Session, who: Subject, event_id: int) -> EventRegistration:
    """Register the caller, while there is room and the event has not started."""
    require(who, Permission.EVENTS_REGISTER)
    event = get(session, who, event_id)
    # Lock the event row (PostgreSQL) so two last-minute registrations cannot both take the last place.
    session.execute(select(NetworkEvent.id).where(NetworkEvent.id == event.id).with_for_update())
    existing = _registration(session, event.id, who.user_id)
    if existing is not None:
        return existing
    if event.cancelled_at is not None:
        raise Conflict("The event is cancelled", errors=[FieldError("event", "cancelled")])
    if event.starts_at <= utcnow():
        raise Conflict("Registration has closed: the event has started", errors=[FieldError("event", "started")])
    if event.capacity is not None and _registered_count(session, event.id) >= event.capacity:
        raise Conflict("The event is full", errors=[FieldError("capacity", "no places left")])
    assert who.user_id is not None
    row = EventRegistration(event_id=event.id, user_id=who.user_id)
    session.add(row)
    session.flush()
    audit.record(session, who, "event.registered", row, event_id=event.id)
    user = session.get(User, who.user_id)
    if user is not None:
        notification_service.notify(
            session, EVENT_REGISTERED.key, [user], {"title": event.title}, link=f"/events/{event.id}", guard=None
        )
    return row


def unregister(session: Session, who: Subject, event_id: int) -> None:
    """Withdraw the caller's registration (before the event starts)."""
    require(who, Permission.EVENTS_REGISTER)
    event = get(session, who, event_id)
    row = _registration(session, event.id, who.user_id)
    if row is None:
        raise NotFound("registration")
    if event.starts_at <= utcnow():
        raise Conflict("The event has started; ask the organiser", errors=[FieldError("event", "started")])
    audit.record(session, who, "event.unregistered", row, event_id=event.id)
    session.delete(row)
    session.flush()


def registrations_query(session: Session, who: Subject, event_id: int) -> Select[EventRegistration, User]:
    """Who registered, by name: (registration, user) rows (the organiser's view)."""
    event = get(session, who, event_id)
    _require_manage(session, who, event)
    return (
        select(EventRegistration, User)
        .join(User, User.id == EventRegistration.user_id)
        .where(EventRegistration.event_id == event.id)
        .order_by(User.name_sort, User.id)
    )


def registration_reads(rows: Iterable[tuple[EventRegistration, User]]) -> list[RegistrationRead]:
    out = []
    for reg, user in rows:
        ref = user_ref(user, None)  # the organiser's view: it needs to reach those who registered
        assert ref is not None
        out.append(RegistrationRead(user=ref, registered_at=reg.registered_at, attended=reg.attended))
    return out


def registrations(session: Session, who: Subject, event_id: int) -> list[RegistrationRead]:
    """Who registered (the organiser's view)."""
    return registration_reads(session.execute(registrations_query(session, who, event_id)))


def mark_attendance(session: Session, who: Subject, event_id: int, data: AttendanceMark) -> EventRegistration:
    """The organiser marks whether a registered person attended (once the event has started)."""
    event = get(session, who, event_id)
    _require_manage(session, who, event)
    row = _registration(session, event.id, data.user_id)
    if row is None:
        raise ValidationFailed("user_id", "that person is not registered for the event")
    if event.starts_at > utcnow():
        raise ValidationFailed("attended", "attendance is marked once the event has started")
    if row.attended != data.attended:
        row.attended = data.attended
        row.attendance_marked_at = utcnow()
        audit.record(
            session,
            who,
            "event.attendance_marked",
            row,
            event_id=event.id,
            user_id=data.user_id,
            attended=data.attended,
        )
    return row


def add_material(session: Session, who: Subject, event_id: int, data: MaterialAdd) -> KnowledgeDocument:
    """Share a material of the event; it goes to the knowledge base with the event's audience."""
    event = get(session, who, event_id)
    _require_manage(session, who, event)
    payload = data.model_copy(update={"cluster_id": event.cluster_id})
    return knowledge.create(session, who, payload, event_id=event.id)


def reads(session: Session, who: Subject, rows: Sequence[NetworkEvent]) -> list[EventRead]:
    ids = [e.id for e in rows]
    counts: dict[int, int] = {}
    mine: dict[int, EventRegistration] = {}
    if ids:
        counts = {
            int(e): int(n)
            for e, n in session.execute(
                select(EventRegistration.event_id, func.count(EventRegistration.id))
                .where(EventRegistration.event_id.in_(ids))
                .group_by(EventRegistration.event_id)
            )
        }
        mine = {
            r.event_id: r
            for r in session.scalars(
                select(EventRegistration).where(
                    EventRegistration.event_id.in_(ids), EventRegistration.user_id == (who.user_id or 0)
                )
            )
        }
    orgs = {
        o.id: o
        for o in session.scalars(
            select(Organisation).where(Organisation.id.in_({e.organiser_organisation_id for e in rows}))
        )
    }
    materials: dict[int, list[KnowledgeDocument]] = {i: [] for i in ids}
    if ids:
        for doc in session.scalars(
            knowledge.search(session, who).where(KnowledgeDocument.event_id.in_(ids)).order_by(KnowledgeDocument.id)
        ):
            assert doc.event_id is not None
            materials[doc.event_id].append(doc)
    out = []
    for e in rows:
        taken = counts.get(e.id, 0)
        out.append(
            EventRead(
                id=e.id,
                cluster_id=e.cluster_id,
                kind=e.kind,
                title=e.title,
                title_en=e.title_en,
                description=e.description,
                starts_at=e.starts_at,
                ends_at=e.ends_at,
                location=e.location,
                online_link=e.online_link,
                capacity=e.capacity,
                organiser=OrgRef.model_validate(orgs[e.organiser_organisation_id]),
                registered_count=taken,
                places_left=None if e.capacity is None else max(0, e.capacity - taken),
                registered=e.id in mine,
                attended=mine[e.id].attended if e.id in mine else None,
                cancelled=e.cancelled_at is not None,
                can_manage=cluster_authz.can_manage_event(session, who, e),
                materials=knowledge.reads(session, who, materials[e.id]),
            )
        )
    return out
