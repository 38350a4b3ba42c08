"""The profile page's "Declared products" section: listed in Vietnamese and English, declared and
removed through the one form path with the CSRF token, a bad declaration back in place with what
was typed, and nothing for those who may not change the member."""

from __future__ import annotations

import html

import pyotp
import pytest
from sqlalchemy import func, select

from csirtnet.identity.service import subject_for
from csirtnet.models import AuditRecord, DeclaredProduct, Organisation, User
from csirtnet.organisation import products
from csirtnet.organisation import service as organisation_service
from csirtnet.organisation.products import ProductCreate
from csirtnet.organisation.schemas import SystemCreate
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_from, login
from tests.incident.helpers import coordinator
from tests.web.formpages import post_bad


def _declared(db, org: Organisation) -> list[tuple[str, str, str | None, int | None]]:
    db.expire_all()
    rows = db.scalars(
        select(DeclaredProduct).where(DeclaredProduct.organisation_id == org.id).order_by(DeclaredProduct.id)
    )
    return [(r.vendor, r.product, r.version, r.information_system_id) for r in rows]


def _audited(db) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(AuditRecord)) or 0)


@pytest.fixture
def org(db) -> Organisation:
    return make_organisation(db, name="Sở Thông tin và Truyền thông Bắc Kạn", kind="province")


@pytest.fixture
def admin(client, db, org) -> User:
    secret = pyotp.random_base32()
    user = make_user(db, roles=[Role.ORG_ADMIN], organisation=org, totp_secret=secret)
    login(client, user.email, totp_secret=secret)
    return user


def test_the_section_lists_the_products_in_both_languages(client, db, org, admin) -> None:
    who = subject_for(admin)
    system = organisation_service.add_system(db, who, org.id, SystemCreate(name="Cổng dịch vụ công", security_level=3))
    products.add(
        db,
        who,
        org.id,
        ProductCreate(vendor="Palo Alto Networks", product="PAN-OS", version="10.2.7", information_system_id=system.id),
    )
    products.add(db, who, org.id, ProductCreate(vendor="Citrix", product="NetScaler ADC"))
    expected = {
        "vi": ("Sản phẩm đã khai báo", "Hãng", "không rõ", "Khai báo sản phẩm"),
        "en": ("Declared products", "Vendor", "not known", "Declare the product"),
    }
    for language, words in expected.items():
        admin.language = language
        db.flush()
        r = client.get(f"/members/{org.id}")
        assert r.status_code == 200
        section = r.text.split('id="products"', 1)[1].split("</section>", 1)[0]
        for word in words:
            assert html.escape(word, quote=False) in section, (language, word)
        assert "PAN-OS" in section and "10.2.7" in section and "Cổng dịch vụ công" in section
        # The system chooser offers the member's own systems.
        assert f'<option value="{system.id}">Cổng dịch vụ công</option>' in section


def test_declare_and_remove_through_the_form(client, db, org, admin) -> None:
    who = subject_for(admin)
    system = organisation_service.add_system(db, who, org.id, SystemCreate(name="Thư điện tử", security_level=2))
    page = f"/members/{org.id}"
    token = csrf_from(client.get(page).text)
    data = {
        "vendor": "Zimbra",
        "product": "Collaboration",
        "version": "8.8.15",
        "information_system_id": str(system.id),
    }
    # Without the CSRF token nothing is declared.
    assert client.post(f"{page}/products", data=data).status_code == 403
    assert _declared(db, org) == []
    r = client.post(f"{page}/products", data={**data, "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"{page}#products"
    assert _declared(db, org) == [("Zimbra", "Collaboration", "8.8.15", system.id)]
    assert "Zimbra" in client.get(page).text.split('id="products"', 1)[1].split("</section>", 1)[0]
    (row_id,) = db.scalars(select(DeclaredProduct.id).where(DeclaredProduct.organisation_id == org.id))
    before = _audited(db)
    r = client.post(f"{page}/products/{row_id}/delete", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"{page}#products"
    assert _declared(db, org) == [] and _audited(db) == before + 1


def test_a_bad_declaration_comes_back_in_place_and_declares_nothing(client, db, org, admin) -> None:
    page = f"/members/{org.id}"
    post_bad(
        client,
        db,
        admin,
        page=page,
        target=f"{page}/products",
        data={"vendor": "Apache", "product": "", "version": ">=2.4 <2.4.58"},
        form_id="member-product",
        errors=("product", "version"),
        kept=("Apache", ">=2.4 <2.4.58"),
    )
    # A system of another member (a forged choice) is refused at the system chooser.
    other = make_organisation(db)
    theirs = organisation_service.add_system(
        db, subject_for(coordinator(db)), other.id, SystemCreate(name="Hệ thống khác", security_level=1)
    )
    post_bad(
        client,
        db,
        admin,
        page=page,
        target=f"{page}/products",
        data={
            "vendor": "Apache",
            "product": "HTTP Server",
            "version": "2.4.57",
            "information_system_id": str(theirs.id),
        },
        form_id="member-product",
        errors=("information_system_id",),
        kept=("HTTP Server", "2.4.57"),
    )
    assert _declared(db, org) == []
    assert not db.scalars(select(AuditRecord).where(AuditRecord.action.startswith("organisation.product"))).all()


def test_the_vietnamese_error_is_translated(client, db, org, admin) -> None:
    admin.language = "vi"
    db.flush()
    page = f"/members/{org.id}"
    token = csrf_from(client.get(page).text)
    r = client.post(
        f"{page}/products", data={"vendor": "Apache", "product": "Tomcat", "version": "latest", "csrf_token": token}
    )
    assert r.status_code == 422
    assert "Phiên bản phải có chữ số" in r.text


def test_others_get_no_form_and_change_nothing(client, db, org) -> None:
    owner = subject_for(make_user(db, roles=[Role.ORG_ADMIN], organisation=org))
    row = products.add(db, owner, org.id, ProductCreate(vendor="Fortinet", product="FortiOS", version="7.2.5"))
    outsider_org = make_organisation(db)
    secret = pyotp.random_base32()
    outsider = make_user(db, roles=[Role.ORG_ADMIN], organisation=outsider_org, totp_secret=secret)
    login(client, outsider.email, totp_secret=secret)
    r = client.get(f"/members/{org.id}")
    assert r.status_code == 200 and 'id="products"' not in r.text and "FortiOS" not in r.text
    token = csrf_from(client.get(f"/members/{outsider_org.id}").text)
    r = client.post(f"/members/{org.id}/products", data={"vendor": "X", "product": "Y", "csrf_token": token})
    assert r.status_code == 404
    assert client.post(f"/members/{org.id}/products/{row.id}/delete", data={"csrf_token": token}).status_code == 404
    assert _declared(db, org) == [("Fortinet", "FortiOS", "7.2.5", None)]
