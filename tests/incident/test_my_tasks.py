"""My tasks: every task a person owns or is assigned, across the incidents they may see, with the
open / finished / overdue filters; a task on an incident they cannot open is not listed."""

from __future__ import annotations

import re
from datetime import timedelta

from csirtnet.identity.service import subject_for
from csirtnet.incident import reads, task_service
from csirtnet.incident.schemas import TaskCreate, TaskUpdate
from csirtnet.kit.time import utcnow
from tests.helpers import login
from tests.incident.helpers import coordinator, member, open_incident


def _titles(html: str) -> list[str]:
    return re.findall(r'data-testid="my-task" data-title="([^"]+)"', html)


def test_my_tasks_lists_what_i_own_or_am_assigned_most_urgent_first(client, db) -> None:
    coord, me, colleague = coordinator(db), member(db), member(db)
    first = open_incident(db, coord, me, title="Sự cố thứ nhất")
    second = open_incident(db, coord, me, title="Sự cố thứ hai")
    elsewhere = open_incident(db, coord, member(db), title="Sự cố của tổ chức khác")
    now = utcnow()
    by = subject_for(coord)
    task_service.create(db, by, first.id, TaskCreate(title="Viết báo cáo", owner_id=me.id))
    task_service.create(
        db, by, second.id, TaskCreate(title="Chặn địa chỉ C2", assignee_ids=[me.id], due_at=now - timedelta(hours=26))
    )
    task_service.create(
        db, by, first.id, TaskCreate(title="Gọi nhà mạng", owner_id=me.id, due_at=now + timedelta(hours=2))
    )
    done = task_service.create(db, by, second.id, TaskCreate(title="Sao lưu nhật ký", owner_id=me.id))
    task_service.update(db, by, second.id, done.id, TaskUpdate(status="done"))
    task_service.create(db, by, first.id, TaskCreate(title="Việc của đồng nghiệp", owner_id=colleague.id))
    # Owned by me on an incident I may not open: not mine to see.
    task_service.create(db, by, elsewhere.id, TaskCreate(title="Không được thấy", owner_id=me.id))
    db.flush()
    login(client, me.email)
    page = client.get("/incidents/tasks?lang=en")
    assert page.status_code == 200
    assert _titles(page.text) == ["Chặn địa chỉ C2", "Gọi nhà mạng", "Viết báo cáo"]
    assert "overdue by 1 day 2 hours" in page.text and "(assigned to you)" in page.text
    assert f'href="/incidents/{second.id}#task-' in page.text
    assert _titles(client.get("/incidents/tasks?overdue=1").text) == ["Chặn địa chỉ C2"]
    assert _titles(client.get("/incidents/tasks?status=done").text) == ["Sao lưu nhật ký"]
    assert len(_titles(client.get("/incidents/tasks?status=all").text)) == 4
    assert _titles(client.get("/incidents/tasks?status=nonsense").text) == _titles(page.text)  # the default view
    # The navigation and the incident tabs lead here.
    assert 'href="/incidents/tasks"' in client.get("/incidents").text


def test_tasks_on_incidents_i_cannot_see_are_not_mine_to_list(db) -> None:
    coord, me = coordinator(db), member(db)
    elsewhere = open_incident(db, coord, member(db))
    task_service.create(db, subject_for(coord), elsewhere.id, TaskCreate(title="Không thấy", owner_id=me.id))
    assert reads.my_tasks(db, subject_for(me)) == []
    assert reads.my_tasks(db, subject_for(coord), view="all") == [], "the coordinator neither owns nor holds it"


def test_my_tasks_page_needs_a_login(client) -> None:
    r = client.get("/incidents/tasks")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
