"""The members pages' forms through the app client: a bad submission answers 422 with the page in
place, names the field by its label in English and Vietnamese, keeps what was typed, and applies
nothing (tests/web/formpages.py checks the page; each test checks nothing changed)."""

from __future__ import annotations

import secrets

import pyotp
import pytest
from sqlalchemy import func, select

from csirtnet.identity.service import subject_for
from csirtnet.models import (
    AuditRecord,
    ConstituencyClaim,
    MembershipApplication,
    Organisation,
    User,
)
from csirtnet.organisation import constituency
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import login
from tests.incident.helpers import coordinator
from tests.web.formpages import post_bad


def audited(db) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(AuditRecord)) or 0)


@pytest.fixture
def org(db) -> Organisation:
    return make_organisation(db, name="Sở Thông tin và Truyền thông Huế", kind="province", address="1 Lê Lợi")


@pytest.fixture
def admin(client, db, org) -> User:
    secret = pyotp.random_base32()
    user = make_user(db, roles=[Role.ORG_ADMIN], organisation=org, totp_secret=secret)
    login(client, user.email, totp_secret=secret)
    return user


@pytest.fixture
def coord(client, db) -> User:
    secret = pyotp.random_base32()
    user = coordinator(db, totp_secret=secret)
    login(client, user.email, totp_secret=secret)
    return user


def test_a_bad_profile_keeps_what_was_typed_and_changes_nothing(client, db, org, admin) -> None:
    before = audited(db)
    post_bad(
        client,
        db,
        admin,
        page=f"/members/{org.id}",
        target=f"/members/{org.id}/profile",
        data={"name": " ", "kind": "province", "address": "12 Trần Hưng Đạo", "incident_email": "khong-phai-email"},
        form_id="member-profile",
        errors=("name", "incident_email"),
        kept=("12 Trần Hưng Đạo", "khong-phai-email"),
    )
    db.expire_all()
    assert db.get(Organisation, org.id).address == "1 Lê Lợi"
    assert audited(db) == before


def test_a_bad_contact_system_and_expert_come_back_at_their_fields(client, db, org, admin) -> None:
    before = audited(db)
    page = f"/members/{org.id}"
    post_bad(
        client,
        db,
        admin,
        page=page,
        target=f"{page}/contacts",
        data={"role": "technical", "full_name": "Trần Kỹ Thuật", "email": "sai@"},
        form_id="member-contact",
        errors=("email",),
        kept=("Trần Kỹ Thuật",),
    )
    post_bad(
        client,
        db,
        admin,
        page=page,
        target=f"{page}/systems",
        data={"name": "x", "security_level": "4", "description": "Cổng dịch vụ công"},
        form_id="member-system",
        errors=("name",),
        kept=("Cổng dịch vụ công",),
    )
    post_bad(
        client,
        db,
        admin,
        page=page,
        target=f"{page}/experts",
        data={
            "full_name": "Lê Chuyên Gia",
            "skills": ["malware-analysis"],
            "level": "3",
            "languages": "vi, tiếng Anh",
            "max_deployments": "99",
        },
        form_id="member-expert",
        errors=("languages", "max_deployments"),
        kept=("Lê Chuyên Gia", "vi, tiếng Anh", 'value="malware-analysis" selected'),
    )
    assert audited(db) == before


def test_an_unknown_service_is_refused_at_the_field(client, db, org, admin) -> None:
    before = audited(db)
    post_bad(
        client,
        db,
        admin,
        page=f"/members/{org.id}",
        target=f"/members/{org.id}/services",
        data={"services": ["incident-management.coordination", "retired-service"]},
        form_id="member-services",
        errors=("services",),
        kept=('value="incident-management.coordination" checked',),
    )
    assert audited(db) == before


def test_a_bad_claim_and_delegation_come_back_in_place(client, db, org, admin) -> None:
    claim = constituency.add_claim(db, subject_for(admin), org.id, "198.51.100.0/24")
    other = make_organisation(db, name="Công ty Viễn thông Miền Trung")
    db.flush()
    before = audited(db)
    page = f"/members/{org.id}"
    post_bad(
        client,
        db,
        admin,
        page=page,
        target=f"{page}/constituency",
        data={"value": "khong phai dia chi", "note": "mạng nội bộ"},
        form_id="member-claim",
        errors=("value",),
        kept=("khong phai dia chi", "mạng nội bộ"),
    )
    post_bad(
        client,
        db,
        admin,
        page=f"{page}?delegate={claim.id}",
        target=f"{page}/constituency/{claim.id}/delegate",
        data={"value": "192.0.2.0/24", "organisation_id": str(other.id)},
        form_id="member-delegate",
        errors=("value",),
        kept=("192.0.2.0/24", f'value="{other.id}" selected'),
    )
    assert audited(db) == before
    assert db.scalar(select(func.count()).select_from(ConstituencyClaim)) == 1


