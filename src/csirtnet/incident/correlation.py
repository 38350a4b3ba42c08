"""Correlation: an observable of this incident that also appears in another incident.

What a person is SHOWN is always computed by a query through authz.incident's clause: a user who
may not see the other incident learns nothing of it, not even that it exists. The link rows
(kind "correlated") are recorded for both incidents whoever added the observable, and are shown
through the same clause.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.orm import Session, aliased

from csirtnet.authz import Subject
from csirtnet.authz.incident import visible_content_clause, visible_incidents_clause, visible_observables_clause
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.models import Incident, IncidentLink, IncidentObservable, LinkKind
from csirtnet.vocabulary import TLP


@dataclass(frozen=True)
class Correlation:
    observable_kind: str
    observable_value: str
    incident_id: int
    reference: str
    title: str


# Module-level aliases: a fresh alias builds its column proxies on first use, which cost the
# incident page a millisecond or more on every view.
_mine = aliased(IncidentObservable)
_theirs = aliased(IncidentObservable)
# Newest other incident first, then by observable; an incident holds a (kind, value) once.
_ORDER = (Incident.id, _theirs.kind, _theirs.value)
_DESCENDING = (True, False, False)


def _query(who: Subject, incident: Incident) -> Select[str, str, int, str, str]:
    mine, theirs = _mine, _theirs
    return (
        select(theirs.kind, theirs.value, Incident.id, Incident.reference, Incident.title)
        .select_from(mine)
        .join(
            theirs, and_(theirs.kind == mine.kind, theirs.value == mine.value, theirs.incident_id != mine.incident_id)
        )
        .join(Incident, Incident.id == theirs.incident_id)
        .where(
            mine.incident_id == incident.id,
            visible_incidents_clause(who),
            visible_observables_clause(who, observable=mine),
            visible_observables_clause(who, observable=theirs),
        )
    )


def correlations(session: Session, who: Subject, incident: Incident) -> list[Correlation]:
    """Other incidents the subject may see that share an observable with this one."""
    order = [c.desc() if d else c.asc() for c, d in zip(_ORDER, _DESCENDING, strict=True)]
    rows = session.execute(_query(who, incident).order_by(*order)).all()
    return [Correlation(k, v, i, r, t) for k, v, i, r, t in rows]


def correlations_page(
    session: Session, who: Subject, incident: Incident, *, limit: int, cursor: str | None
) -> tuple[list[Correlation], str | None]:
    """`correlations`, one page at a time."""
    rows, next_cursor = paginate_keyset(
        session,
        _query(who, incident),
        _ORDER,
        descending=_DESCENDING,
        limit=limit,
        cursor=cursor,
        entities=False,
        key_of=lambda row: (row.id, row.kind, row.value),
    )
    return [Correlation(k, v, i, r, t) for k, v, i, r, t in rows], next_cursor


def link_correlated(session: Session, who: Subject, incident: Incident, observable: IncidentObservable) -> int:
    """Record a correlated link between this incident and every other incident holding the value."""
    from csirtnet.incident.triage import ensure_link

    system = Subject.system("correlation")
    others = session.execute(
        select(Incident, IncidentObservable.tlp)
        .join(IncidentObservable, IncidentObservable.incident_id == Incident.id)
        .where(
            IncidentObservable.kind == observable.kind,
            IncidentObservable.value == observable.value,
            Incident.id != incident.id,
        )
    ).all()
    for other, their_tlp in others:
        # That two incidents share a value is as secret as the more secret of the two observables.
        red = TLP.RED.value in (observable.tlp, their_tlp)
        ensure_link(session, system, incident, other, LinkKind.CORRELATED, content_tlp=TLP.RED.value if red else None)
    return len(others)


@dataclass(frozen=True)
class LinkedIncident:
    incident_id: int
    reference: str
    title: str
    kind: str
    note: str | None


def linked(session: Session, who: Subject, incident: Incident) -> list[LinkedIncident]:
    """Linked incidents the subject may see (both directions)."""
    # One statement, the authz clause once: the link's other end, whichever side this one is on.
    mine = IncidentLink.incident_id == incident.id
    other = case((mine, IncidentLink.other_incident_id), else_=IncidentLink.incident_id)
    rows = session.execute(
        select(Incident.id, Incident.reference, Incident.title, IncidentLink.kind, IncidentLink.note)
        .select_from(IncidentLink)
        .join(Incident, Incident.id == other)
        .where(
            or_(mine, IncidentLink.other_incident_id == incident.id),
            visible_incidents_clause(who),
            visible_content_clause(who, IncidentLink.incident_id, IncidentLink.tlp),
            visible_content_clause(who, IncidentLink.other_incident_id, IncidentLink.tlp),
        )
    ).all()
    return sorted((LinkedIncident(*r) for r in rows), key=lambda li: li.incident_id, reverse=True)
