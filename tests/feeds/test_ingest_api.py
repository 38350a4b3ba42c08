"""Members' sensors post events to an API source (POST /api/v1/feeds/{source_id}/events): JSON lines or
a JSON array, processed while the request waits and answered with the run's counts; a bad line is
quarantined with its line number and never fails the others; only `feeds:submit` holders of the
source's submitter organisations may post; the body's type and size are checked."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.feeds import service
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.models import FeedQuarantine, FeedRun
from csirtnet.vocabulary import Role
from tests.factories import make_user
from tests.feeds.stored import stored_events
from tests.feeds.test_sources import PLATFORM, api_source, event_line, jsonl, make_world, source_body
from tests.incident.helpers import api


def _post(
    client: Any, source_id: int, headers: dict[str, str], data: bytes, media: str = "application/x-ndjson"
) -> Any:
    return client.post(f"/api/v1/feeds/{source_id}/events", content=data, headers={**headers, "Content-Type": media})


def test_a_sensor_posts_json_lines_and_a_bad_line_is_quarantined(client: Any, db: Session) -> None:
    w = make_world(db)
    source = api_source(db)
    a1 = api(db, w.a1)
    db.commit()
    body = jsonl(
        event_line("10.0.0.5"), {**event_line("10.0.0.6"), "source.port": 70000}, "[1,", event_line("198.51.100.7")
    )
    r = _post(client, source.id, a1, body)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["origin"] == "api" and run["status"] == "done" and run["source_name"] == "Sensors"
    assert (run["events"], run["matched"], run["unmatched"], run["quarantined"]) == (2, 1, 1, 2)
    assert run["submitter_org_id"] == w.org_a.id and run["started_by_id"] == w.a1.id
    lines = sorted(q.line for q in db.scalars(select(FeedQuarantine).where(FeedQuarantine.run_id == run["id"])))
    assert lines == [2, 3]
    # the member reads its own event back; the unmatched one is the coordinating body's
    mine = client.get("/api/v1/feed-events", headers=a1).json()["items"]
    assert [e["source_ip"] for e in mine] == ["10.0.0.5"]


def test_a_json_array_is_one_event_an_element(client: Any, db: Session) -> None:
    w = make_world(db)
    source = api_source(db)
    b1 = api(db, w.b1)
    db.commit()
    events = [event_line("172.16.0.1"), event_line("172.16.0.2"), "not an event"]
    r = _post(client, source.id, b1, orjson.dumps(events), "application/json")
    assert r.status_code == 201, r.text
    assert (r.json()["events"], r.json()["matched"], r.json()["quarantined"]) == (2, 2, 1)
    quarantined = db.scalars(select(FeedQuarantine).where(FeedQuarantine.run_id == r.json()["id"])).all()
    assert [q.line for q in quarantined] == [3]


def test_a_body_that_is_no_event_list_is_refused(client: Any, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_world(db)
    source = api_source(db)
    a1 = api(db, w.a1)
    db.commit()
    for data, media, status, field in [
        (b'{"source.ip": "10.0.0.1"}', "application/json", 422, "body"),
        (b"[1, 2", "application/json", 422, "body"),
        (b"\n\n", "application/x-ndjson", 422, "body"),
        (b"10.0.0.1", "text/plain", 415, None),
    ]:
        r = _post(client, source.id, a1, data, media)
        assert r.status_code == status, r.text
        if field:
            assert [e["field"] for e in r.json()["errors"]] == [field]
    monkeypatch.setattr("csirtnet.feeds.endpoints.MAX_POST_BYTES", 100)
    r = _post(client, source.id, a1, jsonl(*[event_line(f"10.0.0.{i}") for i in range(5)]))
    assert r.status_code == 422 and "larger than" in r.text
    assert db.scalar(select(FeedRun.id)) is None


def test_who_may_post(client: Any, db: Session) -> None:
    w = make_world(db)
    only_b = api_source(db, "Only B", submitter_org_ids=[w.org_b.id])
    file_source = service.create_source(db, PLATFORM, source_body())
    viewer = make_user(db, roles=[Role.VIEWER], organisation=w.org_a)
    a1, b1, coord, view = api(db, w.a1), api(db, w.b1), api(db, w.coordinator), api(db, viewer)
    read_only = create_token(db, subject_for(w.b1), w.b1, name="read", scopes=["feeds:read"], expires_in_days=1)
    db.commit()
    body = jsonl(event_line("172.16.0.9"))
    assert _post(client, only_b.id, {}, body).status_code == 401
    assert _post(client, only_b.id, a1, body).status_code == 404  # not one of its submitters
    assert _post(client, only_b.id, view, body).status_code == 403  # reads, never posts
    assert _post(client, only_b.id, {"Authorization": f"Bearer {read_only.token}"}, body).status_code == 403
    assert _post(client, file_source.id, b1, body).status_code == 404  # not an API source
    assert _post(client, 999_999, b1, body).status_code == 404
    assert db.scalar(select(FeedRun.id)) is None
    assert _post(client, only_b.id, b1, body).status_code == 201
    assert _post(client, only_b.id, coord, body).status_code == 201
    stored = [e.organisation_id for e in stored_events(db)]
    assert stored == [w.org_b.id]  # the coordinator's copy was a duplicate within the window
