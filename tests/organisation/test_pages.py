from __future__ import annotations

from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_from, login

TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_member_pages_render_for_an_org_admin(client, db) -> None:
    org = make_organisation(db, name="Sở Thông tin và Truyền thông Bắc Kạn", province="Bắc Kạn")
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org, totp_secret=TOTP)
    login(client, admin.email, totp_secret=TOTP)
    for path in ("/members", "/members/experts", "/members/lookup?q=203.0.113.7", "/members/constituency/conflicts"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
    page = client.get(f"/members/{org.id}")
    assert page.status_code == 200
    token = csrf_from(page.text)
    r = client.post(f"/members/{org.id}/constituency", data={"csrf_token": token, "value": "198.51.100.0/24"})
    assert r.status_code == 303
    assert "198.51.100.0/24" in client.get(f"/members/{org.id}").text
    r = client.post(f"/members/{org.id}/constituency", data={"csrf_token": token, "value": "198.51.100.7/24"})
    # A duplicate claim comes back in place (422) with the claim as typed, not as a banner.
    assert r.status_code == 422 and 'value="198.51.100.7/24"' in r.text
    assert 'id="member-claim-value-e"' in r.text
    # Coordinator-only pages are closed to a member.
    assert client.get("/members/applications").status_code == 403
    assert client.get("/members/stale").status_code == 403
    assert client.get("/members/import").status_code == 403
    # Another member's profile shows only directory data.
    other = make_organisation(db, name="Công ty Khác")
    assert client.get(f"/members/{other.id}").status_code == 200
    r = client.post(f"/members/{other.id}/constituency", data={"csrf_token": token, "value": "192.0.2.0/24"})
    assert r.status_code == 404


def test_directory_search_is_accent_insensitive(client, db) -> None:
    make_organisation(db, name="Sở Thông tin và Truyền thông Bắc Kạn", province="Bắc Kạn")
    make_organisation(db, name="Sở Thông tin và Truyền thông Cao Bằng", province="Cao Bằng")
    user = make_user(db, roles=[Role.VIEWER])
    login(client, user.email)
    table = client.get("/members", params={"q": "bac kan"}).text.split('data-testid="directory"')[1]
    assert "Truyền thông Bắc Kạn" in table and "Cao Bằng" not in table
    csv = client.get("/members/directory.csv", params={"q": "bac kan"})
    assert csv.content.startswith("\ufeff".encode()) and "Bắc Kạn" in csv.content.decode("utf-8-sig")
