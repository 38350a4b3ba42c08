"""Seeding exercises (issue 16; the rules are authz/exercise.py's module page and the EXERCISES_*
permissions of authz/permissions.py): one exercise of each kind, scope and state, with teams of
listed people from the world's organisations, named staff, and every text a team writes marked with
who may read it.

| key | kind, scope | state | organiser (creator) | teams (listed subjects) | named staff |
|---|---|---|---|---|---|
| technical | technical, national | running | COORD (coord2) | A (responder, viewer), B (expert_deployed) | |
| tabletop | tabletop, cluster 1 | running | LC (lead_current) | A (responder), LP (lead_past) | CONTROLLER, JUDGE |
| draft | tabletop, cluster 1 | draft | LC (lead_current) | A (responder) | JUDGE, organiser admin_b |
| livefire | live-fire, cluster 1 | running | LC (lead_current) | LP (lead_past) attacks A (responder) | JUDGE |
| published | tabletop, cluster 2 | published | COORD (coord2; no lead) | B (expert_ended) | |
| handover | tabletop, cluster 1 | published | LP, last year's lead (coord2) | A (responder) | |
| external | ACID, international | finished | COORD (coord2) | A, B (nobody listed), with results | |

Everything goes through the parts' services (a creator is its exercise's named organiser). The
technical drill: `web` (a file, a hint of 50 points team A paid for, a free hint nobody took yet;
team A solved it, team B tried a wrong flag) and `hidden` (hidden from the teams); its scoreboard
froze half an hour before team A's solve. The tabletop: `released` (a file; both teams answered,
A's answer graded with feedback), `file` (answered with a file by LP) and `waiting` (not released,
with a file); its after-action report and a lesson for organisation A, not published. The
live-fire: the provincial portal (in scope, defended by organisation A) and a spare target; team
LP's finding validated (A's remediation task) and a second not judged yet; team A's defence report.
The judge and the controller come from organisation B, outside cluster 1: they see the cluster's
exercises only as their staff.

The expected readers, organisers, controllers, judges and players below are written from the module
page of authz/exercise.py, never asked of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO

from sqlalchemy import select

from csirtnet.exercise import service as exercise_service
from csirtnet.exercise.livefire import defence, findings, targets
from csirtnet.exercise.livefire.schemas import DefenceReportCreate, FindingCreate, FindingValidate, TargetCreate
from csirtnet.exercise.results import after_action, external
from csirtnet.exercise.results.schemas import AfterActionUpdate, ExternalExerciseCreate, ExternalResultIn, LessonCreate
from csirtnet.exercise.schemas import ExerciseCreate, MemberIn, StaffIn, TeamCreate
from csirtnet.exercise.tabletop import answers, injects
from csirtnet.exercise.tabletop.schemas import Criterion, CriterionGrade, GradeIn, InjectAnswerIn, InjectCreate
from csirtnet.exercise.technical import challenges, play
from csirtnet.exercise.technical.schemas import ChallengeCreate, FlagCreate, HintCreate
from csirtnet.models import (
    AnswerKind,
    ChallengeFlag,
    ChallengeHint,
    Exercise,
    ExerciseKind,
    ExerciseScope,
    InjectKind,
    StaffRole,
)
from tests.security import rules as R
from tests.security.seed_base import BuilderBase

# Roles holding EXERCISES_PLAY and EXERCISES_JUDGE (authz/permissions.py: "coordinators, org admins,
# responders"; the platform admin holds every permission). A viewer may be listed in a team (it sees
# the team's work) but neither plays nor judges.
PLAY_ROLES = frozenset({"responder", "org_admin", "coordinator", "platform_admin"})
JUDGE_ROLES = PLAY_ROLES

JUDGE = R.EXPERT_DEPLOYED  # named judge of the tabletop, the draft and the live-fire
CONTROLLER = R.EXPERT_ENDED  # named controller of the tabletop


@dataclass(frozen=True)
class Team:
    org: str
    members: tuple[str, ...] = ()  # the subjects listed in it
    side: str = "player"


@dataclass(frozen=True)
class Spec:
    kind: str
    scope: str
    status: str
    organiser: str  # the organiser organisation
    creator: str  # a subject key, or "coord2"
    teams: dict[str, Team]
    cluster: str | None = None
    staff: dict[str, tuple[str, ...]] = field(default_factory=dict)  # subject -> roles


EXERCISES: dict[str, Spec] = {
    "technical": Spec(
        "technical",
        "national",
        "running",
        "COORD",
        "coord2",
        {"A": Team("A", (R.RESPONDER, R.VIEWER)), "B": Team("B", (R.EXPERT_DEPLOYED,))},
    ),
    "tabletop": Spec(
        "tabletop",
        "cluster",
        "running",
        "LC",
        R.LEAD_CURRENT,
        {"A": Team("A", (R.RESPONDER,)), "LP": Team("LP", (R.LEAD_PAST,))},
        cluster="1",
        staff={CONTROLLER: ("controller",), JUDGE: ("judge",)},
    ),
    "draft": Spec(
        "tabletop",
        "cluster",
        "draft",
        "LC",
        R.LEAD_CURRENT,
        {"A": Team("A", (R.RESPONDER,))},
        cluster="1",
        # A named organiser from outside the cluster: organises it "like its creator".
        staff={JUDGE: ("judge",), R.ADMIN_B: ("organiser",)},
    ),
    "livefire": Spec(
        "live_fire",
        "cluster",
        "running",
        "LC",
        R.LEAD_CURRENT,
        {"LP": Team("LP", (R.LEAD_PAST,), side="attacker"), "A": Team("A", (R.RESPONDER,), side="defender")},
        cluster="1",
        staff={JUDGE: ("judge",)},
    ),
    # Cluster 2 has no lead this year: the coordinating body organises its exercise.
    "published": Spec(
        "tabletop",
        "cluster",
        "published",
        "COORD",
        "coord2",
        {"B": Team("B", (R.EXPERT_ENDED,))},
        cluster="2",
    ),
    # Created during cluster 1's previous lead's term (organised by LP) and still open after the
    # handover: now its current lead's admins organise it ("while their term runs").
    "handover": Spec(
        "tabletop",
        "cluster",
        "published",
        "LP",
        "coord2",
        {"A": Team("A", (R.RESPONDER,))},
        cluster="1",
    ),
    "external": Spec(
        "external",
        "international",
        "finished",
        "COORD",
        "coord2",
        {"A": Team("A"), "B": Team("B")},
    ),
}
SEEN_STATES = ("published", "running", "finished", "archived")
# The technical drill's scoreboard froze half an hour ago: team A's solve and hint since (450 points)
# move it for the staff alone ("after the freeze, only staff see it move").
FROZEN = "technical"
FROZEN_FOR = timedelta(minutes=30)
FROZEN_SCORE = 450
# The defending organisation of the live-fire's target (sees a validated finding as a remediation task).
DEFENDER = "A"
ATTACKER = "LP"  # the live-fire's attacking team


def staff_of(key: str) -> dict[str, tuple[str, ...]]:
    """Subject -> its roles on the exercise's staff: the creator is an organiser (a native exercise's)."""
    spec = EXERCISES[key]
    out = dict(spec.staff)
    if spec.creator in R.SUBJECTS and spec.kind != "external":
        out[spec.creator] = (*out.get(spec.creator, ()), "organiser")
    return out


def named_staff(key: str, role: str | None = None) -> frozenset[str]:
    """The subjects named on the exercise's staff (in `role`)."""
    return frozenset(s for s, roles in staff_of(key).items() if role is None or role in roles)


