"""The evidence issue's "done when" in the browser, each person in their own Chromium:

a responder (the incident's evidence custodian) uploads a large disk image and a log file with the
progress bar shown and reaching 100 %, transfers the image to an analyst, who logs in and
acknowledges, checks it out and back in; the item page then shows the whole custody timeline; a
member of another organisation — even one taking part in the incident without an evidence role —
sees none of it.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from csirtnet.identity.service import subject_for
from csirtnet.incident import participants
from csirtnet.incident.schemas import ParticipantCreate
from csirtnet.models import EvidenceItem
from tests.browser.test_incident_response import _person
from tests.factories import make_organisation
from tests.incident.helpers import coordinator, member, open_incident

pytestmark = pytest.mark.browser

IMAGE_SIZE = 20 * 1024 * 1024


def _upload(page, base: str, incident_id: int, path: Path, item_type: str, title: str) -> int:  # type: ignore[no-untyped-def]
    """Add a digital item through the page's form; returns the new item's id once its page opens."""
    page.goto(f"{base}/incidents/{incident_id}/evidence")
    page.click("[data-testid=add-evidence]")
    form = page.locator("[data-testid=evidence-form]")
    form.locator("select[name=item_type]").select_option(item_type)
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=collection_place]").fill("Phòng máy chủ, Sở TT&TT Bắc Ninh")
    form.locator("input[name=collection_system]").fill("Cổng dịch vụ công")
    form.locator("input[name=tool]").fill("FTK Imager")
    form.locator("input[name=tool_version]").fill("4.7.1")
    form.locator("input[name=legal_basis]").fill("QĐ 15/QĐ-STTTT")
    form.locator("select[name=volatility]").select_option("disk")
    form.locator("input[name=sha256]").fill(hashlib.sha256(path.read_bytes()).hexdigest())
    form.locator("input[name=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    progress = page.locator("[data-testid=upload-progress]")
    progress.wait_for(state="visible")
    expect(page.locator("[data-testid=upload-percent]")).to_have_text("100%", timeout=30_000)
    assert progress.is_visible()
    assert "MB/s" in page.locator("[data-testid=upload-speed]").inner_text()
    assert page.locator("[data-testid=upload-progress] progress").evaluate("e => e.value") == 100
    page.wait_for_url(re.compile(r".*/evidence/\d+$"), timeout=30_000)
    return int(page.url.rsplit("/", 1)[1])


def test_custody_of_an_uploaded_image_moves_to_the_analyst_and_is_logged(  # type: ignore[no-untyped-def]
    live_server, browser, tmp_path: Path
) -> None:
    base = live_server.url
    with live_server.database.unit_of_work() as session:
        coord = coordinator(session)
        org = make_organisation(session, kind="province")
        reporter = member(session, org)
        incident = open_incident(session, coord, reporter)
        responder, analyst = member(session, org), member(session)
        stranger = member(session)  # another organisation, taking part without an evidence role
        outsider = member(session)  # another organisation, not on the incident
        for user, role in ((responder, "custodian"), (analyst, "analyst"), (stranger, None)):
            participants.add(
                session, subject_for(coord), incident.id, ParticipantCreate(user_id=user.id, evidence_role=role)
            )
        ids = {"incident": incident.id}
        emails = {
            "responder": responder.email,
            "analyst": analyst.email,
            "stranger": stranger.email,
            "outsider": outsider.email,
        }
        analyst_name = analyst.full_name
    image = tmp_path / "may-chu-cong-dvc.dd"
    image.write_bytes(os.urandom(IMAGE_SIZE))
    log = tmp_path / "auth.log"
    log.write_text("Dec  6 08:00:01 dvc sshd[311]: Accepted password for root from 203.0.113.9\n" * 500)

    custodian = _person(browser, base, emails["responder"])
    image_id = _upload(custodian, base, ids["incident"], image, "disk_image", "Ảnh ổ đĩa máy chủ cổng DVC")
    assert custodian.locator("[data-testid=sha256]").inner_text() == hashlib.sha256(image.read_bytes()).hexdigest()
    log_id = _upload(custodian, base, ids["incident"], log, "log", "Nhật ký SSH")
    custodian.goto(f"{base}/incidents/{ids['incident']}/evidence")
    rows = custodian.locator("[data-testid=evidence-item]")
    assert rows.count() == 2

    # The custodian hands the image over; custody moves only when the analyst acknowledges.
    custodian.goto(f"{base}/evidence/{image_id}")
    custodian.locator("[data-testid=transfer-step] summary").click()
    transfer = custodian.locator("[data-testid=transfer-form]")
    transfer.locator("select[name=to_user_id]").select_option(label=analyst_name)
    transfer.locator("textarea[name=reason]").fill("Chuyển cho nhóm phân tích mã độc")
    transfer.locator("button[type=submit]").click()
    custodian.locator("[data-testid=pending-transfer]").wait_for()
    assert custodian.locator("[data-testid=custodian]").inner_text() != analyst_name

    receiver = _person(browser, base, emails["analyst"])
    receiver.goto(f"{base}/evidence/{image_id}")
    receiver.locator("[data-testid=acknowledge-form] button[type=submit]").click()
    receiver.wait_for_url(f"{base}/evidence/{image_id}")
    assert receiver.locator("[data-testid=custodian]").inner_text() == analyst_name
    receiver.locator("[data-testid=check-out-step] summary").click()
    receiver.locator("[data-testid=check-out-form] input[name=purpose]").fill("Dựng dòng thời gian tấn công")
    receiver.locator("[data-testid=check-out-form] button[type=submit]").click()
    receiver.locator("[data-testid=check-in-step] summary").click()
    receiver.locator("[data-testid=check-in-form] button[type=submit]").click()
    receiver.locator("[data-testid=check-out-step]").wait_for()

    actions = receiver.locator("[data-testid=custody-entry]").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert [a for a in actions if a != "viewed"] == [
        "collected",
        "transfer_offered",
        "transfer_acknowledged",
        "checked_out",
        "checked_in",
    ]
    assert "viewed" in actions
    seqs = receiver.locator("[data-testid=custody-entry] td:first-child").all_inner_texts()
    assert seqs == [str(n) for n in range(1, len(seqs) + 1)]

    # Another organisation: no Evidence tab, and every evidence page is a missing page.
    other = _person(browser, base, emails["stranger"])
    other.goto(f"{base}/incidents/{ids['incident']}")
    assert other.locator("[data-testid=incident-tabs]").is_visible()
    assert other.locator(f"[data-testid=incident-tabs] a[href='/incidents/{ids['incident']}/evidence']").count() == 0
    for path in (f"/incidents/{ids['incident']}/evidence", f"/evidence/{image_id}", f"/evidence/{log_id}"):
        response = other.goto(base + path)
        assert response is not None and response.status == 404, path
        assert "Ảnh ổ đĩa" not in other.content()
    outsider = _person(browser, base, emails["outsider"])
    for path in (f"/incidents/{ids['incident']}", f"/evidence/{image_id}", f"/evidence/{image_id}/file"):
        response = outsider.goto(base + path)
        assert response is not None and response.status == 404, path

    with live_server.database.unit_of_work() as session:
        item = session.scalar(select(EvidenceItem).where(EvidenceItem.id == image_id))
        assert item is not None and item.content is not None and item.content.size == IMAGE_SIZE
