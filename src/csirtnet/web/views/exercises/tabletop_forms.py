"""The tabletop pages' forms, declared once on the one form path (csirtnet.web.forms): the inject
(with its header lines and rubric read line by line, every bad line named by its number), the
team's answer in each of its kinds (text, a file, an incident report, a contact check), and the
judge's grade (one points box per criterion of the rubric)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csirtnet.exercise.tabletop.schemas import MAX_CRITERIA
from csirtnet.i18n import N_, translate
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm, Field, Form

_TEAM = Field("team_id", N_("Team"), kind="hidden")

INJECT = Form(
    "exercise-inject",
    [
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        Field("kind", N_("Kind of inject"), kind="select", choices=tuple(labels.INJECT_KINDS.items())),
        Field(
            "headers",
            N_("Header lines"),
            kind="textarea",
            help=N_(
                "For a simulated email or alert, one line each: the name, a colon and the value "
                "(From: …, To: …, Subject: …; Source: …, Severity: …, Host: …)."
            ),
            attrs={"rows": "4", "spellcheck": "false"},
        ),
        Field(
            "body",
            N_("Text"),
            kind="textarea",
            help=N_("Markdown: **bold**, lists, links, tables. HTML is shown as text."),
            attrs={"rows": "8", "maxlength": "50000"},
        ),
        Field("answer_kind", N_("Teams answer with"), kind="select", choices=tuple(labels.INJECT_ANSWER_KINDS.items())),
        Field(
            "release_offset_minutes",
            N_("Release, minutes after the start"),
            kind="number",
            help=N_("Leave it empty to release the inject by hand."),
            attrs={"min": "0"},
        ),
        Field("answer_minutes", N_("Minutes to answer"), kind="number", required=True, attrs={"min": "1"}),
        Field(
            "rubric",
            N_("Rubric"),
            kind="textarea",
            help=N_("One criterion per line: what the judges look for, | and its maximum points."),
            attrs={"rows": "4"},
        ),
        Field("attachments", N_("Attach files"), kind="file", attrs={"multiple": ""}),
        Field("remove_files", N_("Remove files"), kind="multiselect", widget="checkboxes"),
    ],
)

ANSWER_TEXT = Form(
    "exercise-inject-answer",
    [
        Field("body", N_("The answer"), kind="textarea", required=True, attrs={"rows": "8"}),
        _TEAM,
    ],
)
ANSWER_FILE = Form(
    "exercise-inject-answer-file",
    [
        Field("file", N_("The answer as a file"), kind="file", required=True),
        Field("note", N_("Note"), kind="textarea", attrs={"rows": "2"}),
        _TEAM,
    ],
)
ANSWER_REPORT = Form(
    "exercise-inject-answer-report",
    [
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        Field("description", N_("What happened"), kind="textarea", required=True, attrs={"rows": "5"}),
        Field("detected_at", N_("Detected at"), kind="datetime", required=True),
        Field(
            "incident_status",
            N_("Status of the incident"),
            kind="select",
            choices=tuple(labels.STATUSES_AT_REPORT.items()),
        ),
        Field("system_name", N_("Affected system"), attrs={"maxlength": "300"}),
        Field(
            "system_ips",
            N_("IP addresses of the system"),
            kind="textarea",
            help=N_("One per line."),
            attrs={"rows": "2", "spellcheck": "false"},
        ),
        Field("detection_method", N_("How it was detected"), kind="textarea", attrs={"rows": "2"}),
        Field("already_notified", N_("Already notified"), kind="textarea", attrs={"rows": "2"}),
        Field("support_requested", N_("Support requested"), kind="textarea", attrs={"rows": "2"}),
        _TEAM,
    ],
    locations={"report": "title"},
)
CONTACT = Form(
    "exercise-inject-contact",
    [
        Field(
            "body",
            N_("Contact points"),
            kind="textarea",
            required=True,
            help=N_("Who answers day and night: names, phone numbers, email addresses."),
            attrs={"rows": "4"},
        ),
        Field("confirm", N_("Our contact points are current and reachable"), kind="checkbox", required=True),
        _TEAM,
    ],
)
ANSWER_FORMS = {"text": ANSWER_TEXT, "file": ANSWER_FILE, "incident_report": ANSWER_REPORT, "contact": CONTACT}

GRADE = Form(
    "exercise-inject-grade",
    [
        *(
            Field(f"points_{n}", N_("Points"), kind="number", attrs={"min": "0", "step": "any"})
            for n in range(1, MAX_CRITERIA + 1)
        ),
        Field("feedback", N_("Feedback to the team"), kind="textarea", attrs={"rows": "4"}),
    ],
)


# -- reading the inject's lines ------------------------------------------------------------------


@dataclass
class Lines:
    """Items read from good lines; the first bad line's problem (in the reader's language)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""


def _numbered(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _line(language: str, number: int, message: str, **values: Any) -> str:
    text = translate(language, message)
    return translate(language, N_("line %(number)s: %(problem)s")) % {
        "number": number,
        "problem": text % values if values else text,
    }


def read_headers(text: str, language: str) -> Lines:
    out = Lines()
    for number, line in _numbered(text):
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or not value.strip():
            out.problem = out.problem or _line(language, number, N_("write the name, a colon and the value"))
            continue
        out.items.append({"name": name.strip(), "value": value.strip()})
    return out


def read_rubric(text: str, language: str) -> Lines:
    out = Lines()
    for number, line in _numbered(text):
        criterion, bar, points = line.rpartition("|")
        try:
            value = float(points.strip().replace(",", "."))
        except ValueError:
            value = -1.0
        if not bar or not criterion.strip() or value <= 0:
            out.problem = out.problem or _line(
                language, number, N_("write the criterion, | and its maximum points (a number above 0)")
            )
            continue
        out.items.append({"criterion": criterion.strip(), "points": value})
    return out


def inject_values(form: BoundForm, language: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The inject form as InjectCreate/InjectUpdate input, and this request's error locations (each
    header line and criterion maps to its text area)."""
    values = form.values("title", "kind", "body", "answer_kind", "release_offset_minutes", "answer_minutes")
    values["body"] = form.text("body")
    headers = read_headers(form.text("headers"), language)
    rubric = read_rubric(form.text("rubric"), language)
    if headers.problem:
        form.fail("headers", headers.problem)
    if rubric.problem:
        form.fail("rubric", rubric.problem)
    values["headers"] = headers.items
    values["rubric"] = rubric.items
    return values, {}


def number_text(value: Any) -> str:
    n = float(value)
    return str(int(n)) if n.is_integer() else f"{n:g}"


def rubric_text(rubric: list[dict[str, Any]]) -> str:
    return "\n".join(f"{c['criterion']} | {number_text(c['points'])}" for c in rubric)


def headers_text(headers: list[dict[str, str]]) -> str:
    return "\n".join(f"{h['name']}: {h['value']}" for h in headers)
