"""An organisation's full-profile fields (address, capability description, owner agency, staff count,
confirmation date) reach only the organisation itself, the coordinators and the current lead of a
cluster it belongs to (authz.organisation.profile_visible); every other member reads its directory
entry — through the API, the pages and the directory's CSV export alike."""

from __future__ import annotations

import uuid
from datetime import timedelta

from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, ClusterLeadTerm, ClusterMember
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import login
from tests.organisation.helpers import api

FULL = ("owner_agency", "address", "capability_description", "staff_count", "confirmed_at")


def _org(db):  # type: ignore[no-untyped-def]
    mark = uuid.uuid4().hex[:10]
    org = make_organisation(
        db,
        name=f"Sở Thông tin {mark}",
        owner_agency=f"Ủy ban {mark}-agency",
        address=f"Số 1 phố {mark}-address",
        capability_description=f"Năng lực {mark}-capability",
        staff_count=37,
        confirmed_at=utcnow(),
        incident_email="ir@so.example.vn",
    )
    return org, mark


def test_others_read_the_directory_fields_only(client, db) -> None:
    org, mark = _org(db)
    own = make_user(db, roles=[Role.VIEWER], organisation=org)
    stranger = make_user(db, roles=[Role.ORG_ADMIN], organisation=make_organisation(db))
    coord = make_user(db, roles=[Role.COORDINATOR])
    # The current lead of a cluster the organisation belongs to reads its full profile.
    lead_org = make_organisation(db)
    lead = make_user(db, roles=[Role.ORG_ADMIN], organisation=lead_org)
    cluster = Cluster(name=f"Cụm {mark}")
    db.add(cluster)
    db.flush()
    today = utcnow().date()
    db.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=today - timedelta(days=10)))
    db.add(
        ClusterLeadTerm(
            cluster_id=cluster.id,
            organisation_id=lead_org.id,
            starts_on=today - timedelta(days=5),
            ends_on=today + timedelta(days=300),
        )
    )
    db.flush()

    def read(user) -> tuple[dict, dict, str]:  # type: ignore[no-untyped-def,type-arg]
        h = api(db, user)
        one = client.get(f"/api/v1/organisations/{org.id}", headers=h)
        listed = client.get("/api/v1/organisations", params={"q": mark, "limit": 200}, headers=h)
        csv = client.get("/api/v1/directory/export.csv", params={"q": mark}, headers=h)
        assert one.status_code == 200 and listed.status_code == 200 and csv.status_code == 200
        items = [i for i in listed.json()["items"] if i["id"] == org.id]
        assert len(items) == 1
        return one.json(), items[0], one.text + listed.text + csv.text

    one, item, text = read(stranger)
    for field in FULL:
        assert field not in one and field not in item, field
    assert f"{mark}-agency" not in text and f"{mark}-address" not in text and f"{mark}-capability" not in text
    assert one["profile"] == item["profile"] == "directory"
    assert one["incident_email"] == "ir@so.example.vn" and one["name"] == org.name  # the directory entry
    for reader in (own, coord, lead):
        one, item, text = read(reader)
        assert one["profile"] == item["profile"] == "full"
        assert one["address"] == f"Số 1 phố {mark}-address" and item["staff_count"] == 37
        assert one["confirmed_at"] is not None

    stranger_page = make_user(db, roles=[Role.RESPONDER], organisation=make_organisation(db))
    login(client, stranger_page.email)
    page = client.get(f"/members/{org.id}")
    assert page.status_code == 200 and org.name in page.text
    assert f"{mark}-address" not in page.text and f"{mark}-capability" not in page.text
    assert f"{mark}-agency" not in page.text
    assert f"{mark}-address" not in client.get("/members/directory.csv", params={"q": mark}).text
    client.cookies.clear()
