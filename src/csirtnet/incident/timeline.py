"""Manual timeline entries: what people saw and did, at the time and in the time zone they give.
(Automatic entries come from common.record_change.)"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.incident import get_visible, require_work, visible_timeline_clause
from csirtnet.config import get_settings
from csirtnet.errors import ValidationFailed
from csirtnet.i18n import N_, translate
from csirtnet.incident.schemas import TimelineEntryCreate
from csirtnet.kit import dates
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, IncidentTimelineEntry
from csirtnet.vocabulary import labels


def entries_query(who: Subject, incident: Incident) -> Select[IncidentTimelineEntry]:
    """The incident's timeline entries `who` may read, oldest first (by when it happened, not when it
    was written). The one timeline query: the API, the page and the exports all read through it."""
    return (
        select(IncidentTimelineEntry)
        .where(IncidentTimelineEntry.incident_id == incident.id, visible_timeline_clause(who))
        .order_by(IncidentTimelineEntry.occurred_at, IncidentTimelineEntry.id)
    )


def entries(session: Session, who: Subject, incident: Incident) -> list[IncidentTimelineEntry]:
    return list(session.scalars(entries_query(who, incident)))


def add_entry(session: Session, who: Subject, incident_id: int, data: TimelineEntryCreate) -> IncidentTimelineEntry:
    """Add what happened when. A time without an offset is read in the entry's time zone."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    occurred = to_utc(data.occurred_at, data.timezone)
    if occurred > utcnow():
        raise ValidationFailed("occurred_at", "is in the future")
    entry = IncidentTimelineEntry(
        incident_id=incident.id,
        occurred_at=occurred,
        timezone=data.timezone,
        kind="manual",
        text=data.text,
        details={},
        author_id=who.user_id,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        who,
        "incident.timeline_added",
        incident,
        organisation_id=incident.reporting_organisation_id,
        entry_id=entry.id,
        occurred_at=occurred,
    )
    return entry


