from __future__ import annotations

import pytest
from sqlalchemy import select

from csirtnet.errors import Forbidden, NotFound
from csirtnet.identity.service import subject_for
from csirtnet.models import AuditRecord, ConstituencyClaim, Notification
from csirtnet.organisation import constituency
from csirtnet.organisation.claims import ClaimError, parse_claim, parse_query
from csirtnet.organisation.lookup import ConstituencyIndex
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.organisation.helpers import api


def test_parse_claims_and_queries() -> None:
    assert parse_claim("203.0.113.0/24").value == "203.0.113.0/24"
    assert parse_claim("2001:DB8::/32").value == "2001:db8::/32"
    assert parse_claim("AS64500").value == "64500"
    assert parse_claim("Mail.Example.VN.").value == "mail.example.vn"
    assert parse_claim("bộcôngan.vn").value.startswith("xn--")
    assert parse_claim("1tv.vn").kind == "domain"
    with pytest.raises(ClaimError, match="host bits"):
        parse_claim("203.0.113.7/24")
    for bad in ("", "AS0", "999.1.1.1/8", "-bad-.vn", "vn", "a..b"):
        with pytest.raises(ClaimError):
            parse_claim(bad)
    assert parse_query("https://mail.example.vn/login").text == "mail.example.vn"
    assert parse_query("user@example.vn").text == "example.vn"
    assert parse_query("as64500").number == 64500


@pytest.fixture
def network(db):
    vnpt = make_organisation(db, name="Tập đoàn VNPT", member_code="VNPT-T")
    fpt = make_organisation(db, name="Công ty FPT", member_code="FPT-T")
    coordinator = make_organisation(db, name="Điều phối", is_coordinator=True)
    boss = make_user(db, roles=[Role.COORDINATOR], organisation=coordinator)
    vnpt_admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=vnpt)
    fpt_admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=fpt)
    return vnpt, fpt, boss, vnpt_admin, fpt_admin


def test_longest_match_v4_v6_asn_domain(db, network) -> None:
    vnpt, fpt, boss, vnpt_admin, _ = network
    who = subject_for(boss)
    for value in ("203.0.113.0/24", "2001:db8::/32", "AS64500", "example.vn"):
        constituency.add_claim(db, who, vnpt.id, value)
    for value in ("203.0.113.128/25", "2001:db8:42::/48", "AS64501", "mail.example.vn"):
        constituency.add_claim(db, who, fpt.id, value)
    cases = {
        "203.0.113.7": ("VNPT-T", "203.0.113.0/24"),
        "203.0.113.200": ("FPT-T", "203.0.113.128/25"),
        "2001:db8::1": ("VNPT-T", "2001:db8::/32"),
        "2001:db8:42::9": ("FPT-T", "2001:db8:42::/48"),
        "AS64500": ("VNPT-T", "64500"),
        "64501": ("FPT-T", "64501"),
        "www.example.vn": ("VNPT-T", "example.vn"),
        "smtp.mail.example.vn": ("FPT-T", "mail.example.vn"),
        "mail.example.vn": ("FPT-T", "mail.example.vn"),
    }
    index = ConstituencyIndex.build(db)
    for query, (code, matched) in cases.items():
        result = constituency.lookup(db, subject_for(vnpt_admin), query)
        assert result.owner is not None, query
        assert (result.owner.member_code, result.owner.matched) == (code, matched), query
        owner = index.lookup(query)
        assert owner is not None and (owner.member_code, owner.matched) == (code, matched), query
    assert constituency.lookup(db, who, "198.51.100.1").owner is None
    assert constituency.lookup(db, who, "notexample.vn").owner is None
    assert index.lookup("198.51.100.1") is None
    assert index.lookup_ipv4(int.from_bytes(bytes([203, 0, 113, 129]), "big")).member_code == "FPT-T"


def test_overlap_detection_and_resolution(db, network) -> None:
    vnpt, fpt, boss, vnpt_admin, fpt_admin = network
    who = subject_for(boss)
    broad = constituency.add_claim(db, subject_for(vnpt_admin), vnpt.id, "198.51.100.0/24")
    narrow = constituency.add_claim(db, subject_for(fpt_admin), fpt.id, "198.51.100.64/26")
    same_a = constituency.add_claim(db, subject_for(vnpt_admin), vnpt.id, "AS64510")
    same_b = constituency.add_claim(db, subject_for(fpt_admin), fpt.id, "AS64510")
    found = constituency.overlaps(db, who)
    pairs = {(o.broader.id, o.narrower.id) for o in found}
    assert pairs == {(broad.id, narrow.id), (same_a.id, same_b.id)}
    # The coordinator was told, and the overlap was audited.
    assert db.scalar(select(Notification).where(Notification.user_id == boss.id)) is not None
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "constituency.overlap_found")) is not None
    # Each member sees the overlaps that involve it.
    assert len(constituency.overlaps(db, subject_for(fpt_admin), fpt.id)) == 2
    # Resolve: the /26 was delegated by VNPT; the AS belongs to VNPT.
    constituency.mark_delegated(db, who, narrow.id, broad.id)
    with pytest.raises(Exception, match="AS number"):
        constituency.accept_overlap(db, who, same_b.id)
    constituency.reject(db, who, same_b.id, "AS64510 is registered to VNPT")
    assert constituency.overlaps(db, who) == []
    assert constituency.lookup(db, who, "AS64510").owner.organisation_id == vnpt.id
    # Members cannot resolve.
    with pytest.raises(Forbidden):
        constituency.reject(db, subject_for(vnpt_admin), narrow.id, "mine")


