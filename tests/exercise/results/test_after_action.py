"""The after-action report: its organisers write the summary, strengths, weaknesses and lessons;
the timeline comes from what the exercise kept; publishing turns each lesson into a knowledge-base
entry (the exercise's TLP, the organiser's organisation, tagged) and, for a lesson naming a member,
a readiness item in that member's record, shown on its readiness page. Others may not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.cluster.knowledge import service as knowledge
from csirtnet.errors import Conflict, Forbidden
from csirtnet.exercise.results import after_action, readiness, reads
from csirtnet.exercise.results.schemas import AfterActionUpdate, LessonCreate, LessonUpdate
from csirtnet.models import Inject, KnowledgeDocument, ReadinessAction, ReadinessRecord
from tests.exercise.results.helpers import finished_drill, make_world
from tests.helpers import login
from tests.incident.helpers import who


def test_write_publish_and_follow_up_the_lessons(db: Session, client: Any) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=6, third=2, kind="tabletop")
    assert drill.starts_at is not None
    db.add(
        Inject(exercise_id=drill.id, title="Mã độc tống tiền tại Sở", released_at=drill.starts_at + timedelta(hours=1))
    )
    db.flush()
    coord = who(w.coordinator)
    after_action.save_report(
        db, coord, drill.id, AfterActionUpdate(summary="Tổng kết", strengths="Phối hợp tốt", weaknesses="Chậm báo cáo")
    )
    general = after_action.add_lesson(db, coord, drill.id, LessonCreate(title="Rà soát kênh liên lạc 24/7"))
    for_one = after_action.add_lesson(
        db,
        coord,
        drill.id,
        LessonCreate(
            title="Sao lưu ngoại tuyến", body="Kiểm tra khôi phục hằng quý", organisation_id=w.provinces[2].id
        ),
    )
    report = reads.after_action_read(db, coord, drill.id, "en")
    assert (report.summary, report.strengths, report.weaknesses) == ("Tổng kết", "Phối hợp tốt", "Chậm báo cáo")
    texts = [e.text for e in report.timeline]
    assert texts[:2] == ["The exercise started", "Inject released: Mã độc tống tiền tại Sở"]
    assert report.results[2].placement == "3rd of 6"

    summary = after_action.publish(db, coord, drill.id)
    assert summary.published == 2 and len(summary.readiness_action_ids) == 1
    docs = db.scalars(select(KnowledgeDocument).where(KnowledgeDocument.id.in_(summary.knowledge_document_ids))).all()
    assert {d.title_vi for d in docs} == {general.title, for_one.title}
    assert all(d.tlp == "green" and "lesson" in d.tags and "exercise" in d.tags for d in docs)
    assert all(d.organisation_id == w.coordinating_body.id and d.kind == "lessons_learned" for d in docs)
    # the knowledge base's own search finds them, for a member too
    found = db.scalars(knowledge.search(db, who(w.responders[0]), q="sao luu ngoai tuyen")).all()
    assert [d.title_vi for d in found] == ["Sao lưu ngoại tuyến"]
    action = db.get(ReadinessAction, summary.readiness_action_ids[0])
    assert action is not None and action.title == "Sao lưu ngoại tuyến" and action.exercise_id == drill.id
    record = db.get(ReadinessRecord, action.record_id)
    assert record is not None and record.organisation_id == w.provinces[2].id
    assert record.year == readiness.held_on(drill).year

    with pytest.raises(Conflict):
        after_action.publish(db, coord, drill.id)  # nothing new
    with pytest.raises(Conflict):
        after_action.update_lesson(db, coord, drill.id, for_one.id, LessonUpdate(title="Đổi tên"))
    with pytest.raises(Conflict):
        after_action.remove_lesson(db, coord, drill.id, general.id)

    login(client, w.admins[2].email, totp_secret=w.admins[2].totp_secret)
    page = client.get(f"/readiness/{w.provinces[2].id}/{record.year}?lang=en")
    assert 'data-testid="readiness-action"' in page.text and "Sao lưu ngoại tuyến" in page.text


def test_only_organisers_write_and_only_staff_read(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=3, third=2)
    with pytest.raises(Forbidden):
        after_action.save_report(db, who(w.admins[2]), drill.id, AfterActionUpdate(summary="x"))
    with pytest.raises(Forbidden):
        after_action.add_lesson(db, who(w.admins[2]), drill.id, LessonCreate(title="Bài học"))
    with pytest.raises(Forbidden):
        reads.after_action_read(db, who(w.responders[2]), drill.id)
    lesson = after_action.add_lesson(db, who(w.coordinator), drill.id, LessonCreate(title="Bài học một"))
    changed = after_action.update_lesson(
        db,
        who(w.coordinator),
        drill.id,
        lesson.id,
        LessonUpdate(title="Bài học hai", organisation_id=w.provinces[0].id),
    )
    assert (changed.title, changed.organisation_id) == ("Bài học hai", w.provinces[0].id)
    after_action.remove_lesson(db, who(w.coordinator), drill.id, lesson.id)
    assert reads.lessons(db, who(w.coordinator), drill.id) == []
