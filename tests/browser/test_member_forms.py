"""Every form of the members and administration pages, submitted with bad input in a real Chromium,
comes back as the one form path promises (tests/browser/formcheck.py): in place (422), each error
at its field, the labels in a focused summary, everything typed kept, the language kept, no
attribute name shown.

`MEMBER_ROWS` has the shape of tests/browser/test_forms.py's rows; their URLs name the objects the
test makes ({org}: the org admin's organisation; {claim}: one of its claims; {application}: an
application waiting for a decision; {conflict}: a claim overlapping another member's; {user}: a
user of that organisation). test_forms.py's `test_every_declared_form_is_submitted` counts them.
"""

from __future__ import annotations

import dataclasses
import secrets

import pyotp
import pytest

from csirtnet.identity.service import subject_for
from csirtnet.models import MembershipApplication
from csirtnet.organisation import constituency
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator

pytestmark = pytest.mark.browser

LONG = "x" * 250
# A page older than the vocabulary: it still offers a service the network no longer lists. Added
# once, at the first load (the error page must not show it again).
STALE_SERVICE = """
document.addEventListener("DOMContentLoaded", () => {
  if (sessionStorage.getItem("stale-service")) return;
  const form = document.querySelector("[data-testid=services-form] fieldset");
  if (!form) return;
  sessionStorage.setItem("stale-service", "1");
  const label = document.createElement("label");
  label.innerHTML = '<input type="checkbox" name="services" value="retired-service"> Retired';
  form.appendChild(label);
});
"""

# An address edited by hand or a page older than the list of statuses: a status no longer offered.
STALE_STATUS = """
document.addEventListener("DOMContentLoaded", () => {
  if (sessionStorage.getItem("stale-status")) return;
  const select = document.querySelector("[data-testid=application-filters] select[name=status]");
  if (!select) return;
  sessionStorage.setItem("stale-status", "1");
  select.add(new Option("Withdrawn", "withdrawn"));
});
"""
# A page open while an organisation was merged away: its choice no longer means one.
STALE_ORGANISATION = """
document.addEventListener("DOMContentLoaded", () => {
  if (sessionStorage.getItem("stale-organisation")) return;
  const select = document.querySelector("[data-testid=webhook-organisation] select[name=organisation_id]");
  if (!select) return;
  sessionStorage.setItem("stale-organisation", "1");
  select.add(new Option("Đã sáp nhập", "merged"));
});
"""
INIT_SCRIPTS = {
    "member services": STALE_SERVICE,
    "application filters": STALE_STATUS,
    "webhook organisation": STALE_ORGANISATION,
}

