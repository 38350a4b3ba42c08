"""Exercise pages, the live-fire part: the targets with the rules of engagement (and, for the
organisers, the form adding one); the findings page — an attacking team's own findings and the
form reporting one, the judges' queue and the defence reports they score, the defending
organisation's remediation tasks and the form reporting a detection, the staff's daily summary;
one finding's page with the judges' forms (validate, reject, merge) and the defenders' (close the
task); the daily summary page.

Every change calls `csirtnet.exercise.livefire`'s services; a refused one comes back on the same
page with its errors at their fields (the one form path, `web.forms`). What the reader may do comes
from `exercise.livefire.reads`, asked of `authz.exercise` — the rules the services enforce."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.exercise.livefire import defence, findings, reads, remediation, rules, summary, targets
from csirtnet.exercise.livefire.schemas import (
    DefenceReportCreate,
    DefenceScoreBody,
    FindingCreate,
    FindingMerge,
    FindingReject,
    FindingValidate,
    RemediationBody,
    TargetCreate,
)
from csirtnet.i18n import N_, translate
from csirtnet.kit.schemas import Day
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm, Field, Form
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents.page import user_zone

router = APIRouter(include_in_schema=False)

# -- the forms ---------------------------------------------------------------------------------

SCOPE_CHOICES = (("yes", N_("In scope: may be attacked")), ("no", N_("Out of scope: must not be attacked")))
SEVERITY_CHOICES = tuple(labels.FINDING_SEVERITIES.items())
CLOSING_CHOICES = (("fixed", N_("Fixed")), ("accepted", N_("Risk accepted")))
DECISION_CHOICES = (("credit", N_("Credit it")), ("reject", N_("Do not credit it")))

TARGET = Form(
    "livefire-target",
    [
        Field("name", N_("Name"), required=True, attrs={"maxlength": "200"}),
        Field(
            "address",
            N_("Address"),
            required=True,
            help=N_("A URL, a host name, an IP address or a network (203.0.113.0/24)."),
            attrs={"maxlength": "500", "spellcheck": "false"},
        ),
        Field("description", N_("Description"), kind="textarea", attrs={"rows": "3", "maxlength": "20000"}),
        Field("in_scope", N_("Scope"), kind="select", widget="radios", required=True, choices=SCOPE_CHOICES),
        Field("defending_organisation_id", N_("Defending organisation"), kind="select", blank=N_("Not set")),
        Field("defending_team_id", N_("Defending team"), kind="select", blank=N_("Not set")),
    ],
)
FINDING = Form(
    "livefire-finding",
    [
        Field("team_id", N_("Team"), kind="select"),
        Field("target_id", N_("Target"), kind="select", required=True, blank=N_("Choose a target in scope")),
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        Field(
            "vulnerability",
            N_("Vulnerability"),
            help=N_("Its class, e.g. CWE-89 SQL injection."),
            attrs={"maxlength": "200"},
        ),
        Field(
            "asset",
            N_("Affected asset"),
            help=N_("The URL, host or parameter affected."),
            attrs={"maxlength": "500", "spellcheck": "false"},
        ),
        Field(
            "proof",
            N_("Proof"),
            kind="textarea",
            required=True,
            help=N_("How to reproduce it: the requests, what came back, the steps."),
            attrs={"rows": "6", "maxlength": "100000", "spellcheck": "false"},
        ),
        Field(
            "cvss_vector",
            N_("CVSS vector"),
            help=N_("CVSS v3.1 base vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            attrs={"maxlength": "200", "spellcheck": "false", "autocomplete": "off"},
        ),
    ],
)
VALIDATE = Form(
    "livefire-validate",
    [
        Field(
            "severity",
            N_("Severity"),
            kind="select",
            choices=SEVERITY_CHOICES,
            blank=N_("As its CVSS vector says"),
        ),
        Field(
            "note",
            N_("Note"),
            kind="textarea",
            help=N_("Required when you set another severity than the vector's."),
            attrs={"rows": "2", "maxlength": "4000"},
        ),
    ],
)
REJECT = Form(
    "livefire-reject",
    [Field("reason", N_("Reason"), kind="textarea", required=True, attrs={"rows": "2", "maxlength": "4000"})],
)
MERGE = Form(
    "livefire-merge",
    [
        Field(
            "duplicate_of_id", N_("Duplicate of"), kind="select", required=True, blank=N_("Choose the earlier finding")
        ),
        Field("note", N_("Note"), kind="textarea", attrs={"rows": "2", "maxlength": "4000"}),
    ],
)
REMEDIATE = Form(
    "livefire-remediation",
    [
        Field("status", N_("Outcome"), kind="select", widget="radios", required=True, choices=CLOSING_CHOICES),
        Field(
            "note",
            N_("What was done"),
            kind="textarea",
            required=True,
            attrs={"rows": "3", "maxlength": "4000"},
        ),
    ],
)
DEFENCE = Form(
    "livefire-defence",
    [
        Field("team_id", N_("Team"), kind="select"),
        Field("detected_at", N_("Detected at"), kind="datetime", required=True),
        Field(
            "description",
            N_("What was detected"),
            kind="textarea",
            required=True,
            help=N_("The alert, the logs, what the attacker did and what you did about it."),
            attrs={"rows": "4", "maxlength": "20000"},
        ),
        Field("finding_id", N_("Matching finding"), kind="select", blank=N_("Not known")),
    ],
)
SCORE = Form(
    "livefire-score",
    [
        Field("decision", N_("Decision"), kind="select", widget="radios", required=True, choices=DECISION_CHOICES),
        Field("points", N_("Points"), kind="number", help=N_("Empty: by the rule."), attrs={"min": "0", "max": "1000"}),
        Field("note", N_("Note"), kind="textarea", attrs={"rows": "2", "maxlength": "4000"}),
    ],
)


def _say(request: Request, message: str, **values: Any) -> str:
    text = translate(request_language(request), message)
    return text % values if values else text


def _int(text: str) -> int | str | None:
    """A chosen id as schema input: a number when it is one (else the text, which the schema names)."""
    return int(text) if text.isdigit() else (text or None)


# -- targets -----------------------------------------------------------------------------------


def _targets_page(
    request: Request, session: DbSession, who: Subject, exercise_id: int, *, form: BoundForm | None = None
) -> Response:
    page = reads.targets_page(session, who, exercise_id)
    choices = reads.defender_choices(session, page.exercise) if page.can_organise else None
    return render(
        request,
        "exercises/livefire/targets.html",
        {
            "page": page,
            "exercise": page.exercise,
            "form": form or TARGET.blank({"in_scope": "yes"}),
            "choices": choices,
        },
        status_code=422 if form is not None else 200,
    )


@router.get("/exercises/{exercise_id:int}/targets")
def targets_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _targets_page(request, session, who, exercise_id)


@router.post("/exercises/{exercise_id:int}/targets")
async def add_target(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    reads.targets_page(session, who, exercise_id)  # NotFound before the form is read
    form = await TARGET.read(request)
    values = form.values()
    values["in_scope"] = form.text("in_scope") != "no"
    for name in ("defending_organisation_id", "defending_team_id"):
        values[name] = _int(form.text(name))
    data = form.validate(TargetCreate, values)
    added = form.attempt(session, lambda: targets.add(session, who, exercise_id, data) if data else None)
    if added is None or not form.ok:
        return _targets_page(request, session, who, exercise_id, form=form)
    return redirect(f"/exercises/{exercise_id}/targets", flash=_say(request, N_("The target is added.")))


# -- findings ------------------------------------------------------------------------------------


def _findings_page(
    request: Request, session: DbSession, who: Subject, exercise_id: int, *, bound: BoundForm | None = None
) -> Response:
    page = reads.findings_page(session, who, exercise_id)
    zone = user_zone(request)
    forms: dict[str, BoundForm] = {
        "finding": FINDING.blank(),
        "defence": DEFENCE.blank(zone=zone),
    }
    if bound is not None and bound.form.id in (FINDING.id, DEFENCE.id):
        forms["finding" if bound.form is FINDING else "defence"] = bound
    score_forms = {r.id: SCORE.blank(key=str(r.id)) for r in page.reports if page.can_judge and r.judged_at is None}
    if bound is not None and bound.form is SCORE and bound.key.isdigit():
        score_forms[int(bound.key)] = bound
    days = summary.days_of(session, page.exercise) if page.sees_all else []
    return render(
        request,
        "exercises/livefire/findings.html",
        {
            "page": page,
            "exercise": page.exercise,
            "forms": forms,
            "score_forms": score_forms,
            "open_form": request.query_params.get("open"),  # a link may ask for the scoring forms open
            "days": list(reversed(days)),
            "team_choices": {
                "attacker": [(str(t.id), t.name) for t in page.attacking_teams],
                "defender": [(str(t.id), t.name) for t in page.defending_teams],
            },
            "target_choices": [(str(t.id), f"{t.name} — {t.address}") for t in page.in_scope],
            "task_choices": [(str(t.finding.id), f"#{t.finding.id} {t.finding.title}") for t in page.tasks],
            "fast_hours": rules.FAST_DETECTION_HOURS,
            "points_table": rules.SEVERITY_POINTS,
        },
        status_code=422 if bound is not None else 200,
    )


@router.get("/exercises/{exercise_id:int}/findings")
def findings_page(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    return _findings_page(request, session, who, exercise_id)


@router.post("/exercises/{exercise_id:int}/findings")
async def submit_finding(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    reads.targets_page(session, who, exercise_id)
    form = await FINDING.read(request)
    values = form.values()
    values["target_id"] = _int(form.text("target_id"))
    values["team_id"] = _int(form.text("team_id"))
    data = form.validate(FindingCreate, values)
    finding = form.attempt(session, lambda: findings.submit(session, who, exercise_id, data) if data else None)
    if finding is None or not form.ok:
        return _findings_page(request, session, who, exercise_id, bound=form)
    message = _say(request, N_("Finding #%(id)s is submitted; a judge will look at it."), id=finding.id)
    return redirect(f"/exercises/{exercise_id}/findings/{finding.id}", flash=message)


@router.post("/exercises/{exercise_id:int}/defence-reports")
async def report_detection(request: Request, session: Session, who: PageUser, exercise_id: int) -> Response:
    reads.targets_page(session, who, exercise_id)
    form = await DEFENCE.read(request, zone=user_zone(request))
    values = form.values()
    values["team_id"] = _int(form.text("team_id"))
    values["finding_id"] = _int(form.text("finding_id"))
    data = form.validate(DefenceReportCreate, values)
    done = form.attempt(session, lambda: defence.report(session, who, exercise_id, data) if data else None)
    if done is None or not form.ok:
        return _findings_page(request, session, who, exercise_id, bound=form)
    return redirect(
        f"/exercises/{exercise_id}/findings#defence", flash=_say(request, N_("Your detection is reported."))
    )


@router.post("/exercises/{exercise_id:int}/defence-reports/{report_id:int}/score")
async def score_report(request: Request, session: Session, who: PageUser, exercise_id: int, report_id: int) -> Response:
    reads.targets_page(session, who, exercise_id)
    form = await SCORE.read(request)
    form.key = str(report_id)
    form.missing_required()
    credit = form.text("decision") == "credit"
    if form.text("decision") == "reject" and not form.text("note"):
        form.fail("note", N_("Say why the report is not credited."))
    values = {"credit": credit, "points": _int(form.text("points")), "note": form.optional("note")}
    data = form.validate(DefenceScoreBody, values)
    done = form.attempt(session, lambda: defence.score(session, who, exercise_id, report_id, data) if data else None)
    if done is None or not form.ok:
        return _findings_page(request, session, who, exercise_id, bound=form)
    message = _say(request, N_("The defence report is scored: %(points)s points."), points=done.points)
    return redirect(f"/exercises/{exercise_id}/findings#defence", flash=message)


# -- one finding -------------------------------------------------------------------------------


def _finding_page(
    request: Request,
    session: DbSession,
    who: Subject,
    exercise_id: int,
    finding_id: int,
    *,
    bound: BoundForm | None = None,
) -> Response:
    page = reads.finding_page(session, who, exercise_id, finding_id)
    forms = {
        "validate": VALIDATE.blank(),
        "reject": REJECT.blank(),
        "merge": MERGE.blank(),
        "remediate": REMEDIATE.blank(),
    }
    if bound is not None:
        for key, blank in forms.items():
            if blank.form is bound.form:
                forms[key] = bound
    return render(
        request,
        "exercises/livefire/finding.html",
        {
            "page": page,
            "exercise": page.exercise,
            "finding": page.finding,
            "forms": forms,
            # The form shown open: the one that came back with errors, or the one a link asks for.
            "open_form": bound.form.id if bound is not None else request.query_params.get("open"),
            "merge_choices": [(str(f.id), f"#{f.id} {f.title}") for f in page.merge_choices],
            "points_table": rules.SEVERITY_POINTS,
        },
        status_code=422 if bound is not None else 200,
    )


@router.get("/exercises/{exercise_id:int}/findings/{finding_id:int}")
def finding_page(request: Request, session: Session, who: PageUser, exercise_id: int, finding_id: int) -> Response:
    return _finding_page(request, session, who, exercise_id, finding_id)


def _back(exercise_id: int, finding_id: int) -> str:
    return f"/exercises/{exercise_id}/findings/{finding_id}"


@router.post("/exercises/{exercise_id:int}/findings/{finding_id:int}/validate")
async def validate(request: Request, session: Session, who: PageUser, exercise_id: int, finding_id: int) -> Response:
    reads.finding_page(session, who, exercise_id, finding_id)
    form = await VALIDATE.read(request)
    data = form.validate(FindingValidate)
    done = form.attempt(
        session, lambda: findings.validate(session, who, exercise_id, finding_id, data) if data else None
    )
    if done is None or not form.ok:
        return _finding_page(request, session, who, exercise_id, finding_id, bound=form)
    message = _say(
        request, N_("Validated: %(points)s points; the defenders have a remediation task."), points=done.points
    )
    return redirect(_back(exercise_id, finding_id), flash=message)


@router.post("/exercises/{exercise_id:int}/findings/{finding_id:int}/reject")
async def reject(request: Request, session: Session, who: PageUser, exercise_id: int, finding_id: int) -> Response:
    reads.finding_page(session, who, exercise_id, finding_id)
    form = await REJECT.read(request)
    data = form.validate(FindingReject)
    done = form.attempt(
        session, lambda: findings.reject(session, who, exercise_id, finding_id, data.reason) if data else None
    )
    if done is None or not form.ok:
        return _finding_page(request, session, who, exercise_id, finding_id, bound=form)
    return redirect(_back(exercise_id, finding_id), flash=_say(request, N_("The finding is rejected.")))


@router.post("/exercises/{exercise_id:int}/findings/{finding_id:int}/merge")
async def merge(request: Request, session: Session, who: PageUser, exercise_id: int, finding_id: int) -> Response:
    reads.finding_page(session, who, exercise_id, finding_id)
    form = await MERGE.read(request)
    values = {"duplicate_of_id": _int(form.text("duplicate_of_id")), "note": form.optional("note")}
    data = form.validate(FindingMerge, values)
    done = form.attempt(
        session,
        lambda: (
            findings.merge(session, who, exercise_id, finding_id, data.duplicate_of_id, data.note) if data else None
        ),
    )
    if done is None or not form.ok:
        return _finding_page(request, session, who, exercise_id, finding_id, bound=form)
    message = _say(request, N_("Merged into finding #%(id)s: its team keeps the points."), id=done.duplicate_of_id)
    return redirect(_back(exercise_id, finding_id), flash=message)


@router.post("/exercises/{exercise_id:int}/findings/{finding_id:int}/remediation")
async def close_task(request: Request, session: Session, who: PageUser, exercise_id: int, finding_id: int) -> Response:
    reads.finding_page(session, who, exercise_id, finding_id)
    form = await REMEDIATE.read(request)
    data = form.validate(RemediationBody)
    done = form.attempt(
        session, lambda: remediation.close(session, who, exercise_id, finding_id, data) if data else None
    )
    if done is None or not form.ok:
        return _finding_page(request, session, who, exercise_id, finding_id, bound=form)
    return redirect(_back(exercise_id, finding_id), flash=_say(request, N_("The remediation task is closed.")))


# -- the daily summary ------------------------------------------------------------------------


@router.get("/exercises/{exercise_id:int}/daily-summary")
def daily_summary(
    request: Request, session: Session, who: PageUser, exercise_id: int, day: Day | None = Query(default=None)
) -> Response:
    exercise, days = summary.read(session, who, exercise_id)
    chosen: date | None = day
    return render(
        request,
        "exercises/livefire/daily_summary.html",
        {"exercise": exercise, "days": list(reversed(days)), "chosen": chosen},
    )
