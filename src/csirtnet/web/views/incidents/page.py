"""The incident page's tabs, rendered for a GET and for a form that comes back with its errors.

Each tab is a URL of its own, so it works without a script and reads only what it shows:
summary (/incidents/{id}), tasks, observables, timeline, discussion, files, and the mobilisation
page of the mobilisation domain. A form that fails renders its tab again (422) with the bound form
in place of the blank one, open, each error at its field and everything typed kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.evidence import reads as evidence_reads
from csirtnet.i18n import N_
from csirtnet.incident import deadlines, workspace_reads
from csirtnet.incident.severity import suggest
from csirtnet.kit import dates
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import rsit
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import render, request_language
from csirtnet.web.views.incidents import page_forms as pf
from csirtnet.web.views.incidents.common import common

# (tab key, path after /incidents/{id}, label msgid). The Evidence tab (web/views/evidence.py) shows
# only to readers authz.evidence admits (`show_evidence`).
TABS: tuple[tuple[str, str, str], ...] = (
    ("summary", "", N_("Summary")),
    ("tasks", "/tasks", N_("Tasks")),
    ("observables", "/observables", N_("Observables")),
    ("timeline", "/timeline", N_("Timeline")),
    ("discussion", "/discussion", N_("Discussion")),
    ("mobilisation", "/mobilisation", N_("Mobilisation")),
    ("files", "/files", N_("Files")),
    ("evidence", "/evidence", N_("Evidence and custody")),
)
TEMPLATES = {
    "summary": "incidents/detail.html",
    "tasks": "incidents/tab_tasks.html",
    "task": "incidents/tab_task.html",
    "observables": "incidents/tab_observables.html",
    "timeline": "incidents/tab_timeline.html",
    "discussion": "incidents/tab_discussion.html",
    "files": "incidents/tab_files.html",
}


def user_zone(request: Request) -> str:
    return getattr(getattr(request.state, "user", None), "timezone", None) or get_settings().timezone


def render_tab(
    request: Request,
    session: DbSession,
    who: Subject,
    incident_id: int,
    tab: str,
    *,
    bound: BoundForm | None = None,
    status_code: int = 200,
    task_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """A tab of the incident page; `bound` is a form that came back with errors (shown open)."""
    page = workspace_reads.incident_page(session, who, incident_id)
    language = request_language(request)
    zone = user_zone(request)
    ctx: dict[str, Any] = {
        **common(request),
        "page": page,
        "incident": page.incident,
        "org": page.organisation,
        "can_work": page.able.work,
        "can_command": page.able.command,
        "can_discuss": page.able.discuss,
        "tabs": TABS,
        "show_evidence": evidence_reads.can_see_section(session, who, page.incident),
        "tab": "tasks" if tab == "task" else tab,
        "user_zone": zone,
        # The form shown open: the one that came back with errors, or the one a link asks for.
        "open_form": bound.form.id if bound is not None else request.query_params.get("open"),
    }
    forms: dict[str, BoundForm] = {}
    incident = page.incident
    if tab == "summary":
        summary = workspace_reads.summary_tab(session, who, page)
        ctx.update(
            summary=summary,
            deadlines=summary.deadlines,
            is_overdue=deadlines.is_overdue,
            is_late=deadlines.is_late,
            profiles=deadlines.profile_names(session),
            suggestion=suggest(
                incident.system_security_level, incident.system_on_national_list, incident.serious_criteria
            ),
            taxonomy=rsit.taxonomy(),
            profile_choices=workspace_reads.profile_choices(session, language),
            cluster_choices=workspace_reads.cluster_choices(session),
            phase_choices=[(p, ctx["phase_labels"][p]) for p in _phase_order(summary)],
        )
        forms["classify"] = pf.CLASSIFY.blank(pf.classification_initial(incident), zone=zone)
        forms["phase"] = pf.PHASE.blank({"phase": summary.next_phase or next(iter(summary.other_phases), "")})
        forms["close"] = pf.CLOSE.blank()
        forms["participant"] = pf.PARTICIPANT.blank({"role": "responder"}, zone=zone)
        forms["link"] = pf.LINK.blank()
    elif tab == "tasks":
        ctx["tasks_tab"] = data = workspace_reads.tasks_tab(session, page)
        ctx["people_choices"] = [(str(p.id), p.full_name) for p in data.candidates]
        forms["task"] = pf.TASK_NEW.blank(zone=zone)
    elif tab == "task":
        assert task_id is not None
        ctx["task_page"] = data_task = workspace_reads.task_page(session, page, task_id)
        task = data_task.task
        ctx["people_choices"] = [(str(p.id), p.full_name) for p in data_task.candidates]
        forms["task_update"] = pf.TASK_UPDATE.blank({"status": task.status}, zone=zone)
        forms["task_assign"] = pf.TASK_ASSIGN.blank(
            {"owner_id": task.owner_id, "assignee_ids": task.assignee_ids, "due_at": task.due_at}, zone=zone
        )
    elif tab == "observables":
        ctx["observables_tab"] = workspace_reads.observables_tab(session, who, page)
        forms["observable"] = pf.OBSERVABLE.blank({"tlp": "amber", "kind": "ip"})
        forms["paste"] = pf.OBSERVABLES_PASTE.blank({"tlp": "amber"})
    elif tab == "timeline":
        ctx["entries"] = workspace_reads.timeline_tab(session, who, page, language)
        forms["timeline"] = pf.TIMELINE.blank(zone=zone)
    elif tab == "discussion":
        ctx["discussion"] = workspace_reads.discussion_tab(session, page)
        forms["comment"] = pf.COMMENT.blank()
    elif tab == "files":
        ctx["files_tab"] = workspace_reads.files_tab(session, who, page)
        forms["attachment"] = pf.ATTACHMENT.blank({"tlp": "amber"})
    if bound is not None:
        for key, blank in forms.items():
            if blank.form is bound.form:
                forms[key] = bound
    ctx["forms"] = forms
    ctx["now"] = utcnow()
    ctx["parse_moment"] = dates.parse_moment
    ctx["file_size"] = file_size
    ctx.update(extra or {})
    return render(request, TEMPLATES[tab], ctx, status_code=status_code)


def _phase_order(summary: workspace_reads.SummaryTab) -> list[str]:
    """The next phase first, then the others the response may move to."""
    return ([summary.next_phase] if summary.next_phase else []) + summary.other_phases


def file_size(size: int) -> str:
    """Bytes in the unit people read: 512 B, 12.3 KB, 4.5 MB."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