def test_the_decisions_on_an_application_come_back_in_place(client, db, coord) -> None:
    make_organisation(db, member_code="MB-TAKEN")
    app = MembershipApplication(
        token_hash=secrets.token_hex(32),
        applicant_kind="organisation",
        applicant_name="Đinh Văn Nộp",
        applicant_email="nop@congty-moi.example.vn",
        organisation_name="Công ty An ninh Mới",
        kind="security_vendor",
    )
    db.add(app)
    db.flush()
    before = audited(db)
    page = f"/members/applications/{app.id}"
    post_bad(
        client,
        db,
        coord,
        page=page,
        target=f"{page}/request-info",
        data={"question": "  "},
        form_id="application-question",
        errors=("question",),
    )
    post_bad(
        client,
        db,
        coord,
        page=page,
        target=f"{page}/approve",
        data={"member_code": "MB-TAKEN", "admin_email": "quantri@moi.example.vn", "admin_name": "Quản Trị"},
        form_id="application-approve",
        errors=("member_code",),
        kept=("MB-TAKEN", "quantri@moi.example.vn", "Quản Trị"),
    )
    post_bad(
        client,
        db,
        coord,
        page=page,
        target=f"{page}/reject",
        data={"reason": " "},
        form_id="application-decline",
        errors=("reason",),
    )
    db.expire_all()
    assert db.get(MembershipApplication, app.id).status == "submitted"
    assert audited(db) == before


def test_rejecting_an_overlap_needs_a_reason(client, db, org, coord) -> None:
    owner = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    narrow = constituency.add_claim(db, subject_for(owner), org.id, "198.51.100.0/24")
    other = make_organisation(db)
    constituency.add_claim(
        db, subject_for(make_user(db, roles=[Role.ORG_ADMIN], organisation=other)), other.id, "198.51.0.0/16"
    )
    db.flush()
    post_bad(
        client,
        db,
        coord,
        page=f"/members/constituency/conflicts?reject={narrow.id}",
        target=f"/members/constituency/claims/{narrow.id}/resolve",
        data={"action": "reject", "reason": "  "},
        form_id="claim-reject",
        errors=("reason",),
    )
    db.expire_all()
    assert db.get(ConstituencyClaim, narrow.id).status == "active"


def test_an_import_without_a_file_names_the_field(client, db, coord) -> None:
    before = audited(db)
    post_bad(
        client,
        db,
        coord,
        page="/members/import",
        target="/members/import",
        data={"apply_valid": "on"},
        form_id="member-import",
        errors=("file",),
    )
    assert audited(db) == before


def test_a_lookup_that_is_no_address_names_the_field(client, db) -> None:
    user = make_user(db, roles=[Role.RESPONDER])
    login(client, user.email)
    post_bad(
        client,
        db,
        user,
        page="/members/lookup",
        target="/members/lookup",
        data={"q": "không phải địa chỉ"},
        form_id="member-lookup",
        errors=("q",),
        kept=("không phải địa chỉ",),
        method="get",
    )
    assert client.get("/members/lookup").status_code == 200  # no question yet, no error


def test_bad_filters_name_their_field(client, db, coord) -> None:
    long = "x" * 250
    for target, form_id in (("/members", "member-directory-filters"), ("/members/experts", "member-expert-filters")):
        post_bad(
            client,
            db,
            coord,
            page=target,
            target=target,
            data={"q": long},
            form_id=form_id,
            errors=("q",),
            kept=(long,),
            method="get",
        )
    post_bad(
        client,
        db,
        coord,
        page="/members/applications",
        target="/members/applications",
        data={"status": "withdrawn"},
        form_id="member-application-filters",
        errors=("status",),
        method="get",
    )
    assert client.get("/members/applications", params={"status": "submitted"}).status_code == 200
