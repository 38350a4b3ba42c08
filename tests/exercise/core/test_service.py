"""The exercise's rules: who may create and organise it, its lifecycle in order, the schedule and
teams checked with the field named, the roster kept by the team's organisation, and nothing
changed by a refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise import reads, service
from csirtnet.exercise.schemas import (
    ContactConfirm,
    ExerciseCreate,
    ExerciseUpdate,
    MemberIn,
    StaffIn,
    TeamCreate,
    TeamUpdate,
)
from csirtnet.models import AuditRecord, ExerciseStaff, ExerciseTeam
from csirtnet.vocabulary import Role
from tests.exercise.core.helpers import START, add_teams, cluster_exercise, exercise_data, make_exercise, make_world
from tests.factories import make_user
from tests.incident.helpers import who


def _fields(exc: ValidationFailed) -> list[str]:
    return [e.field for e in exc.errors]


def test_the_coordinator_creates_a_national_draft_and_becomes_its_organiser(db: Session) -> None:
    w = make_world(db)
    exercise = make_exercise(db, w.coordinator)
    assert exercise.status == "draft" and exercise.reference.startswith("CSN-EX-")
    assert exercise.tlp == "TLP:AMBER" and exercise.timezone == "Asia/Ho_Chi_Minh"
    staff = db.scalars(select(ExerciseStaff).where(ExerciseStaff.exercise_id == exercise.id)).all()
    assert [(s.user_id, s.role) for s in staff] == [(w.coordinator.id, "organiser")]
    actions = db.scalars(select(AuditRecord.action).where(AuditRecord.object_id == str(exercise.id))).all()
    assert "exercise.created" in actions
    # A draft is the organisers' alone.
    with pytest.raises(NotFound):
        rules.get_visible(db, who(w.responders[0]), exercise.id)


def test_a_cluster_lead_organises_its_cluster_and_no_other(db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)
    assert exercise.organiser_organisation_id == w.provinces[0].id and exercise.cluster_id == w.cluster.id
    # The lead of another cluster may not organise cluster no. 1, nor a national exercise.
    with pytest.raises(Forbidden):
        make_exercise(db, w.outsider, scope="cluster", cluster_id=w.cluster.id)
    with pytest.raises(Forbidden):
        make_exercise(db, w.admins[0])
    # A province admin that does not lead cannot organise its own cluster's exercise.
    with pytest.raises(Forbidden):
        make_exercise(db, w.admins[1], scope="cluster", cluster_id=w.cluster.id)


def test_bad_input_names_the_field(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(ValidationError) as bad_zone:
        ExerciseCreate.model_validate(exercise_data(timezone="Sao Hỏa/Căn cứ"))
    assert bad_zone.value.errors()[0]["loc"] == ("timezone",)
    with pytest.raises(ValidationFailed) as backwards:
        make_exercise(db, w.coordinator, ends_at=(START - timedelta(hours=1)).isoformat(), freeze_at=None)
    assert _fields(backwards.value) == ["ends_at"]
    with pytest.raises(ValidationFailed) as late_freeze:
        make_exercise(db, w.coordinator, freeze_at=(START + timedelta(days=2)).isoformat())
    assert _fields(late_freeze.value) == ["freeze_at"]
    with pytest.raises(ValidationFailed) as no_cluster:
        make_exercise(db, w.coordinator, scope="cluster")
    assert _fields(no_cluster.value) == ["cluster_id"]
    with pytest.raises(ValidationFailed) as national_cluster:
        make_exercise(db, w.coordinator, cluster_id=w.cluster.id)
    assert _fields(national_cluster.value) == ["cluster_id"]


def test_the_lifecycle_runs_in_order_and_refuses_out_of_order(db: Session) -> None:
    w = make_world(db)
    coord = who(w.coordinator)
    exercise = make_exercise(db, w.coordinator)
    with pytest.raises(Conflict, match="Only a published exercise is started"):
        service.start(db, coord, exercise.id)
    with pytest.raises(Conflict, match="Only a running exercise is finished"):
        service.finish(db, coord, exercise.id)
    assert service.publish(db, coord, exercise.id).status == "published"
    with pytest.raises(Conflict, match="Only a draft is published"):
        service.publish(db, coord, exercise.id)
    assert service.start(db, coord, exercise.id).status == "running"
    finished = service.finish(db, coord, exercise.id, now=START + timedelta(hours=8))
    assert finished.status == "finished" and finished.finished_at == START + timedelta(hours=8)
    assert service.archive(db, coord, exercise.id).status == "archived"
    with pytest.raises(Conflict, match="archived"):
        service.update(db, coord, exercise.id, ExerciseUpdate(title="Đổi tên"))
    actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.object_id == str(exercise.id))))
    assert {"exercise.published", "exercise.started", "exercise.finished", "exercise.archived"} <= actions


def test_publishing_needs_a_schedule(db: Session) -> None:
    w = make_world(db)
    exercise = make_exercise(db, w.coordinator, starts_at=None, ends_at=None, freeze_at=None)
    with pytest.raises(ValidationFailed) as refused:
        service.publish(db, who(w.coordinator), exercise.id)
    assert _fields(refused.value) == ["starts_at", "ends_at"]
    assert exercise.status == "draft"


def test_only_organisers_change_an_exercise(db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)
    service.publish(db, who(w.admins[0]), exercise.id)
    # A member of the cluster sees it but may not change it.
    assert rules.get_visible(db, who(w.responders[2]), exercise.id) is exercise
    with pytest.raises(Forbidden):
        service.start(db, who(w.admins[2]), exercise.id)
    with pytest.raises(Forbidden):
        service.update(db, who(w.responders[2]), exercise.id, ExerciseUpdate(title="Đổi tên"))
    # A member of another cluster does not even see it.
    with pytest.raises(NotFound):
        service.start(db, who(w.outsider), exercise.id)
    with pytest.raises(NotFound):
        service.add_team(db, who(w.outsider), exercise.id, TeamCreate(name="Đội Cà Mau"))
    # A controller named by the organisers releases injects but does not organise.
    service.add_staff(db, who(w.admins[0]), exercise.id, StaffIn(user_id=w.responders[1].id, role="controller"))
    assert rules.can_control(db, who(w.responders[1]), exercise)
    with pytest.raises(Forbidden):
        service.start(db, who(w.responders[1]), exercise.id)


def test_update_checks_the_schedule_against_what_is_kept(db: Session) -> None:
    w = make_world(db)
    exercise = make_exercise(db, w.coordinator)
    with pytest.raises(ValidationFailed) as refused:
        service.update(db, who(w.coordinator), exercise.id, ExerciseUpdate(freeze_at=START - timedelta(hours=1)))
    assert _fields(refused.value) == ["freeze_at"]
    changed = service.update(
        db, who(w.coordinator), exercise.id, ExerciseUpdate(title="Diễn tập mới", timezone="Asia/Bangkok")
    )
    assert changed.title == "Diễn tập mới" and changed.timezone == "Asia/Bangkok"
    cleared = service.update(db, who(w.coordinator), exercise.id, ExerciseUpdate(freeze_at=None))
    assert cleared.freeze_at is None


def test_teams_come_from_the_clusters_members_with_unique_names(db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)
    lead = who(w.admins[0])
    teams = add_teams(db, w, exercise, w.admins[0])
    assert len(teams) == 6
    with pytest.raises(ValidationFailed) as same_name:
        service.add_team(
            db, lead, exercise.id, TeamCreate(name=teams[0].name.upper(), organisation_id=w.provinces[0].id)
        )
    assert _fields(same_name.value) == ["name"]
    with pytest.raises(ValidationFailed) as outside:
        service.add_team(db, lead, exercise.id, TeamCreate(name="Đội Cà Mau", organisation_id=w.outsider_org.id))
    assert _fields(outside.value) == ["organisation_id"]
    with pytest.raises(ValidationFailed) as rename:
        service.update_team(db, lead, exercise.id, teams[1].id, TeamUpdate(name=teams[2].name))
    assert _fields(rename.value) == ["name"]
    hidden = service.update_team(db, lead, exercise.id, teams[5].id, TeamUpdate(hidden=True))
    assert hidden.hidden is True
    service.remove_team(db, lead, exercise.id, teams[5].id)
    assert db.get(ExerciseTeam, teams[5].id) is None


def test_the_roster_is_kept_by_the_teams_organisation(db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)
    teams = add_teams(db, w, exercise, w.admins[0])
    service.publish(db, who(w.admins[0]), exercise.id)
    # The team's own admin adds a colleague and a name-only player; not a person of another province.
    colleague = make_user(db, roles=[Role.RESPONDER], organisation=w.provinces[1])
    added = service.add_member(db, who(w.admins[1]), exercise.id, teams[1].id, MemberIn(email=colleague.email))
    assert added.user_id == colleague.id and added.name == colleague.full_name
    named = service.add_member(db, who(w.admins[1]), exercise.id, teams[1].id, MemberIn(name="Trần Thị Khách"))
    assert named.user_id is None
    with pytest.raises(ValidationFailed) as foreign:
        service.add_member(db, who(w.admins[1]), exercise.id, teams[1].id, MemberIn(user_id=w.responders[2].id))
    assert _fields(foreign.value) == ["user_id"]
    with pytest.raises(ValidationFailed) as nobody:
        service.add_member(db, who(w.admins[1]), exercise.id, teams[1].id, MemberIn())
    assert _fields(nobody.value) == ["email"]
    # Another province's admin may not touch this team.
    with pytest.raises(Forbidden):
        service.add_member(db, who(w.admins[2]), exercise.id, teams[1].id, MemberIn(name="Người lạ"))
    service.remove_member(db, who(w.admins[1]), exercise.id, teams[1].id, named.id)
    view = reads.overview(db, who(w.admins[1]), exercise.id)
    mine = view.my_teams
    assert [t.team.id for t in mine] == [teams[1].id]
    assert sorted(m.name for m in mine[0].members) == sorted([w.responders[1].full_name, colleague.full_name])


def test_a_teams_admin_reconfirms_its_contact_points(db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w, kind="tabletop")
    teams = add_teams(db, w, exercise, w.admins[0])
    service.publish(db, who(w.admins[0]), exercise.id)
    team = service.confirm_contact(
        db, who(w.admins[3]), exercise.id, teams[3].id, ContactConfirm(note="Trực 24/7: 0912 345 678"), now=START
    )
    assert team.contact_confirmed_at == START and team.contact_note == "Trực 24/7: 0912 345 678"
    with pytest.raises(Forbidden):
        service.confirm_contact(db, who(w.admins[4]), exercise.id, teams[3].id, ContactConfirm())
    with pytest.raises(Forbidden):  # a responder is not the team's admin
        service.confirm_contact(db, who(w.responders[3]), exercise.id, teams[3].id, ContactConfirm())


def test_staff_judges_must_be_allowed_to_judge(db: Session) -> None:
    w = make_world(db)
    exercise = make_exercise(db, w.coordinator)
    coord = who(w.coordinator)
    viewer = make_user(db, roles=[Role.VIEWER], organisation=w.provinces[0])
    with pytest.raises(ValidationFailed) as refused:
        service.add_staff(db, coord, exercise.id, StaffIn(email=viewer.email, role="judge"))
    assert _fields(refused.value) == ["email"]
    judge = service.add_staff(db, coord, exercise.id, StaffIn(email=w.responders[0].email, role="judge"))
    assert rules.can_judge(db, who(w.responders[0]), exercise)
    with pytest.raises(ValidationFailed):
        service.add_staff(db, coord, exercise.id, StaffIn(user_id=w.responders[0].id, role="judge"))
    service.remove_staff(db, coord, exercise.id, judge.id)
    assert not rules.can_judge(db, who(w.responders[0]), exercise)
    organiser = db.scalar(select(ExerciseStaff).where(ExerciseStaff.exercise_id == exercise.id))
    assert organiser is not None
    with pytest.raises(Conflict, match="at least one named organiser"):
        service.remove_staff(db, coord, exercise.id, organiser.id)


def test_the_list_shows_what_the_reader_may_see(db: Session) -> None:
    w = make_world(db)
    national = make_exercise(db, w.coordinator)
    cluster = cluster_exercise(db, w, kind="live_fire")
    draft = make_exercise(db, w.coordinator, title="Bản nháp chưa công bố")
    for e in (national, cluster):
        service.publish(db, who(w.coordinator), e.id)
    seen, _ = reads.exercises_page(db, who(w.responders[3]))
    assert {e.id for e in seen} == {national.id, cluster.id}
    outside, _ = reads.exercises_page(db, who(w.outsider))
    assert {e.id for e in outside} == {national.id}
    everything, _ = reads.exercises_page(db, who(w.coordinator))
    assert {national.id, cluster.id, draft.id} <= {e.id for e in everything}
    live, _ = reads.exercises_page(db, who(w.responders[3]), kind="live_fire")
    assert [e.id for e in live] == [cluster.id]
    found, _ = reads.exercises_page(db, who(w.coordinator), q="nháp")
    assert [e.id for e in found] == [draft.id]
    this_year, _ = reads.exercises_page(db, who(w.coordinator), year=START.year)
    assert national.id in {e.id for e in this_year}
    assert reads.exercises_page(db, who(w.coordinator), year=1999)[0] == []
