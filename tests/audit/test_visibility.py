"""Readers of the audit log and of the jobs see a record's content only where they may see its
source (authz.derived): an organisation admin not named on its organisation's TLP:RED incident, or
the platform admin, reads that something happened, when and by whom — never titles, task titles or
observable values, nor the object's id or the record's hash."""

from __future__ import annotations

import uuid

import pyotp

from csirtnet.incident import observables, task_service, triage
from csirtnet.incident.schemas import Classification, ObservableCreate, TaskCreate
from csirtnet.vocabulary import TLP, Role
from tests.factories import make_user
from tests.helpers import login
from tests.incident.helpers import api, coordinator, member, open_incident, who


def _marker(word: str) -> str:
    return f"{word}{uuid.uuid4().hex[:10]}"


def _world(db):  # type: ignore[no-untyped-def]
    coord, reporter = coordinator(db), member(db)
    secret = pyotp.random_base32()
    org_admin = member(db, org=reporter.organisation, role=Role.ORG_ADMIN, totp_secret=secret)
    admin_secret = pyotp.random_base32()
    platform_admin = make_user(db, roles=[Role.PLATFORM_ADMIN], totp_secret=admin_secret)
    title, task, value = _marker("tieude"), _marker("nhiemvu"), f"{_marker('gt')}.example.vn"
    red = open_incident(db, coord, reporter, title=f"Sự cố {title}")
    triage.update_classification(db, who(coord), red.id, Classification(tlp=TLP.RED))
    # A new title, recorded in the audit summary of the change.
    triage.update_classification(db, who(coord), red.id, Classification(title=f"Sự cố {title} (sửa)"))
    task_service.create(db, who(coord), red.id, TaskCreate(title=f"Việc {task}", assignee_ids=[reporter.id]))
    amber = open_incident(db, coord, reporter)
    observables.add(db, who(coord), amber.id, ObservableCreate(kind="domain", value=value, tlp=TLP.RED))
    return {
        "coord": coord,
        "reporter": reporter,
        "org_admin": (org_admin, secret),
        "platform_admin": (platform_admin, admin_secret),
        "red": red,
        "amber": amber,
        "markers": (title, task, value),
    }


def _audit_api(client, db, reader) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    r = client.get("/api/v1/audit", params={"limit": 200}, headers=api(db, reader))
    assert r.status_code == 200
    return r.json()["items"]  # type: ignore[no-any-return]


def test_audit_api_redacts_what_the_reader_may_not_see(client, db) -> None:
    w = _world(db)
    title, task, value = w["markers"]
    for reader, _ in (w["org_admin"], w["platform_admin"]):
        items = _audit_api(client, db, reader)
        text = str(items)
        assert title not in text and task not in text and value not in text
        redacted = [i for i in items if i["redacted"]]
        assert {i["action"] for i in redacted} >= {"incident.task_created", "incident.observable_added"}
        for item in redacted:
            assert item["summary"] == {} and item["object_id"] is None and item["hash"] is None
            assert item["object_type"] in ("incident", "incident_report")
            assert item["occurred_at"] and item["actor_label"]
        # The amber incident itself is theirs to read: its other records are whole.
        opened = [i for i in items if i["action"] == "incident.opened" and i["object_id"] == str(w["amber"].id)]
        assert opened and not opened[0]["redacted"] and opened[0]["hash"]
        # Asking for the hidden incident by its id finds nothing: not even that it has records.
        r = client.get(
            "/api/v1/audit",
            params={"object_type": "incident", "object_id": str(w["red"].id)},
            headers=api(db, reader),
        )
        assert r.json()["items"] == []
    # The coordinator named on the incident reads everything.
    text = str(_audit_api(client, db, w["coord"]))
    assert title in text and task in text and value in text


def test_audit_page_redacts_what_the_reader_may_not_see(client, db) -> None:
    w = _world(db)
    title, task, value = w["markers"]
    for reader, secret in (w["org_admin"], w["platform_admin"]):
        login(client, reader.email, totp_secret=secret)
        page = client.get("/admin/audit")
        assert page.status_code == 200
        assert title not in page.text and task not in page.text and value not in page.text
        assert "incident.task_created" in page.text
        hidden = client.get("/admin/audit", params={"object_type": "incident", "object_id": str(w["red"].id)})
        assert "incident.task_created" not in hidden.text
        client.cookies.clear()


def test_job_payloads_show_only_to_readers_of_their_source(client, db) -> None:
    w = _world(db)
    title, task, _value = w["markers"]
    admin, _ = w["platform_admin"]
    r = client.get("/api/v1/jobs", params={"limit": 200}, headers=api(db, admin))
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and title not in r.text and task not in r.text
    assert any(i["redacted"] and i["payload"] == {} for i in items)
    # The coordinator named on the incident reads the payloads (jobs:read).
    r = client.get("/api/v1/jobs", params={"limit": 200}, headers=api(db, w["coord"]))
    assert task in r.text
