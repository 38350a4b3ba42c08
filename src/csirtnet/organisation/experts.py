"""Experts a member offers the network: skills with levels, certifications, languages, region,
weekly availability, and how many deployments they can take. Mobilisation queries the same
tables (models.expert) to rank candidates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, can_manage_organisation, require
from csirtnet.authz.organisation import profile_organisation_ids
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.models import Expert, ExpertSkill, Organisation, User
from csirtnet.organisation.schemas import AvailabilityWindow, ExpertCreate, ExpertRead, ExpertUpdate, SkillIn, SkillRead


def _windows(windows: list[AvailabilityWindow]) -> list[dict[str, Any]]:
    out = []
    for i, w in enumerate(windows):
        try:
            out.append(w.as_json())
        except ValueError as exc:
            raise ValidationFailed(f"availability.{i}.to", str(exc)) from exc
    return out


def _skills(skills: list[SkillIn]) -> list[ExpertSkill]:
    seen: dict[str, int] = {}
    for s in skills:
        seen[s.skill] = max(s.level, seen.get(s.skill, 0))
    return [ExpertSkill(skill=k, level=v) for k, v in sorted(seen.items())]


def _check_user(session: Session, organisation_id: int, user_id: int | None) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or user.organisation_id != organisation_id:
        raise ValidationFailed("user_id", "no such user in this organisation")


def get(session: Session, who: Subject, expert_id: int) -> Expert:
    require(who, Permission.EXPERTS_READ)
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFound("expert")
    return expert


def _managed(session: Session, who: Subject, expert_id: int) -> Expert:
    require(who, Permission.EXPERTS_WRITE)
    expert = get(session, who, expert_id)
    if not can_manage_organisation(who, expert.organisation_id):
        raise NotFound("expert")
    return expert


def create(session: Session, who: Subject, organisation_id: int, data: ExpertCreate) -> Expert:
    """Offer an expert of the organisation to the network."""
    require(who, Permission.EXPERTS_WRITE)
    org = session.get(Organisation, organisation_id)
    if org is None or not can_manage_organisation(who, organisation_id):
        raise NotFound("organisation")
    _check_user(session, org.id, data.user_id)
    expert = Expert(
        organisation_id=org.id,
        user_id=data.user_id,
        full_name=data.full_name.strip(),
        email=str(data.email).lower() if data.email else None,
        phone=data.phone,
        province=data.province,
        certifications=sorted(set(c.strip() for c in data.certifications)),
        languages=sorted(set(data.languages)),
        availability=_windows(data.availability),
        available=data.available,
        on_site=data.on_site,
        max_deployments=data.max_deployments,
        notes=data.notes,
    )
    expert.skills = _skills(data.skills)
    session.add(expert)
    session.flush()
    audit.record(
        session,
        who,
        "expert.created",
        expert,
        name=expert.full_name,
        skills={s.skill: s.level for s in expert.skills},
    )
    return expert


def update(session: Session, who: Subject, expert_id: int, data: ExpertUpdate) -> Expert:
    expert = _managed(session, who, expert_id)
    fields = data.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    for name in ("full_name", "email", "phone", "province", "available", "on_site", "max_deployments", "notes"):
        if name in fields:
            value = fields[name]
            if name == "email" and value is not None:
                value = str(value).lower()
            if name == "full_name":
                if value is None:
                    raise ValidationFailed("full_name", "a name is required")
                value = value.strip()
            if value != getattr(expert, name):
                changes[name] = {"from": getattr(expert, name), "to": value}
                setattr(expert, name, value)
    if data.certifications is not None and "certifications" in fields:
        value = sorted(set(c.strip() for c in data.certifications))
        if value != expert.certifications:
            changes["certifications"] = {"from": expert.certifications, "to": value}
            expert.certifications = value
    if data.languages is not None and "languages" in fields:
        value = sorted(set(data.languages))
        if value != expert.languages:
            changes["languages"] = {"from": expert.languages, "to": value}
            expert.languages = value
    if data.availability is not None and "availability" in fields:
        windows = _windows(data.availability)
        if windows != expert.availability:
            changes["availability"] = {"from": expert.availability, "to": windows}
            expert.availability = windows
    if data.skills is not None and "skills" in fields:
        new = {s.skill: s.level for s in _skills(data.skills)}
        old = {s.skill: s.level for s in expert.skills}
        if new != old:
            changes["skills"] = {"from": old, "to": new}
            expert.skills = [ExpertSkill(skill=k, level=v) for k, v in sorted(new.items())]
    if changes:
        audit.record(session, who, "expert.updated", expert, changes=changes)
    return expert


def remove(session: Session, who: Subject, expert_id: int) -> None:
    expert = _managed(session, who, expert_id)
    audit.record(session, who, "expert.removed", expert, name=expert.full_name)
    session.delete(expert)


def to_read(who: Subject, expert: Expert, organisation_name: str, full_profiles: set[int] | None) -> ExpertRead:
    """Contact details and notes only for those who may read the organisation's full profile
    (`full_profiles` from authz.organisation.profile_organisation_ids; None means all)."""
    full = full_profiles is None or expert.organisation_id in full_profiles
    return ExpertRead(
        id=expert.id,
        organisation_id=expert.organisation_id,
        organisation_name=organisation_name,
        full_name=expert.full_name,
        province=expert.province,
        skills=[SkillRead(skill=s.skill, level=s.level) for s in sorted(expert.skills, key=lambda s: s.skill)],
        certifications=list(expert.certifications or []),
        languages=list(expert.languages or []),
        availability=list(expert.availability or []),
        available=expert.available,
        on_site=expert.on_site,
        max_deployments=expert.max_deployments,
        email=expert.email if full else None,
        phone=expert.phone if full else None,
        notes=expert.notes if full else None,
    )


def reads(session: Session, who: Subject, rows: Sequence[Expert]) -> list[ExpertRead]:
    """`to_read` for a list of experts: their organisations' names and the subject's full-profile
    organisations are looked up once."""
    names = {
        org_id: name
        for org_id, name in session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_({e.organisation_id for e in rows}))
        )
    }
    full_profiles = profile_organisation_ids(session, who)
    return [to_read(who, e, names.get(e.organisation_id, ""), full_profiles) for e in rows]
