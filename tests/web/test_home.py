"""The home page lists what waits for each person (their tasks, deadlines with how late they are,
reports in triage with their age, support requests to answer, unread notifications); opening or
handling an item reads its notifications; moments are written one way."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import event, select

from csirtnet.identity.service import subject_for
from csirtnet.incident import task_service
from csirtnet.incident.schemas import TaskCreate
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import answers, service
from csirtnet.mobilisation.schemas import DeclineBody
from csirtnet.models import Notification
from tests.helpers import login
from tests.incident.helpers import coordinator, make_report, member, open_incident
from tests.mobilisation.helpers import make_network, request_body, who

SECRET = pyotp.random_base32()
NIS2 = {"deadline_profile_key": "nis2-art23"}


def section(html: str, testid: str) -> str:
    """The text of one section of the home page ('' when it is not shown)."""
    found = re.search(rf'data-testid="{testid}".*?</section>', html, re.DOTALL)
    return re.sub(r"<[^>]+>", " ", found.group(0)) if found else ""


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_responders_home_shows_their_task_and_the_deadline_with_how_late_it_is(client, db) -> None:
    coord = coordinator(db)
    responder = member(db)
    # Detected so long ago that NIS2's 72-hour notification is 2 days 3 hours (and a bit) late.
    detected = utcnow() - timedelta(hours=72) - timedelta(days=2, hours=3, minutes=10)
    incident = open_incident(db, coord, responder, NIS2, title="Tấn công vào cổng dịch vụ công")
    incident.detected_at = detected
    from csirtnet.incident import deadlines

    deadlines.sync(db, incident)
    task_service.create(
        db,
        subject_for(coord),
        incident.id,
        TaskCreate(title="Thu thập nhật ký máy chủ web", owner_id=responder.id, due_at=utcnow() + timedelta(hours=5)),
    )
    login(client, responder.email)
    home = client.get("/?lang=en")
    tasks, due = words(section(home.text, "needs-tasks")), words(section(home.text, "needs-deadlines"))
    assert "Thu thập nhật ký máy chủ web" in tasks and incident.reference in tasks
    assert re.search(r"Due \d{1,2} \w{3,4} \d{4}, \d{2}:\d{2} — in (4 hours 5\d minutes|5 hours)", tasks), tasks
    assert "Incident notification within 72 hours" in due and "overdue by 2 days 3 hours" in due, due
    assert 'href="/incidents/tasks"' in home.text  # the whole list, from the home page and the menu
    # The incident page says how late too, in Vietnamese as well.
    page = client.get(f"/incidents/{incident.id}?lang=vi")
    assert "quá hạn 2 ngày 3 tiếng" in page.text


def test_a_coordinators_home_shows_the_triage_queue_with_each_reports_age(client, db) -> None:
    coord = coordinator(db, totp_secret=SECRET)
    report = make_report(db, member(db), title="Máy chủ thư bị chiếm quyền")
    report.reported_at = utcnow() - timedelta(hours=3, minutes=20)
    db.flush()
    login(client, coord.email, totp_secret=SECRET)
    home = client.get("/?lang=en")
    queue = words(section(home.text, "needs-queue"))
    assert "Máy chủ thư bị chiếm quyền" in queue and "waiting 3 hours 20 minutes" in queue, queue
    assert f'href="/incidents/reports/{report.id}"' in home.text
    assert "1 report waiting for triage" in home.text  # the line of counts
    listed = client.get("/incidents/reports?lang=vi")
    assert "đã chờ 3 tiếng 20 phút" in listed.text


def test_an_org_admins_home_shows_the_support_request_until_it_is_answered(client, db) -> None:
    net = make_network(db, totp_secret=SECRET)
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body())
    login(client, net.fpt_admin.email, totp_secret=SECRET)
    home = client.get("/?lang=en")
    asked = words(section(home.text, "needs-requests"))
    assert request.summary in asked and "1 expert needed" in asked and "Answer by" in asked
    assert f'href="/mobilisation/requests/{request.id}"' in home.text
    unread = db.scalars(
        select(Notification).where(Notification.user_id == net.fpt_admin.id, Notification.read_at.is_(None))
    ).all()
    assert [n.event_type for n in unread] == ["mobilisation.request_received"]
    # Declining is handling it: the request and its notification leave the home page.
    answers.decline(db, who(net.fpt_admin), request.id, DeclineBody(reason="Chuyên gia đang bận diễn tập"))
    db.expire_all()
    home = client.get("/?lang=en")
    assert section(home.text, "needs-requests") == "" and section(home.text, "needs-unread") == ""


def test_a_viewer_with_nothing_to_do_is_told_so(client, db) -> None:
    from csirtnet.vocabulary import Role

    viewer = member(db, role=Role.VIEWER)
    login(client, viewer.email)
    home = client.get("/?lang=en")
    assert 'data-testid="nothing-waits"' in home.text
    assert "needs-tasks" not in home.text and "needs-deadlines" not in home.text


def test_opening_the_page_a_notification_links_to_reads_it_with_one_update(client, db, database) -> None:
    coord, responder = coordinator(db), member(db)
    incident = open_incident(db, coord, responder)
    other = open_incident(db, coord, responder)
    for target in (incident, other):
        task_service.create(db, subject_for(coord), target.id, TaskCreate(title="Rà soát", owner_id=responder.id))
    db.flush()
    login(client, responder.email)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    engine = database.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        first = client.get(f"/incidents/{incident.id}")
        opened = list(statements)
        statements.clear()
        again = client.get(f"/incidents/{incident.id}")
        later = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert first.status_code == again.status_code == 200
    updates = [s for s in opened if s.startswith("UPDATE notification")]
    assert len(updates) == 1 and len(opened) == len(later) + 1, "one UPDATE, and no other statement"
    assert not [s for s in later if s.startswith("UPDATE notification")]
    db.expire_all()
    unread = db.scalars(
        select(Notification.link).where(Notification.user_id == responder.id, Notification.read_at.is_(None))
    ).all()
    assert set(unread) == {f"/incidents/{other.id}"}, "only the notifications about the page opened are read"
    bell = re.search(r"data-unread-count[^>]*>(\d+)<", first.text)
    assert bell and int(bell.group(1)) == len(unread), "the bell counts what is left"


def test_a_notification_pointing_into_a_page_is_read_when_the_page_opens(client, db) -> None:
    coord, responder = coordinator(db), member(db)
    incident = open_incident(db, coord, responder)
    db.add(
        Notification(
            user_id=responder.id,
            event_type="incident.mentioned",
            params={},
            link=f"/incidents/{incident.id}#discussion",
        )
    )
    db.add(
        Notification(
            user_id=responder.id, event_type="incident.mentioned", params={}, link=f"/incidents/{incident.id}0"
        )
    )
    db.flush()
    login(client, responder.email)
    client.get(f"/incidents/{incident.id}")
    db.expire_all()
    unread = db.scalars(
        select(Notification.link).where(Notification.user_id == responder.id, Notification.read_at.is_(None))
    ).all()
    assert unread == [f"/incidents/{incident.id}0"]


def test_pages_write_moments_one_way(client, db) -> None:
    coord, responder = coordinator(db), member(db)
    incident = open_incident(db, coord, responder)
    login(client, responder.email)
    for lang, pattern in (
        ("vi", r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"),
        ("en", r"\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2}"),
    ):
        page = client.get(f"/incidents/{incident.id}?lang={lang}")
        text = re.sub(r"<[^>]+>", " ", page.text)
        assert re.search(pattern, text)
        assert not re.search(r"\d{2}:\d{2}:\d{2}", text), "no seconds"
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b", text), "no two-digit years"
        assert "thg" not in text, "no Babel 'medium' month names"
