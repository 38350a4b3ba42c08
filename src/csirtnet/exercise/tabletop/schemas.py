"""Tabletop API bodies and read models: injects (the scenario), answers, grades."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from csirtnet.incident.schemas import IncidentStatusAtReport
from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models import AnswerKind, InjectKind

MAX_CRITERIA = 20  # the grading form shows one points box per criterion
MAX_HEADERS = 12
MAX_POINTS = 10_000
HEADER_NAME = r"^[A-Za-z][A-Za-z0-9 -]{0,39}$"


class Criterion(InputSchema):
    """One line of a rubric: what the judges look for and the most it is worth."""

    criterion: str = Field(min_length=1, max_length=300)
    points: float = Field(gt=0, le=MAX_POINTS)

    @field_validator("criterion")
    @classmethod
    def _one_line(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("name the criterion")
        return text


class Header(InputSchema):
    """A header line of a simulated email (From, To, Subject) or a field of a simulated alert
    (Source, Severity, Host, Rule)."""

    name: str = Field(min_length=1, max_length=40, pattern=HEADER_NAME)
    value: str = Field(min_length=1, max_length=500)

    @field_validator("value")
    @classmethod
    def _one_line(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("give the header a value")
        return text


def _check_rubric(rubric: list[Criterion]) -> list[Criterion]:
    seen: set[str] = set()
    for c in rubric:
        key = c.criterion.casefold()
        if key in seen:
            raise ValueError(f"the criterion {c.criterion!r} is listed twice")
        seen.add(key)
    return rubric


class InjectCreate(InputSchema):
    title: str = Field(min_length=1, max_length=300)
    kind: InjectKind = InjectKind.TEXT
    body: str = Field(default="", max_length=50_000, description="Markdown")
    headers: list[Header] = Field(
        default_factory=list, max_length=MAX_HEADERS, description="A simulated email's or alert's header lines"
    )
    answer_kind: AnswerKind = AnswerKind.TEXT
    release_offset_minutes: int | None = Field(
        default=None, ge=0, le=60 * 24 * 60, description="Minutes after the exercise starts; null: released by hand"
    )
    answer_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    rubric: list[Criterion] = Field(default_factory=list, max_length=MAX_CRITERIA)

    @field_validator("rubric")
    @classmethod
    def _unique(cls, rubric: list[Criterion]) -> list[Criterion]:
        return _check_rubric(rubric)


class InjectUpdate(UpdateSchema):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    kind: InjectKind | None = None
    body: str | None = Field(default=None, max_length=50_000)
    headers: list[Header] | None = Field(default=None, max_length=MAX_HEADERS)
    answer_kind: AnswerKind | None = None
    release_offset_minutes: Clearable[int] = Field(default=None, ge=0, le=60 * 24 * 60)
    answer_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    rubric: list[Criterion] | None = Field(default=None, max_length=MAX_CRITERIA)

    @field_validator("rubric")
    @classmethod
    def _unique(cls, rubric: list[Criterion] | None) -> list[Criterion] | None:
        return None if rubric is None else _check_rubric(rubric)


class InjectOrder(InputSchema):
    inject_ids: list[int] = Field(min_length=1, max_length=500, description="Every inject of the exercise, in order")


class InjectReport(InputSchema):
    """A filled incident report form, as an answer: the incident report's own fields (their names
    as `incident.schemas.ReportCreate` has them), those a drill asks for."""

    title: str = Field(min_length=3, max_length=300)
    description: str = Field(min_length=10, max_length=20000)
    detected_at: datetime
    incident_status: IncidentStatusAtReport = "unknown"
    system_name: str | None = Field(default=None, max_length=300)
    system_ips: list[str] = Field(default_factory=list, max_length=100)
    detection_method: str | None = Field(default=None, max_length=4000)
    already_notified: str | None = Field(default=None, max_length=2000)
    support_requested: str | None = Field(default=None, max_length=4000)

    @field_validator("system_ips")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        import ipaddress

        out: list[str] = []
        for i, value in enumerate(v.strip() for v in values):
            if not value:
                continue
            try:
                out.append(str(ipaddress.ip_address(value)))
            except ValueError:
                raise ValueError(f"address {i + 1} ({value}) is not an IP address") from None
        return out


class InjectAnswerIn(InputSchema):
    """A team's answer (JSON): text, or a filled incident report; a file goes to `…/answer/file`.
    A contact-check inject's text says the team's contact points, which the answer reconfirms."""

    team_id: int | None = Field(default=None, description="Needed only when you play in several teams")
    body: str = Field(default="", max_length=50_000)
    report: InjectReport | None = None


class CriterionGrade(InputSchema):
    criterion: str = Field(min_length=1, max_length=300)
    points: float = Field(ge=0, le=MAX_POINTS)


class GradeIn(InputSchema):
    """Points per criterion of the inject's rubric (each at most its maximum), and feedback."""

    criteria: list[CriterionGrade] = Field(min_length=1, max_length=MAX_CRITERIA)
    feedback: str = Field(default="", max_length=20_000)


# -- read models ---------------------------------------------------------------------------------


class FileRead(BaseModel):
    id: int
    filename: str
    size: int


class InjectRead(BaseModel):
    id: int
    exercise_id: int
    position: int
    kind: str
    title: str
    body: str
    headers: list[dict[str, str]]
    answer_kind: str
    release_offset_minutes: int | None
    answer_minutes: int
    rubric: list[dict[str, Any]] | None = Field(description="Staff only; null for teams")
    due_at: datetime | None = Field(description="When the timeline releases it (null: by hand, or no start yet)")
    released_at: datetime | None
    deadline_at: datetime | None
    files: list[FileRead]


class AnswerRead(BaseModel):
    id: int
    inject_id: int
    team_id: int
    team: str
    user_id: int | None
    body: str
    report: dict[str, Any] | None
    file: FileRead | None
    submitted_at: datetime
    late: bool
    grade: list[dict[str, Any]] | None
    points: float | None
    feedback: str | None
    graded_at: datetime | None
