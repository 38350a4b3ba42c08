"""Every form of the advisory pages, submitted with bad input in a real Chromium, comes back as the
one form path promises (tests/browser/formcheck.py). One live server and one login per person for
all of them: a second coordinator (who writes, filters, follows, reviews and withdraws) and a
province admin told of an advisory (who answers)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pyotp
import pytest

from csirtnet.advisory import service
from csirtnet.identity.service import subject_for
from csirtnet.models import Cluster, ClusterMember
from csirtnet.vocabulary import Role
from tests.advisory.helpers import draft, published
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator

pytestmark = pytest.mark.browser

LONG = "quá dài " * 40

ADVISORY_ROWS: list[Row] = [
    Row(
        BadInput(
            "advisory draft",
            "/advisories/new",
            "[data-testid=advisory-form]",
            {
                "title": " ",
                "summary": "Kẻ tấn công khai thác lỗ hổng trên cổng VPN.",
                "cve_ids": "CVE-2024-3400\nCVE-1",
                "indicators": "203.0.113.7\nkhông rõ là gì",
                "recommended_actions": "Cập nhật bản vá",
            },
            errors=("title", "cve_ids", "indicators"),
        ),
        Role.COORDINATOR,
        ("advisory",),
    ),
    Row(
        BadInput("advisory list filters", "/advisories", "[data-testid=advisory-filters]", {"q": LONG}, ("q",)),
        Role.COORDINATOR,
        ("advisory-filters",),
        language="en",
    ),
    Row(
        BadInput(
            "advisory tracking filters",
            "/advisories/{published}/tracking",
            "[data-testid=tracking-filters]",
            {"status": "stale"},
            ("status",),
            ignore_values=("status",),
        ),
        Role.COORDINATOR,
        ("advisory-tracking-filters",),
    ),
    Row(
        BadInput(
            "advisory review",
            "/advisories/{in_review}",
            "[data-testid=review-form]",
            {"note": "Cần sửa tiêu đề"},
            ("decision",),
        ),
        Role.COORDINATOR,
        ("advisory-review",),
    ),
    Row(
        BadInput(
            "advisory withdrawal",
            "/advisories/{published}?open=advisory-withdraw",
            "[data-testid=withdraw-form]",
            {"reason": " "},
            ("reason",),
        ),
        Role.COORDINATOR,
        ("advisory-withdraw",),
        language="en",
    ),
    Row(
        BadInput(
            "vulnerability filters",
            "/advisories/vulnerabilities",
            "[data-testid=vulnerability-filters]",
            {"q": LONG, "kev": True},
            ("q",),
        ),
        Role.COORDINATOR,
        ("advisory-vulnerability-filters",),
    ),
    Row(
        BadInput("vendor CSAF filters", "/advisories/csaf", "[data-testid=csaf-filters]", {"q": LONG}, ("q",)),
        Role.COORDINATOR,
        ("advisory-csaf-filters",),
    ),
    Row(
        BadInput(
            "advisory answer",
            "/advisories/{published}",
            "[data-testid=answer-form]",
            {"note": "Đã cập nhật bản vá"},
            ("status",),
        ),
        Role.ORG_ADMIN,
        ("advisory-answer",),
    ),
]

# A tracking page open while its choices changed: a status no longer offered.
STALE_STATUS = """
document.addEventListener("DOMContentLoaded", () => {
  if (sessionStorage.getItem("stale-status")) return;
  const select = document.querySelector("[data-testid=tracking-filters] select[name=status]");
  if (!select) return;
  sessionStorage.setItem("stale-status", "1");
  select.add(new Option("Stale", "stale"));
});
"""


def test_every_bad_advisory_form_comes_back_in_place(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        author = coordinator(session)
        cluster = Cluster(name="Cụm số 1", number=1)
        session.add(cluster)
        session.flush()
        org = make_organisation(session, kind="province", province="Bắc Kạn")
        session.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=date(2024, 1, 1)))
        answering = make_user(session, roles=[Role.ORG_ADMIN], organisation=org, totp_secret=secret)
        session.flush()
        ids = {
            "published": published(session, author, audience={"cluster_ids": [cluster.id]}).id,
            "in_review": draft(session, author, severity="critical", audience={"cluster_ids": [cluster.id]}).id,
        }
        service.publish(session, subject_for(author), ids["in_review"])  # critical: waits for review
        people = {
            Role.COORDINATOR: coordinator(session, totp_secret=secret).email,
            Role.ORG_ADMIN: answering.email,
        }
    for role, email in people.items():
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.add_init_script(STALE_STATUS)
        page.on("dialog", lambda dialog: dialog.accept())  # "Withdraw this advisory?"
        log_in(page, live_server.url, email, secret)
        for row in (r for r in ADVISORY_ROWS if r.role == role):
            page.goto(f"{live_server.url}/?lang={row.language}")  # the row's language, kept by its cookie
            case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
            submit_bad(page, live_server.url, case, language=row.language)
        context.close()
