"""Declared products: a member says what it runs (vendor, product, one version, its system), read and
changed like its information systems, every change audited; advisories then find it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select

from csirtnet.advisory.products import likely_affected, version_in
from csirtnet.errors import Conflict, ValidationFailed
from csirtnet.identity.service import subject_for
from csirtnet.models import AuditRecord, DeclaredProduct
from csirtnet.organisation import products
from csirtnet.organisation import service as organisation_service
from csirtnet.organisation.products import ProductCreate, check_version
from csirtnet.organisation.schemas import SystemCreate
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator
from tests.organisation.helpers import api


def _actions(db, *names: str) -> list[AuditRecord]:
    return list(db.scalars(select(AuditRecord).where(AuditRecord.action.in_(names)).order_by(AuditRecord.seq)))


# -- the version check ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["10.2.7", "13.1-49.13", "  7.0   SP1 ", "v2.4.58", "11.1.2-h3", "2019", "1.1.1k"])
def test_one_version_as_its_vendor_writes_it_is_accepted(text: str) -> None:
    assert check_version(text) == " ".join(text.split())


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("<2.4.58", "not a range"),
        (">=1.0 <1.2", "not a range"),
        ("1.0 - 1.4", "not a range"),
        ("2.4.*", "not a range"),
        ("2.4.x", "not a range"),
        ("10.2.7, 11.1.3", "not a range"),
        ("latest", "holds a number"),
        ("n/a", "holds a number"),
    ],
)
def test_a_range_or_a_word_is_not_a_declared_version(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        check_version(text)


@given(st.text(max_size=40))
def test_an_accepted_version_is_found_by_an_advisory_naming_it(text: str) -> None:
    """Whatever is typed: refused with a sentence, or kept so that an advisory naming exactly that
    version (or the range around it) matches it."""
    try:
        version = check_version(text)
    except ValueError as exc:
        assert str(exc)[0].isupper()
        return
    if version is None:
        assert not text.strip()
        return
    assert version_in(version, [version])


def test_the_schema_names_the_field() -> None:
    for values, field in (
        ({"vendor": " ", "product": "PAN-OS"}, "vendor"),
        ({"vendor": "Citrix", "product": "x" * 201}, "product"),
        ({"vendor": "Citrix", "product": "---"}, "product"),
        ({"vendor": "Citrix", "product": "ADC", "version": "<13.1"}, "version"),
        ({"vendor": "Citrix", "product": "ADC", "version": "1" * 101}, "version"),
    ):
        with pytest.raises(ValidationError) as caught:
            ProductCreate.model_validate(values)
        assert [e["loc"][0] for e in caught.value.errors()] == [field], values
    blank = ProductCreate.model_validate({"vendor": " Citrix ", "product": "NetScaler ADC", "version": " "})
    assert (blank.vendor, blank.version) == ("Citrix", None)


# -- the service -----------------------------------------------------------------------------------


def test_declare_list_and_remove_with_audit_and_matching(db) -> None:
    org = make_organisation(db, name="Sở TT&TT Bắc Kạn")
    admin = subject_for(make_user(db, roles=[Role.ORG_ADMIN], organisation=org))
    system = organisation_service.add_system(
        db, admin, org.id, SystemCreate(name="Cổng dịch vụ công", security_level=3)
    )
    row = products.add(
        db,
        admin,
        org.id,
        ProductCreate(vendor="Palo Alto Networks", product="PAN-OS", version="10.2.7", information_system_id=system.id),
    )
    products.add(db, admin, org.id, ProductCreate(vendor="Citrix", product="NetScaler ADC", version="13.1-49.13"))
    assert (row.vendor_key, row.product_key) == ("palo alto networks", "pan os")
    listed = products.products_of(db, admin, org.id)
    assert [(p.vendor, p.version, p.information_system_name) for p in listed] == [
        ("Citrix", "13.1-49.13", None),
        ("Palo Alto Networks", "10.2.7", "Cổng dịch vụ công"),
    ]
    # An advisory on PAN-OS before 10.2.9 finds the member.
    found = likely_affected(
        db, [org.id], [{"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": ["<10.2.9"]}]
    )
    assert [p["declared_product_id"] for p in found[org.id]] == [row.id]
    # The same product, version and system again is refused at the product.
    with pytest.raises(Conflict) as dup:
        products.add(
            db,
            admin,
            org.id,
            ProductCreate(
                vendor="palo alto networks", product="PAN OS", version="10.2.7", information_system_id=system.id
            ),
        )
    assert dup.value.errors[0].field == "product"
    # Another organisation's system is not one to run it in.
    other = make_organisation(db)
    theirs = organisation_service.add_system(
        db, subject_for(coordinator(db)), other.id, SystemCreate(name="Hệ thống khác", security_level=2)
    )
    with pytest.raises(ValidationFailed) as bad:
        products.add(db, admin, org.id, ProductCreate(vendor="Citrix", product="ADC", information_system_id=theirs.id))
    assert bad.value.errors[0].field == "information_system_id"
    products.remove(db, admin, org.id, row.id)
    db.flush()
    assert db.get(DeclaredProduct, row.id) is None
    records = _actions(db, "organisation.product_declared", "organisation.product_removed")
    assert [(r.action, r.summary["product"], r.organisation_id) for r in records] == [
        ("organisation.product_declared", "PAN-OS", org.id),
        ("organisation.product_declared", "NetScaler ADC", org.id),
        ("organisation.product_removed", "PAN-OS", org.id),
    ]
    assert records[0].summary["information_system_id"] == system.id


def test_removing_the_system_keeps_the_product(db) -> None:
    org = make_organisation(db)
    admin = subject_for(make_user(db, roles=[Role.ORG_ADMIN], organisation=org))
    system = organisation_service.add_system(db, admin, org.id, SystemCreate(name="Thư điện tử", security_level=2))
    row = products.add(
        db,
        admin,
        org.id,
        ProductCreate(vendor="Zimbra", product="Collaboration", version="8.8.15", information_system_id=system.id),
    )
    organisation_service.remove_system(db, admin, org.id, system.id)
    db.flush()
    db.expire_all()
    assert db.get(DeclaredProduct, row.id).information_system_id is None
    assert products.products_of(db, admin, org.id)[0].information_system_name is None


# -- the API ---------------------------------------------------------------------------------------


def test_api_declares_lists_and_removes(client, db) -> None:
    org = make_organisation(db, name="Ngân hàng Thử")
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    h = api(db, admin)
    base = f"/api/v1/organisations/{org.id}/products"
    system = organisation_service.add_system(
        db, subject_for(admin), org.id, SystemCreate(name="Core banking", security_level=4)
    )
    r = client.post(
        base,
        json={
            "vendor": "Citrix",
            "product": "NetScaler ADC",
            "version": "13.1-49.13",
            "information_system_id": system.id,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["information_system_name"] == "Core banking" and created["version"] == "13.1-49.13"
    assert client.post(base, json={"vendor": "Fortinet", "product": "FortiOS"}, headers=h).status_code == 201
    page = client.get(base, params={"limit": 1}, headers=h).json()
    assert [p["vendor"] for p in page["items"]] == ["Citrix"] and page["next_cursor"]
    rest = client.get(base, params={"limit": 1, "cursor": page["next_cursor"]}, headers=h).json()
    assert [p["vendor"] for p in rest["items"]] == ["Fortinet"] and rest["next_cursor"] is None
    assert client.delete(f"{base}/{created['id']}", headers=h).status_code == 204
    assert client.delete(f"{base}/{created['id']}", headers=h).status_code == 404
    assert [p["product"] for p in client.get(base, headers=h).json()["items"]] == ["FortiOS"]
    assert [r.action for r in _actions(db, "organisation.product_declared", "organisation.product_removed")] == [
        "organisation.product_declared",
        "organisation.product_declared",
        "organisation.product_removed",
    ]


def test_api_refuses_anonymous_others_and_bad_input(client, db) -> None:
    org = make_organisation(db)
    other = make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    h = api(db, admin)
    base = f"/api/v1/organisations/{org.id}/products"
    row = products.add(
        db,
        subject_for(admin),
        org.id,
        ProductCreate(vendor="Microsoft", product="Exchange Server", version="15.2.1544.4"),
    )
    before = len(_actions(db, "organisation.product_declared", "organisation.product_removed"))
    # Nobody logged in.
    assert client.get(base).status_code == 401
    assert client.post(base, json={"vendor": "a", "product": "b"}).status_code == 401
    assert client.delete(f"{base}/{row.id}").status_code == 401
    # Another member's admin: the products are part of a profile it does not read; they look absent.
    ho = api(db, make_user(db, roles=[Role.ORG_ADMIN], organisation=other))
    assert client.get(base, headers=ho).status_code == 404
    assert client.post(base, json={"vendor": "a", "product": "b"}, headers=ho).status_code == 404
    assert client.delete(f"{base}/{row.id}", headers=ho).status_code == 404
    # Its own product under another member's path is not found either.
    assert client.delete(f"/api/v1/organisations/{other.id}/products/{row.id}", headers=h).status_code == 404
    # A viewer of the organisation reads but does not change (403: it sees the profile).
    hv = api(db, make_user(db, roles=[Role.VIEWER], organisation=org))
    assert [p["product"] for p in client.get(base, headers=hv).json()["items"]] == ["Exchange Server"]
    assert client.post(base, json={"vendor": "a", "product": "b"}, headers=hv).status_code == 403
    assert client.delete(f"{base}/{row.id}", headers=hv).status_code == 403
    # Bad input names the field.
    for body, field in (
        ({"product": "PAN-OS"}, "vendor"),
        ({"vendor": "Palo Alto Networks", "product": ""}, "product"),
        ({"vendor": "Palo Alto Networks", "product": "PAN-OS", "version": ">=10.2 <10.2.9"}, "version"),
        (
            {"vendor": "Palo Alto Networks", "product": "PAN-OS", "information_system_id": 987654},
            "information_system_id",
        ),
        ({"vendor": "Palo Alto Networks", "product": "PAN-OS", "version": "x" * 101}, "version"),
    ):
        r = client.post(base, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert [e["field"] for e in r.json()["errors"]] == [field], r.json()
    r = client.post(
        base, json={"vendor": "microsoft", "product": "exchange  server", "version": "15.2.1544.4"}, headers=h
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "product"
    assert len(_actions(db, "organisation.product_declared", "organisation.product_removed")) == before


def test_api_import_is_all_or_nothing_and_names_the_line(client, db) -> None:
    org = make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    h = api(db, admin)
    organisation_service.add_system(
        db, subject_for(admin), org.id, SystemCreate(name="Cổng thông tin", security_level=2)
    )
    url = f"/api/v1/organisations/{org.id}/products/import"
    bad = (
        "vendor,product,version,system\n"
        "Apache,HTTP Server,2.4.57,Cổng thông tin\n"
        "Apache,Tomcat,<9.0,\n"
        "Nginx,nginx,1.25.3,Không có\n"
    )
    r = client.post(url, json={"csv": bad}, headers=h)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["line 3: version", "line 4: system"]
    assert db.scalars(select(DeclaredProduct).where(DeclaredProduct.organisation_id == org.id)).all() == []
    r = client.post(url, json={"csv": 'vendor,product\nApache,"HTTP Server\n'}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("line 2")
    r = client.post(url, json={"csv": "vendor,name\nApache,HTTP Server\n"}, headers=h)
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"line 1: name", "line 1: product"}
    good = (
        "vendor,product,version,system\n"
        "Apache,HTTP Server,2.4.57,cổng  thông tin\n"
        "Nginx,nginx,,\n"
        "Apache,HTTP Server,2.4.57,Cổng thông tin\n"
    )
    r = client.post(url, json={"csv": good}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 2, "unchanged": 1}
    assert client.post(url, json={"csv": good}, headers=h).json() == {"added": 0, "unchanged": 3}
    listed = client.get(f"/api/v1/organisations/{org.id}/products", headers=h).json()["items"]
    assert [(p["product"], p["version"], p["information_system_name"]) for p in listed] == [
        ("HTTP Server", "2.4.57", "Cổng thông tin"),
        ("nginx", None, None),
    ]
    (record,) = _actions(db, "organisation.products_imported")
    assert [a["product"] for a in record.summary["added"]] == ["HTTP Server", "nginx"]
    # Others may not import into this member.
    other_admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=make_organisation(db))
    assert client.post(url, json={"csv": good}, headers=api(db, other_admin)).status_code == 404
    assert client.post(url, json={"csv": good}).status_code == 401
