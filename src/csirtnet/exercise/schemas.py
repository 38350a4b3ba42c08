"""Exercise API bodies and read models: the exercise, its staff, its teams and their people, the
scoreboard."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Literal
from zoneinfo import available_timezones

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator

from csirtnet.kit.schemas import Clearable, InputSchema, UpdateSchema
from csirtnet.models import ExerciseKind, ExerciseScope, StaffRole
from csirtnet.vocabulary import TLP

TeamSide = Literal["player", "attacker", "defender"]
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_zone(value: str) -> str:
    """An IANA time-zone name (Asia/Ho_Chi_Minh), or ValueError."""
    name = value.strip()
    if name not in _zones():
        raise ValueError("Choose a time zone from the list.")
    return name


class ExerciseCreate(InputSchema):
    """A new exercise (a draft). A cluster exercise names its cluster; the schedule is checked by the
    service (the end after the start, the freeze inside the schedule)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    kind: ExerciseKind
    scope: ExerciseScope = ExerciseScope.NATIONAL
    cluster_id: int | None = Field(default=None, ge=1)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20000)
    rules: str = Field(default="", max_length=20000, description="Rules; for live-fire the rules of engagement")
    timezone: str = Field(default=DEFAULT_ZONE, max_length=60, description="IANA name, e.g. Asia/Ho_Chi_Minh")
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    freeze_at: AwareDatetime | None = Field(default=None, description="The scoreboard teams see stops here")
    attempts_per_minute: int = Field(default=10, ge=1, le=600, description="Flag submissions per team and minute")
    late_factor: float = Field(default=0.5, ge=0, le=1, description="Share of the points a late answer keeps")
    tlp: TLP = TLP.AMBER
    external_name: str | None = Field(default=None, max_length=200, description='e.g. "APCERT Drill 2026"')

    @field_validator("timezone", mode="after")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


class ExerciseUpdate(UpdateSchema):
    """A change to an exercise's settings (its kind and scope stay)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20000)
    rules: str | None = Field(default=None, max_length=20000)
    timezone: str | None = Field(default=None, max_length=60)
    starts_at: Clearable[AwareDatetime] = None
    ends_at: Clearable[AwareDatetime] = None
    freeze_at: Clearable[AwareDatetime] = None
    attempts_per_minute: int | None = Field(default=None, ge=1, le=600)
    late_factor: float | None = Field(default=None, ge=0, le=1)
    tlp: TLP | None = None
    external_name: Clearable[str] = Field(default=None, max_length=200)

    @field_validator("timezone", mode="after")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value) if value is not None else None


class StaffIn(InputSchema):
    """A person named to the exercise's staff, by id or by email."""

    user_id: int | None = Field(default=None, ge=1)
    email: EmailStr | None = None
    role: StaffRole


class TeamCreate(InputSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    organisation_id: int | None = Field(default=None, ge=1, description="A member organisation")
    side: TeamSide = "player"
    hidden: bool = Field(default=False, description="Not ranked")


class TeamUpdate(UpdateSchema):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    organisation_id: Clearable[int] = Field(default=None, ge=1)
    side: TeamSide | None = None
    hidden: bool | None = None


class MemberIn(InputSchema):
    """A person in a team: a user of the team's organisation (by id or email), or a name only (an
    imported player with no account)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    user_id: int | None = Field(default=None, ge=1)
    email: EmailStr | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    captain: bool = False


class ContactConfirm(InputSchema):
    note: str | None = Field(default=None, max_length=2000, description="What changed, or who to call")


# -- read models -------------------------------------------------------------------------------


class ExerciseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    title: str
    kind: str
    scope: str
    status: str
    description: str
    rules: str
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    freeze_at: datetime | None
    finished_at: datetime | None
    attempts_per_minute: int
    late_factor: float
    tlp: str
    source: str
    external_name: str | None
    organiser_organisation_id: int
    cluster_id: int | None
    created_at: datetime


class StaffRead(BaseModel):
    id: int
    user_id: int
    name: str
    role: str


class MemberRead(BaseModel):
    id: int
    user_id: int | None
    name: str
    captain: bool


class TeamRead(BaseModel):
    id: int
    name: str
    organisation_id: int | None
    organisation_name: str | None
    side: str
    hidden: bool
    contact_confirmed_at: datetime | None
    contact_note: str | None
    members: list[MemberRead] = Field(default_factory=list)


class Allowed(BaseModel):
    """What the reader may do on the exercise (the same rules the services apply)."""

    organise: bool
    control: bool
    judge: bool
    see_all_work: bool


class ExerciseDetail(ExerciseRead):
    staff: list[StaffRead]
    teams: list[TeamRead]
    my_team_ids: list[int]
    allowed: Allowed


class StandingRead(BaseModel):
    rank: int
    team_id: int
    team: str
    score: float
    last_at: datetime | None


class BoardRead(BaseModel):
    side: str  # "all", or "attacker" / "defender" on a live-fire exercise
    standings: list[StandingRead]


class ScoreboardRead(BaseModel):
    exercise_id: int
    frozen_at: datetime | None = Field(description="The freeze the reader's board stops at; null when live")
    boards: list[BoardRead]
