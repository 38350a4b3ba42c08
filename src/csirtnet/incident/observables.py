"""Observables: normalised and validated so that the same indicator in two incidents is one
equality match. Defanged input ("203.0.113[.]66", "hxxp://") is accepted and refanged. Many at once
from pasted text: each value's kind detected, duplicates merged, a preview with each line's
problems, then all added or none."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.incident import get_visible, require_work
from csirtnet.errors import Conflict, FieldError, NotFound, ValidationFailed
from csirtnet.incident.common import record_change, refresh_search_text
from csirtnet.incident.schemas import ObservableCreate, clean_domains
from csirtnet.models import Incident, IncidentObservable, ObservableKind
from csirtnet.vocabulary import TLP

_HEX = {"md5": 32, "sha1": 40, "sha256": 64}
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([^@\s]+)$")


# Defanged forms, as analysts write them so that nothing is clicked or resolved by accident:
# 1.2.3[.]4, evil(.)example, evil[dot]example, a[@]b, hxxp://, hxxps[:]//, fxp://, [://].
_DEFANGED = (
    (re.compile(r"\[\s*\.\s*\]|\(\s*\.\s*\)|\{\s*\.\s*\}|\[dot\]|\(dot\)|\\\.", re.IGNORECASE), "."),
    (re.compile(r"\[\s*@\s*\]|\(\s*@\s*\)|\[at\]|\(at\)", re.IGNORECASE), "@"),
    (re.compile(r"\[:\]//|\[://\]|\[:/\]/"), "://"),
    (re.compile(r"\[:\]"), ":"),
)
_SCHEMES = re.compile(r"^(hxxps?|fxp)(?=://)", re.IGNORECASE)
_REAL_SCHEME = {"hxxp": "http", "hxxps": "https", "fxp": "ftp"}


def refang(value: str) -> str:
    """The value with its defanging undone ("hxxp://1.2.3[.]4" -> "http://1.2.3.4")."""
    v = value.strip()
    for pattern, replacement in _DEFANGED:
        v = pattern.sub(replacement, v)
    return _SCHEMES.sub(lambda m: _REAL_SCHEME[m.group(1).lower()], v)


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
        raise Conflict(
            f"{data.kind} {value} is already an observable of this incident",
            errors=[FieldError("value", "already an observable of this incident")],
        )
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


# -- many at once, from pasted text -------------------------------------------------------------

MAX_PASTE_VALUES = 500
MAX_PASTE_CHARS = 200_000
_SEPARATORS = re.compile(r"[\s,;|]+")
_WRAPPING = "<>\"'`()“”‘’"
_URL_START = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HEX_ONLY = re.compile(r"^[0-9a-fA-F]+$")
_HASH_KINDS = {32: "md5", 40: "sha1", 64: "sha256"}


def detect(raw: str) -> tuple[str, str]:
    """The kind and canonical form of one value (IPv4/IPv6 address, domain, URL, email address,
    MD5, SHA-1 or SHA-256 hash), defanged or not; ValueError saying what is wrong."""
    token = raw.strip().strip(_WRAPPING)
    if token.startswith("[") and token.endswith("]") and ":" in token:
        token = token[1:-1]  # [2001:db8::1]
    value = refang(token)
    if not value:
        raise ValueError("is empty")
    if _URL_START.match(value):
        return ObservableKind.URL.value, normalise(ObservableKind.URL, value)
    if "@" in value:
        return ObservableKind.EMAIL.value, normalise(ObservableKind.EMAIL, value)
    if _HEX_ONLY.match(value) and len(value) in _HASH_KINDS:
        kind = _HASH_KINDS[len(value)]
        return kind, normalise(kind, value)
    try:
        return ObservableKind.IP.value, ipaddress.ip_address(value).compressed
    except ValueError:
        pass
    if "." in value.strip("."):
        try:
            return ObservableKind.DOMAIN.value, normalise(ObservableKind.DOMAIN, value)
        except ValueError:
            pass
    raise ValueError(f"{raw!r} is not an IP address, domain, URL, email address or MD5, SHA-1 or SHA-256 hash")


@dataclass(frozen=True)
class PastedValue:
    """One value found in pasted text, with what will happen to it."""

    line: int  # 1-based line of the paste
    raw: str  # as pasted
    kind: str | None  # None: not an observable (see `problem`)
    value: str | None  # canonical form
    problem: str | None = None  # an English sentence (translated on the page)
    duplicate_of: int | None = None  # the line where the same value came first
    existing: bool = False  # the incident has it already

    @property
    def new(self) -> bool:
        return self.problem is None and self.duplicate_of is None and not self.existing


@dataclass(frozen=True)
class PastePreview:
    values: list[PastedValue]

    @property
    def new(self) -> list[PastedValue]:
        return [v for v in self.values if v.new]

    @property
    def problems(self) -> list[PastedValue]:
        return [v for v in self.values if v.problem]

    @property
    def merged(self) -> list[PastedValue]:
        return [v for v in self.values if v.problem is None and not v.new]


def parse_paste(text: str) -> list[PastedValue]:
    """Every value in `text` (separated by lines, spaces, commas, semicolons or bars), detected, with
    duplicates within the paste pointing at their first line. Raises ValidationFailed("text") when
    the paste is empty or too large."""
    if len(text) > MAX_PASTE_CHARS:
        raise ValidationFailed("text", f"paste at most {MAX_PASTE_CHARS} characters at a time")
    found: list[PastedValue] = []
    first: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for token in _SEPARATORS.split(line):
            if not token.strip(_WRAPPING):
                continue
            try:
                kind, value = detect(token)
            except ValueError as exc:
                found.append(PastedValue(number, token, None, None, problem=str(exc)))
                continue
            seen = first.setdefault((kind, value), number)
            found.append(
                PastedValue(
                    number,
                    token,
                    kind,
                    value,
                    duplicate_of=seen if seen != number or _again(found, kind, value) else None,
                )
            )
    if not found:
        raise ValidationFailed("text", "paste at least one value")
    if len(found) > MAX_PASTE_VALUES:
        raise ValidationFailed("text", f"paste at most {MAX_PASTE_VALUES} values at a time")
    return found


def _again(found: list[PastedValue], kind: str, value: str) -> bool:
    """Whether (kind, value) was already found earlier on the same line."""
    return any(v.kind == kind and v.value == value for v in found)


def preview_paste(session: Session, who: Subject, incident_id: int, text: str) -> PastePreview:
    """What adding `text` to the incident would do: new values, duplicates merged (within the paste
    and with the incident's observables), and each line's problems. Changes nothing."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    return _preview(session, incident, parse_paste(text))


def _preview(session: Session, incident: Incident, values: list[PastedValue]) -> PastePreview:
    kinds = {v.kind for v in values if v.kind}
    wanted = {(v.kind, v.value) for v in values if v.kind and v.value}
    # One query: the incident's values of the kinds pasted (an incident holds hundreds, not millions).
    held = {
        (kind, value)
        for kind, value in session.execute(
            select(IncidentObservable.kind, IncidentObservable.value).where(
                IncidentObservable.incident_id == incident.id, IncidentObservable.kind.in_(kinds)
            )
        )
        if (kind, value) in wanted
    }
    return PastePreview(
        [
            PastedValue(v.line, v.raw, v.kind, v.value, v.problem, v.duplicate_of, existing=(v.kind, v.value) in held)
            if v.problem is None and v.duplicate_of is None
            else v
            for v in values
        ]
    )


def add_pasted(
    session: Session, who: Subject, incident_id: int, text: str, *, tlp: TLP, note: str | None = None
) -> PastePreview:
    """Add every new value of `text`, marked `tlp`, or none: a line with a problem refuses the whole
    paste (ValidationFailed naming the lines). Incidents sharing a value are linked as correlated."""
    from csirtnet.incident.correlation import link_correlated

    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    preview = _preview(session, incident, parse_paste(text))
    if preview.problems:
        lines = sorted({v.line for v in preview.problems})
        raise ValidationFailed(
            "text", f"fix or remove the values on line(s) {', '.join(str(n) for n in lines)}: nothing was added"
        )
    rows = [
        IncidentObservable(
            incident_id=incident.id,
            kind=v.kind,
            value=v.value,
            tlp=tlp.value,
            note=(note or "").strip() or None,
            created_by_id=who.user_id,
        )
        for v in preview.new
        if v.kind and v.value
    ]
    if not rows:
        return preview
    session.add_all(rows)
    session.flush()
    record_change(
        session,
        who,
        incident,
        "incident.observables_added",
        content_tlp=tlp.value,
        count=len(rows),
        values=[row.value for row in rows],
        tlp=tlp.value,
    )
    refresh_search_text(session, incident)
    for row in rows:
        link_correlated(session, who, incident, row)
    return preview
