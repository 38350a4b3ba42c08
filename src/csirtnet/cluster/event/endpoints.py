"""The events API: schedule, registration, attendance, materials."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.cluster.event import service
from csirtnet.cluster.event.schemas import (
    AttendanceMark,
    EventCreate,
    EventRead,
    EventUpdate,
    MaterialAdd,
    RegistrationRead,
)
from csirtnet.cluster.knowledge import service as knowledge
from csirtnet.cluster.knowledge.schemas import DocumentRead
from csirtnet.kit.pagination import Page, paginate, paginate_keyset
from csirtnet.models import NetworkEvent, User

router = APIRouter(prefix="/events", tags=["events"])


@router.get("", response_model=Page[EventRead])
def list_events(
    session: Session,
    who: ApiUser,
    upcoming: bool | None = Query(default=None, description="true: not yet over; false: past"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[EventRead]:
    """Events you may see: the network's, and your clusters'."""
    rows, next_cursor = paginate(
        session, service.events(session, who, upcoming=upcoming), NetworkEvent.id, limit=limit, cursor=cursor
    )
    return Page[EventRead](items=service.reads(session, who, rows), next_cursor=next_cursor)


@router.post("", response_model=EventRead, status_code=201)
def create_event(body: EventCreate, session: Session, who: ApiUser) -> EventRead:
    """Schedule an event (coordinator; a cluster's current lead for its cluster)."""
    return service.reads(session, who, [service.create(session, who, body)])[0]


@router.get("/{event_id}", response_model=EventRead)
def get_event(event_id: int, session: Session, who: ApiUser) -> EventRead:
    """One event, with its materials."""
    return service.reads(session, who, [service.get(session, who, event_id)])[0]


@router.patch("/{event_id}", response_model=EventRead)
def update_event(event_id: int, body: EventUpdate, session: Session, who: ApiUser) -> EventRead:
    """Change or cancel an event (its organiser)."""
    return service.reads(session, who, [service.update(session, who, event_id, body)])[0]


@router.post("/{event_id}/registration", response_model=EventRead)
def register(event_id: int, session: Session, who: ApiUser) -> EventRead:
    """Register yourself (409 when full, cancelled or started)."""
    service.register(session, who, event_id)
    return service.reads(session, who, [service.get(session, who, event_id)])[0]


@router.delete("/{event_id}/registration", status_code=204)
def unregister(event_id: int, session: Session, who: ApiUser) -> Response:
    """Withdraw your registration."""
    service.unregister(session, who, event_id)
    return Response(status_code=204)


@router.get("/{event_id}/registrations", response_model=Page[RegistrationRead])
def list_registrations(
    event_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[RegistrationRead]:
    """Who registered and who attended, by name (the organiser)."""
    rows, next_cursor = paginate_keyset(
        session,
        service.registrations_query(session, who, event_id),
        (User.name_sort, User.id),
        limit=limit,
        cursor=cursor,
        entities=False,
        key_of=lambda row: (row.User.name_sort, row.User.id),
    )
    return Page[RegistrationRead](items=service.registration_reads(rows), next_cursor=next_cursor)


@router.post("/{event_id}/attendance", response_model=RegistrationRead)
def mark_attendance(event_id: int, body: AttendanceMark, session: Session, who: ApiUser) -> RegistrationRead:
    """Mark a registered person as attended or not (the organiser)."""
    service.mark_attendance(session, who, event_id, body)
    query = service.registrations_query(session, who, event_id).where(User.id == body.user_id)
    return service.registration_reads(session.execute(query))[0]


@router.post("/{event_id}/materials", response_model=DocumentRead, status_code=201)
def add_material(event_id: int, body: MaterialAdd, session: Session, who: ApiUser) -> DocumentRead:
    """Share a material of the event in the knowledge base (the organiser)."""
    return knowledge.reads(session, who, [service.add_material(session, who, event_id, body)])[0]