def team_people(key: str, team: str) -> frozenset[str]:
    """ "The people of that team (its listed members and its organisation's admins)"."""
    spec = EXERCISES[key].teams[team]
    return (frozenset(spec.members) | R.admins_of(spec.org)) & R.MEMBERS


def organisers(key: str) -> frozenset[str]:
    """Change the exercise: the coordinating body's staff (national exercises "and any other"), the
    admins of a cluster's current lead for that cluster's exercises, its named organisers."""
    spec = EXERCISES[key]
    out = R.STAFF | named_staff(key, "organiser")
    if spec.scope == "cluster" and spec.cluster:
        out |= R.lead_admins(spec.cluster)
    return out


def readers(key: str) -> frozenset[str]:
    """While a draft: the coordinating body's staff, its staff, its organiser organisation's admins;
    once published also everyone in the network (national, international), the cluster's member
    organisations (cluster), and the people of every team in it."""
    spec = EXERCISES[key]
    out = R.STAFF | named_staff(key) | R.admins_of(spec.organiser)
    if spec.status in SEEN_STATES:
        if spec.scope in ("national", "international"):
            out |= R.MEMBERS
        elif spec.cluster:
            out |= R.users_of(*R.CLUSTER_ORGS[spec.cluster])
        for team in spec.teams:
            out |= team_people(key, team)
    return out & R.MEMBERS