MEMBER_ROWS: list[Row] = [
    Row(
        BadInput(
            "member profile",
            "/members/{org}?open=member-profile",
            "[data-testid=profile-form]",
            {"name": " ", "incident_email": "khong-phai-email", "address": "12 Lê Lợi, Huế", "staff_count": "5"},
            errors=("name", "incident_email"),
        ),
        Role.ORG_ADMIN,
        ("member-profile",),
    ),
    Row(
        BadInput(
            "member services",
            "/members/{org}",
            "[data-testid=services-form]",
            {"services": ["incident-management.coordination", "retired-service"]},
            errors=("services",),
            ignore_values=("services",),
        ),
        Role.ORG_ADMIN,
        ("member-services",),
        language="en",
    ),
    Row(
        BadInput(
            "member contact",
            "/members/{org}",
            "[data-testid=contact-form]",
            {"role": "technical", "full_name": "Trần Kỹ Thuật", "email": "sai@", "phone": "gọi tôi"},
            errors=("email", "phone"),
        ),
        Role.ORG_ADMIN,
        ("member-contact",),
    ),
    Row(
        BadInput(
            "member system",
            "/members/{org}",
            "[data-testid=system-form]",
            {"name": "x", "security_level": "4", "national_important": True},
            errors=("name",),
        ),
        Role.ORG_ADMIN,
        ("member-system",),
    ),
    Row(
        BadInput(
            "member product",
            "/members/{org}",
            "[data-testid=product-form]",
            {"vendor": "Apache", "product": " ", "version": ">=2.4 <2.4.58"},
            errors=("product", "version"),
        ),
        Role.ORG_ADMIN,
        ("member-product",),
    ),
    Row(
        BadInput(
            "member claim",
            "/members/{org}",
            "[data-testid=claim-form]",
            {"value": "khong phai dia chi", "note": "mạng nội bộ"},
            errors=("value",),
        ),
        Role.ORG_ADMIN,
        ("member-claim",),
    ),
    Row(
        BadInput(
            "delegate a part",
            "/members/{org}?delegate={claim}",
            "[data-testid=delegate-form]",
            {"value": "192.0.2.0/24"},
            errors=("value",),
        ),
        Role.ORG_ADMIN,
        ("member-delegate",),
    ),
    Row(
        BadInput(
            "member expert",
            "/members/{org}",
            "[data-testid=expert-form]",
            {
                "full_name": "Lê Chuyên Gia",
                "skills": ["malware-analysis"],
                "languages": "vi, tiếng Anh",
                "max_deployments": "99",
                "on_site": False,
            },
            errors=("languages", "max_deployments"),
        ),
        Role.ORG_ADMIN,
        ("member-expert",),
    ),
    Row(
        BadInput(
            "application question",
            "/members/applications/{application}",
            "[data-testid=question-form]",
            {"question": "   "},
            errors=("question",),
        ),
        Role.COORDINATOR,
        ("application-question",),
    ),
    Row(
        BadInput(
            "application approval",
            "/members/applications/{application}",
            "[data-testid=approve-form]",
            {"member_code": "MB-TAKEN", "admin_email": "quantri@moi.example.vn", "admin_name": "Quản Trị"},
            errors=("member_code",),
        ),
        Role.COORDINATOR,
        ("application-approve",),
    ),
    Row(
        BadInput(
            "application decline",
            "/members/applications/{application}",
            "[data-testid=decline-form]",
            {"reason": " "},
            errors=("reason",),
        ),
        Role.COORDINATOR,
        ("application-decline",),
        language="en",
    ),
    Row(
        BadInput(
            "reject an overlapping claim",
            "/members/constituency/conflicts?reject={conflict}",
            "[data-testid=claim-reject-form]",
            {"reason": "  "},
            errors=("reason",),
        ),
        Role.COORDINATOR,
        ("claim-reject",),
    ),
    Row(
        BadInput("member import", "/members/import", "[data-testid=import-form]", {"apply_valid": True}, ("file",)),
        Role.COORDINATOR,
        ("member-import",),
    ),
    Row(
        BadInput("lookup", "/members/lookup", "[data-testid=lookup-form]", {"q": "không phải địa chỉ"}, ("q",)),
        Role.RESPONDER,
        ("member-lookup",),
    ),
    Row(
        BadInput(
            "new user",
            "/admin/users/new",
            "[data-testid=user-new-form]",
            {"email": "nguoi.moi@example.vn", "full_name": "Người Mới", "roles": [], "password": "ngắn"},
            errors=("roles", "password"),
            ignore_values=("password",),
        ),
        Role.ORG_ADMIN,
        ("admin-user-new",),
    ),
    Row(
        BadInput(
            "edit a user",
            "/admin/users/{user}",
            "[data-testid=user-edit-form]",
            {"email": "khong-hop-le", "full_name": "Tên Đã Sửa", "language": "en"},
            errors=("email",),
        ),
        Role.ORG_ADMIN,
        ("admin-user-edit",),
    ),
    Row(
        BadInput(
            "register an organisation",
            "/admin/organisations/new",
            "[data-testid=organisation-form]",
            {"name": "Sở Mới", "member_code": "mã sai!", "kind": "province", "province": "Huế"},
            errors=("member_code",),
        ),
        Role.COORDINATOR,
        ("admin-organisation-new",),
    ),
    Row(
        BadInput(
            "edit an organisation",
            "/admin/organisations/{org}",
            "[data-testid=organisation-form]",
            {"name": "X", "sector": "Ngân hàng", "status": "suspended"},
            errors=("name",),
        ),
        Role.COORDINATOR,
        ("admin-organisation-edit",),
        language="en",
    ),
    Row(
        BadInput(
            "webhook",
            "/admin/webhooks",
            "[data-testid=webhook-form]",
            {"url": "ftp://noi-bo.example.vn/hook", "event_types": ["system.job_failed"]},
            errors=("url",),
        ),
        Role.ORG_ADMIN,
        ("admin-webhook",),
    ),
    Row(
        BadInput(
            "webhook organisation",
            "/admin/webhooks",
            "[data-testid=webhook-organisation]",
            {"organisation_id": "merged"},
            ("organisation_id",),
            ignore_values=("organisation_id",),
        ),
        Role.PLATFORM_ADMIN,
        ("admin-webhook-organisation",),
    ),
    Row(
        BadInput(
            "audit filters",
            "/admin/audit",
            "[data-testid=audit-filters]",
            {"action": "user.", "since": "2026-03-10", "until": "2026-03-01"},
            errors=("until",),
        ),
        Role.PLATFORM_ADMIN,
        ("admin-audit-filters",),
    ),
    Row(
        BadInput(
            "directory filters",
            "/members",
            "[data-testid=directory-filters]",
            {"q": LONG},
            ("q",),
        ),
        Role.RESPONDER,
        ("member-directory-filters",),
    ),
    Row(
        BadInput(
            "expert filters",
            "/members/experts",
            "[data-testid=expert-filters]",
            {"q": LONG, "available": "yes", "province": "Đà Nẵng"},
            ("q",),
        ),
        Role.RESPONDER,
        ("member-expert-filters",),
        language="en",
    ),
    Row(
        BadInput(
            "application filters",
            "/members/applications",
            "[data-testid=application-filters]",
            {"status": "withdrawn"},
            ("status",),
            ignore_values=("status",),
        ),
        Role.COORDINATOR,
        ("member-application-filters",),
    ),
    Row(
        BadInput("user filters", "/admin/users", "[data-testid=user-filters]", {"q": LONG, "active": "1"}, ("q",)),
        Role.PLATFORM_ADMIN,
        ("admin-user-filters",),
    ),
    Row(
        BadInput(
            "organisation filters",
            "/admin/organisations",
            "[data-testid=organisation-filters]",
            {"q": LONG, "kind": "province"},
            ("q",),
        ),
        Role.COORDINATOR,
        ("admin-organisation-filters",),
        language="en",
    ),
]


