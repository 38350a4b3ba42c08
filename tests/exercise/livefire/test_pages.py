"""The live-fire pages: closed to anonymous visitors; an attacker reports a finding through the form
(an out-of-scope target comes back named at its field), another team never sees it, a judge
validates it, the defending organisation sees its task and closes it; the daily summary is the
staff's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.exercise.livefire.helpers import CRITICAL, make_world
from tests.helpers import csrf_from, login


def _as(client: Any, user: Any) -> None:
    client.cookies.clear()
    login(client, user.email, totp_secret=user.totp_secret)


def test_pages_are_closed_to_anonymous_visitors(client: Any, db: Session) -> None:
    w = make_world(db)
    for path in ("findings", "targets", "daily-summary", "findings/1"):
        answer = client.get(f"/exercises/{w.exercise.id}/{path}", follow_redirects=False)
        assert answer.status_code in (302, 303) and "/login" in answer.headers["location"], path
    answer = client.post(f"/exercises/{w.exercise.id}/findings", data={}, follow_redirects=False)
    assert answer.status_code in (302, 303, 403)


def test_a_finding_through_the_pages(client: Any, db: Session) -> None:
    w = make_world(db)
    base = f"/exercises/{w.exercise.id}"
    _as(client, w.a1)
    targets = client.get(f"{base}/targets")
    assert targets.status_code == 200 and "Chỉ tấn công các mục tiêu trong phạm vi" in targets.text
    page = client.get(f"{base}/findings")
    assert page.status_code == 200 and 'data-testid="finding-form"' in page.text
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "target_id": str(w.mail.id),
        "title": "SQL injection ở trang tìm kiếm",
        "vulnerability": "CWE-89",
        "asset": "/tim-kiem?q=",
        "proof": "q=' OR 1=1--",
        "cvss_vector": CRITICAL,
    }
    refused = client.post(f"{base}/findings", data=form)
    assert refused.status_code == 422
    assert 'id="livefire-finding-target_id-e"' in refused.text and "SQL injection ở trang tìm kiếm" in refused.text
    sent = client.post(f"{base}/findings", data={**form, "target_id": str(w.portal.id)}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    finding_url = sent.headers["location"]
    assert client.get(finding_url).status_code == 200

    _as(client, w.b1)
    assert client.get(finding_url).status_code == 404
    assert "SQL injection ở trang tìm kiếm" not in client.get(f"{base}/findings").text
    assert client.get(f"{base}/daily-summary").status_code == 403

    _as(client, w.judge)
    queue = client.get(f"{base}/findings")
    assert 'data-testid="judge-queue"' in queue.text and "SQL injection ở trang tìm kiếm" in queue.text
    detail = client.get(finding_url)
    validated = client.post(
        f"{finding_url}/validate", data={"csrf_token": csrf_from(detail.text), "severity": ""}, follow_redirects=False
    )
    assert validated.status_code == 303
    assert client.get(f"{base}/daily-summary").status_code == 200

    _as(client, w.defender_admin)
    tasks = client.get(f"{base}/findings")
    assert 'data-testid="task-row"' in tasks.text and "SQL injection ở trang tìm kiếm" in tasks.text
    detail = client.get(finding_url)
    assert "Đội tấn công Bắc Ninh" not in detail.text  # who found it is not told
    bad = client.post(f"{finding_url}/remediation", data={"csrf_token": csrf_from(detail.text), "status": "fixed"})
    assert bad.status_code == 422 and 'id="livefire-remediation-note-e"' in bad.text
    closed = client.post(
        f"{finding_url}/remediation",
        data={"csrf_token": csrf_from(detail.text), "status": "fixed", "note": "Đã dùng truy vấn tham số hoá"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert 'data-status="fixed"' in client.get(finding_url).text

    _as(client, w.outsider)
    assert client.get(finding_url).status_code == 404
