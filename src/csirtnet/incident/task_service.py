"""Tasks of an incident: description, owner, assignees (who are told), due date, status, and a log
of who did what when (status changes and reassignments included)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.authz.incident import get_visible, require_work
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.incident import events
from csirtnet.incident.common import incident_link, record_change
from csirtnet.incident.schemas import TaskCreate, TaskUpdate
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, IncidentTask, IncidentTaskAssignee, IncidentTaskUpdate, TaskStatus, User
from csirtnet.notification.service import notify


def tasks_query(incident: Incident) -> Select[IncidentTask]:
    """The incident's tasks, oldest first."""
    return select(IncidentTask).where(IncidentTask.incident_id == incident.id).order_by(IncidentTask.id)


def tasks_of(session: Session, incident: Incident) -> list[IncidentTask]:
    return list(session.scalars(tasks_query(incident)))


def _users(session: Session, ids: list[int], field: str) -> list[User]:
    users = []
    for uid in dict.fromkeys(ids):
        user = session.get(User, uid)
        if user is None or not user.is_active:
            raise ValidationFailed(field, f"no active user {uid}")
        users.append(user)
    return users


def create(session: Session, who: Subject, incident_id: int, data: TaskCreate) -> IncidentTask:
    """Create a task; the owner and assignees are told."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    owner = _users(session, [data.owner_id], "owner_id")[0] if data.owner_id is not None else None
    assignees = _users(session, data.assignee_ids, "assignee_ids")
    if data.due_at is not None and data.due_at.tzinfo is None:
        raise ValidationFailed("due_at", "give the time zone")
    task = IncidentTask(
        incident_id=incident.id,
        title=data.title,
        description=data.description,
        owner_id=owner.id if owner else None,
        due_at=data.due_at,
        status=TaskStatus.OPEN.value,
        created_by_id=who.user_id,
    )
    task.assignee_rows = [IncidentTaskAssignee(user_id=u.id) for u in assignees]
    session.add(task)
    session.flush()
    record_change(
        session, who, incident, "incident.task_created", task_id=task.id, title=task.title, assignees=task.assignee_ids
    )
    told = [u for u in ([owner] if owner else []) + assignees if u.id != who.user_id]
    notify(
        session,
        events.TASK_ASSIGNED.key,
        list({u.id: u for u in told}.values()),
        {"reference": incident.reference, "title": task.title},
        link=incident_link(incident),
        guard=guard_of(incident),
    )
    return task


def update(session: Session, who: Subject, incident_id: int, task_id: int, data: TaskUpdate) -> IncidentTask:
    """Change a task (status, owner, assignees, due date, title, description) and/or log a note:
    one entry of the task's log says who did what when; new assignees are told."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    task = session.get(IncidentTask, task_id)
    if task is None or task.incident_id != incident.id:
        raise NotFound("task")
    changes: dict[str, Any] = {}
    sent = data.model_fields_set
    if "title" in sent and not data.title:
        raise ValidationFailed("title", "must not be empty")
    if "due_at" in sent and data.due_at is not None and data.due_at.tzinfo is None:
        raise ValidationFailed("due_at", "give the time zone")
    for name in ("title", "description", "due_at"):
        if name in sent and getattr(data, name) != getattr(task, name):
            changes[name] = {"from": getattr(task, name), "to": getattr(data, name)}
            setattr(task, name, getattr(data, name))
    if "owner_id" in sent and data.owner_id != task.owner_id:
        if data.owner_id is not None:
            _users(session, [data.owner_id], "owner_id")
        changes["owner_id"] = {"from": task.owner_id, "to": data.owner_id}
        task.owner_id = data.owner_id
    new_assignees: list[User] = []
    if "assignee_ids" in sent and data.assignee_ids is not None and sorted(set(data.assignee_ids)) != task.assignee_ids:
        users = _users(session, data.assignee_ids, "assignee_ids")
        new_assignees = [u for u in users if u.id not in task.assignee_ids]
        changes["assignees"] = {"from": task.assignee_ids, "to": sorted(u.id for u in users)}
        task.assignee_rows = [IncidentTaskAssignee(user_id=u.id) for u in users]
    status_from = task.status
    if "status" in sent and data.status is not None and data.status != task.status:
        changes["status"] = {"from": task.status, "to": data.status}
        task.status = data.status
        task.completed_at = utcnow() if data.status == TaskStatus.DONE.value else None
    note = (data.note or "").strip()
    if "note" in sent and not changes and not note:
        raise ValidationFailed("note", "write what was done, or change the status")
    if changes or note:
        status = changes.get("status")
        session.add(
            IncidentTaskUpdate(
                task_id=task.id,
                author_id=who.user_id,
                text=note,
                status_from=status_from if status else None,
                status_to=status["to"] if status else None,
                changes=_plain({k: v for k, v in changes.items() if k != "status"}),
            )
        )
    if changes:
        record_change(
            session, who, incident, "incident.task_updated", task_id=task.id, title=task.title, changes=changes
        )
    elif note:
        # A note alone is the task's log, not the incident's timeline; the audit keeps it.
        audit.record(
            session,
            who,
            "incident.task_noted",
            task,
            organisation_id=incident.reporting_organisation_id,
            reference=incident.reference,
            task_id=task.id,
        )
    if new_assignees:
        notify(
            session,
            events.TASK_ASSIGNED.key,
            [u for u in new_assignees if u.id != who.user_id],
            {"reference": incident.reference, "title": task.title},
            link=incident_link(incident),
            guard=guard_of(incident),
        )
    return task


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def log_of(session: Session, task: IncidentTask) -> list[IncidentTaskUpdate]:
    """The task's log, oldest first."""
    return list(
        session.scalars(
            select(IncidentTaskUpdate)
            .where(IncidentTaskUpdate.task_id == task.id)
            .order_by(IncidentTaskUpdate.created_at, IncidentTaskUpdate.id)
        )
    )
