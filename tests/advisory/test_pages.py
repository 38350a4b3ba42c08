"""The advisory pages: the list (a member's inbox with its answer, everything for the coordinator),
the draft form on the one form path (each bad field and line named, everything typed kept),
publishing, the advisory's page (badges, the Markdown body shown safe, CVEs marked known
exploited), the answers ("needs help" links its support request), review, withdrawal, a new
version with what changed, and the live tracking view; anonymous visitors go to the login page,
organisations that were not told get 404, and every form needs its CSRF token."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.advisory import answers
from csirtnet.kit.time import utcnow
from csirtnet.models import AckStatus, Advisory, AdvisoryRecipient, AdvisoryStatus, User, Vulnerability
from csirtnet.web.views.advisories import draft
from tests.advisory.helpers import World, make_world, published
from tests.advisory.helpers import draft as draft_advisory
from tests.helpers import csrf_from, login
from tests.incident.helpers import who


def _login(client: Any, user: User) -> str:
    login(client, user.email, totp_secret=user.totp_secret)
    return csrf_from(client.get("/advisories").text)


def _logout(client: Any, token: str) -> None:
    client.post("/logout", data={"csrf_token": token})
    client.cookies.clear()


def _kev(db: Session, cve: str = "CVE-2024-3400") -> None:
    db.add(
        Vulnerability(
            cve_id=cve,
            title="PAN-OS GlobalProtect command injection",
            known_exploited=True,
            kev_vendor="Palo Alto Networks",
            kev_product="PAN-OS",
            kev_name="Palo Alto Networks PAN-OS Command Injection Vulnerability",
            kev_date_added=date(2024, 4, 12),
            kev_due_date=date(2024, 4, 19),
            kev_required_action="Apply mitigations per vendor instructions.",
            kev_ransomware="Unknown",
            cvss_score=10.0,
            updated_at=utcnow(),
        )
    )
    db.flush()


def _draft_form(w: World, **overrides: str) -> dict[str, str]:
    values = {
        "kind": "advisory",
        "title": "Lỗ hổng PAN-OS GlobalProtect đang bị khai thác",
        "summary": "Kẻ tấn công khai thác CVE-2024-3400 trên cổng VPN của các tỉnh.",
        "body": "## Chi tiết\n\nCập nhật **ngay**.",
        "severity": "high",
        "tlp": "amber",
        "pap": "amber",
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        "cve_ids": "CVE-2024-3400",
        "affected_products": "Palo Alto Networks | PAN-OS | <10.2.9, 11.0.0",
        "indicators": "203.0.113.7\nevil.example.com\nsha256 " + "a" * 64 + "\n2001:db8::1",
        "recommended_actions": "Cập nhật PAN-OS lên 10.2.9\nKiểm tra nhật ký GlobalProtect",
        "references": "https://security.paloaltonetworks.com/CVE-2024-3400 | Vendor advisory",
        "deadline_at": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "deadline_at_zone": "Asia/Ho_Chi_Minh",
        "audience_clusters": str(w.cluster.id),
    }
    values.update(overrides)
    return values


def test_anonymous_visitors_are_sent_to_login(client: Any) -> None:
    for path in ("/advisories", "/advisories/new", "/advisories/1", "/advisories/1/edit", "/advisories/1/tracking"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_the_coordinator_writes_a_draft_on_the_form_and_publishes_it(client: Any, db: Session) -> None:
    w = make_world(db)
    token = _login(client, w.coordinator)
    listing = client.get("/advisories")
    assert 'data-testid="new-advisory"' in listing.text
    new = client.get("/advisories/new")
    assert new.status_code == 200 and "Cảnh báo mới" in new.text
    assert f'value="{w.cluster.id}"' in new.text and 'name="audience_network"' in new.text
    assert "New advisory" in client.get("/advisories/new?lang=en").text
    r = client.post("/advisories", data={**_draft_form(w), "csrf_token": token})
    assert r.status_code == 303, r.text
    advisory = db.scalar(select(Advisory).where(Advisory.title.startswith("Lỗ hổng PAN-OS")))
    assert advisory is not None and advisory.status == AdvisoryStatus.DRAFT.value
    assert advisory.affected_products == [
        {"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": ["<10.2.9", "11.0.0"]}
    ]
    assert [i["type"] for i in advisory.indicators] == ["ipv4", "domain", "sha256", "ipv6"]
    assert advisory.references == [
        {"url": "https://security.paloaltonetworks.com/CVE-2024-3400", "summary": "Vendor advisory"}
    ]
    assert advisory.audience["cluster_ids"] == [w.cluster.id] and advisory.deadline_at is not None
    page = client.get(r.headers["location"] + "?lang=vi")
    assert 'data-testid="publish-form"' in page.text and ">bản nháp<" in page.text
    done = client.post(f"/advisories/{advisory.id}/publish", data={"csrf_token": token})
    assert done.status_code == 303
    db.refresh(advisory)
    assert advisory.status == AdvisoryStatus.PUBLISHED.value
    told = db.scalar(select(func.count()).where(AdvisoryRecipient.advisory_id == advisory.id))
    assert told == 6
    again = client.get(f"/advisories/{advisory.id}")
    assert 'data-testid="publish-form"' not in again.text and 'data-testid="tracking-link"' in again.text
    assert f'href="/advisories/{advisory.id}/csaf.json"' in again.text
    assert f'href="/advisories/{advisory.id}/advisory.pdf"' in again.text


def test_bad_input_names_each_field_and_line_and_keeps_what_was_typed(client: Any, db: Session) -> None:
    w = make_world(db)
    token = _login(client, w.coordinator)
    typed = _draft_form(
        w,
        title=" ",
        cvss_vector="CVSS:2.0/AV:N",
        cve_ids="CVE-2024-3400\nCVE-24-1",
        indicators="203.0.113.7\nipv4 999.1.1.1\nkhông rõ gì",
        affected_products="Palo Alto Networks | PAN-OS | <10.2.9\nchỉ một phần",
        references="ftp://example.com/x",
        audience_people="khongco@example.vn",
    )
    r = client.post("/advisories", data={**typed, "csrf_token": token, "lang": "vi"})
    assert r.status_code == 422
    for name in ("title", "cvss_vector", "cve_ids", "indicators", "affected_products", "references", "audience_people"):
        assert f'id="advisory-{name}-e"' in r.text, name
    errors = r.text.split('data-testid="form-errors"')[1].split("</div>")[0]
    indicators = errors.split('href="#advisory-indicators">Chỉ dấu</a>:')[1].split("</li>")[0]
    assert "Dòng 2" in indicators and "dòng 3" in indicators and "999.1.1.1" in indicators
    assert ">cve_ids<" not in errors and "string_" not in errors and "Value error" not in errors
    # Everything typed comes back as it was typed.
    assert (
        "không rõ gì" in r.text
        and "CVE-24-1" in r.text
        and "chỉ một phần" in r.text
        and "ftp://example.com/x" in r.text
    )
    assert "khongco@example.vn" in r.text
    assert db.scalar(select(func.count()).select_from(Advisory)) == 0
    en = client.post("/advisories?lang=en", data={**typed, "csrf_token": token})
    indicator_error = re.search(r'id="advisory-indicators-e"[^>]*>([^<]+)<', en.text)
    assert indicator_error is not None and "Line 2" in indicator_error.group(1)


def test_a_tlp_red_advisory_names_people_only(client: Any, db: Session) -> None:
    w = make_world(db)
    token = _login(client, w.coordinator)
    r = client.post("/advisories", data={**_draft_form(w, tlp="red"), "csrf_token": token})
    assert r.status_code == 422 and 'id="advisory-audience_people-e"' in r.text
    ok = client.post(
        "/advisories",
        data={
            **_draft_form(w, tlp="red", audience_clusters="", audience_people=w.admins[0].email),
            "csrf_token": token,
        },
    )
    assert ok.status_code == 303
    advisory = db.scalar(select(Advisory))
    assert advisory is not None and advisory.audience["user_ids"] == [w.admins[0].id]


def test_a_member_organisation_is_offered_only_its_own_people(client: Any, db: Session) -> None:
    w = make_world(db)
    _login(client, w.admins[0])
    page = client.get("/advisories/new")
    assert page.status_code == 200
    assert 'name="audience_network"' not in page.text and 'name="audience_clusters"' not in page.text
    assert f'<option value="{w.provinces[0].id}"' in page.text
    assert f'<option value="{w.provinces[1].id}"' not in page.text
    _logout(client, csrf_from(page.text))
    _login(client, w.responders[0])
    assert client.get("/advisories/new").status_code == 403
    assert 'data-testid="new-advisory"' not in client.get("/advisories").text


def test_the_body_is_markdown_that_cannot_run_script(client: Any, db: Session) -> None:
    w = make_world(db)
    body = "Xem <script>alert('x')</script> và [liên kết](javascript:alert(1)) **đậm**"
    advisory = published(db, w.coordinator, body=body, audience={"cluster_ids": [w.cluster.id]})
    db.flush()
    _login(client, w.admins[1])
    page = client.get(f"/advisories/{advisory.id}")
    assert page.status_code == 200
    shown = page.text.split('data-testid="advisory-body"')[1].split("</div>")[0]
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "<a " not in shown and "[liên kết](javascript:alert(1))" in shown  # no link made, shown as typed
    assert "<strong>đậm</strong>" in shown


def test_members_read_their_inbox_and_outsiders_see_nothing(client: Any, db: Session) -> None:
    w = make_world(db)
    _kev(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    db.flush()
    token = _login(client, w.responders[2])
    listing = client.get("/advisories")
    row = listing.text.split(f'data-reference="{advisory.reference}"')[1].split("</tr>")[0]
    assert "chưa phản hồi" in row
    for lang, words in (
        ("vi", ("Đã bị khai thác (KEV)", "Hành động khuyến nghị")),
        ("en", ("Known exploited (KEV)", "Recommended actions")),
    ):
        page = client.get(f"/advisories/{advisory.id}?lang={lang}")
        assert page.status_code == 200
        for word in words:
            assert word in page.text, (lang, word)
    page = client.get(f"/advisories/{advisory.id}")
    assert 'data-testid="kev"' in page.text and 'data-testid="answer-form"' in page.text
    assert 'data-testid="tracking-link"' not in page.text and 'data-testid="edit"' not in page.text
    assert client.get(f"/advisories/{advisory.id}/tracking").status_code == 403
    assert client.get(f"/advisories/{advisory.id}/edit").status_code == 403
    _logout(client, token)
    token = _login(client, w.outsider)
    assert advisory.reference not in client.get("/advisories?show=all").text
    for path in ("", "/edit", "/tracking", "/tracking/fragment"):
        assert client.get(f"/advisories/{advisory.id}{path}").status_code == 404, path
    for action, data in (("answer", {"status": "applied"}), ("withdraw", {"reason": "Không"}), ("publish", {})):
        r = client.post(f"/advisories/{advisory.id}/{action}", data={**data, "csrf_token": token})
        assert r.status_code == 404, action


def test_answers_and_needs_help_links_the_support_request(client: Any, db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    db.flush()
    token = _login(client, w.admins[0])
    bad = client.post(f"/advisories/{advisory.id}/answer", data={"status": "pending", "csrf_token": token})
    assert bad.status_code == 422 and 'id="advisory-answer-status-e"' in bad.text
    ok = client.post(
        f"/advisories/{advisory.id}/answer", data={"status": "applied", "note": "Đã vá", "csrf_token": token}
    )
    assert ok.status_code == 303
    assert "Đã vá" in client.get(f"/advisories/{advisory.id}").text
    _logout(client, token)
    token = _login(client, w.admins[1])
    help_ = client.post(
        f"/advisories/{advisory.id}/answer",
        data={"status": "needs_help", "note": "Không có chuyên gia", "csrf_token": token},
    )
    assert help_.status_code == 303
    page = client.get(f"/advisories/{advisory.id}").text
    recipient = db.scalar(
        select(AdvisoryRecipient).where(
            AdvisoryRecipient.advisory_id == advisory.id, AdvisoryRecipient.organisation_id == w.provinces[1].id
        )
    )
    assert recipient is not None and recipient.support_request_id is not None
    assert f'href="/mobilisation/requests/{recipient.support_request_id}"' in page


def test_the_tracking_view_and_its_live_fragment(client: Any, db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    answers.answer(db, who(w.admins[0]), advisory.id, AckStatus.APPLIED, "Đã vá")
    advisory.deadline_at = utcnow() - timedelta(minutes=1)  # the deadline passed
    db.flush()
    _login(client, w.coordinator)
    for lang, word in (("vi", "Quá hạn"), ("en", "Overdue")):
        page = client.get(f"/advisories/{advisory.id}/tracking?lang={lang}")
        assert page.status_code == 200 and word in page.text
    page = client.get(f"/advisories/{advisory.id}/tracking")
    assert f'data-live-fragment="/advisories/{advisory.id}/tracking/fragment"' in page.text
    assert '<script src="/static/live-fragment.js"' in page.text
    rows = re.findall(
        r'data-testid="recipient" data-organisation="([^"]+)" data-status="(\w+)" data-overdue="(\w+)"', page.text
    )
    assert len(rows) == 6 and rows[-1][1] == "applied"
    assert [r[2] for r in rows[:5]] == ["yes"] * 5
    fragment = client.get(f"/advisories/{advisory.id}/tracking/fragment?status=pending")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.count('data-testid="recipient"') == 5
    assert f'data-live-fragment="/advisories/{advisory.id}/tracking/fragment?status=pending"' in fragment.text
    assert client.get(f"/advisories/{advisory.id}/tracking?status=nonsense").status_code == 422


def test_a_published_advisory_changes_by_a_new_version_with_what_changed(client: Any, db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    answers.answer(db, who(w.admins[0]), advisory.id, AckStatus.APPLIED, None)
    deadline = advisory.deadline_at
    db.flush()
    token = _login(client, w.coordinator)
    form = client.get(f"/advisories/{advisory.id}/edit")
    assert form.status_code == 200 and 'data-testid="new-version"' in form.text
    assert "Palo Alto Networks | PAN-OS | &lt;10.2.9" in form.text and "ipv4 203.0.113.7" in form.text
    shown = re.search(r'name="deadline_at" type="datetime-local" value="([^"]+)"', form.text)
    assert shown is not None  # the deadline as the form shows it, in the reader's zone
    values = {
        "title": "Lỗ hổng PAN-OS GlobalProtect: có bản vá mới",
        "summary": advisory.summary,
        "body": advisory.body,
        "severity": "high",
        "tlp": "amber",
        "pap": "amber",
        "cvss_vector": advisory.cvss_vector or "",
        "cve_ids": "CVE-2024-3400",
        "affected_products": "Palo Alto Networks | PAN-OS | <10.2.10",
        "indicators": "ipv4 203.0.113.7",
        "recommended_actions": "Cập nhật PAN-OS lên 10.2.10",
        "references": "https://security.paloaltonetworks.com/CVE-2024-3400 | Vendor",
        "audience_clusters": str(w.cluster.id),
        "deadline_at": shown.group(1),
        "deadline_at_zone": "Asia/Ho_Chi_Minh",
        "note": "Bản vá 10.2.9 chưa đủ",
        "fresh_ack": "on",
        "csrf_token": token,
    }
    r = client.post(f"/advisories/{advisory.id}/edit", data=values)
    assert r.status_code == 303, r.text
    db.refresh(advisory)
    assert advisory.version == "1.1" and advisory.deadline_at == deadline
    page = client.get(f"/advisories/{advisory.id}").text
    changes = page.split('data-version="1.1"')[1].split("</li>")[0]
    assert "Tiêu đề" in changes and "Sản phẩm bị ảnh hưởng" in changes and "&lt;10.2.10" in changes
    assert "Bản vá 10.2.9 chưa đủ" in changes
    _logout(client, token)
    _login(client, w.admins[0])
    assert 'data-testid="fresh-answer-asked"' in client.get(f"/advisories/{advisory.id}").text


def test_review_returns_with_a_reason_and_approves(client: Any, db: Session, settings: Any) -> None:
    w = make_world(db)
    advisory = draft_advisory(db, w.coordinator, severity="critical", audience={"cluster_ids": [w.cluster.id]})
    db.flush()
    token = _login(client, w.coordinator)
    assert ">Gửi duyệt</button>" in client.get(f"/advisories/{advisory.id}").text  # critical: four eyes
    client.post(f"/advisories/{advisory.id}/publish", data={"csrf_token": token})
    db.refresh(advisory)
    assert advisory.status == AdvisoryStatus.IN_REVIEW.value
    assert 'data-testid="review-form"' not in client.get(f"/advisories/{advisory.id}").text  # not the author
    _logout(client, token)
    token = _login(client, w.reviewer)
    page = client.get(f"/advisories/{advisory.id}")
    assert 'data-testid="review-form"' in page.text
    bad = client.post(f"/advisories/{advisory.id}/review", data={"decision": "return", "note": "", "csrf_token": token})
    assert bad.status_code == 422 and 'id="advisory-review-note-e"' in bad.text
    ok = client.post(f"/advisories/{advisory.id}/review", data={"decision": "approve", "csrf_token": token})
    assert ok.status_code == 303
    db.refresh(advisory)
    assert advisory.status == AdvisoryStatus.PUBLISHED.value


def test_publishing_without_an_audience_says_so_and_withdrawal_needs_a_reason(client: Any, db: Session) -> None:
    w = make_world(db)
    advisory = draft_advisory(db, w.coordinator)
    db.flush()
    token = _login(client, w.coordinator)
    r = client.post(f"/advisories/{advisory.id}/publish", data={"csrf_token": token})
    assert r.status_code == 303
    flash = client.get(f"/advisories/{advisory.id}").text.split('class="flash error"')[1].split("</div>")[0]
    assert "Gửi cho ai: hãy chọn người nhận trước khi phát hành" in flash
    bad = client.post(f"/advisories/{advisory.id}/withdraw", data={"reason": "", "csrf_token": token})
    assert bad.status_code == 422 and 'id="advisory-withdraw-reason-e"' in bad.text
    ok = client.post(f"/advisories/{advisory.id}/withdraw", data={"reason": "Viết nhầm", "csrf_token": token})
    assert ok.status_code == 303
    db.refresh(advisory)
    assert advisory.status == AdvisoryStatus.WITHDRAWN.value


def test_every_form_needs_its_csrf_token(client: Any, db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    db.flush()
    _login(client, w.admins[0])
    r = client.post(f"/advisories/{advisory.id}/answer", data={"status": "applied"})
    assert r.status_code == 403
    assert (
        db.scalar(
            select(AdvisoryRecipient.status).where(
                AdvisoryRecipient.advisory_id == advisory.id, AdvisoryRecipient.organisation_id == w.provinces[0].id
            )
        )
        == AckStatus.PENDING.value
    )
    assert client.post("/advisories", data=_draft_form(w)).status_code == 403
    assert client.post(f"/advisories/{advisory.id}/withdraw", data={"reason": "x y z"}).status_code == 403


def test_the_list_filters_and_refuses_a_bad_filter(client: Any, db: Session) -> None:
    w = make_world(db)
    first = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    second = published(
        db, w.coordinator, kind="warning", title="Chiến dịch lừa đảo", audience={"cluster_ids": [w.cluster.id]}
    )
    db.flush()
    _login(client, w.coordinator)
    both = client.get("/advisories").text
    assert first.reference in both and second.reference in both
    warnings = client.get("/advisories?kind=warning").text
    assert second.reference in warnings and first.reference not in warnings
    found = client.get("/advisories", params={"q": "lua dao"}).text
    assert second.reference in found and first.reference not in found
    assert client.get("/advisories?status=nonsense").status_code == 422


def test_the_vulnerability_catalogue_marks_known_exploited_for_every_member(client: Any, db: Session) -> None:
    w = make_world(db)
    _kev(db)
    db.add(
        Vulnerability(cve_id="CVE-2023-0001", title="Không bị khai thác", known_exploited=False, updated_at=utcnow())
    )
    db.flush()
    _login(client, w.responders[0])
    page = client.get("/advisories/vulnerabilities")
    assert page.status_code == 200 and "Danh mục lỗ hổng" in page.text
    row = page.text.split('data-cve="CVE-2024-3400"')[1].split("</tr>")[0]
    assert 'data-testid="kev"' in row and "19/04/2024" in row
    assert 'data-testid="kev"' not in page.text.split('data-cve="CVE-2023-0001"')[1].split("</tr>")[0]
    only = client.get("/advisories/vulnerabilities?kev=on&lang=en")
    assert "CVE-2024-3400" in only.text and "CVE-2023-0001" not in only.text and "Vulnerability catalogue" in only.text
    assert client.get("/advisories/vulnerabilities", params={"q": "x" * 201}).status_code == 422
    assert client.get("/advisories/csaf").status_code == 200  # each document then by its own TLP


def test_the_coordinator_reads_imported_vendor_csaf(client: Any, db: Session) -> None:
    import json
    from pathlib import Path

    from csirtnet.advisory import csaf_store

    w = make_world(db)
    sample = json.loads((Path(__file__).parent / "data" / "csaf_vendor_sample.json").read_text(encoding="utf-8"))
    document, _created = csaf_store.import_csaf(db, who(w.coordinator), sample)
    advisory = published(db, w.coordinator, csaf_document_ids=[document.id], audience={"cluster_ids": [w.cluster.id]})
    db.flush()
    _login(client, w.coordinator)
    listing = client.get("/advisories/csaf")
    assert listing.status_code == 200 and document.tracking_id in listing.text
    page = client.get(f"/advisories/csaf/{document.id}")
    assert page.status_code == 200
    assert 'data-testid="csaf-products"' in page.text and "CVE-2025-10001" in page.text
    assert "CSAFPID-0001" in page.text
    assert f'href="/advisories/csaf/{document.id}"' in client.get(f"/advisories/{advisory.id}").text
    assert client.get("/advisories/csaf/999999").status_code == 404


def test_members_read_white_vendor_csaf_but_not_amber(client: Any, db: Session) -> None:
    import copy
    import json
    from pathlib import Path

    from csirtnet.advisory import csaf_store

    w = make_world(db)
    sample = json.loads((Path(__file__).parent / "data" / "csaf_vendor_sample.json").read_text(encoding="utf-8"))
    white, _ = csaf_store.import_csaf(db, who(w.coordinator), sample)
    amber_doc = copy.deepcopy(sample)
    amber_doc["document"]["distribution"]["tlp"]["label"] = "AMBER"
    amber_doc["document"]["tracking"]["id"] = "VENDOR-AMBER-1"
    amber, _ = csaf_store.import_csaf(db, who(w.coordinator), amber_doc)
    advisory = published(
        db, w.coordinator, csaf_document_ids=[white.id, amber.id], audience={"cluster_ids": [w.cluster.id]}
    )
    db.flush()
    _login(client, w.responders[0])
    listing = client.get("/advisories/csaf")
    assert white.tracking_id in listing.text and "VENDOR-AMBER-1" not in listing.text
    assert client.get(f"/advisories/csaf/{white.id}").status_code == 200
    assert client.get(f"/advisories/csaf/{amber.id}").status_code == 404
    page = client.get(f"/advisories/{advisory.id}").text
    assert white.tracking_id in page and "VENDOR-AMBER-1" not in page


# -- reading the draft's lines (outside input: any text a user may paste) ----------------------------


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_every_line_is_read_or_named_whatever_is_pasted(text: str) -> None:
    numbered = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    for reader in (draft.read_indicators, draft.read_products, draft.read_references, draft.read_actions):
        lines = reader(text, "en")
        assert len(lines.items) + len(lines.problems) == len(numbered), reader.__name__
        assert {n for n, _problem in lines.problems} <= set(numbered)
        assert all(problem for _n, problem in lines.problems)


@given(st.ip_addresses())
def test_a_bare_address_is_read_as_its_family(address: Any) -> None:
    lines = draft.read_indicators(f"  {address}  ", "vi")
    assert lines.items == [{"type": f"ipv{address.version}", "value": str(address)}] and not lines.problems


def test_bare_values_get_the_type_their_form_shows() -> None:
    text = "\n".join(
        [
            "198.51.100.0/24",
            "https://evil.example.com/a?b=1",
            "Phishing@Example.com",
            "d41d8cd98f00b204e9800998ecf8427e",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "EVIL.example.com",
            "url hxxp-not-a-url",
            "sha256 abc",
            "AS 64500",
            "asn AS64500",
        ]
    )
    lines = draft.read_indicators(text, "en")
    assert [i["type"] for i in lines.items] == ["network", "url", "email", "md5", "sha1", "domain", "asn"]
    assert lines.items[2]["value"] == "phishing@example.com" and lines.items[5]["value"] == "evil.example.com"
    assert [n for n, _ in lines.problems] == [7, 8, 9]
    vi = draft.read_indicators("ipv4 999.1.1.1", "vi")
    assert vi.problems and "không phải địa chỉ IPv4 hoặc IPv6" in vi.problems[0][1]


def test_products_cves_and_references_are_read_line_by_line() -> None:
    products = draft.read_products("Cisco | IOS XE | 17.9.1, <17.9.4\n | thiếu hãng\nchỉ một phần", "vi")
    assert products.items == [{"vendor": "Cisco", "product": "IOS XE", "versions": ["17.9.1", "<17.9.4"]}]
    assert [n for n, _ in products.problems] == [2, 3]
    ranges = draft.read_products("Apache | HTTP Server | >=2.4 >=2.5", "en")
    assert ranges.problems == [(1, "'>=2.4 >=2.5' has two lower bounds")]
    cves = draft.read_cves("cve-2024-3400, CVE-2023-4966\nCVE-20-1", "en")
    assert cves.items == ["CVE-2024-3400", "CVE-2023-4966"] and cves.problems == [
        (2, "CVE-20-1 is not a CVE id (CVE-YYYY-NNNN)")
    ]
    refs = draft.read_references("https://a.example/x | Hãng\nftp://b.example", "en")
    assert refs.items == [{"url": "https://a.example/x", "summary": "Hãng"}] and refs.problems[0][0] == 2
