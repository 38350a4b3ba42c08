"""Who may see, organise, control, judge and play an exercise. THE one decision: the API, the pages,
the scoreboard, the exports (certificates, after-action) and the derived records all go through
`visible_exercises_clause`, `team_work_clause` and the `can_*` rules below.

Organising follows the organiser:
- the coordinating body's staff organise national exercises (and any other);
- the admins of a cluster's lead organisation organise that cluster's exercises while their term
  runs (authz.cluster's lead rights);
- an exercise's named organisers (`ExerciseStaff` role organiser) change it like its creator.
Controllers release injects; judges grade answers and validate findings (named per exercise;
organisers do both). Named staff act only through exercises:write rights (coordinators, org admins,
responders; an API token must carry the exercises:write scope): a viewer named organiser, or a
token carrying exercises:read only, changes nothing.

An exercise is visible to
- while a draft: the coordinating body's staff, its staff, its organiser organisation's admins,
  and for a cluster exercise the admins of the cluster's current lead;
- once published: also everyone in the network for a national or international exercise, the
  cluster's member organisations for a cluster exercise, and the people of every team in it.

A team's work — flag submissions, inject answers, findings, defence reports, hint unlocks — is
seen by the people of that team (its listed members and its organisation's admins) and by the
exercise's staff and the coordinating body; never by another team. A validated finding is also
seen, as a remediation task, by the defending organisation of its target.

The scoreboard is public to whoever sees the exercise; after the freeze, only staff see it move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can
from csirtnet.errors import Forbidden, NotFound
from csirtnet.models import (
    Exercise,
    ExerciseScope,
    ExerciseStaff,
    ExerciseStatus,
    ExerciseTeam,
    ExerciseTeamMember,
    StaffRole,
)
from csirtnet.vocabulary import Role

_SEEN = (ExerciseStatus.PUBLISHED.value, ExerciseStatus.RUNNING.value, ExerciseStatus.FINISHED.value,
         ExerciseStatus.ARCHIVED.value)  # fmt: skip


def _is_org_admin(who: Subject, organisation_id: int | None) -> bool:
    return organisation_id is not None and who.organisation_id == organisation_id and who.has_role(Role.ORG_ADMIN)


def staff_roles(session: Session, who: Subject, exercise_id: int) -> set[str]:
    """The roles `who` holds on this exercise's staff (organiser, controller, judge)."""
    if who.user_id is None:
        return set()
    rows = session.scalars(
        select(ExerciseStaff.role).where(ExerciseStaff.exercise_id == exercise_id, ExerciseStaff.user_id == who.user_id)
    )
    return set(rows)


def can_create(session: Session, who: Subject, scope: ExerciseScope, cluster_id: int | None) -> bool:
    """National and international exercises are the coordinating body's; a cluster's, its lead's too."""
    if not can(who, Permission.EXERCISES_ORGANISE):
        return False
    if who.sees_everything:
        return True
    if scope is ExerciseScope.CLUSTER and cluster_id is not None:
        return cluster_authz.can_coordinate_cluster(session, who, cluster_id)
    return False


def require_create(session: Session, who: Subject, scope: ExerciseScope, cluster_id: int | None) -> None:
    if not can_create(session, who, scope, cluster_id):
        raise Forbidden("You may not organise this exercise.")


def is_organiser(session: Session, who: Subject, exercise: Exercise) -> bool:
    """Changes the exercise: its settings, teams, staff, challenges, injects, targets, results."""
    if who.user_id is None and who.is_platform_admin:
        return True  # the platform itself (CLI without a user, jobs)
    # Changing is exercises:write: a token carrying only exercises:read (or exercises:play) changes
    # nothing, whatever the staff rows of its holder say.
    if not (can(who, Permission.EXERCISES_ORGANISE) or can(who, Permission.EXERCISES_JUDGE)):
        return False
    if who.sees_everything and can(who, Permission.EXERCISES_ORGANISE):
        return True
    if StaffRole.ORGANISER.value in staff_roles(session, who, exercise.id):
        return True
    if exercise.scope == ExerciseScope.CLUSTER.value and exercise.cluster_id is not None:
        # The cluster's lead now, whoever led it when the exercise was made (a handover passes on
        # the cluster's exercises with the rest of the lead's rights).
        return who.has_role(Role.ORG_ADMIN) and cluster_authz.can_coordinate_cluster(session, who, exercise.cluster_id)
    return False


