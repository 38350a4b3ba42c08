"""Drills and exercises (issue 16): tabletop and inject-driven drills, technical drills
(challenges and flags, CTFd-compatible scoring), live-fire exercises (targets, findings,
remediation, defence), outside results (APCERT, ACID) and the after-action report.

An exercise belongs to an organiser organisation (the coordinating body for a national exercise,
a cluster's lead for a cluster exercise). Its staff are organisers, controllers (release injects)
and judges (grade answers, validate findings). Teams come from member organisations; each team
sees its own work only. Scores are derived, never stored per team: `csirtnet.exercise.scoring`
computes the scoreboard from solves, awards, graded answers and validated findings.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin


class ExerciseKind(StrEnum):
    TABLETOP = "tabletop"  # a scenario of injects, answered in writing and graded by judges
    TECHNICAL = "technical"  # challenges with flags (what CTFd runs)
    LIVE_FIRE = "live_fire"  # attackers report findings on real targets; defenders detect and fix
    EXTERNAL = "external"  # an outside drill (APCERT, ACID): results entered or imported


class ExerciseScope(StrEnum):
    NATIONAL = "national"  # organised by the coordinating body; ranks every team ("3rd of 63")
    CLUSTER = "cluster"  # organised by a cluster's lead for the cluster's members
    INTERNATIONAL = "international"  # an outside drill the network's members took part in


class ExerciseStatus(StrEnum):
    DRAFT = "draft"  # being prepared; organisers only
    PUBLISHED = "published"  # teams see it and its schedule; nothing can be answered yet
    RUNNING = "running"  # submissions, answers and findings accepted
    FINISHED = "finished"  # over; the results are final
    ARCHIVED = "archived"


class StaffRole(StrEnum):
    ORGANISER = "organiser"  # changes everything
    CONTROLLER = "controller"  # releases injects
    JUDGE = "judge"  # grades answers, validates findings


class ScoringFunction(StrEnum):
    STATIC = "static"
    LINEAR = "linear"  # CTFd: value - decay * (solves - 1), never under minimum
    LOGARITHMIC = "logarithmic"  # CTFd: parabolic decay reaching minimum at `decay` solves


class InjectKind(StrEnum):
    TEXT = "text"  # a scenario development
    ALERT = "alert"  # a simulated monitoring alert
    EMAIL = "email"  # a simulated email
    CONTACT_CHECK = "contact_check"  # teams reconfirm their contact points (as ACID does)


class AnswerKind(StrEnum):
    TEXT = "text"
    FILE = "file"
    INCIDENT_REPORT = "incident_report"  # a filled incident report form


class FindingStatus(StrEnum):
    SUBMITTED = "submitted"
    VALID = "valid"  # validated by a judge: scores, becomes a remediation task
    DUPLICATE = "duplicate"  # merged into an earlier valid finding: no points
    INVALID = "invalid"  # rejected (out of scope, not reproducible)


class RemediationStatus(StrEnum):
    OPEN = "open"
    FIXED = "fixed"
    ACCEPTED = "accepted"  # risk accepted by the defending organisation


class Exercise(IdMixin, TimestampMixin, Base):
    __tablename__ = "exercise"

    reference: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. CSN-EX-2026-0003
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # ExerciseKind
    scope: Mapped[str] = mapped_column(String(20))  # ExerciseScope
    status: Mapped[str] = mapped_column(String(20), index=True)  # ExerciseStatus
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[str] = mapped_column(Text, default="")  # rules (live-fire: rules of engagement)
    organiser_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Ho_Chi_Minh")
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    freeze_at: Mapped[datetime | None] = mapped_column()  # the scoreboard teams see stops here
    tlp: Mapped[str] = mapped_column(String(20), default="TLP:AMBER")
    source: Mapped[str] = mapped_column(String(20), default="native")  # native | ctfd | csv | manual
    external_name: Mapped[str | None] = mapped_column(String(200))  # e.g. "APCERT Drill 2026"
    attempts_per_minute: Mapped[int] = mapped_column(Integer, default=10)  # flag submissions per team
    late_factor: Mapped[float] = mapped_column(Float, default=0.5)  # share of points a late answer keeps
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    finished_at: Mapped[datetime | None] = mapped_column()


class ExerciseStaff(IdMixin, Base):
    __tablename__ = "exercise_staff"
    __table_args__ = (UniqueConstraint("exercise_id", "user_id", "role"),)

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # StaffRole


class ExerciseTeam(IdMixin, Base):
    __tablename__ = "exercise_team"
    __table_args__ = (UniqueConstraint("exercise_id", "name"),)

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    side: Mapped[str] = mapped_column(String(20), default="player")  # player | attacker | defender
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # not ranked (CTFd hidden/banned)
    external_id: Mapped[str | None] = mapped_column(String(60))  # the team's id in a CTFd export
    contact_confirmed_at: Mapped[datetime | None] = mapped_column()
    contact_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExerciseTeamMember(IdMixin, Base):
    __tablename__ = "exercise_team_member"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # shown; an imported player may have no account
    external_id: Mapped[str | None] = mapped_column(String(60))
    captain: Mapped[bool] = mapped_column(Boolean, default=False)


class Challenge(IdMixin, Base):
    __tablename__ = "exercise_challenge"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    function: Mapped[str] = mapped_column(String(20), default=ScoringFunction.STATIC.value)
    value: Mapped[int] = mapped_column(Integer)  # static points, or the dynamic initial value
    decay: Mapped[int] = mapped_column(Integer, default=0)
    minimum: Mapped[int] = mapped_column(Integer, default=0)
    per_team_flags: Mapped[bool] = mapped_column(Boolean, default=False)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    external_id: Mapped[str | None] = mapped_column(String(60))


class ChallengeFlag(IdMixin, Base):
    """A flag is kept as a salted SHA-256 (`kit` hashing), never in clear; a CTFd regex flag keeps
    its pattern (a pattern cannot be hashed) and is visible to organisers only."""

    __tablename__ = "exercise_flag"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("exercise_challenge.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="static")  # static | regex
    case_insensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    salt: Mapped[str] = mapped_column(String(40), default="")
    digest: Mapped[str] = mapped_column(String(128), default="")  # sha256(salt + flag) hex
    pattern: Mapped[str | None] = mapped_column(Text)  # regex flags only


class ChallengeFile(Base):
    __tablename__ = "exercise_challenge_file"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("exercise_challenge.id", ondelete="CASCADE"), primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), primary_key=True)


class ChallengeHint(IdMixin, Base):
    __tablename__ = "exercise_hint"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("exercise_challenge.id", ondelete="CASCADE"), index=True)
    content: Mapped[str] = mapped_column(Text)
    cost: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    external_id: Mapped[str | None] = mapped_column(String(60))


class HintUnlock(IdMixin, Base):
    __tablename__ = "exercise_hint_unlock"
    __table_args__ = (UniqueConstraint("hint_id", "team_id"),)

    hint_id: Mapped[int] = mapped_column(ForeignKey("exercise_hint.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    unlocked_at: Mapped[datetime] = mapped_column(default=utcnow)


class Submission(IdMixin, Base):
    """Every flag attempt, right or wrong (rate limits, the judges' view, the CTFd import)."""

    __tablename__ = "exercise_submission"
    __table_args__ = (Index("ix_exercise_submission_team_time", "team_id", "submitted_at"),)

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("exercise_challenge.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    correct: Mapped[bool] = mapped_column(Boolean)
    provided_digest: Mapped[str] = mapped_column(String(64), default="")  # sha256 of what was typed
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Solve(IdMixin, Base):
    __tablename__ = "exercise_solve"
    __table_args__ = (UniqueConstraint("challenge_id", "team_id"),)

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("exercise_challenge.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    solved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Award(IdMixin, Base):
    """Points given or taken by hand, or a hint's cost (negative), as CTFd keeps them."""

    __tablename__ = "exercise_award"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[int] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(100))
    hint_unlock_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercise_hint_unlock.id", ondelete="CASCADE"), index=True
    )
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Inject(IdMixin, Base):
    __tablename__ = "exercise_inject"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default=InjectKind.TEXT.value)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    answer_kind: Mapped[str] = mapped_column(String(20), default=AnswerKind.TEXT.value)
    release_offset_minutes: Mapped[int | None] = mapped_column(Integer)  # after the start; None: by hand
    answer_minutes: Mapped[int] = mapped_column(Integer, default=60)  # time to answer once released
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{"criterion", "points"}]
    released_at: Mapped[datetime | None] = mapped_column()
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class InjectFile(Base):
    __tablename__ = "exercise_inject_file"

    inject_id: Mapped[int] = mapped_column(ForeignKey("exercise_inject.id", ondelete="CASCADE"), primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), primary_key=True)