def test_delegation_by_the_owner(db, network) -> None:
    vnpt, fpt, _boss, vnpt_admin, fpt_admin = network
    parent = constituency.add_claim(db, subject_for(vnpt_admin), vnpt.id, "2001:db8::/32")
    child = constituency.delegate(db, subject_for(vnpt_admin), parent.id, "2001:db8:7::/48", fpt.id)
    assert child.organisation_id == fpt.id and child.parent_claim_id == parent.id
    grandchild = constituency.delegate(db, subject_for(fpt_admin), child.id, "2001:db8:7:1::/64", vnpt.id)
    assert constituency.overlaps(db, subject_for(vnpt_admin), vnpt.id) == []
    assert constituency.lookup(db, subject_for(fpt_admin), "2001:db8:7::1").owner.organisation_id == fpt.id
    assert constituency.lookup(db, subject_for(fpt_admin), "2001:db8:7:1::1").owner.claim_id == grandchild.id
    with pytest.raises(Exception, match="more specific"):
        constituency.delegate(db, subject_for(vnpt_admin), parent.id, "2001:db9::/48", fpt.id)
    with pytest.raises(NotFound):
        constituency.delegate(db, subject_for(fpt_admin), parent.id, "2001:db8:9::/48", fpt.id)


def test_constituency_api(client, db, network) -> None:
    vnpt, fpt, boss, vnpt_admin, fpt_admin = network
    assert client.get("/api/v1/constituency/lookup", params={"q": "203.0.113.7"}).status_code == 401
    h = api(db, vnpt_admin)
    r = client.post(f"/api/v1/organisations/{vnpt.id}/constituency", json={"value": "203.0.113.0/24"}, headers=h)
    assert r.status_code == 201, r.text
    claim_id = r.json()["id"]
    # Bad input names the field.
    r = client.post(f"/api/v1/organisations/{vnpt.id}/constituency", json={"value": "203.0.113.9/24"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "value"
    assert "203.0.113.0/24" in r.json()["errors"][0]["message"]
    # Duplicate.
    r = client.post(f"/api/v1/organisations/{vnpt.id}/constituency", json={"value": "203.0.113.0/24"}, headers=h)
    assert r.status_code == 409
    # Wrong organisation: another member cannot claim for VNPT, nor see or remove its claims.
    hf = api(db, fpt_admin)
    r = client.post(f"/api/v1/organisations/{vnpt.id}/constituency", json={"value": "192.0.2.0/24"}, headers=hf)
    assert r.status_code == 404
    assert client.get(f"/api/v1/constituency/claims/{claim_id}", headers=hf).status_code == 404
    assert client.delete(f"/api/v1/constituency/claims/{claim_id}", headers=hf).status_code == 404
    assert client.get(f"/api/v1/organisations/{vnpt.id}/constituency", headers=hf).json()["items"] == []
    # Lookup.
    r = client.get("/api/v1/constituency/lookup", params={"q": "203.0.113.7"}, headers=hf)
    assert r.json()["found"] and r.json()["member_code"] == "VNPT-T" and r.json()["matched"] == "203.0.113.0/24"
    r = client.get("/api/v1/constituency/lookup", params={"q": "not a thing!"}, headers=hf)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "q"
    # Delegation through the API, then conflicts list is empty.
    r = client.post(
        f"/api/v1/constituency/claims/{claim_id}/delegations",
        json={"value": "203.0.113.0/28", "organisation_id": fpt.id},
        headers=h,
    )
    assert r.status_code == 201, r.text
    hb = api(db, boss)
    assert client.get("/api/v1/constituency/conflicts", headers=hb).json()["items"] == []
    r = client.post(f"/api/v1/organisations/{fpt.id}/constituency", json={"value": "203.0.113.64/26"}, headers=hf)
    conflicts = client.get("/api/v1/constituency/conflicts", headers=hb).json()["items"]
    assert [(c["broader_organisation"], c["narrower"]["value"]) for c in conflicts] == [
        ("Tập đoàn VNPT", "203.0.113.64/26")
    ]
    r = client.post(f"/api/v1/constituency/claims/{r.json()['id']}/accept-overlap", headers=hf)
    assert r.status_code == 403
    r = client.post(f"/api/v1/constituency/claims/{conflicts[0]['narrower']['id']}/accept-overlap", headers=hb)
    assert r.status_code == 200
    assert client.get("/api/v1/constituency/conflicts", headers=hb).json()["items"] == []
    assert db.scalar(select(ConstituencyClaim).where(ConstituencyClaim.value == "203.0.113.64/26")).overlap_accepted_at
