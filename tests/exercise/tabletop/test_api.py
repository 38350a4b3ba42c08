"""The tabletop API: closed to anonymous callers, each team sees its own answers only and answers
only for itself, bad input named by field; the whole loop (create, release, answer, grade) and a
file answer through multipart."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.exercise.tabletop.helpers import RUBRIC, make_inject, make_world, released
from tests.incident.helpers import api


def _routes(e: int, i: int, a: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/api/v1/exercises/{e}/injects"),
        ("post", f"/api/v1/exercises/{e}/injects"),
        ("put", f"/api/v1/exercises/{e}/injects/order"),
        ("get", f"/api/v1/exercises/{e}/injects/{i}"),
        ("patch", f"/api/v1/exercises/{e}/injects/{i}"),
        ("delete", f"/api/v1/exercises/{e}/injects/{i}"),
        ("post", f"/api/v1/exercises/{e}/injects/{i}/release"),
        ("post", f"/api/v1/exercises/{e}/injects/{i}/files"),
        ("get", f"/api/v1/exercises/{e}/injects/{i}/files/1"),
        ("delete", f"/api/v1/exercises/{e}/injects/{i}/files/1"),
        ("post", f"/api/v1/exercises/{e}/injects/{i}/answer"),
        ("post", f"/api/v1/exercises/{e}/injects/{i}/answer/file"),
        ("get", f"/api/v1/exercises/{e}/injects/{i}/answers"),
        ("get", f"/api/v1/exercises/{e}/answers"),
        ("post", f"/api/v1/exercises/{e}/answers/{a}/grade"),
        ("get", f"/api/v1/exercises/{e}/answers/{a}/file"),
    ]


def test_every_route_is_closed_to_anonymous_callers(client: Any, db: Session) -> None:
    w = make_world(db)
    inject = released(db, w)
    for method, path in _routes(w.exercise.id, inject.id, 1):
        assert client.request(method.upper(), path).status_code == 401, path


def test_the_loop_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    organiser, controller, judge = api(db, w.organiser), api(db, w.controller), api(db, w.judge)
    player_a, player_b = api(db, w.player_a), api(db, w.player_b)
    base = f"/api/v1/exercises/{w.exercise.id}"
    body = {
        "title": "Email lừa đảo giả danh lãnh đạo",
        "kind": "email",
        "headers": [{"name": "From", "value": "giamdoc@tinh.gov.vn"}, {"name": "Subject", "value": "Chuyển khoản gấp"}],
        "body": "Đề nghị chuyển khoản **ngay**.",
        "answer_kind": "incident_report",
        "answer_minutes": 45,
        "rubric": RUBRIC,
    }
    created = client.post(f"{base}/injects", json=body, headers=organiser)
    assert created.status_code == 201, created.text
    inject = created.json()
    assert inject["headers"][1] == {"name": "Subject", "value": "Chuyển khoản gấp"} and inject["released_at"] is None
    assert client.get(f"{base}/injects", headers=player_a).json() == []  # not released yet
    assert client.get(f"{base}/injects/{inject['id']}", headers=player_a).status_code == 404
    assert client.post(f"{base}/injects/{inject['id']}/release", headers=player_a).status_code == 403
    released_ = client.post(f"{base}/injects/{inject['id']}/release", headers=controller)
    assert released_.status_code == 200 and released_.json()["deadline_at"] is not None
    seen = client.get(f"{base}/injects", headers=player_a).json()
    assert [i["id"] for i in seen] == [inject["id"]] and seen[0]["rubric"] is None  # a team sees no rubric

    report = {
        "title": "Email giả mạo lãnh đạo",
        "description": "Nhận email yêu cầu chuyển khoản từ tên miền giả.",
        "detected_at": "2026-05-04T09:30:00+07:00",
    }
    answered = client.post(f"{base}/injects/{inject['id']}/answer", json={"report": report}, headers=player_a)
    assert answered.status_code == 200, answered.text
    answer = answered.json()
    assert answer["team"] == "Đội Bắc Kạn" and answer["late"] is False and answer["report"]["title"] == report["title"]
    client.post(f"{base}/injects/{inject['id']}/answer", json={"report": report}, headers=player_b)

    # Another team's answer is invisible (the list, the file, the grade route are all 404 to it).
    mine_b = client.get(f"{base}/answers", headers=player_b).json()
    assert [a["team"] for a in mine_b] == ["Đội Cao Bằng"]
    assert client.get(f"{base}/injects/{inject['id']}/answers", headers=player_b).json()[0]["team"] == "Đội Cao Bằng"
    assert client.get(f"{base}/answers/{answer['id']}/file", headers=player_b).status_code == 404
    # …and nobody answers for another team.
    other = client.post(
        f"{base}/injects/{inject['id']}/answer", json={"team_id": w.team_a.id, "report": report}, headers=player_b
    )
    assert other.status_code == 403

    queue = client.get(f"{base}/answers?ungraded=true", headers=judge).json()
    assert len(queue) == 2
    grade = {
        "criteria": [{"criterion": "Nhận diện mã độc", "points": 5}, {"criterion": "Báo cáo kịp thời", "points": 4}]
    }
    assert client.post(f"{base}/answers/{answer['id']}/grade", json=grade, headers=player_b).status_code == 404
    assert client.post(f"{base}/answers/{answer['id']}/grade", json=grade, headers=player_a).status_code == 403
    graded = client.post(f"{base}/answers/{answer['id']}/grade", json={**grade, "feedback": "Tốt"}, headers=judge)
    assert graded.status_code == 200 and graded.json()["points"] == 9
    assert client.get(f"{base}/answers", headers=player_a).json()[0]["feedback"] == "Tốt"
    assert len(client.get(f"{base}/answers?ungraded=true", headers=judge).json()) == 1


def test_bad_input_is_named_by_field(client: Any, db: Session) -> None:
    w = make_world(db)
    organiser, judge, player = api(db, w.organiser), api(db, w.judge), api(db, w.player_a)
    base = f"/api/v1/exercises/{w.exercise.id}"
    inject = released(db, w)

    def fields(r: Any) -> set[str]:
        assert r.status_code == 422, r.text
        return {e["field"] for e in r.json()["errors"]}

    bad = {"title": "", "rubric": [{"criterion": "A", "points": 0}], "answer_minutes": 0}
    assert {"title", "rubric.0.points", "answer_minutes"} <= fields(
        client.post(f"{base}/injects", json=bad, headers=organiser)
    )
    twice = {"title": "x", "rubric": [{"criterion": "A", "points": 1}, {"criterion": "a", "points": 2}]}
    assert "rubric" in fields(client.post(f"{base}/injects", json=twice, headers=organiser))
    assert "title" in fields(client.patch(f"{base}/injects/{inject.id}", json={"title": None}, headers=organiser))
    assert "inject_ids" in fields(client.put(f"{base}/injects/order", json={"inject_ids": [999]}, headers=organiser))
    assert "body" in fields(client.post(f"{base}/injects/{inject.id}/answer", json={"body": " "}, headers=player))
    wrong_report = {"report": {"title": "x", "description": "ngắn", "detected_at": 5}}
    assert {"report.title", "report.description", "report.detected_at"} <= fields(
        client.post(f"{base}/injects/{inject.id}/answer", json=wrong_report, headers=player)
    )
    file_ans = client.post(
        f"{base}/injects/{inject.id}/answer/file", files={"file": ("a.txt", b"x", "text/plain")}, headers=player
    )
    assert "file" in fields(file_ans)  # this inject is answered in text
    answer = client.post(f"{base}/injects/{inject.id}/answer", json={"body": "Đã cô lập."}, headers=player).json()
    over = {
        "criteria": [{"criterion": "Nhận diện mã độc", "points": 9}, {"criterion": "Báo cáo kịp thời", "points": 1}]
    }
    r = client.post(f"{base}/answers/{answer['id']}/grade", json=over, headers=judge)
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "criteria.0.points",
        "message": "Nhận diện mã độc: at most 6 points",
    }
    assert fields(client.post(f"{base}/answers/{answer['id']}/grade", json={"criteria": []}, headers=judge))


def test_a_file_answer_through_multipart_and_inject_attachments(client: Any, db: Session) -> None:
    w = make_world(db)
    organiser, player_a, player_b = api(db, w.organiser), api(db, w.player_a), api(db, w.player_b)
    base = f"/api/v1/exercises/{w.exercise.id}"
    inject = make_inject(db, w, answer_kind="file")
    attached = client.post(
        f"{base}/injects/{inject.id}/files", files={"file": ("nhat-ky.log", b"GET /shell.php 200\n")}, headers=organiser
    )
    assert attached.status_code == 201, attached.text
    file_id = attached.json()["id"]
    assert client.get(f"{base}/injects/{inject.id}/files/{file_id}", headers=player_a).status_code == 404  # unreleased
    assert (
        client.post(f"{base}/injects/{inject.id}/files", files={"file": ("x", b"y")}, headers=player_a).status_code
        == 403
    )
    client.post(f"{base}/injects/{inject.id}/release", headers=organiser)
    got = client.get(f"{base}/injects/{inject.id}/files/{file_id}", headers=player_a)
    assert got.status_code == 200 and got.content == b"GET /shell.php 200\n"

    sent = client.post(
        f"{base}/injects/{inject.id}/answer/file",
        files={"file": ("bao-cao.pdf", b"%PDF-1.7 bao cao", "application/pdf")},
        data={"note": "Báo cáo kèm theo"},
        headers=player_a,
    )
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert answer["file"]["filename"] == "bao-cao.pdf" and answer["body"] == "Báo cáo kèm theo"
    assert client.get(f"{base}/answers/{answer['id']}/file", headers=player_a).content == b"%PDF-1.7 bao cao"
    assert client.get(f"{base}/answers/{answer['id']}/file", headers=player_b).status_code == 404
    empty = client.post(f"{base}/injects/{inject.id}/answer/file", files={"file": ("x.pdf", b"")}, headers=player_b)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"


def test_an_outsider_and_another_kind_of_exercise(client: Any, db: Session) -> None:
    w = make_world(db)
    outsider = api(db, w.outsider)
    inject = released(db, w)
    base = f"/api/v1/exercises/{w.exercise.id}"
    assert client.get(f"{base}/injects", headers=outsider).json() == []  # sees the exercise, not its scenario
    assert client.get(f"{base}/injects/{inject.id}", headers=outsider).status_code == 404
    assert client.post(f"{base}/injects/{inject.id}/answer", json={"body": "x"}, headers=outsider).status_code == 404
    drill = make_world(db, kind="technical")
    r = client.post(
        f"/api/v1/exercises/{drill.exercise.id}/injects", json={"title": "x"}, headers=api(db, drill.organiser)
    )
    assert r.status_code == 409