class InjectAnswer(IdMixin, Base):
    __tablename__ = "exercise_inject_answer"
    __table_args__ = (UniqueConstraint("inject_id", "team_id"),)

    inject_id: Mapped[int] = mapped_column(ForeignKey("exercise_inject.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # a filled incident report form
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    grade: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)  # [{"criterion", "points", "max"}]
    points: Mapped[float | None] = mapped_column(Float)  # graded points after the late factor
    feedback: Mapped[str | None] = mapped_column(Text)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column()


class Target(IdMixin, Base):
    """A live-fire target in scope (or named out of scope), owned by a defending organisation."""

    __tablename__ = "exercise_target"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))  # URL, host or network
    description: Mapped[str] = mapped_column(Text, default="")
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)
    defending_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    defending_team_id: Mapped[int | None] = mapped_column(ForeignKey("exercise_team.id", ondelete="SET NULL"))


class Finding(IdMixin, Base):
    __tablename__ = "exercise_finding"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("exercise_target.id", ondelete="CASCADE"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    vulnerability: Mapped[str] = mapped_column(String(200), default="")  # e.g. CWE-89 SQL injection
    asset: Mapped[str] = mapped_column(String(500), default="")  # the affected URL, host, parameter
    proof: Mapped[str] = mapped_column(Text, default="")
    cvss_vector: Mapped[str | None] = mapped_column(String(200))
    cvss_score: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(20), default="medium")  # low | medium | high | critical
    status: Mapped[str] = mapped_column(String(20), index=True, default=FindingStatus.SUBMITTED.value)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("exercise_finding.id", ondelete="SET NULL"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    judge_note: Mapped[str | None] = mapped_column(Text)
    judged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    judged_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    remediation_status: Mapped[str | None] = mapped_column(String(20))  # RemediationStatus, once valid
    remediation_due_on: Mapped[date | None] = mapped_column(Date)
    remediation_note: Mapped[str | None] = mapped_column(Text)
    remediated_at: Mapped[datetime | None] = mapped_column()


class DefenceReport(IdMixin, Base):
    """What the defenders detected and reported; a judge scores it (detection and reporting)."""

    __tablename__ = "exercise_defence_report"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("exercise_finding.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    detected_at: Mapped[datetime] = mapped_column()
    description: Mapped[str] = mapped_column(Text)
    points: Mapped[int | None] = mapped_column(Integer)
    judge_note: Mapped[str | None] = mapped_column(Text)
    judged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    judged_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExternalResult(IdMixin, Base):
    """A team's result in an outside drill, entered by hand or imported from CSV (team, rank, score)."""

    __tablename__ = "exercise_external_result"
    __table_args__ = (UniqueConstraint("exercise_id", "team_id"),)

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("exercise_team.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float, default=0)


class AfterActionReport(IdMixin, TimestampMixin, Base):
    __tablename__ = "exercise_after_action"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    weaknesses: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column()


class ExerciseLesson(IdMixin, Base):
    """A lesson learned: it becomes a knowledge-base entry and, for a team's organisation, a readiness
    item to follow up."""

    __tablename__ = "exercise_lesson"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    knowledge_document_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_document.id", ondelete="SET NULL"))
    readiness_item_id: Mapped[int | None] = mapped_column(Integer)  # the readiness drill/item it opened
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