def to_utc(value: datetime, zone: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(ZoneInfo("UTC"))


# -- the timeline in words ---------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Names of the people, organisations, clusters and deadline profiles a timeline refers to by
    id (read with the entries: `timeline_names`)."""

    people: Mapping[int, str] = field(default_factory=dict)
    organisations: Mapping[int, str] = field(default_factory=dict)
    clusters: Mapping[int, str] = field(default_factory=dict)
    profiles: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # key -> (vi, en)


# Fields whose stored code a labels table names.
_CODED: dict[str, Mapping[str, str]] = {
    "rsit_class": labels.RSIT_CLASSES,
    "rsit_type": labels.RSIT_TYPES,
    "severity": labels.SEVERITIES,
    "severity_suggested": labels.SEVERITIES,
    "sector": labels.SECTORS,
    "impact_functional": labels.IMPACT_FUNCTIONAL,
    "impact_information": labels.IMPACT_INFORMATION,
    "impact_recoverability": labels.IMPACT_RECOVERABILITY,
    "status": labels.TASK_STATUSES,
}
_YES_NO = ("is_major", "data_loss", "system_on_national_list")
_MOMENTS = ("ransom_paid_at", "due_at")
_QUOTED = ("title", "severity_reason")
_FIELD_ORDER = tuple(labels.CHANGED_FIELDS)
_LONG = 120  # a changed text longer than this is named, not quoted


def referenced_ids(rows: Iterable[IncidentTimelineEntry]) -> tuple[set[int], set[int], set[int], set[str]]:
    """The user, organisation and cluster ids and deadline profile keys the entries refer to."""
    people: set[int] = set()
    organisations: set[int] = set()
    clusters: set[int] = set()
    profiles: set[str] = set()
    for row in rows:
        d = row.details or {}
        for key in ("user_id",):
            if isinstance(d.get(key), int):
                people.add(d[key])
        if isinstance(d.get("participant_organisation_id"), int):
            organisations.add(d["participant_organisation_id"])
        people.update(a for a in d.get("assignees") or [] if isinstance(a, int))
        for name, change in (d.get("changes") or {}).items():
            values = change.values() if isinstance(change, dict) else [change]
            for value in values:
                if name == "owner_id" and isinstance(value, int):
                    people.add(value)
                elif name == "assignees":
                    people.update(v for v in (value if isinstance(value, list) else []) if isinstance(v, int))
                elif name == "shared_with_cluster_id" and isinstance(value, int):
                    clusters.add(value)
                elif name == "deadline_profile_key" and isinstance(value, str):
                    profiles.add(value)
    return people, organisations, clusters, profiles


def describe(action: str | None, details: Mapping[str, Any], language: str, names: Names | None = None) -> str:
    """An automatic timeline entry in words, in `language`: what changed, old → new, with the names
    of codes (csirtnet.vocabulary.labels) and of the people and things it refers to; never an
    attribute name or a stored code."""
    names = names or Names()
    template = labels.TIMELINE_CHANGES.get(action or "")
    if template is None:
        return ""
    say = functools.partial(translate, language)
    params: dict[str, Any] = {k: v for k, v in details.items() if isinstance(v, str | int) and not isinstance(v, bool)}
    for key in ("from_phase", "to_phase"):
        if key in params:
            params[key] = labels.name(labels.PHASES, params[key], language)
    if "role" in params:
        params["role"] = labels.name(labels.PARTICIPANT_ROLES, params["role"], language)
    if "kind" in params:
        params["kind"] = labels.name(labels.OBSERVABLE_KINDS, params["kind"], language)
    if "tlp" in params:
        params["tlp"] = f"TLP:{str(params['tlp']).upper()}"
    if action and action.startswith("incident.deadline_") and language == "vi" and details.get("label_vi"):
        params["label"] = details["label_vi"]
    person = details.get("user_id")
    organisation = details.get("participant_organisation_id")
    if isinstance(person, int):
        params["person"] = names.people.get(person, "—")
    elif isinstance(organisation, int):
        params["person"] = names.organisations.get(organisation, "—")
    else:
        params.setdefault("person", "—")
    if isinstance(details.get("values"), list):
        params["values"] = ", ".join(str(v) for v in details["values"])
    changes = details.get("changes")
    params["changes"] = _changes_in_words(changes if isinstance(changes, dict) else {}, language, names)
    try:
        text = say(template).format(**params)
    except (KeyError, IndexError, ValueError):
        text = say(template)
    if action == "incident.task_created" and details.get("assignees"):
        assigned = ", ".join(names.people.get(a, "—") for a in details["assignees"] if isinstance(a, int))
        text += " — " + say(N_("assigned to %(names)s")) % {"names": assigned}
    note = details.get("note")
    if action == "incident.phase_changed" and isinstance(note, str) and note:
        text += f" ({note})"
    return text


def _changes_in_words(changes: Mapping[str, Any], language: str, names: Names) -> str:
    parts: list[str] = []
    ordered = sorted(changes, key=lambda n: _FIELD_ORDER.index(n) if n in _FIELD_ORDER else len(_FIELD_ORDER))
    for field_name in ordered:
        change = changes[field_name]
        if isinstance(change, dict) and ("from" in change or "to" in change):
            old, new = change.get("from"), change.get("to")
            had_old = "from" in change
        else:
            old, new, had_old = None, change, False
        if field_name in ("tlp", "pap"):
            prefix = field_name.upper()
            parts.append(f"{prefix}:{str(old).upper()} → {prefix}:{str(new).upper()}" if had_old else f"{prefix}:{new}")
            continue
        label = labels.name(labels.CHANGED_FIELDS, field_name, language)
        if field_name == "description" or (
            field_name in _QUOTED and any(isinstance(v, str) and len(v) > _LONG for v in (old, new))
        ):
            parts.append(translate(language, N_("%(field)s changed")) % {"field": label})
            continue
        shown_new = _value(field_name, new, language, names)
        if had_old:
            parts.append(f"{label}: {_value(field_name, old, language, names)} → {shown_new}")
        else:
            parts.append(f"{label}: {shown_new}")
    return "; ".join(parts)


def _value(field_name: str, value: Any, language: str, names: Names) -> str:
    """One old or new value in words."""
    if value is None or value == "" or value == []:
        if field_name == "shared_with_cluster_id":
            return translate(language, N_("Not shared"))
        return "—"
    if field_name in _CODED:
        return labels.name(_CODED[field_name], value, language)
    if field_name in _YES_NO:
        return translate(language, N_("Yes")) if value else translate(language, N_("No"))
    if field_name == "serious_criteria" and isinstance(value, list):
        return ", ".join(labels.name(labels.SERIOUS_CRITERIA, v, language) for v in value)
    if field_name == "owner_id":
        return names.people.get(value, "—") if isinstance(value, int) else "—"
    if field_name == "assignees" and isinstance(value, list):
        return ", ".join(names.people.get(v, "—") for v in value if isinstance(v, int)) or "—"
    if field_name == "shared_with_cluster_id":
        return names.clusters.get(value, "—") if isinstance(value, int) else "—"
    if field_name == "deadline_profile_key":
        vi_en = names.profiles.get(str(value))
        return (vi_en[0] if language == "vi" else vi_en[1]) if vi_en else "—"
    if field_name in _MOMENTS:
        moment = dates.parse_moment(value)
        return dates.format_datetime(moment, language, get_settings().timezone) if moment else "—"
    if field_name in _QUOTED:
        return f"“{value}”"
    return str(value)
