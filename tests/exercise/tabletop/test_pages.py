"""The tabletop pages: the team's view (its released injects, its own answers and grades, never
another team's), the control view (release now, who answered what, late marks, the judges' queue),
the inject, answer and grading forms through the one form path, with bad input coming back in place."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.exercise.tabletop import answers
from csirtnet.exercise.tabletop.schemas import GradeIn, InjectAnswerIn
from csirtnet.kit.time import utcnow
from csirtnet.models import Inject
from tests.exercise.tabletop.helpers import make_inject, make_world, released
from tests.helpers import csrf_from, login
from tests.incident.helpers import who
from tests.web.formpages import post_bad


def _as(client: Any, user: Any) -> None:
    client.cookies.clear()
    login(client, user.email, totp_secret=user.totp_secret)


def test_pages_are_closed_to_anonymous_visitors(client: Any, db: Session) -> None:
    w = make_world(db)
    inject = released(db, w)
    e = w.exercise.id
    for path in (
        f"/exercises/{e}/injects",
        f"/exercises/{e}/injects/new",
        f"/exercises/{e}/injects/{inject.id}/edit",
        f"/exercises/{e}/injects/{inject.id}/answer",
        f"/exercises/{e}/answers/1/grade",
        f"/exercises/{e}/injects/{inject.id}/files/1",
        f"/exercises/{e}/answers/1/file",
    ):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_a_team_sees_its_released_injects_and_only_its_own_answers(client: Any, db: Session) -> None:
    w = make_world(db)
    email = released(
        db,
        w,
        kind="email",
        title="Email giả danh",
        headers=[{"name": "From", "value": "giamdoc@tinh-gov.vn"}, {"name": "Subject", "value": "Gấp"}],
    )
    make_inject(db, w, title="Chưa phát hành")
    a = answers.answer(db, who(w.player_a), w.exercise.id, email.id, InjectAnswerIn(body="Bí mật đội A"))
    answers.answer(db, who(w.player_b), w.exercise.id, email.id, InjectAnswerIn(body="Bí mật đội B"))
    answers.grade(
        db,
        who(w.judge),
        w.exercise.id,
        a.id,
        GradeIn.model_validate(
            {
                "criteria": [
                    {"criterion": "Nhận diện mã độc", "points": 5},
                    {"criterion": "Báo cáo kịp thời", "points": 2},
                ],
                "feedback": "Cần báo cáo sớm hơn.",
            }
        ),
    )
    _as(client, w.player_b)
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert "Email giả danh" in page and "giamdoc@tinh-gov.vn" in page and 'data-testid="simulated-email"' in page
    assert "Chưa phát hành" not in page
    assert "Bí mật đội B" in page and "Bí mật đội A" not in page and "Cần báo cáo sớm hơn" not in page
    assert client.get(f"/exercises/{w.exercise.id}/answers/{a.id}/grade").status_code == 404
    _as(client, w.player_a)
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert "Bí mật đội A" in page and "Cần báo cáo sớm hơn" in page and "Bí mật đội B" not in page
    assert 'data-testid="team-points">7<' in page
    _as(client, w.outsider)
    assert client.get(f"/exercises/{w.exercise.id}/injects").status_code == 403


def test_the_controller_releases_and_sees_who_answered_late(client: Any, db: Session) -> None:
    w = make_world(db)
    inject = make_inject(db, w, title="Cảnh báo SOC")
    _as(client, w.controller)
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert 'data-testid="control-view"' in page and 'data-testid="new-inject"' not in page  # not an organiser
    r = client.post(
        f"/exercises/{w.exercise.id}/injects/{inject.id}/release",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(inject)
    assert inject.released_at is not None
    inject.released_at = utcnow() - timedelta(hours=2)  # answered after its 30 minutes
    db.flush()
    answers.answer(db, who(w.player_a), w.exercise.id, inject.id, InjectAnswerIn(body="Trễ"))
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert 'data-testid="late-mark"' in page
    assert 'data-testid="grading-queue"' not in page  # the controller is no judge
    again = client.post(
        f"/exercises/{w.exercise.id}/injects/{inject.id}/release",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert again.status_code == 303  # refused with a flash: already released
    _as(client, w.player_a)
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    r = client.post(
        f"/exercises/{w.exercise.id}/injects/{inject.id}/release",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_an_organiser_writes_an_inject_through_the_form(client: Any, db: Session) -> None:
    w = make_world(db)
    _as(client, w.organiser)
    form_page = client.get(f"/exercises/{w.exercise.id}/injects/new")
    assert form_page.status_code == 200
    r = client.post(
        f"/exercises/{w.exercise.id}/injects/new",
        data={
            "csrf_token": csrf_from(form_page.text),
            "title": "Cảnh báo từ SOC",
            "kind": "alert",
            "headers": "Source: SOC tỉnh\nSeverity: Cao",
            "body": "Lưu lượng bất thường.",
            "answer_kind": "text",
            "release_offset_minutes": "30",
            "answer_minutes": "45",
            "rubric": "Nhận diện | 6\nBáo cáo | 4",
        },
        files={"attachments": ("nhat-ky.log", b"GET /shell.php", "text/plain")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    inject = db.query(Inject).filter_by(exercise_id=w.exercise.id).one()
    assert inject.body == "Source: SOC tỉnh\nSeverity: Cao\n\nLưu lượng bất thường."
    assert inject.rubric == [{"criterion": "Nhận diện", "points": 6.0}, {"criterion": "Báo cáo", "points": 4.0}]
    assert inject.release_offset_minutes == 30
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert "nhat-ky.log" in page and "30" in page
    post_bad(
        client,
        db,
        w.organiser,
        page=f"/exercises/{w.exercise.id}/injects/new",
        target=f"/exercises/{w.exercise.id}/injects/new",
        data={"title": " ", "answer_minutes": "0", "rubric": "Nhận diện | nhiều", "headers": "không có dấu hai chấm"},
        form_id="exercise-inject",
        errors=("title", "answer_minutes", "rubric", "headers"),
        kept=("Nhận diện | nhiều", "không có dấu hai chấm"),
    )


def test_a_team_answers_and_a_judge_grades_through_the_pages(client: Any, db: Session) -> None:
    w = make_world(db)
    inject = released(db, w, answer_kind="incident_report", title="Báo cáo sự cố")
    answer_page = f"/exercises/{w.exercise.id}/injects/{inject.id}/answer"
    _as(client, w.player_a)
    post_bad(
        client,
        db,
        w.player_a,
        page=answer_page,
        target=answer_page,
        data={"title": "Mã độc", "description": "ngắn", "detected_at": "", "system_ips": "không phải IP"},
        form_id="exercise-inject-answer-report",
        errors=("description", "detected_at", "system_ips"),
        kept=("không phải IP",),
    )
    token = csrf_from(client.get(answer_page).text)
    r = client.post(
        answer_page,
        data={
            "csrf_token": token,
            "title": "Mã độc tống tiền",
            "description": "Máy chủ cổng thông tin bị mã hóa.",
            "detected_at": "2026-05-04T09:30",
            "detected_at_zone": "Asia/Ho_Chi_Minh",
            "incident_status": "contained",
            "system_ips": "203.0.113.9",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    _as(client, w.judge)
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert 'data-testid="queued-answer"' in page
    answer_id = int(page.split(f"/exercises/{w.exercise.id}/answers/", 1)[1].split("/", 1)[0])
    grade_page = f"/exercises/{w.exercise.id}/answers/{answer_id}/grade"
    post_bad(
        client,
        db,
        w.judge,
        page=grade_page,
        target=grade_page,
        data={"points_1": "9", "points_2": "2", "feedback": "Tốt"},
        form_id="exercise-inject-grade",
        errors=("points_1",),
        kept=("Tốt",),
    )
    token = csrf_from(client.get(grade_page).text)
    r = client.post(grade_page, data={"csrf_token": token, "points_1": "6", "points_2": "3,5"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    _as(client, w.player_a)
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert 'data-testid="answer-points">9.5' in page


def test_a_contact_check_through_the_page(client: Any, db: Session) -> None:
    w = make_world(db)
    check = released(db, w, kind="contact_check", headers=[], rubric=[], title="Xác nhận đầu mối")
    page = f"/exercises/{w.exercise.id}/injects/{check.id}/answer"
    _as(client, w.player_b)
    post_bad(
        client,
        db,
        w.player_b,
        page=page,
        target=page,
        data={"body": "Trực 24/7: 0912 345 678"},
        form_id="exercise-inject-contact",
        errors=("confirm",),
        kept=("Trực 24/7: 0912 345 678",),
    )
    token = csrf_from(client.get(page).text)
    r = client.post(
        page, data={"csrf_token": token, "body": "Trực 24/7: 0912 345 678", "confirm": "on"}, follow_redirects=False
    )
    assert r.status_code == 303
    db.refresh(w.team_b)
    assert w.team_b.contact_note == "Trực 24/7: 0912 345 678" and w.team_b.contact_confirmed_at is not None


def test_text_and_file_answers_through_the_pages(client: Any, db: Session) -> None:
    w = make_world(db)
    text = released(db, w, title="Trả lời bằng chữ")
    as_file = released(db, w, title="Trả lời bằng tệp", answer_kind="file")
    text_page = f"/exercises/{w.exercise.id}/injects/{text.id}/answer"
    _as(client, w.player_a)
    post_bad(
        client, db, w.player_a, page=text_page, target=text_page, data={"body": " "},
        form_id="exercise-inject-answer", errors=("body",),
    )  # fmt: skip
    file_page = f"/exercises/{w.exercise.id}/injects/{as_file.id}/answer"
    post_bad(
        client, db, w.player_a, page=file_page, target=file_page, data={"note": "Ghi chú kèm"},
        form_id="exercise-inject-answer-file", errors=("file",), kept=("Ghi chú kèm",),
    )  # fmt: skip
    token = csrf_from(client.get(file_page).text)
    r = client.post(
        file_page,
        data={"csrf_token": token, "note": "Báo cáo"},
        files={"file": ("bao-cao.pdf", b"%PDF-1.7", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(f"/exercises/{w.exercise.id}/injects").text
    assert "bao-cao.pdf" in page
