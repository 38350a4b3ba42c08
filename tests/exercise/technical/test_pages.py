"""The technical drill's pages: the board, a challenge with its flag form (wrong, then right), hint
unlock with its cost confirmed, the organisers' forms, the CTFd import page; anonymous visitors are
sent to log in, others' teams and outsiders are refused, bad input comes back on its field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.models import Challenge, ChallengeFlag
from tests.exercise.ctfd_fixture import build_ctfd_zip
from tests.exercise.technical.helpers import make_challenge, make_drill
from tests.helpers import csrf_from, login


def _login(client: Any, user: Any) -> None:
    login(client, user.email, totp_secret=user.totp_secret)


def test_pages_send_anonymous_visitors_to_log_in(client: Any) -> None:
    for path in (
        "/exercises/1/challenges",
        "/exercises/1/challenges/1",
        "/exercises/1/challenges/new",
        "/exercises/import-ctfd",
        "/exercises/1/challenges/1/edit",
        "/exercises/1/challenges/1/files/1",
    ):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert client.post("/exercises/1/challenges/1/submit", data={"flag": "x"}).status_code in (303, 403)


def test_a_team_member_answers_wrong_then_right(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d, hints=[{"content": "Thử **SQL injection**", "cost": 0}])
    _login(client, d.players[0])
    board = client.get(f"/exercises/{d.exercise.id}/challenges")
    assert board.status_code == 200 and 'data-name="Login Bypass" data-solved="no"' in board.text
    page = client.get(f"/exercises/{d.exercise.id}/challenges/{c.id}")
    assert "<strong>không cần</strong>" in page.text
    token = csrf_from(page.text)
    url = f"/exercises/{d.exercise.id}/challenges/{c.id}/submit"
    wrong = client.post(url, data={"flag": "CSIRT{nope}", "csrf_token": token})
    assert wrong.status_code == 422 and ("Incorrect." in wrong.text or "Sai." in wrong.text)
    assert 'value="CSIRT{nope}"' in wrong.text
    right = client.post(url, data={"flag": "CSIRT{0r_1=1}", "csrf_token": token})
    assert right.status_code == 303
    after = client.get(f"/exercises/{d.exercise.id}/challenges")
    assert 'data-name="Login Bypass" data-solved="yes"' in after.text and 'data-testid="first-blood"' in after.text
    # The free hint: unlocking asks to confirm its cost.
    page = client.get(f"/exercises/{d.exercise.id}/challenges/{c.id}")
    hint_id = int(re.search(r'id="hint-(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    unlock = f"/exercises/{d.exercise.id}/challenges/{c.id}/hints/{hint_id}/unlock"
    refused = client.post(unlock, data={"csrf_token": token})
    assert refused.status_code == 422 and "SQL injection" not in refused.text
    done = client.post(unlock, data={"csrf_token": token, "confirm": "on"})
    assert done.status_code == 303
    assert "<strong>SQL injection</strong>" in client.get(f"/exercises/{d.exercise.id}/challenges/{c.id}").text


def test_other_people_cannot_answer_for_a_team(client: Any, db: Session) -> None:
    d = make_drill(db)
    c = make_challenge(db, d)
    _login(client, d.outsider)
    page = client.get(f"/exercises/{d.exercise.id}/challenges/{c.id}")
    assert page.status_code == 200 and 'data-testid="flag-form"' not in page.text
    r = client.post(
        f"/exercises/{d.exercise.id}/challenges/{c.id}/submit",
        data={"flag": "CSIRT{0r_1=1}", "csrf_token": csrf_from(page.text)},
    )
    assert r.status_code == 403
    assert client.get(f"/exercises/{d.exercise.id}/challenges/new").status_code == 403
    assert client.get("/exercises/import-ctfd").status_code == 403


def test_organisers_create_a_challenge_and_its_flag_is_hashed(client: Any, db: Session) -> None:
    d = make_drill(db)
    _login(client, d.organiser)
    form = client.get(f"/exercises/{d.exercise.id}/challenges/new")
    token = csrf_from(form.text)
    url = f"/exercises/{d.exercise.id}/challenges/new"
    bad = client.post(url, data={"csrf_token": token, "name": "", "function": "linear", "value": "abc", "minimum": "5"})
    assert bad.status_code == 422 and 'id="challenge-name"' in bad.text and 'aria-invalid="true"' in bad.text
    ok = client.post(url, data={
        "csrf_token": token, "name": "Pcap Hunt", "category": "Forensics", "description": "Tìm cờ trong **pcap**.",
        "function": "linear", "value": "300", "decay": "50", "minimum": "100", "max_attempts": "0", "position": "0",
        "flag": "CSIRT{dns_tunnel}", "flag_kind": "static", "flag_case_insensitive": "on",
    })  # fmt: skip
    assert ok.status_code == 303, ok.text
    challenge = db.scalars(select(Challenge).where(Challenge.name == "Pcap Hunt")).one()
    flag = db.scalars(select(ChallengeFlag).where(ChallengeFlag.challenge_id == challenge.id)).one()
    assert flag.case_insensitive and "dns_tunnel" not in flag.digest
    page = client.get(ok.headers["location"])
    assert "dns_tunnel" not in page.text and 'data-testid="organiser-tools"' in page.text
    bad_regex = client.post(
        f"/exercises/{d.exercise.id}/challenges/{challenge.id}/flags",
        data={"csrf_token": token, "content": "CSIRT{(", "kind": "regex"},
    )
    assert bad_regex.status_code == 422, bad_regex.text
    assert "Không phải biểu thức chính quy" in bad_regex.text


def test_the_import_page_imports_a_ctfd_backup(client: Any, db: Session, tmp_path: Path) -> None:
    d = make_drill(db)
    _login(client, d.organiser)
    token = csrf_from(client.get("/exercises/import-ctfd").text)
    zipped = build_ctfd_zip(tmp_path / "backup.zip").read_bytes()
    r = client.post(
        "/exercises/import-ctfd",
        data={"csrf_token": token, "title": "CTFd 2026"},
        files={"file": ("backup.zip", zipped, "application/zip")},
    )
    assert r.status_code == 303 and re.fullmatch(r"/exercises/\d+/scoreboard", r.headers["location"])
    bad = client.post(
        "/exercises/import-ctfd", data={"csrf_token": token}, files={"file": ("x.zip", b"nope", "application/zip")}
    )
    assert bad.status_code == 422 and "x.zip" in bad.text
