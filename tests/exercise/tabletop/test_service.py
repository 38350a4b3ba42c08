"""The tabletop's rules: the scenario, release by hand and on the timeline (idempotent), answers
(once per team, amended until the deadline, late ones kept and marked), grading against the rubric
with the late factor, contact checks, what each reader sees, and the score events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz.derived import Guard, GuardKind, may_see
from csirtnet.errors import Conflict, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.tabletop import answers, injects, reads, scores, tasks
from csirtnet.exercise.tabletop.schemas import GradeIn, InjectAnswerIn, InjectCreate, InjectOrder, InjectUpdate
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import AuditRecord, Inject, Job, JobStatus, Notification
from csirtnet.worker import handlers
from tests.exercise.tabletop.helpers import RUBRIC, make_inject, make_world, released
from tests.incident.helpers import who


def _grade(points: list[float], feedback: str = "") -> GradeIn:
    return GradeIn.model_validate(
        {"criteria": [{"criterion": c["criterion"], "points": p} for c, p in zip(RUBRIC, points, strict=True)],
         "feedback": feedback}
    )  # fmt: skip


def test_an_email_inject_keeps_its_header_lines_and_shows_them_apart(db: Session) -> None:
    w = make_world(db)
    inject = make_inject(
        db,
        w,
        kind="email",
        headers=[{"name": "From", "value": "ceo@tinh.gov.vn"}, {"name": "Subject", "value": "Chuyển khoản gấp"}],
        body="Anh chuyển ngay **500 triệu** cho đối tác.",
    )
    view = reads.inject_view(db, who(w.organiser), w.exercise, inject.id)
    assert view.headers == [
        {"name": "From", "value": "ceo@tinh.gov.vn"},
        {"name": "Subject", "value": "Chuyển khoản gấp"},
    ]
    assert view.text == "Anh chuyển ngay **500 triệu** cho đối tác."
    assert view.read().rubric == RUBRIC


def test_only_organisers_change_the_scenario_and_bad_input_names_the_field(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(Forbidden):
        injects.create_inject(db, who(w.controller), w.exercise.id, InjectCreate(title="Tình huống"))
    with pytest.raises(ValidationFailed) as refused:
        injects.create_inject(
            db,
            who(w.organiser),
            w.exercise.id,
            InjectCreate.model_validate({"title": "Xác nhận đầu mối", "kind": "contact_check", "answer_kind": "file"}),
        )
    assert refused.value.errors[0].field == "answer_kind"
    assert db.scalar(select(Inject.id).where(Inject.exercise_id == w.exercise.id)) is None


def test_reorder_and_delete_an_unreleased_inject(db: Session) -> None:
    w = make_world(db)
    first, second = make_inject(db, w, title="Một"), make_inject(db, w, title="Hai")
    injects.reorder_injects(db, who(w.organiser), w.exercise.id, InjectOrder(inject_ids=[second.id, first.id]))
    assert [v.inject.title for v in reads.inject_views(db, who(w.organiser), w.exercise)] == ["Hai", "Một"]
    with pytest.raises(ValidationFailed) as refused:
        injects.reorder_injects(db, who(w.organiser), w.exercise.id, InjectOrder(inject_ids=[second.id]))
    assert "missing" in refused.value.errors[0].message
    injects.release(db, who(w.controller), w.exercise.id, first.id)
    with pytest.raises(Conflict):
        injects.delete_inject(db, who(w.organiser), w.exercise.id, first.id)
    injects.delete_inject(db, who(w.organiser), w.exercise.id, second.id)
    assert [v.inject.title for v in reads.inject_views(db, who(w.organiser), w.exercise)] == ["Một"]


def test_a_controller_releases_by_hand_and_each_team_is_told_under_its_own_guard(db: Session) -> None:
    w = make_world(db)
    inject = make_inject(db, w)
    assert reads.inject_views(db, who(w.player_a), w.exercise) == []  # not released: teams see nothing
    with pytest.raises(Forbidden):
        injects.release(db, who(w.player_a), w.exercise.id, inject.id)
    with pytest.raises(NotFound):  # a team does not even learn an unreleased inject exists
        injects.get_inject(db, who(w.player_a), w.exercise, inject.id)
    injects.release(db, who(w.controller), w.exercise.id, inject.id)
    assert inject.released_at is not None and inject.released_by_id == w.controller.id
    told = {
        n.user_id for n in db.scalars(select(Notification).where(Notification.event_type == "exercise.inject_released"))
    }
    assert told == {w.player_a.id, w.player_a2.id, w.player_b.id}  # not the staff, not the outsider
    mails = db.scalars(select(Job).where(Job.name == "notification.send_email")).all()
    guards = {(j.payload["user_id"], j.guard_kind, j.guard_id) for j in mails}
    assert (w.player_a.id, "exercise_team", w.team_a.id) in guards
    assert (w.player_b.id, "exercise_team", w.team_b.id) in guards
    guard_a = Guard(GuardKind.EXERCISE_TEAM, w.team_a.id)
    assert may_see(db, who(w.player_a), guard_a) and may_see(db, who(w.judge), guard_a)
    assert not may_see(db, who(w.player_b), guard_a) and not may_see(db, who(w.outsider), guard_a)
    with pytest.raises(Conflict):
        injects.release(db, who(w.controller), w.exercise.id, inject.id)
    assert [v.inject.id for v in reads.inject_views(db, who(w.player_b), w.exercise)] == [inject.id]


def test_nothing_is_released_before_the_exercise_runs(db: Session) -> None:
    w = make_world(db, status="published")
    inject = make_inject(db, w)
    with pytest.raises(Conflict):
        injects.release(db, who(w.controller), w.exercise.id, inject.id)
    assert injects.release_due(db, now=utcnow() + timedelta(days=1)) == []


def test_the_timeline_releases_what_is_due_once(db: Session) -> None:
    start = utcnow().replace(microsecond=0) - timedelta(minutes=45)
    w = make_world(db, starts_at=start)
    due = make_inject(db, w, title="Sau 30 phút", release_offset_minutes=30)
    later = make_inject(db, w, title="Sau 60 phút", release_offset_minutes=60)
    by_hand = make_inject(db, w, title="Bằng tay")
    queued = db.scalars(select(Job).where(Job.name == tasks.RELEASE_JOB, Job.status == JobStatus.QUEUED.value)).all()
    assert len(queued) == 1  # the first timed inject queued the timeline; the second found it queued
    assert as_utc(queued[0].run_after) <= utcnow() + tasks.CHECK_EVERY

    handlers()[tasks.RELEASE_JOB](db)  # the job, as the worker runs it
    assert due.released_at is not None and later.released_at is None and by_hand.released_at is None
    assert injects.release_due(db) == []  # idempotent: a second run releases nothing more
    told = db.scalars(select(Notification).where(Notification.event_type == "exercise.inject_released")).all()
    assert len(told) == 3  # three players, told once
    nxt = db.scalars(select(Job).where(Job.name == tasks.RELEASE_JOB, Job.status == JobStatus.QUEUED.value)).all()
    assert len(nxt) == 1 and as_utc(nxt[0].run_after) <= start + timedelta(minutes=60)

    assert [i.id for i in injects.release_due(db, now=start + timedelta(minutes=61))] == [later.id]
    assert injects.release_due(db, now=start + timedelta(minutes=62)) == []
    audit = db.scalars(select(AuditRecord).where(AuditRecord.action == "exercise.inject_released")).all()
    assert len(audit) == 2


def test_a_team_answers_once_amends_until_the_deadline_and_a_late_answer_keeps_the_late_factor(db: Session) -> None:
    w = make_world(db)  # late factor 0.5
    on_time = released(db, w, title="Đúng hạn")
    overdue = released(db, w, at=utcnow() - timedelta(minutes=31), title="Quá hạn")  # 30 minutes to answer

    first = answers.answer(db, who(w.player_a), w.exercise.id, on_time.id, InjectAnswerIn(body="Cô lập máy chủ."))
    again = answers.answer(db, who(w.player_a2), w.exercise.id, on_time.id, InjectAnswerIn(body="Cô lập và báo cáo."))
    assert again.id == first.id and again.body == "Cô lập và báo cáo." and not again.late

    late = answers.answer(db, who(w.player_a), w.exercise.id, overdue.id, InjectAnswerIn(body="Đã xử lý."))
    assert late.late
    with pytest.raises(Conflict):  # after the deadline the answer no longer changes
        answers.answer(db, who(w.player_a), w.exercise.id, overdue.id, InjectAnswerIn(body="Sửa lại."))

    graded = answers.grade(db, who(w.judge), w.exercise.id, late.id, _grade([5, 3], "Thiếu bước báo cáo."))
    assert graded.points == 4.0  # (5 + 3) × 0.5
    assert graded.grade == [
        {"criterion": "Nhận diện mã độc", "points": 5, "max": 6},
        {"criterion": "Báo cáo kịp thời", "points": 3, "max": 4},
    ]
    on_time_graded = answers.grade(db, who(w.judge), w.exercise.id, first.id, _grade([6, 1.5]))
    assert on_time_graded.points == 7.5  # 6 + 1.5, on time
    with pytest.raises(Conflict):  # graded: the team's answer no longer changes
        answers.answer(db, who(w.player_a), w.exercise.id, on_time.id, InjectAnswerIn(body="Thêm ý."))

    events = sorted(scores.score_events(db, w.exercise), key=lambda e: e.points)
    assert [(e.team_id, e.points, e.label) for e in events] == [
        (w.team_a.id, 4.0, "Quá hạn"),
        (w.team_a.id, 7.5, "Đúng hạn"),
    ]
    assert events[0].at == as_utc(late.submitted_at)


def test_regrading_replaces_the_grade_and_is_audited(db: Session) -> None:
    w = make_world(db)
    inject = released(db, w)
    a = answers.answer(db, who(w.player_b), w.exercise.id, inject.id, InjectAnswerIn(body="Trả lời."))
    answers.grade(db, who(w.judge), w.exercise.id, a.id, _grade([2, 2]))
    answers.grade(db, who(w.judge), w.exercise.id, a.id, _grade([6, 4], "Tốt."))
    assert a.points == 10 and a.feedback == "Tốt."
    actions = db.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.action.like("exercise.inject_answer_%graded"))
        .order_by(AuditRecord.seq)
    ).all()
    assert actions == ["exercise.inject_answer_graded", "exercise.inject_answer_regraded"]


def test_a_grade_over_a_criterion_s_maximum_is_refused_by_its_name(db: Session) -> None:
    w = make_world(db)
    inject = released(db, w)
    a = answers.answer(db, who(w.player_b), w.exercise.id, inject.id, InjectAnswerIn(body="Trả lời."))
    with pytest.raises(ValidationFailed) as refused:
        answers.grade(db, who(w.judge), w.exercise.id, a.id, _grade([7, 4]))
    error = refused.value.errors[0]
    assert error.field == "criteria.0.points"
    assert error.message == "Nhận diện mã độc: at most 6 points"
    assert a.points is None and a.graded_at is None
    with pytest.raises(ValidationFailed) as unknown:
        answers.grade(
            db,
            who(w.judge),
            w.exercise.id,
            a.id,
            GradeIn.model_validate({"criteria": [{"criterion": "Khác", "points": 1}]}),
        )
    assert "Khác" in unknown.value.errors[0].message
    with pytest.raises(Forbidden):  # a player does not grade, even its own team's answer
        answers.grade(db, who(w.player_b), w.exercise.id, a.id, _grade([1, 1]))
    with pytest.raises(NotFound):  # nor learns of another team's
        answers.grade(db, who(w.player_a), w.exercise.id, a.id, _grade([1, 1]))


def test_another_team_s_answers_are_invisible(db: Session) -> None:
    w = make_world(db)
    inject = released(db, w)
    a = answers.answer(db, who(w.player_a), w.exercise.id, inject.id, InjectAnswerIn(body="Bí mật của đội A."))
    b = answers.answer(db, who(w.player_b), w.exercise.id, inject.id, InjectAnswerIn(body="Bí mật của đội B."))
    seen_b = [v.answer.id for v in reads.answer_views(db, who(w.player_b), w.exercise)]
    assert seen_b == [b.id]
    with pytest.raises(NotFound):
        answers.get_answer(db, who(w.player_b), w.exercise, a.id)
    with pytest.raises(Forbidden):  # nor answer for another team
        answers.answer(db, who(w.player_b), w.exercise.id, inject.id, InjectAnswerIn(team_id=w.team_a.id, body="x"))
    assert {v.answer.id for v in reads.answer_views(db, who(w.judge), w.exercise)} == {a.id, b.id}
    page = reads.injects_page(db, who(w.player_b), w.exercise)
    assert page.team is not None and page.team.injects[0].answer is not None
    assert page.team.injects[0].answer.answer.body == "Bí mật của đội B."
    with pytest.raises(Forbidden):
        reads.injects_page(db, who(w.outsider), w.exercise)


def test_an_answer_must_be_of_the_kind_the_inject_asks(db: Session) -> None:
    w = make_world(db)
    text = released(db, w)
    report = released(db, w, answer_kind="incident_report", title="Báo cáo sự cố")
    with pytest.raises(ValidationFailed) as empty:
        answers.answer(db, who(w.player_a), w.exercise.id, text.id, InjectAnswerIn(body="   "))
    assert empty.value.errors[0].field == "body"
    with pytest.raises(ValidationFailed) as missing:
        answers.answer(db, who(w.player_a), w.exercise.id, report.id, InjectAnswerIn(body="chỉ có chữ"))
    assert missing.value.errors[0].field == "report"
    filled = InjectAnswerIn.model_validate(
        {
            "report": {
                "title": "Mã độc tống tiền",
                "description": "Máy chủ cổng thông tin bị mã hóa dữ liệu.",
                "detected_at": "2026-05-04T09:30:00+07:00",
                "incident_status": "contained",
                "system_ips": ["203.0.113.9"],
            }
        }
    )
    done = answers.answer(db, who(w.player_a), w.exercise.id, report.id, filled)
    assert done.report is not None and done.report["incident_status"] == "contained"
    assert done.report["system_ips"] == ["203.0.113.9"]


def test_a_contact_check_answer_reconfirms_the_team_s_contact_points(db: Session) -> None:
    w = make_world(db)
    check = released(db, w, kind="contact_check", title="Xác nhận đầu mối liên hệ", headers=[], rubric=[])
    answers.answer(
        db, who(w.player_a), w.exercise.id, check.id, InjectAnswerIn(body="Trực 24/7: 0912 345 678, soc@backan.gov.vn")
    )
    assert w.team_a.contact_confirmed_at is not None
    assert w.team_a.contact_note == "Trực 24/7: 0912 345 678, soc@backan.gov.vn"
    assert w.team_b.contact_confirmed_at is None


def test_a_released_inject_keeps_its_timing_and_a_graded_one_its_rubric(db: Session) -> None:
    w = make_world(db)
    inject = released(db, w)
    with pytest.raises(ValidationFailed) as refused:
        injects.update_inject(db, who(w.organiser), w.exercise.id, inject.id, InjectUpdate(release_offset_minutes=5))
    assert refused.value.errors[0].field == "release_offset_minutes"
    a = answers.answer(db, who(w.player_b), w.exercise.id, inject.id, InjectAnswerIn(body="Trả lời."))
    answers.grade(db, who(w.judge), w.exercise.id, a.id, _grade([1, 1]))
    with pytest.raises(ValidationFailed) as rubric:
        injects.update_inject(
            db,
            who(w.organiser),
            w.exercise.id,
            inject.id,
            InjectUpdate.model_validate({"rubric": [{"criterion": "Khác", "points": 3}]}),
        )
    assert rubric.value.errors[0].field == "rubric"
    changed = injects.update_inject(db, who(w.organiser), w.exercise.id, inject.id, InjectUpdate(title="Tiêu đề mới"))
    assert changed.title == "Tiêu đề mới"
