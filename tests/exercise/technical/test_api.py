"""The technical drill's API: closed to anonymous callers; organisers prepare, teams play; a team
never sees another team's attempts nor a hidden challenge; wrong answers say "incorrect" only; the
rate limit and the attempt limit hold; bad input is named by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.models import Award, Submission
from tests.exercise.ctfd_fixture import build_ctfd_zip, expected_scoreboard
from tests.exercise.technical.helpers import make_challenge, make_drill
from tests.incident.helpers import api

ROUTES = [
    ("post", "/api/v1/exercises/import-ctfd"),
    ("get", "/api/v1/exercises/1/challenges"),
    ("post", "/api/v1/exercises/1/challenges"),
    ("get", "/api/v1/exercises/1/challenges/1"),
    ("patch", "/api/v1/exercises/1/challenges/1"),
    ("delete", "/api/v1/exercises/1/challenges/1"),
    ("get", "/api/v1/exercises/1/challenges/1/flags"),
    ("post", "/api/v1/exercises/1/challenges/1/flags"),
    ("delete", "/api/v1/exercises/1/challenges/1/flags/1"),
    ("post", "/api/v1/exercises/1/challenges/1/hints"),
    ("patch", "/api/v1/exercises/1/challenges/1/hints/1"),
    ("delete", "/api/v1/exercises/1/challenges/1/hints/1"),
    ("post", "/api/v1/exercises/1/hints/1/unlock"),
    ("post", "/api/v1/exercises/1/challenges/1/files"),
    ("get", "/api/v1/exercises/1/challenges/1/files/1"),
    ("delete", "/api/v1/exercises/1/challenges/1/files/1"),
    ("post", "/api/v1/exercises/1/challenges/1/submissions"),
    ("get", "/api/v1/exercises/1/submissions"),
    ("get", "/api/v1/exercises/1/solves"),
]


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    for method, path in ROUTES:
        assert getattr(client, method)(path).status_code == 401, (method, path)


def _submit(client: Any, headers: dict[str, str], eid: int, cid: int, flag: str) -> Any:
    return client.post(f"/api/v1/exercises/{eid}/challenges/{cid}/submissions", json={"flag": flag}, headers=headers)


def test_organisers_prepare_and_a_team_solves(client: Any, db: Session) -> None:
    d = make_drill(db)
    org, p1, p2 = api(db, d.organiser), api(db, d.players[0]), api(db, d.players[1])
    eid = d.exercise.id
    body = {
        "name": "Cookie Monster",
        "category": "Web",
        "description": "Tìm **cookie**.",
        "function": "linear",
        "value": 300,
        "decay": 80,
        "minimum": 150,
        "flags": [{"content": "CSIRT{c00k13}", "case_insensitive": True}],
        "hints": [{"content": "Nhìn vào header Set-Cookie.", "cost": 0}],
    }
    created = client.post(f"/api/v1/exercises/{eid}/challenges", json=body, headers=org)
    assert created.status_code == 201, created.text
    challenge = created.json()
    assert challenge["value"] == 300 and challenge["description_html"] == "<p>Tìm <strong>cookie</strong>.</p>\n"
    assert challenge["flags"] == [
        {
            "id": challenge["flags"][0]["id"],
            "kind": "static",
            "case_insensitive": True,
            "team_id": None,
            "pattern": None,
        }
    ]
    assert "c00k13" not in created.text
    cid = challenge["id"]
    # A team sees it, without flags; the hint's text only once unlocked.
    seen = client.get(f"/api/v1/exercises/{eid}/challenges/{cid}", headers=p1).json()
    assert seen["flags"] is None and seen["hints"][0]["content"] is None and not seen["solved"]
    wrong = _submit(client, p1, eid, cid, "CSIRT{cookie}")
    assert (
        wrong.status_code == 200 and wrong.json()["status"] == "incorrect" and wrong.json()["message"] == "Incorrect."
    )
    right = _submit(client, p1, eid, cid, "  csirt{C00K13} ")
    assert right.json() | {"team_id": 0} == {
        "status": "correct",
        "message": "Correct.",
        "challenge_id": cid,
        "team_id": 0,
        "value": 300,
        "first_blood": True,
        "attempts_left": None,
    }
    assert _submit(client, p1, eid, cid, "CSIRT{c00k13}").json()["status"] == "already_solved"
    second = _submit(client, p2, eid, cid, "CSIRT{c00k13}").json()
    assert second["status"] == "correct" and second["value"] == 220 and not second["first_blood"]
    listed = client.get(f"/api/v1/exercises/{eid}/challenges", headers=p1).json()
    assert [(c["name"], c["value"], c["solves"], c["solved"], c["first_blood"]) for c in listed] == [
        ("Cookie Monster", 220, 2, True, "Bắc Kạn")
    ]
    solves = client.get(f"/api/v1/exercises/{eid}/solves", headers=d_outsider(db, d)).json()
    assert [(s["team"], s["first_blood"]) for s in solves] == [("Bắc Kạn", True), ("Cao Bằng", False)]
    # Only the digest of what was typed is kept.
    digests = db.scalars(select(Submission.provided_digest).where(Submission.exercise_id == eid)).all()
    assert len(digests) == 3 and all(len(x) == 64 for x in digests)


def d_outsider(db: Session, d: Any) -> dict[str, str]:
    return api(db, d.outsider)


def test_a_team_sees_its_own_attempts_only(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d)
    p1, p2, org = api(db, d.players[0]), api(db, d.players[1]), api(db, d.organiser)
    eid = d.exercise.id
    _submit(client, p1, eid, c.id, "guess one")
    _submit(client, p2, eid, c.id, "guess two")
    mine = client.get(f"/api/v1/exercises/{eid}/submissions", headers=p1).json()["items"]
    assert [(s["team"], s["correct"]) for s in mine] == [("Bắc Kạn", False)]
    assert "guess" not in str(mine)
    other = client.get(f"/api/v1/exercises/{eid}/submissions?team_id={d.teams[1].id}", headers=p1).json()
    assert other["items"] == []
    assert client.get(f"/api/v1/exercises/{eid}/submissions", headers=d_outsider(db, d)).json()["items"] == []
    assert len(client.get(f"/api/v1/exercises/{eid}/submissions", headers=org).json()["items"]) == 2


def test_a_hidden_challenge_is_not_there_for_teams(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d, hidden=True)
    p1, org = api(db, d.players[0]), api(db, d.organiser)
    eid = d.exercise.id
    assert client.get(f"/api/v1/exercises/{eid}/challenges", headers=p1).json() == []
    assert client.get(f"/api/v1/exercises/{eid}/challenges/{c.id}", headers=p1).status_code == 404
    assert _submit(client, p1, eid, c.id, "CSIRT{0r_1=1}").status_code == 404
    assert [x["hidden"] for x in client.get(f"/api/v1/exercises/{eid}/challenges", headers=org).json()] == [True]
    shown = client.patch(f"/api/v1/exercises/{eid}/challenges/{c.id}", json={"hidden": False}, headers=org)
    assert shown.status_code == 200 and not shown.json()["hidden"]
    assert _submit(client, p1, eid, c.id, "CSIRT{0r_1=1}").json()["status"] == "correct"


def test_before_the_start_the_challenges_are_the_staffs(client: Any, db: Session) -> None:
    d = make_drill(db, status="published")
    c = make_challenge(db, d)
    p1 = api(db, d.players[0])
    eid = d.exercise.id
    assert client.get(f"/api/v1/exercises/{eid}/challenges", headers=p1).json() == []
    refused = _submit(client, p1, eid, c.id, "CSIRT{0r_1=1}")
    assert refused.status_code == 403 and refused.json()["detail"] == "The exercise is not running."


def test_the_rate_limit_answers_429_with_retry_after(client: Any, db: Session) -> None:
    d = make_drill(db, attempts_per_minute=3)
    c = make_challenge(db, d)
    p1, p2 = api(db, d.players[0]), api(db, d.players[1])
    eid = d.exercise.id
    for n in range(3):
        assert _submit(client, p1, eid, c.id, f"guess {n}").json()["status"] == "incorrect"
    limited = _submit(client, p1, eid, c.id, "CSIRT{0r_1=1}")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "wait" in limited.json()["detail"]
    assert _submit(client, p2, eid, c.id, "CSIRT{0r_1=1}").json()["status"] == "correct"  # per team


def test_max_attempts_stop_a_team(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d, max_attempts=2)
    p1 = api(db, d.players[0])
    eid = d.exercise.id
    assert _submit(client, p1, eid, c.id, "one").json()["attempts_left"] == 1
    assert _submit(client, p1, eid, c.id, "two").json()["attempts_left"] == 0
    refused = _submit(client, p1, eid, c.id, "CSIRT{0r_1=1}")
    assert refused.status_code == 409 and "no attempts left" in refused.json()["detail"]


def test_hints_cost_points_once_and_not_beyond_the_score(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d, hints=[{"content": "Thử `' OR 1=1 --`", "cost": 30}])
    c2 = make_challenge(db, d, name="Free", value=50, flags=[{"content": "CSIRT{free}"}])
    p1 = api(db, d.players[0])
    eid = d.exercise.id
    hint_id = client.get(f"/api/v1/exercises/{eid}/challenges/{c.id}", headers=p1).json()["hints"][0]["id"]
    poor = client.post(f"/api/v1/exercises/{eid}/hints/{hint_id}/unlock", json={}, headers=p1)
    assert poor.status_code == 409 and "not have enough points" in poor.json()["detail"]
    _submit(client, p1, eid, c2.id, "CSIRT{free}")
    paid = client.post(f"/api/v1/exercises/{eid}/hints/{hint_id}/unlock", json={}, headers=p1)
    assert paid.status_code == 200 and paid.json()["content"] == "Thử `' OR 1=1 --`"
    again = client.post(f"/api/v1/exercises/{eid}/hints/{hint_id}/unlock", json={}, headers=p1)
    assert again.status_code == 200
    assert db.scalars(select(Award.value).where(Award.exercise_id == eid)).all() == [-30]
    shown = client.get(f"/api/v1/exercises/{eid}/challenges/{c.id}", headers=p1).json()["hints"][0]
    assert shown["unlocked"] and shown["content"] == "Thử `' OR 1=1 --`"
    other = client.get(f"/api/v1/exercises/{eid}/challenges/{c.id}", headers=api(db, d.players[1])).json()
    assert other["hints"][0]["content"] is None


def test_people_outside_the_team_or_the_staff_are_refused(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d)
    out, p1 = d_outsider(db, d), api(db, d.players[0])
    eid = d.exercise.id
    assert _submit(client, out, eid, c.id, "CSIRT{0r_1=1}").status_code == 403
    bad_team = client.post(
        f"/api/v1/exercises/{eid}/challenges/{c.id}/submissions",
        json={"flag": "CSIRT{0r_1=1}", "team_id": d.teams[1].id},
        headers=p1,
    )
    assert bad_team.status_code == 403
    for who in (out, p1):
        assert (
            client.post(f"/api/v1/exercises/{eid}/challenges", json={"name": "x", "value": 1}, headers=who).status_code
            == 403
        )
        assert (
            client.patch(f"/api/v1/exercises/{eid}/challenges/{c.id}", json={"hidden": True}, headers=who).status_code
            == 403
        )
        assert client.get(f"/api/v1/exercises/{eid}/challenges/{c.id}/flags", headers=who).status_code == 403
        assert client.delete(f"/api/v1/exercises/{eid}/challenges/{c.id}", headers=who).status_code == 403
    files = {"file": ("backup.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip")}
    assert client.post("/api/v1/exercises/import-ctfd", files=files, headers=p1).status_code == 403


def test_bad_input_is_named_by_field(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d)
    org, p1 = api(db, d.organiser), api(db, d.players[0])
    eid = d.exercise.id
    bad = client.post(
        f"/api/v1/exercises/{eid}/challenges",
        json={"name": "", "value": -1, "function": "cubic", "flags": [{"content": "x", "kind": "regex"}]},
        headers=org,
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"body.name", "body.value", "body.function"} <= fields or {"name", "value", "function"} <= fields
    regex = client.post(
        f"/api/v1/exercises/{eid}/challenges",
        json={"name": "Re", "value": 10, "flags": [{"content": "CSIRT{(", "kind": "regex"}]},
        headers=org,
    )
    assert regex.status_code == 422 and regex.json()["errors"][0]["field"] == "flags.0.content"
    floor = client.post(
        f"/api/v1/exercises/{eid}/challenges",
        json={"name": "Dyn", "value": 100, "function": "linear", "decay": 10, "minimum": 200},
        headers=org,
    )
    assert floor.status_code == 422 and floor.json()["errors"][0]["field"] == "minimum"
    empty = _submit(client, p1, eid, c.id, "")
    assert empty.status_code == 422
    long = _submit(client, p1, eid, c.id, "x" * 1001)
    assert long.status_code == 422
    assert client.get(f"/api/v1/exercises/{eid}/challenges/999999", headers=p1).status_code == 404
    assert client.get(f"/api/v1/exercises/{eid}/submissions?cursor=!!", headers=p1).status_code == 422
    notzip = client.post(
        "/api/v1/exercises/import-ctfd", files={"file": ("x.zip", b"hello", "application/zip")}, headers=org
    )
    assert notzip.status_code == 422 and notzip.json()["errors"] == [
        {"field": "file", "message": "x.zip: not a zip file"}
    ]


def test_files_are_sent_as_attachments_to_those_who_see_the_challenge(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d)
    org, p1 = api(db, d.organiser), api(db, d.players[0])
    eid = d.exercise.id
    up = client.post(
        f"/api/v1/exercises/{eid}/challenges/{c.id}/files",
        files={"file": ("../../capture.pcap", b"\xd4\xc3\xb2\xa1pcap", "application/vnd.tcpdump.pcap")},
        headers=org,
    )
    assert up.status_code == 201 and up.json()["filename"] == "capture.pcap"
    fid = up.json()["id"]
    got = client.get(f"/api/v1/exercises/{eid}/challenges/{c.id}/files/{fid}", headers=p1)
    assert got.status_code == 200 and got.content == b"\xd4\xc3\xb2\xa1pcap"
    assert got.headers["content-disposition"].startswith("attachment")
    client.patch(f"/api/v1/exercises/{eid}/challenges/{c.id}", json={"hidden": True}, headers=org)
    assert client.get(f"/api/v1/exercises/{eid}/challenges/{c.id}/files/{fid}", headers=p1).status_code == 404


def test_import_ctfd_through_the_api(client: Any, db: Session, tmp_path: Path) -> None:
    d = make_drill(db)
    org = api(db, d.organiser)
    path = build_ctfd_zip(tmp_path / "backup.zip")
    r = client.post(
        "/api/v1/exercises/import-ctfd",
        files={"file": ("backup.zip", path.read_bytes(), "application/zip")},
        data={"title": "CTFd 2026"},
        headers=org,
    )
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["title"] == "CTFd 2026" and report["solves"] == 28
    solves = client.get(f"/api/v1/exercises/{report['exercise_id']}/solves", headers=org).json()
    assert len(solves) == 28
    teams = {
        s["team"]
        for s in client.get(f"/api/v1/exercises/{report['exercise_id']}/solves", headers=d_outsider(db, d)).json()
    }
    assert teams == {name for _, name, _ in expected_scoreboard()}  # hidden Hung Yen is not shown
