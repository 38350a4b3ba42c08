from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from csirtnet.kit.pagination import encode_cursor
from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, ClusterMember, Job, Notification
from csirtnet.organisation import stale
from csirtnet.organisation.tasks import REMIND_STALE, schedule
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.organisation.helpers import api


def test_profile_contacts_systems_services(client, db) -> None:
    org = make_organisation(db, name="Ngân hàng Thử")
    other = make_organisation(db, name="Công ty Khác")
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    h = api(db, admin)
    base = f"/api/v1/organisations/{org.id}"
    assert client.get(f"{base}/profile").status_code == 401
    r = client.patch(
        base, json={"incident_email": "IR@bank.example.vn", "owner_agency": "NHNN", "staff_count": 12}, headers=h
    )
    assert r.status_code == 200 and r.json()["incident_email"] == "ir@bank.example.vn"
    r = client.patch(base, json={"incident_email": "nope"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "incident_email"
    r = client.post(
        f"{base}/contacts", json={"role": "incident_24x7", "full_name": "Trực", "phone": "+84 1"}, headers=h
    )
    assert r.status_code == 201
    r = client.post(f"{base}/contacts", json={"role": "ceo", "full_name": "X"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"
    r = client.post(f"{base}/systems", json={"name": "Core banking", "security_level": 6}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "security_level"
    assert (
        client.post(
            f"{base}/systems", json={"name": "Core banking", "security_level": 4, "national_important": True}, headers=h
        ).status_code
        == 201
    )
    r = client.put(f"{base}/services", json={"services": ["incident-management.coordination", "bogus"]}, headers=h)
    assert r.status_code == 422
    r = client.put(f"{base}/services", json={"services": ["incident-management.coordination"]}, headers=h)
    assert r.json() == {"services": ["incident-management.coordination"]}
    profile = client.get(f"{base}/profile", headers=h).json()
    assert [c["role"] for c in profile["contacts"]] == ["incident_24x7"] and profile["systems"][0][
        "security_level"
    ] == 4
    # Another organisation: no full profile, no changes.
    ho = api(db, make_user(db, roles=[Role.ORG_ADMIN], organisation=other))
    assert client.get(f"{base}/profile", headers=ho).status_code == 404
    assert (
        client.post(
            f"{base}/contacts", json={"role": "technical", "full_name": "Kẻ lạ", "email": "a@b.vn"}, headers=ho
        ).status_code
        == 404
    )
    assert client.patch(base, json={"name": "Chiếm quyền"}, headers=ho).status_code == 404
    # A member cannot change its own member code.
    assert client.patch(base, json={"member_code": "X-1"}, headers=h).status_code == 403


def test_experts_api_search_and_privacy(client, db) -> None:
    fpt = make_organisation(db, name="FPT thử")
    bkav = make_organisation(db, name="Bkav thử")
    h = api(db, make_user(db, roles=[Role.ORG_ADMIN], organisation=fpt))
    body = {
        "full_name": "Nguyễn Điều Tra",
        "email": "dt@fpt.example.vn",
        "province": "Hà Nội",
        "skills": [{"skill": "digital-forensics", "level": 3}, {"skill": "malware-analysis", "level": 1}],
        "certifications": ["GCFA"],
        "languages": ["vi", "en"],
        "availability": [{"day": 0, "from": "08:00", "to": "17:00"}],
        "max_deployments": 2,
    }
    r = client.post(f"/api/v1/organisations/{fpt.id}/experts", json=body, headers=h)
    assert r.status_code == 201, r.text
    expert_id = r.json()["id"]
    bad = {**body, "skills": [{"skill": "juggling"}]}
    r = client.post(f"/api/v1/organisations/{fpt.id}/experts", json=bad, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("skills.0")
    bad = {**body, "availability": [{"day": 0, "from": "18:00", "to": "08:00"}]}
    r = client.post(f"/api/v1/organisations/{fpt.id}/experts", json=bad, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "availability.0.to"
    hb = api(db, make_user(db, roles=[Role.RESPONDER], organisation=bkav))
    found = client.get(
        "/api/v1/experts", params={"skill": "digital-forensics", "min_level": 3, "language": "en"}, headers=hb
    ).json()["items"]
    assert [e["full_name"] for e in found] == ["Nguyễn Điều Tra"]
    assert found[0]["email"] is None  # contact details stay with the expert's organisation and the coordinator
    assert (
        client.get("/api/v1/experts", params={"skill": "malware-analysis", "min_level": 2}, headers=hb).json()["items"]
        == []
    )
    assert client.patch(f"/api/v1/experts/{expert_id}", json={"available": False}, headers=hb).status_code == 403
    r = client.patch(f"/api/v1/experts/{expert_id}", json={"available": False}, headers=h)
    assert r.status_code == 200 and r.json()["available"] is False and r.json()["email"] == "dt@fpt.example.vn"
    assert client.get("/api/v1/experts", params={"available": True}, headers=hb).json()["items"] == []


def test_directory_api_filters(client, db) -> None:
    cluster = Cluster(number=1, name="Cụm số 1")
    db.add(cluster)
    db.flush()
    bk = make_organisation(db, name="Sở Thông tin và Truyền thông Bắc Kạn", province="Bắc Kạn", sector="government")
    make_organisation(db, name="Công ty Hà Nội", province="Hà Nội", sector="finance")
    db.add(ClusterMember(cluster_id=cluster.id, organisation_id=bk.id, joined_on=utcnow().date()))
    db.flush()
    h = api(db, make_user(db, roles=[Role.VIEWER]))
    assert client.get("/api/v1/directory").status_code == 401
    names = [e["name"] for e in client.get("/api/v1/directory", params={"q": "bac kan"}, headers=h).json()["items"]]
    assert names == ["Sở Thông tin và Truyền thông Bắc Kạn"]
    entry = client.get("/api/v1/directory", params={"cluster_id": cluster.id}, headers=h).json()["items"]
    assert [e["clusters"] for e in entry] == [["Cụm số 1"]]
    assert [
        e["name"] for e in client.get("/api/v1/directory", params={"sector": "FINANCE"}, headers=h).json()["items"]
    ] == ["Công ty Hà Nội"]
    csv = client.get("/api/v1/directory/export.csv", params={"province": "Bắc Kạn"}, headers=h)
    assert csv.content.startswith(b"\xef\xbb\xbf") and "Bắc Kạn" in csv.content.decode("utf-8-sig")


def test_directory_pages_follow_the_cursor_in_vietnamese_order(client, db) -> None:
    # Created out of order; two members share a name (the id breaks the tie).
    names = [
        "Phân trang Đông",
        "Phân trang An",
        "Phân trang Dương",
        "Phân trang Bình",
        "Phân trang Ăn",
        "Phân trang An",
    ]
    ids = {i: make_organisation(db, name=name).id for i, name in enumerate(names)}
    h = api(db, make_user(db, roles=[Role.VIEWER]))
    expected = [ids[1], ids[5], ids[4], ids[3], ids[2], ids[0]]  # An, An, Ăn, Bình, Dương, Đông
    seen: list[int] = []
    cursor = None
    for page_number in range(10):
        params = {"q": "phan trang", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/directory", params=params, headers=h).json()
        assert len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
        if page_number == 0:
            # A member joining before the cursor neither repeats nor skips a row of the next pages.
            make_organisation(db, name="Phân trang A")
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    for tampered in ("not-ours", encode_cursor([1, "x"]), encode_cursor(["A", True]), encode_cursor(["A"])):
        r = client.get("/api/v1/directory", params={"cursor": tampered}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
    r = client.get("/api/v1/directory", params={"limit": 0}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.limit"


def test_stale_reminders_once_per_period(client, db) -> None:
    old = make_organisation(db, name="Lâu không xác nhận")
    old.created_at = utcnow() - timedelta(days=400)
    fresh = make_organisation(db, name="Mới xác nhận")
    fresh.confirmed_at = utcnow()
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=old)
    coordinator = make_user(db, roles=[Role.COORDINATOR], organisation=make_organisation(db, is_coordinator=True))
    db.flush()
    assert stale.remind(db) >= 1
    assert db.scalar(
        select(Notification).where(
            Notification.user_id == admin.id, Notification.event_type == "organisation.confirmation_due"
        )
    )
    assert stale.remind(db) == 0  # not again within the period
    listed = client.get("/api/v1/organisations/stale", headers=api(db, coordinator)).json()["items"]
    assert "Lâu không xác nhận" in [s["name"] for s in listed] and "Mới xác nhận" not in [s["name"] for s in listed]
    r = client.post(f"/api/v1/organisations/{old.id}/confirm", headers=api(db, admin))
    assert r.status_code == 200
    assert "Lâu không xác nhận" not in [
        s["name"] for s in client.get("/api/v1/organisations/stale", headers=api(db, coordinator)).json()["items"]
    ]
    assert schedule(db, 24) and not schedule(db, 24)
    assert db.scalar(select(Job).where(Job.name == REMIND_STALE)) is not None


def test_cluster_lead_reads_its_members_profiles_during_the_term_only(client, db) -> None:
    from datetime import date

    from csirtnet.authz.cluster import today as cluster_today
    from csirtnet.models import ClusterLeadTerm

    lead = make_organisation(db, name="Sở Lead")
    member = make_organisation(db, name="Sở Thành Viên")
    outsider = make_organisation(db, name="Sở Ngoài Cụm")
    cluster = Cluster(name="Cụm thử")
    db.add(cluster)
    db.flush()
    for org in (lead, member):
        db.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=date(2020, 1, 1)))
    today = cluster_today()
    term = ClusterLeadTerm(
        cluster_id=cluster.id,
        organisation_id=lead.id,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
    )
    db.add(term)
    db.flush()
    h = api(db, make_user(db, roles=[Role.ORG_ADMIN], organisation=lead))
    assert client.get(f"/api/v1/organisations/{member.id}/profile", headers=h).status_code == 200
    assert client.get(f"/api/v1/organisations/{outsider.id}/profile", headers=h).status_code == 404
    # A responder of the lead organisation holds no lead rights.
    hr = api(db, make_user(db, roles=[Role.RESPONDER], organisation=lead))
    assert client.get(f"/api/v1/organisations/{member.id}/profile", headers=hr).status_code == 404
    # After the term the rights are gone.
    term.starts_on, term.ends_on = date(today.year - 2, 1, 1), date(today.year - 2, 12, 31)
    db.flush()
    assert client.get(f"/api/v1/organisations/{member.id}/profile", headers=h).status_code == 404
