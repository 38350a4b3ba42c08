"""API shapes of the results part: outside drills and their results, rankings, a member's results,
the after-action report and its lessons."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema

ExternalScope = Literal["international", "national"]


class ExternalExerciseCreate(InputSchema):
    external_name: str = Field(min_length=2, max_length=200, description='The drill\'s name, e.g. "ASEAN ACID 2026"')
    scope: ExternalScope = "international"
    held_on: date = Field(description="The day the drill was held (not in the future)")
    description: str = Field(default="", max_length=10_000)
    tlp: str = Field(default="green", max_length=20, description="amber, green or clear")


class ExternalResultIn(InputSchema):
    organisation_id: int = Field(ge=1, description="The member organisation the team came from")
    rank: int = Field(ge=1, le=100_000)
    score: float = Field(default=0, ge=-1_000_000, le=1_000_000)


class ImportSummary(BaseModel):
    exercise_id: int
    imported: int
    removed: int


class StandingRead(BaseModel):
    rank: int
    total: int
    placement: str = Field(description='"3rd of 63"')
    team_id: int
    team: str
    organisation_id: int | None
    organisation: str | None
    score: float


class ResultsRead(BaseModel):
    exercise_id: int
    reference: str
    title: str
    kind: str
    final: bool
    standings: list[StandingRead]


class RankingEntry(BaseModel):
    exercise_id: int
    exercise: str
    kind: str
    held_on: date | None
    rank: int | None
    total: int
    score: float | None


class RankingRow(BaseModel):
    organisation_id: int
    organisation: str
    participations: int
    best_rank: int | None
    best_total: int | None
    results: list[RankingEntry]


class RankingsRead(BaseModel):
    year: int
    kind: str | None
    cluster_id: int | None
    rows: list[RankingRow]


class RecordedSummary(BaseModel):
    exercise_id: int
    organisations: int
    written: int
    removed: int


class AfterActionUpdate(UpdateSchema):
    summary: Clearable[str] = Field(default=None, max_length=20_000)
    strengths: Clearable[str] = Field(default=None, max_length=20_000)
    weaknesses: Clearable[str] = Field(default=None, max_length=20_000)


class LessonCreate(InputSchema):
    title: str = Field(min_length=3, max_length=300)
    body: str = Field(default="", max_length=10_000)
    organisation_id: int | None = Field(default=None, ge=1, description="The member the lesson is for (readiness)")


class LessonUpdate(UpdateSchema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    body: str | None = Field(default=None, max_length=10_000)
    organisation_id: Clearable[int] = Field(default=None, ge=1)


class LessonRead(BaseModel):
    id: int
    title: str
    body: str
    organisation_id: int | None
    organisation: str | None
    knowledge_document_id: int | None
    readiness_action_id: int | None
    published: bool


class TimelineEntryRead(BaseModel):
    at: datetime
    kind: str
    text: str


class AfterActionRead(BaseModel):
    exercise_id: int
    summary: str
    strengths: str
    weaknesses: str
    published_at: datetime | None
    updated_at: datetime | None
    timeline: list[TimelineEntryRead]
    results: list[StandingRead]
    lessons: list[LessonRead]


class PublishSummary(BaseModel):
    exercise_id: int
    published: int
    knowledge_document_ids: list[int]
    readiness_action_ids: list[int]


class ExternalExerciseRead(BaseModel):
    id: int
    reference: str
    external_name: str | None
    kind: str
    scope: str
    status: str
    held_on: date
    tlp: str
