"""Observables: normalised and validated so that the same indicator in two incidents is one
equality match. Defanged input ("203.0.113[.]66", "hxxp://") is accepted and refanged."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.incident import get_visible, require_work
from csirtnet.errors import Conflict, NotFound, ValidationFailed
from csirtnet.incident.common import record_change, refresh_search_text
from csirtnet.incident.schemas import ObservableCreate, clean_domains
from csirtnet.models import Incident, IncidentObservable, ObservableKind

_HEX = {"md5": 32, "sha1": 40, "sha256": 64}
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([^@\s]+)$")


def refang(value: str) -> str:
    v = value.strip()
    v = v.replace("[.]", ".").replace("(.)", ".").replace("[dot]", ".").replace("[@]", "@").replace("[at]", "@")
    return re.sub(r"^hxxp", "http", v, flags=re.IGNORECASE)


def normalise(kind: str, raw: str) -> str:
    """The canonical form of an observable, or ValueError saying what is wrong."""
    value = refang(raw)
    if not value:
        raise ValueError("is empty")
    match kind:
        case ObservableKind.IP:
            try:
                return ipaddress.ip_address(value).compressed
            except ValueError:
                raise ValueError(f"{raw!r} is not an IPv4 or IPv6 address") from None
        case ObservableKind.DOMAIN:
            return clean_domains([value])[0]
        case ObservableKind.URL:
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("http", "https", "ftp") or not parts.hostname:
                raise ValueError(f"{raw!r} is not an http(s) or ftp URL")
            host = parts.hostname
            try:
                host = ipaddress.ip_address(host).compressed
            except ValueError:
                host = clean_domains([host])[0]
            netloc = host if parts.port is None else f"{host}:{parts.port}"
            if parts.username:
                netloc = f"{parts.username}@{netloc}"
            return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
        case ObservableKind.EMAIL:
            m = _EMAIL.match(value)
            if not m:
                raise ValueError(f"{raw!r} is not an email address")
            local = value.rsplit("@", 1)[0]
            return f"{local.lower()}@{clean_domains([m.group(1)])[0]}"
        case "md5" | "sha1" | "sha256":
            v = value.lower()
            if len(v) != _HEX[kind] or any(c not in "0123456789abcdef" for c in v):
                raise ValueError(f"a {kind} hash is {_HEX[kind]} hexadecimal characters")
            return v
    raise ValueError(f"unknown kind {kind!r}")


def observables_query(who: Subject, incident: Incident) -> Select[IncidentObservable]:
    """The incident's observables the subject may see (TLP:RED ones: named participants only), oldest first."""
    from csirtnet.authz.incident import visible_observables_clause

    return (
        select(IncidentObservable)
        .where(IncidentObservable.incident_id == incident.id, visible_observables_clause(who))
        .order_by(IncidentObservable.id)
    )


def observables_of(session: Session, who: Subject, incident: Incident) -> list[IncidentObservable]:
    """The incident's observables the subject may see (TLP:RED ones: named participants only)."""
    return list(session.scalars(observables_query(who, incident)))


def add(session: Session, who: Subject, incident_id: int, data: ObservableCreate) -> IncidentObservable:
    """Add an observable; incidents sharing it are linked as correlated."""
    from csirtnet.incident.correlation import link_correlated

    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    try:
        value = normalise(data.kind, data.value)
    except ValueError as exc:
        raise ValidationFailed("value", str(exc)) from None
    exists = session.scalar(
        select(IncidentObservable.id).where(
            IncidentObservable.incident_id == incident.id,
            IncidentObservable.kind == data.kind,
            IncidentObservable.value == value,
        )
    )
    if exists is not None:
        raise Conflict(f"{data.kind} {value} is already an observable of this incident")
    row = IncidentObservable(
        incident_id=incident.id,
        kind=data.kind,
        value=value,
        tlp=data.tlp.value,
        note=data.note,
        created_by_id=who.user_id,
    )
    session.add(row)
    session.flush()
    record_change(
        session,
        who,
        incident,
        "incident.observable_added",
        content_tlp=row.tlp,
        kind=data.kind,
        value=value,
        tlp=row.tlp,
    )
    refresh_search_text(session, incident)
    link_correlated(session, who, incident, row)
    return row


def remove(session: Session, who: Subject, incident_id: int, observable_id: int) -> None:
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    row = session.get(IncidentObservable, observable_id)
    if row is None or row.incident_id != incident.id:
        raise NotFound("observable")
    record_change(
        session,
        who,
        incident,
        "incident.observable_removed",
        content_tlp=row.tlp,
        kind=row.kind,
        value=row.value,
        tlp=row.tlp,
    )
    session.delete(row)
    session.flush()
    refresh_search_text(session, incident)