def can_control(session: Session, who: Subject, exercise: Exercise) -> bool:
    """Releases injects by hand and watches every team's progress."""
    if is_organiser(session, who, exercise):
        return True
    writer = can(who, Permission.EXERCISES_ORGANISE) or can(who, Permission.EXERCISES_JUDGE)
    return writer and StaffRole.CONTROLLER.value in staff_roles(session, who, exercise.id)


def can_judge(session: Session, who: Subject, exercise: Exercise) -> bool:
    """Grades inject answers, validates and merges findings, scores defence reports."""
    if is_organiser(session, who, exercise):
        return True
    return can(who, Permission.EXERCISES_JUDGE) and StaffRole.JUDGE.value in staff_roles(session, who, exercise.id)


def sees_all_work(session: Session, who: Subject, exercise: Exercise) -> bool:
    """The coordinating body and the exercise's staff see every team's work."""
    if who.sees_everything and can(who, Permission.EXERCISES_READ):
        return True
    return bool(staff_roles(session, who, exercise.id)) or is_organiser(session, who, exercise)


def my_team_ids(session: Session, who: Subject, exercise_id: int) -> set[int]:
    """The teams whose work `who` sees as a player: listed in it, or an admin of its organisation."""
    if who.user_id is None:
        return set()
    listed = select(ExerciseTeamMember.team_id).where(ExerciseTeamMember.user_id == who.user_id)
    cond: ColumnElement[bool] = ExerciseTeam.id.in_(listed)
    if who.has_role(Role.ORG_ADMIN) and who.organisation_id is not None:
        cond = or_(cond, ExerciseTeam.organisation_id == who.organisation_id)
    return set(session.scalars(select(ExerciseTeam.id).where(ExerciseTeam.exercise_id == exercise_id, cond)))


def playing_team_ids(session: Session, who: Subject, exercise_id: int) -> set[int]:
    """The teams `who` plays in (listed as a member): only they submit flags, answers and findings."""
    if who.user_id is None or not can(who, Permission.EXERCISES_PLAY):
        return set()
    return set(
        session.scalars(
            select(ExerciseTeam.id)
            .join(ExerciseTeamMember, ExerciseTeamMember.team_id == ExerciseTeam.id)
            .where(ExerciseTeam.exercise_id == exercise_id, ExerciseTeamMember.user_id == who.user_id)
        )
    )


def can_play(session: Session, who: Subject, exercise: Exercise, team_id: int) -> bool:
    """Submit for this team: a listed member, while the exercise runs."""
    return exercise.status == ExerciseStatus.RUNNING.value and team_id in playing_team_ids(session, who, exercise.id)


def require_play(
    session: Session, who: Subject, exercise: Exercise, team_id: int, *, teams: set[int] | None = None
) -> None:
    """Refuse unless `who` plays in this team of the running exercise (`teams`: their
    `playing_team_ids`, when the caller has them already)."""
    if team_id not in (playing_team_ids(session, who, exercise.id) if teams is None else teams):
        raise Forbidden("You do not play in this team.")
    if exercise.status != ExerciseStatus.RUNNING.value:
        raise Forbidden("The exercise is not running.")


def can_manage_team(session: Session, who: Subject, exercise: Exercise, team: ExerciseTeam) -> bool:
    """The roster and contact points: the organisers, or the team's organisation's admins."""
    return is_organiser(session, who, exercise) or (
        can(who, Permission.EXERCISES_PLAY) and _is_org_admin(who, team.organisation_id)
    )