@pytest.mark.parametrize("row", MEMBER_ROWS, ids=lambda row: row.case.name)
def test_a_bad_member_or_admin_form_comes_back_in_place(live_server, page, row: Row) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32() if row.role.requires_2fa else None
    with live_server.database.unit_of_work() as session:
        coord = coordinator(session)
        org = make_organisation(session, name="Sở Thông tin và Truyền thông Huế", kind="province")
        make_organisation(session, member_code="MB-TAKEN")
        other = make_organisation(session, name="Công ty Viễn thông Miền Trung", kind="telecom")
        org_admin = make_user(session, roles=[Role.ORG_ADMIN], organisation=org, totp_secret=pyotp.random_base32())
        claim = constituency.add_claim(session, subject_for(org_admin), org.id, "198.51.100.0/24")
        broad = make_user(session, roles=[Role.ORG_ADMIN], organisation=other, totp_secret=pyotp.random_base32())
        constituency.add_claim(session, subject_for(broad), other.id, "198.51.0.0/16")
        application = MembershipApplication(
            token_hash=secrets.token_hex(32),
            applicant_kind="organisation",
            applicant_name="Đinh Văn Nộp",
            applicant_email="nop@congty-moi.example.vn",
            organisation_name="Công ty An ninh Mới",
            kind="security_vendor",
        )
        session.add(application)
        session.flush()
        if row.role == Role.COORDINATOR:
            user = coordinator(session, language=row.language, totp_secret=secret)
        elif row.role == Role.ORG_ADMIN:
            user = make_user(session, roles=[row.role], organisation=org, language=row.language, totp_secret=secret)
        else:
            user = make_user(session, roles=[row.role], language=row.language, totp_secret=secret)
        ids = {"org": org.id, "claim": claim.id, "application": application.id, "conflict": claim.id}
        ids["user"] = make_user(session, roles=[Role.RESPONDER], organisation=org).id
        email = user.email
        del coord
    log_in(page, live_server.url, email, secret)
    page.on("dialog", lambda dialog: dialog.accept())  # "Decline this application?" and the like
    if row.case.name in INIT_SCRIPTS:
        page.add_init_script(INIT_SCRIPTS[row.case.name])
    case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
    submit_bad(page, live_server.url, case, language=row.language)
