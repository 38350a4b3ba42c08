"""API bodies and read models of technical drills: challenges, flags, hints, submissions, solves,
the CTFd import's report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from csirtnet.kit.schemas import InputSchema, UpdateSchema

FunctionName = Literal["static", "linear", "logarithmic"]
FlagKind = Literal["static", "regex"]
Points = Field(ge=0, le=1_000_000)


class FlagCreate(InputSchema):
    content: str = Field(min_length=1, max_length=1000, description="The flag, or a pattern for a regex flag")
    kind: FlagKind = "static"
    case_insensitive: bool = False
    team_id: int | None = Field(default=None, description="This team's own flag (per-team flags)")


class HintCreate(InputSchema):
    content: str = Field(min_length=1, max_length=20000, description="Markdown")
    cost: int = Field(default=0, ge=0, le=1_000_000, description="Points the team gives up to read it")
    position: int = Field(default=0, ge=0, le=10_000)


class HintUpdate(UpdateSchema):
    content: str | None = Field(default=None, min_length=1, max_length=20000)
    cost: int | None = Field(default=None, ge=0, le=1_000_000)
    position: int | None = Field(default=None, ge=0, le=10_000)


class ChallengeCreate(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    category: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=100_000, description="Markdown")
    function: FunctionName = "static"
    value: int = Field(ge=0, le=1_000_000, description="The points, or the initial value of a dynamic challenge")
    decay: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="linear: points lost per solve; "
        "logarithmic: the solve count at which the value reaches the minimum",
    )
    minimum: int = Field(default=0, ge=0, le=1_000_000, description="The floor of a dynamic value")
    max_attempts: int = Field(default=0, ge=0, le=10_000, description="Per team; 0 for no limit")
    per_team_flags: bool = False
    hidden: bool = False
    position: int = Field(default=0, ge=0, le=10_000)
    flags: list[FlagCreate] = Field(default_factory=list, max_length=100)
    hints: list[HintCreate] = Field(default_factory=list, max_length=50)


class ChallengeUpdate(UpdateSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=100_000)
    function: FunctionName | None = None
    value: int | None = Field(default=None, ge=0, le=1_000_000)
    decay: int | None = Field(default=None, ge=0, le=1_000_000)
    minimum: int | None = Field(default=None, ge=0, le=1_000_000)
    max_attempts: int | None = Field(default=None, ge=0, le=10_000)
    per_team_flags: bool | None = None
    hidden: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class SubmissionIn(InputSchema):
    flag: str = Field(min_length=1, max_length=1000)
    team_id: int | None = Field(default=None, description="The team you submit for, when you play in several")


class UnlockIn(InputSchema):
    team_id: int | None = Field(default=None, description="The team you unlock for, when you play in several")


class FlagRead(BaseModel):
    """A flag as organisers see it: never its text; a regex flag's pattern."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    case_insensitive: bool
    team_id: int | None
    pattern: str | None


class HintRead(BaseModel):
    id: int
    cost: int
    position: int
    unlocked: bool
    content: str | None = Field(description="Shown once unlocked (organisers always)")


class FileRead(BaseModel):
    id: int
    filename: str
    size: int


class ChallengeSummary(BaseModel):
    id: int
    name: str
    category: str
    value: int = Field(description="The current value (dynamic challenges decay as teams solve)")
    function: str
    solves: int = Field(description="Solves by ranked (not hidden) teams")
    solved: bool = Field(description="Solved by your team")
    first_blood: str | None = Field(description="The first ranked team to solve it")
    hidden: bool
    max_attempts: int
    attempts_left: int | None = Field(description="Your team's attempts left, when limited")


class ChallengeDetail(ChallengeSummary):
    description: str
    description_html: str
    initial: int
    decay: int
    minimum: int
    per_team_flags: bool
    position: int
    files: list[FileRead]
    hints: list[HintRead]
    flags: list[FlagRead] | None = Field(default=None, description="Organisers only")


class SubmissionResult(BaseModel):
    status: Literal["correct", "incorrect", "already_solved"]
    message: str
    challenge_id: int
    team_id: int
    value: int = Field(description="The challenge's value now")
    first_blood: bool = False
    attempts_left: int | None = None


class SubmissionRead(BaseModel):
    id: int
    challenge_id: int
    challenge: str
    team_id: int
    team: str
    correct: bool
    submitted_at: datetime


class SolveRead(BaseModel):
    challenge_id: int
    challenge: str
    team_id: int
    team: str
    solved_at: datetime
    first_blood: bool


class UnlockRead(BaseModel):
    hint_id: int
    team_id: int
    cost: int
    content: str
    unlocked_at: datetime


class MatchedTeam(BaseModel):
    team: str
    organisation_id: int


class ImportReport(BaseModel):
    exercise_id: int
    reference: str
    title: str
    challenges: int
    flags: int
    hints: int
    teams: int
    members: int
    solves: int
    wrong_submissions: int
    awards: int
    unlocks: int
    matched: list[MatchedTeam]
    skipped: list[str] = Field(description="Rows left out, each with why")