def team_work_clause(
    session: Session, who: Subject, exercise: Exercise, team_column: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """The rows of team work (submissions, answers, findings…) `who` may see in this exercise."""
    if sees_all_work(session, who, exercise):
        return true()
    mine = my_team_ids(session, who, exercise.id)
    if not mine:
        return false()
    return team_column.in_(mine)


def organising_clause(who: Subject, exercise_id: Any) -> ColumnElement[bool]:
    """Derived records of an exercise's preparation (audit, jobs): its staff, its organiser
    organisation's admins, the coordinating body. One SQL condition, no session (authz.derived)."""
    if who.sees_everything:
        return true()
    staff = exists(
        select(ExerciseStaff.id).where(ExerciseStaff.exercise_id == exercise_id, ExerciseStaff.user_id == who.user_id)
    )
    if not who.has_role(Role.ORG_ADMIN) or who.organisation_id is None:
        return staff
    own = exists(
        select(Exercise.id).where(Exercise.id == exercise_id, Exercise.organiser_organisation_id == who.organisation_id)
    )
    return or_(staff, own)


def team_guard_clause(who: Subject, team_id: Any) -> ColumnElement[bool]:
    """Derived records of a team's work: its people, the exercise's staff and organisers, the
    coordinating body (the same readers as `team_work_clause`, as one SQL condition)."""
    if who.sees_everything:
        return true()
    # EXISTS only (no scalar subquery): the clause is applied to guard columns of other tables and
    # to lists of literal guards, where a scalar subquery's correlation is not always what it seems.
    listed = exists(
        select(ExerciseTeamMember.id).where(
            ExerciseTeamMember.team_id == team_id, ExerciseTeamMember.user_id == who.user_id
        )
    )
    staff = exists(
        select(ExerciseStaff.id)
        .join(ExerciseTeam, ExerciseTeam.exercise_id == ExerciseStaff.exercise_id)
        .where(ExerciseTeam.id == team_id, ExerciseStaff.user_id == who.user_id)
    )
    branches = [listed, staff]
    if who.has_role(Role.ORG_ADMIN) and who.organisation_id is not None:
        branches.append(
            exists(
                select(ExerciseTeam.id)
                .join(Exercise, Exercise.id == ExerciseTeam.exercise_id)
                .where(
                    ExerciseTeam.id == team_id,
                    or_(
                        ExerciseTeam.organisation_id == who.organisation_id,
                        Exercise.organiser_organisation_id == who.organisation_id,
                    ),
                )
            )
        )
    return or_(*branches)


def visible_exercises_clause(session: Session, who: Subject) -> ColumnElement[bool]:
    """The exercises `who` may see (see the module page)."""
    if who.user_id is None:
        return true() if who.is_platform_admin else false()
    if not can(who, Permission.EXERCISES_READ):
        return false()
    if who.sees_everything:
        return true()
    staff = exists(
        select(ExerciseStaff.id).where(ExerciseStaff.exercise_id == Exercise.id, ExerciseStaff.user_id == who.user_id)
    )
    own_team = exists(
        select(ExerciseTeam.id).where(
            ExerciseTeam.exercise_id == Exercise.id,
            or_(
                ExerciseTeam.id.in_(
                    select(ExerciseTeamMember.team_id).where(ExerciseTeamMember.user_id == who.user_id)
                ),
                ExerciseTeam.organisation_id == who.organisation_id,
            ),
        )
    )
    organiser: ColumnElement[bool] = false()
    if who.has_role(Role.ORG_ADMIN):
        led = cluster_authz.led_cluster_ids(session, who)
        organiser = or_(
            Exercise.organiser_organisation_id == who.organisation_id,
            and_(Exercise.scope == ExerciseScope.CLUSTER.value, Exercise.cluster_id.in_(led)) if led else false(),
        )
    clusters = cluster_authz.cluster_ids_of_org(session, who.organisation_id)
    audience = or_(
        Exercise.scope.in_((ExerciseScope.NATIONAL.value, ExerciseScope.INTERNATIONAL.value)),
        and_(Exercise.scope == ExerciseScope.CLUSTER.value, Exercise.cluster_id.in_(clusters)) if clusters else false(),
        own_team,
    )
    return or_(staff, organiser, and_(Exercise.status.in_(_SEEN), audience))


def get_visible(session: Session, who: Subject, exercise_id: int) -> Exercise:
    """The exercise, or NotFound when it does not exist or `who` may not see it (no existence leak)."""
    row = session.scalar(select(Exercise).where(Exercise.id == exercise_id, visible_exercises_clause(session, who)))
    if row is None:
        raise NotFound("exercise")
    return row


def scoreboard_until(session: Session, who: Subject, exercise: Exercise, now: datetime) -> datetime | None:
    """The instant the scoreboard `who` sees stops at: the freeze for players and the public, `None`
    (live) for the staff and the coordinating body, and for everyone once the exercise is finished."""
    if exercise.freeze_at is None or exercise.status in (ExerciseStatus.FINISHED.value, ExerciseStatus.ARCHIVED.value):
        return None
    if sees_all_work(session, who, exercise):
        return None
    return exercise.freeze_at if now >= exercise.freeze_at else None


# -- results (certificates, after-action, outside drills) ------------------------------------------


def can_read_certificate(session: Session, who: Subject, exercise: Exercise, team: ExerciseTeam) -> bool:
    """A team's participation certificate: the team's people (its listed members and its
    organisation's admins), the exercise's staff and organisers, the coordinating body; never
    another team."""
    if team.exercise_id != exercise.id:
        return False
    return sees_all_work(session, who, exercise) or team.id in my_team_ids(session, who, exercise.id)


def can_read_after_action(session: Session, who: Subject, exercise: Exercise) -> bool:
    """The after-action report (its timeline holds every team's work): the exercise's staff and
    organisers and the coordinating body. What it teaches reaches the members once its lessons are
    published (knowledge base, readiness items)."""
    return sees_all_work(session, who, exercise)


def results_final(exercise: Exercise) -> bool:
    """The results are final (the rankings, certificates, readiness drills count them) once the
    exercise is finished or archived; an outside drill is recorded finished."""
    return exercise.status in (ExerciseStatus.FINISHED.value, ExerciseStatus.ARCHIVED.value)


def defending_findings_clause(who: Subject) -> ColumnElement[bool]:
    """Live-fire: the findings `who` sees as remediation tasks of its organisation — a validated
    finding whose target's defending organisation is the subject's, for that organisation's people
    (closing a task is its admins' and responders': `can_remediate`). Nothing else of the attackers'
    work."""
    from csirtnet.models import Finding, FindingStatus, Target

    if who.organisation_id is None or not can(who, Permission.EXERCISES_READ):
        return false()
    return and_(
        Finding.status == FindingStatus.VALID.value,
        Finding.target_id.in_(select(Target.id).where(Target.defending_organisation_id == who.organisation_id)),
    )


def can_remediate(who: Subject, defending_organisation_id: int | None) -> bool:
    """Live-fire: closes (fixed, risk accepted) a remediation task of a target defended by this
    organisation — its admins and responders (its viewers read the tasks only)."""
    if defending_organisation_id is None or who.organisation_id != defending_organisation_id:
        return False
    if not can(who, Permission.EXERCISES_PLAY):
        return False
    return who.has_role(Role.ORG_ADMIN) or who.has_role(Role.RESPONDER)


def inject_clause(session: Session, who: Subject, exercise: Exercise) -> ColumnElement[bool]:
    """The injects of a tabletop exercise `who` reads (a condition on `Inject`): every one, released
    or not, for those who see all its work (its staff, the coordinating body); the released ones for
    the people of its teams; none for anyone else (an inject is the scenario, not a public page)."""
    from csirtnet.models import Inject

    if sees_all_work(session, who, exercise):
        return true()
    if my_team_ids(session, who, exercise.id):
        return Inject.released_at.is_not(None)
    return false()


def sees_challenges(session: Session, who: Subject, exercise: Exercise) -> bool:
    """A technical drill's challenges (asked after `get_visible`): its staff and the coordinating
    body at any time, hidden challenges included (`sees_all_work`); everyone else who sees the
    exercise once it runs and after it ends, and only the challenges not hidden. Flags are never
    shown in clear; a regex flag's pattern only to organisers (`is_organiser`)."""
    if sees_all_work(session, who, exercise):
        return True
    return exercise.status in (
        ExerciseStatus.RUNNING.value,
        ExerciseStatus.FINISHED.value,
        ExerciseStatus.ARCHIVED.value,
    )
