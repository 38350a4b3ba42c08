"""The cluster domain's pages, driven through the real forms (CSRF, login with a second factor)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster.channel import repository as channel_repository
from csirtnet.cluster.readiness import service as readiness
from csirtnet.cluster.readiness.schemas import ReadinessUpdate
from csirtnet.kit.time import utcnow
from csirtnet.models import ChannelMessage, ClusterHandover, User
from tests.cluster.helpers import SYSTEM, build
from tests.helpers import csrf_from, login


def sign_in(client, db, user: User) -> None:  # type: ignore[no-untyped-def]
    """Log in through /login (and /login/2fa for roles that need a second factor)."""
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    db.flush()
    client.cookies.clear()
    login(client, user.email, totp_secret=secret)


def test_pages_need_a_login(client) -> None:
    for path in ("/clusters", "/readiness", "/channels", "/events", "/knowledge", "/readiness/coverage"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_cluster_page_for_the_coordinator(client, db) -> None:
    net = build(db)
    sign_in(client, db, net.coordinator)
    listing = client.get("/clusters")
    assert listing.status_code == 200 and net.cluster.name in listing.text
    page = client.get(f"/clusters/{net.cluster.id}?lang=en")
    assert page.status_code == 200
    assert 'data-testid="current-lead"' in page.text and net.a.name in page.text
    assert 'data-testid="coverage"' in page.text
    token = csrf_from(page.text)
    year = cluster_authz.today().year
    overlap = client.post(
        f"/clusters/{net.cluster.id}/terms",
        data={
            "organisation_id": net.b.id,
            "starts_on": f"{year}-03-01",
            "ends_on": f"{year}-12-31",
            "csrf_token": token,
        },
    )
    # The ?lang=en the page was opened with holds for the form it posts.
    assert overlap.status_code == 422 and "Overlaps the term of" in overlap.text
    planned = client.post(
        f"/clusters/{net.cluster.id}/terms",
        data={
            "organisation_id": net.b.id,
            "starts_on": f"{year + 1}-01-01",
            "ends_on": f"{year + 1}-12-31",
            "csrf_token": token,
        },
    )
    assert planned.status_code == 303
    handed = (cluster_authz.today() - timedelta(days=2)).isoformat()
    recorded = client.post(
        f"/clusters/{net.cluster.id}/handovers",
        data={
            "from_organisation_id": net.a.id,
            "to_organisation_id": net.b.id,
            "handed_over_on": handed,
            "minutes": "Biên bản bàn giao",
            "csrf_token": token,
        },
        files=[("files", ("bien-ban.txt", "Biên bản".encode(), "text/plain"))],
    )
    assert recorded.status_code == 303, recorded.text
    assert db.scalar(select(ClusterHandover).where(ClusterHandover.cluster_id == net.cluster.id)) is not None
    page = client.get(f"/clusters/{net.cluster.id}")
    assert "bien-ban.txt" in page.text and "Biên bản bàn giao" in page.text
    vietnamese = client.get(f"/clusters/{net.cluster.id}?lang=vi")
    assert "Trưởng cụm hiện nay" in vietnamese.text


def test_the_plan_page_follows_the_lead_term(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    sign_in(client, db, net.admin["a"])
    page = client.get(f"/clusters/{net.cluster.id}/plans/{year}")
    assert page.status_code == 200
    token = csrf_from(page.text)
    bad = client.post(
        f"/clusters/{net.cluster.id}/plans/{year}/activities",
        data={
            "title": "Hội thảo",
            "kind": "workshop",
            "starts_on": f"{year}-05-02",
            "ends_on": f"{year}-05-01",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and "Phải bằng hoặc sau ngày bắt đầu" in bad.text
    ok = client.post(
        f"/clusters/{net.cluster.id}/plans/{year}/activities",
        data={
            "title": "Hội thảo Cụm",
            "kind": "workshop",
            "starts_on": f"{year}-05-02",
            "status": "planned",
            "csrf_token": token,
        },
    )
    assert ok.status_code == 303
    assert "Hội thảo Cụm" in client.get(f"/clusters/{net.cluster.id}/plans/{year}").text
    sign_in(client, db, net.admin["b"])
    page = client.get(f"/clusters/{net.cluster.id}/plans/{year}")
    assert page.status_code == 200 and "Add an activity" not in page.text and "Thêm hoạt động" not in page.text
    forbidden = client.post(
        f"/clusters/{net.cluster.id}/plans/{year}/activities",
        data={"title": "Không được", "kind": "workshop", "csrf_token": csrf_from(page.text)},
    )
    assert forbidden.status_code == 403
    sign_in(client, db, net.viewer["outsider"])
    assert client.get(f"/clusters/{net.cluster.id}/plans/{year}").status_code == 403


def test_readiness_pages(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    sign_in(client, db, net.admin["b"])
    page = client.get(f"/readiness/{net.b.id}/{year}")
    assert page.status_code == 200 and 'data-testid="not-filed"' in page.text
    token = csrf_from(page.text)
    form = {
        "antimalware_deployed": "true",
        "antimalware_connected": "true",
        "antimalware_connected_on": f"{year}-01-01",
        "ir_team": "true",
        "ir_contact_24x7": "",
        "drill_name": ["ASEAN ACID", ""],
        "drill_held_on": [f"{year}-01-01", ""],
        "drill_result": ["Hạng 3", ""],
        "drill_rank": ["3", ""],
        "drill_participants": ["63", ""],
        "csrf_token": token,
    }
    bad = client.post(f"/readiness/{net.b.id}/{year}", data=form)
    assert bad.status_code == 422 and 'id="readiness-record-ir_contact_24x7-e"' in bad.text
    assert 'value="ASEAN ACID"' in bad.text  # what was typed is kept
    saved = client.post(f"/readiness/{net.b.id}/{year}", data={**form, "ir_contact_24x7": "0206 3852 000"})
    assert saved.status_code == 303, saved.text
    record = readiness.read(db, SYSTEM, net.b.id, year)
    assert record.drills[0].rank == 3 and record.meets["ir_team"]
    evidence = client.post(
        f"/readiness/{net.b.id}/{year}/evidence",
        data={"criterion": "drills", "csrf_token": token},
        files={"file": ("giay-chung-nhan.pdf", b"%PDF cert", "application/pdf")},
    )
    assert evidence.status_code == 303
    assert "giay-chung-nhan.pdf" in client.get(f"/readiness/{net.b.id}/{year}").text
    assert client.get(f"/readiness/{net.a.id}/{year}").status_code == 404
    assert client.get(f"/readiness/coverage?year={year}").status_code == 403


def test_coverage_page_and_export(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    readiness.save(db, SYSTEM, net.a.id, year, ReadinessUpdate(ir_team=True, ir_contact_24x7="24/7"))
    sign_in(client, db, net.admin["a"])  # the lead
    page = client.get(f"/readiness/coverage?year={year}&group_by=province&lang=en")
    assert page.status_code == 200
    assert 'data-testid="coverage-table"' in page.text and "Bắc Kạn" in page.text and "Cà Mau" not in page.text
    assert "No readiness record" in page.text
    export = client.get(f"/readiness/coverage.csv?year={year}&group_by=province&kind=gaps")
    assert export.status_code == 200 and export.content.startswith(b"\xef\xbb\xbf")


def test_channel_pages(client, db) -> None:
    net = build(db)
    channel = channel_repository.cluster_channel(db, net.cluster.id)
    assert channel is not None
    sign_in(client, db, net.admin["a"])
    page = client.get(f"/channels/{channel.id}")
    assert page.status_code == 200
    token = csrf_from(page.text)
    r = client.post(
        f"/channels/{channel.id}/threads",
        data={
            "title": "Danh sách IoC",
            "body": f"@{net.viewer['b'].email} xem tệp đính kèm",
            "tlp": "red",
            "recipient_ids": [str(net.viewer["b"].id)],
            "csrf_token": token,
        },
        files=[("files", ("ioc.txt", b"203.0.113.5", "text/plain"))],
    )
    assert r.status_code == 303, r.text
    thread_url = r.headers["location"]
    shown = client.get(thread_url)
    assert "ioc.txt" in shown.text and "TLP:RED" in shown.text
    missing = client.post(
        f"/channels/{channel.id}/threads",
        data={"title": "Mật", "body": "Không có người nhận", "tlp": "red", "csrf_token": token},
    )
    assert missing.status_code == 422 and 'data-testid="form-errors"' in missing.text
    sign_in(client, db, net.viewer["c"])
    assert client.get(thread_url).status_code == 404
    assert "Danh sách IoC" not in client.get(f"/channels/{channel.id}").text
    sign_in(client, db, net.viewer["b"])
    assert "203.0.113.5" not in client.get(thread_url).text and "ioc.txt" in client.get(thread_url).text
    message = db.scalar(select(ChannelMessage).where(ChannelMessage.channel_id == channel.id))
    assert message is not None and message.tlp == "red"


def test_event_and_knowledge_pages(client, db) -> None:
    net = build(db)
    sign_in(client, db, net.admin["a"])
    page = client.get("/events")
    token = csrf_from(page.text)
    start = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=7, hours=6)).strftime("%Y-%m-%dT%H:%M")
    created = client.post(
        "/events",
        data={
            "cluster_id": net.cluster.id,
            "kind": "training",
            "title": "Tập huấn phòng chống mã độc",
            "starts_at": start,
            "ends_at": end,
            "location": "Bắc Kạn",
            "capacity": "10",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303, created.text
    event_url = created.headers["location"]
    material = client.post(
        f"{event_url}/materials",
        data={
            "kind": "material",
            "title_vi": "Bài giảng mã độc",
            "title_en": "Malware lecture",
            "tags": "mã độc, tập huấn",
            "tlp": "green",
            "csrf_token": token,
        },
        files=[("files", ("bai-giang.pdf", b"%PDF lecture", "application/pdf"))],
    )
    assert material.status_code == 303
    sign_in(client, db, net.viewer["c"])
    detail = client.get(event_url)
    assert "Bài giảng mã độc" in detail.text
    registered = client.post(f"{event_url}/register", data={"csrf_token": csrf_from(detail.text)})
    assert registered.status_code == 303
    assert 'data-testid="registered"' in client.get(event_url).text
    found = client.get("/knowledge", params={"q": "bai giang ma doc"})
    assert "Bài giảng mã độc" in found.text
    assert "Bài giảng mã độc" in client.get("/knowledge", params={"q": "malware LECTURE"}).text
    assert "Bài giảng mã độc" in client.get("/knowledge", params={"tag": "ma doc"}).text
    added = client.post(
        "/knowledge",
        data={"kind": "playbook", "title_vi": "", "title_en": "", "tlp": "green", "csrf_token": csrf_from(found.text)},
    )
    assert added.status_code == 403  # viewers read the knowledge base, they do not write it
    sign_in(client, db, net.viewer["outsider"])
    assert client.get(event_url).status_code == 404


def test_the_handover_form_is_offered_to_the_current_lead_only(client, db) -> None:
    net = build(db)
    sign_in(client, db, net.admin["c"])  # a member of the cluster, not its lead
    assert 'id="handover"' not in client.get(f"/clusters/{net.cluster.id}").text
    sign_in(client, db, net.admin["a"])  # the lead of this year
    assert 'id="handover"' in client.get(f"/clusters/{net.cluster.id}").text