def all_work_readers(key: str) -> frozenset[str]:
    """Every team's work: the exercise's staff (named, and its organisers) and the coordinating body."""
    return (named_staff(key) | organisers(key) | R.STAFF) & readers(key)


def work_readers(key: str, team: str) -> frozenset[str]:
    """A team's work: its people, the exercise's staff, the coordinating body; never another team."""
    return (team_people(key, team) | all_work_readers(key)) & readers(key)


def controllers(key: str) -> frozenset[str]:
    """Release injects by hand and watch every team: the organisers and the named controllers."""
    return (organisers(key) | named_staff(key, "controller")) & readers(key)


def judges(key: str) -> frozenset[str]:
    """Grade answers, validate and merge findings, score defence reports: the organisers, and the
    named judges who hold EXERCISES_JUDGE."""
    named = frozenset(s for s in named_staff(key, "judge") if R.ROLE_OF.get(s) in JUDGE_ROLES)
    return (organisers(key) | named) & readers(key)


def players(key: str, team: str) -> frozenset[str]:
    """Submit for a team: its listed members holding EXERCISES_PLAY, while the exercise runs."""
    spec = EXERCISES[key]
    if spec.status != "running":
        return frozenset()
    listed = frozenset(spec.teams[team].members)
    return frozenset(s for s in listed if R.ROLE_OF.get(s) in PLAY_ROLES) & R.MEMBERS


def team_managers(key: str, team: str) -> frozenset[str]:
    """The roster and contact points: the organisers, or the team's organisation's admins."""
    return (organisers(key) | R.admins_of(EXERCISES[key].teams[team].org)) & readers(key)


def remediation_readers(key: str) -> frozenset[str]:
    """A validated finding is also seen, as a remediation task, by the defending organisation."""
    return (work_readers(key, ATTACKER) | R.users_of(DEFENDER)) & readers(key)


def inject_readers(key: str, name: str = "released") -> frozenset[str]:
    """A released inject: the people of the exercise's teams and its staff (authz.exercise.inject_clause:
    "none for anyone else; an inject is the scenario, not a public page"); one waiting for its
    release: the staff alone."""
    if name == "waiting":
        return all_work_readers(key)
    people = frozenset().union(*(team_people(key, t) for t in EXERCISES[key].teams))
    return (people | all_work_readers(key)) & readers(key)


def hint_readers(key: str, challenge: str) -> frozenset[str]:
    """A hint's text: the teams that paid for it (team A, the `web` challenge's) and the staff."""
    paid = work_readers(key, "A") if challenge == "web" else frozenset()
    return paid | all_work_readers(key)


def flag_of(key: str) -> str:
    return f"CSN{{matrix-{key}-flag-7f3a9c}}"


class ExercisesSeed(BuilderBase):
    """The exercises of the table above, their teams, staff and each team's work."""

    def _native(self, key: str) -> Exercise:
        """Created, staffed, given its teams and moved to its state through the core service."""
        spec = EXERCISES[key]
        audience = readers(key)
        creator = self.who(spec.creator)
        exercise = exercise_service.create(
            self.s,
            creator,
            ExerciseCreate(
                kind=ExerciseKind(spec.kind),
                scope=ExerciseScope(spec.scope),
                cluster_id=self.w.ids[f"cluster:{spec.cluster}"] if spec.cluster else None,
                title="Diễn tập " + self.mk(f"exercise {key} title", audience),
                description=self.mk(f"exercise {key} description", audience),
                rules=self.mk(f"exercise {key} rules", audience),
                starts_at=self.now - timedelta(days=1),
                ends_at=self.now + timedelta(days=13),
                freeze_at=self.now - FROZEN_FOR if key == FROZEN else None,
            ),
        )
        if exercise.organiser_organisation_id != self.orgs[spec.organiser].id:
            # No service makes last year's exercise today: the lead term in force gives the organiser,
            # so the one created during LP's term is written as it would have been then.
            exercise.organiser_organisation_id = self.orgs[spec.organiser].id
            self.s.flush()
        for subject, roles in spec.staff.items():
            for role in roles:
                staff = exercise_service.add_staff(
                    self.s, creator, exercise.id, StaffIn(user_id=self.users[subject].id, role=StaffRole(role))
                )
                self.w.ids[f"staff:{key}:{subject}:{role}"] = staff.id
        for team_key, team in spec.teams.items():
            row = exercise_service.add_team(
                self.s,
                creator,
                exercise.id,
                TeamCreate(name=f"Đội {team_key} {key}", organisation_id=self.orgs[team.org].id, side=team.side),
            )
            self.w.ids[f"team:{key}:{team_key}"] = row.id
            for position, subject in enumerate(team.members):
                member = exercise_service.add_member(
                    self.s,
                    creator,
                    exercise.id,
                    row.id,
                    MemberIn(user_id=self.users[subject].id, captain=position == 0),
                )
                self.w.ids[f"member:{key}:{team_key}:{subject}"] = member.id
        if spec.status != "draft":
            exercise_service.publish(self.s, creator, exercise.id)
        if spec.status in ("running", "finished"):
            exercise_service.start(self.s, creator, exercise.id)
        if spec.status == "finished":
            exercise_service.finish(self.s, creator, exercise.id)
        assert exercise.status == spec.status, (key, exercise.status)
        return exercise

    def _external_drill(self, key: str) -> Exercise:
        """An outside drill and its members' results, through the results part's service."""
        spec = EXERCISES[key]
        creator = self.who(spec.creator)
        exercise = external.create(
            self.s,
            creator,
            ExternalExerciseCreate(
                external_name="ASEAN CERT Incident Drill (ACID) ma trận",
                scope="international",
                held_on=self.w.today - timedelta(days=60),
                description=self.mk(f"exercise {key} description", readers(key)),
            ),
        )
        for team_key, rank, score in (("A", 3, 870.0), ("B", 11, 640.0)):
            result = external.set_result(
                self.s,
                creator,
                exercise.id,
                ExternalResultIn(organisation_id=self.orgs[spec.teams[team_key].org].id, rank=rank, score=score),
            )
            self.w.ids[f"result:{key}:{team_key}"] = result.id
            self.w.ids[f"team:{key}:{team_key}"] = result.team_id
        return exercise

    def exercises(self) -> None:
        for key, spec in EXERCISES.items():
            exercise = self._external_drill(key) if spec.kind == "external" else self._native(key)
            self.w.ids[f"exercise:{key}"] = exercise.id
            self.w.refs[f"exercise:{key}"] = exercise.reference
            self.w.readers[f"exercise:{key}"] = readers(key)
        self._technical()
        self._tabletop()
        self._livefire()
        self._after_action()
        self.s.flush()

    def _after_action(self) -> None:
        """The tabletop's after-action report and a lesson for organisation A, not yet published:
        its organisers' and staff's (authz.exercise.can_read_after_action)."""
        key = "tabletop"
        ex, staff, organiser = self.w.ids[f"exercise:{key}"], all_work_readers(key), self.who(R.LEAD_CURRENT)
        after_action.save_report(
            self.s,
            organiser,
            ex,
            AfterActionUpdate(
                summary=self.mk("after-action tabletop summary", staff),
                strengths=self.mk("after-action tabletop strengths", staff),
            ),
        )
        lesson = after_action.add_lesson(
            self.s,
            organiser,
            ex,
            LessonCreate(
                title="Bài học " + self.mk("lesson tabletop title", staff),
                body=self.mk("lesson tabletop body", staff),
                organisation_id=self.orgs["A"].id,
            ),
        )
        self.w.ids["lesson:tabletop:A"] = lesson.id

    def _technical(self) -> None:
        """Through the technical part: `web` (a file, a hint of 50 points; team A solved it and unlocked
        the hint, team B tried a wrong flag) and `hidden` (hidden from the teams: the staff's alone)."""
        key = "technical"
        ex = self.w.ids[f"exercise:{key}"]
        audience, staff, organiser = readers(key), all_work_readers(key), self.who("coord2")
        for name, seen, hidden in (("web", audience, False), ("hidden", staff, True)):
            flag = self.m.secret(flag_of(f"{key}-{name}"), f"the flag of the technical drill's {name} challenge")
            challenge = challenges.create_challenge(
                self.s,
                organiser,
                ex,
                ChallengeCreate(
                    name="Thử thách " + self.mk(f"challenge technical {name} name", seen),
                    category="web",
                    description=self.mk(f"challenge technical {name} description", seen),
                    function="linear",
                    value=500,
                    decay=50,
                    minimum=100,
                    hidden=hidden,
                    flags=[FlagCreate(content=flag)],
                    hints=[
                        HintCreate(content=self.mk(f"hint technical {name} content", hint_readers(key, name)), cost=50),
                        # Free, and unlocked by nobody yet: the staff's until a team asks for it.
                        HintCreate(content=self.mk(f"hint technical {name} free", staff), cost=0, position=1),
                    ],
                ),
            )
            self.w.ids[f"challenge:technical:{name}"] = challenge.id
            stored = challenges.attach_file(
                self.s,
                organiser,
                ex,
                challenge.id,
                filename=self.mk(f"challenge technical {name} filename", seen) + ".txt",
                content_type="text/plain",
                stream=BytesIO(("tệp " + self.mk(f"challenge technical {name} file", seen)).encode()),
            )
            self.w.ids[f"challenge-file:technical:{name}"] = stored.id
            paid, free = self.s.scalars(
                select(ChallengeHint).where(ChallengeHint.challenge_id == challenge.id).order_by(ChallengeHint.position)
            ).all()
            self.w.ids[f"hint:technical:{name}"] = paid.id
            self.w.ids[f"hint:technical:{name}-free"] = free.id
            flags = self.s.scalars(select(ChallengeFlag.id).where(ChallengeFlag.challenge_id == challenge.id)).all()
            self.w.ids[f"flag:technical:{name}"] = flags[0]
        web = self.w.ids["challenge:technical:web"]
        solved = play.submit(self.s, self.who(R.RESPONDER), ex, web, flag_of(f"{key}-web"))
        assert solved.status == "correct", solved
        play.unlock_hint(self.s, self.who(R.RESPONDER), ex, self.w.ids["hint:technical:web"])
        wrong = play.submit(self.s, self.who(R.EXPERT_DEPLOYED), ex, web, "CSN{doan-sai}")
        assert wrong.status == "incorrect", wrong

    def _tabletop(self) -> None:
        """Three injects through the tabletop part: `released` (a text answer: A's graded, LP's not),
        `file` (answered with a file: LP's), and `waiting` (not released; a file for the teams to come)."""
        key = "tabletop"
        ex = self.w.ids[f"exercise:{key}"]
        organiser, audience, staff = self.who(R.LEAD_CURRENT), inject_readers(key), all_work_readers(key)
        rubric = [Criterion(criterion="Phân loại đúng", points=10)]
        made = {}
        for name, kind, answer_kind, seen in (
            ("released", InjectKind.EMAIL, AnswerKind.TEXT, audience),
            ("file", InjectKind.TEXT, AnswerKind.FILE, audience),
            ("waiting", InjectKind.ALERT, AnswerKind.TEXT, staff),
        ):
            inject = injects.create_inject(
                self.s,
                organiser,
                ex,
                InjectCreate(
                    title="Tình huống " + self.mk(f"inject tabletop {name} title", seen),
                    kind=kind,
                    body=self.mk(f"inject tabletop {name} body", seen),
                    answer_kind=answer_kind,
                    answer_minutes=24 * 60,
                    rubric=rubric,
                ),
            )
            made[name] = inject.id
            self.w.ids[f"inject:tabletop:{name}"] = inject.id
        for name in ("released", "waiting"):
            seen = inject_readers(key, name)
            stored = injects.attach_file(
                self.s,
                organiser,
                ex,
                made[name],
                filename=self.mk(f"inject tabletop {name} filename", inject_readers(key, name)) + ".txt",
                content_type="text/plain",
                stream=BytesIO(
                    ("nội dung " + self.mk(f"inject tabletop {name} file", inject_readers(key, name))).encode()
                ),
            )
            self.w.ids[f"inject-file:tabletop:{name}"] = stored.id
        for name in ("released", "file"):
            injects.release(self.s, self.who(CONTROLLER), ex, made[name])
        for team_key, subject in (("A", R.RESPONDER), ("LP", R.LEAD_PAST)):
            work = work_readers(key, team_key)
            answer = answers.answer(
                self.s,
                self.who(subject),
                ex,
                made["released"],
                InjectAnswerIn(body=self.mk(f"answer tabletop {team_key} body", work)),
            )
            self.w.ids[f"answer:tabletop:{team_key}"] = answer.id
        graded = answers.grade(
            self.s,
            self.who(JUDGE),
            ex,
            self.w.ids["answer:tabletop:A"],
            GradeIn(
                criteria=[CriterionGrade(criterion="Phân loại đúng", points=8)],
                feedback=self.mk("answer tabletop A feedback", work_readers(key, "A")),
            ),
        )
        assert graded.graded_at is not None
        work = work_readers(key, "LP")
        with_file = answers.answer_file(
            self.s,
            self.who(R.LEAD_PAST),
            ex,
            made["file"],
            team_id=None,
            filename=self.mk("answer tabletop LP filename", work) + ".txt",
            content_type="text/plain",
            stream=BytesIO(("báo cáo " + self.mk("answer tabletop LP file", work)).encode()),
            note=self.mk("answer tabletop LP note", work),
        )
        self.w.ids["answer:tabletop:LP-file"] = with_file.id

    def _livefire(self) -> None:
        """Through the live-fire part: the portal defended by A; LP's finding validated (A's remediation
        task) and another not judged yet; A's defence report."""
        key = "livefire"
        ex = self.w.ids[f"exercise:{key}"]
        audience = readers(key)
        target = targets.add(
            self.s,
            self.who(R.LEAD_CURRENT),
            ex,
            TargetCreate(
                name="Cổng thông tin " + self.mk("target livefire name", audience),
                address="https://portal.matrix.example.vn",
                description=self.mk("target livefire description", audience),
                defending_organisation_id=self.orgs[DEFENDER].id,
                defending_team_id=self.w.ids[f"team:{key}:{DEFENDER}"],
            ),
        )
        self.w.ids["target:livefire:portal"] = target.id
        spare = targets.add(
            self.s,
            self.who(R.LEAD_CURRENT),
            ex,
            TargetCreate(
                name="Máy chủ thư", address="mail.matrix.example.vn", defending_organisation_id=self.orgs[DEFENDER].id
            ),
        )
        self.w.ids["target:livefire:spare"] = spare.id  # no finding names it
        attacker = self.who(R.LEAD_PAST)
        for name, audience_of, vector in (
            ("valid", remediation_readers(key), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("submitted", work_readers(key, ATTACKER), None),
        ):
            finding = findings.submit(
                self.s,
                attacker,
                ex,
                FindingCreate(
                    target_id=target.id,
                    title="Lỗ hổng " + self.mk(f"finding livefire {name} title", audience_of),
                    vulnerability="CWE-89 SQL injection",
                    asset="https://portal.matrix.example.vn/search?q=",
                    proof=self.mk(f"finding livefire {name} proof", audience_of),
                    cvss_vector=vector,
                ),
            )
            self.w.ids[f"finding:livefire:{name}"] = finding.id
        findings.validate(self.s, self.who(JUDGE), ex, self.w.ids["finding:livefire:valid"], FindingValidate())
        report = defence.report(
            self.s,
            self.who(R.RESPONDER),
            ex,
            DefenceReportCreate(
                detected_at=self.now - timedelta(minutes=5),
                description=self.mk("defence livefire A description", work_readers(key, DEFENDER)),
            ),
        )
        self.w.ids["defence:livefire:A"] = report.id
