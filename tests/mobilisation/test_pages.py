"""The mobilisation pages: the incident's Mobilisation page and its form, a request's page with the
explained ranking and the answer forms, the inbox and the overview."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.models import Deployment, SupportRequest
from tests.helpers import csrf_from, login
from tests.mobilisation.helpers import make_network

SECRET = pyotp.random_base32()


def raise_form(csrf: str, **overrides: str) -> dict[str, str]:
    values = {
        "csrf_token": csrf,
        "summary": "Cần phân tích mẫu mã độc trên cổng thông tin",
        "skill__malware-analysis": "2",
        "skill__digital-forensics": "2",
        "mode": "on_site",
        "province": "Bắc Kạn",
        "starts_at": "",
        "duration": "3",
        "duration_unit": "days",
        "urgency": "high",
        "experts_needed": "1",
        "answer_within": "4",
    }
    values.update(overrides)
    return values


def test_the_coordinator_raises_a_request_and_fpt_accepts_it(client: TestClient, db: Session) -> None:
    net = make_network(db, totp_secret=SECRET)
    login(client, net.coordinator.email, totp_secret=SECRET)
    page = client.get(f"/incidents/{net.incident.id}/mobilisation?lang=vi")
    assert page.status_code == 200, page.text
    assert "Yêu cầu chuyên gia từ thành viên" in page.text
    assert 'data-testid="raise-form"' in page.text

    bad = client.post(
        f"/incidents/{net.incident.id}/mobilisation/requests",
        data=raise_form(csrf_from(page.text), province="", summary=""),
    )
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert db.scalar(select(SupportRequest.id)) is None

    r = client.post(f"/incidents/{net.incident.id}/mobilisation/requests", data=raise_form(csrf_from(page.text)))
    assert r.status_code == 303, r.text
    request_url = r.headers["location"]
    detail = client.get(request_url + "?lang=en")
    assert detail.status_code == 200
    assert 'data-testid="ranking"' in detail.text
    ranking = re.findall(r'<li data-organisation="([^"]+)"', detail.text)
    assert ranking == ["FPT", "Bkav", "MISA"]
    assert "Digital forensics: missing" in detail.text  # MISA's expert, explained
    assert "Suitable experts" in detail.text and "Skills" in detail.text

    client.cookies.clear()
    login(client, net.fpt_admin.email, totp_secret=SECRET)
    home = client.get("/?lang=vi")
    assert 'data-testid="needs-requests"' in home.text and f'href="{request_url}"' in home.text
    inbox = client.get("/mobilisation/requests?status=pending&lang=vi")
    assert inbox.status_code == 200 and request_url in inbox.text
    page = client.get(request_url + "?lang=vi")
    assert 'data-testid="accept-form"' in page.text and 'data-testid="ranking"' not in page.text
    assert "Lê Minh Ứng Cứu" in page.text
    r = client.post(
        request_url + "/accept",
        data={"csrf_token": csrf_from(page.text), "expert_ids": str(net.bkav_expert.id)},
    )
    assert r.status_code == 422  # the request's page again, the refusal at the experts
    assert 'data-testid="form-errors"' in r.text and 'id="mobilisation-accept-expert_ids-e"' in r.text
    assert db.scalar(select(Deployment.id)) is None  # Bkav's expert is not FPT's to send
    r = client.post(
        request_url + "/accept",
        data={"csrf_token": csrf_from(page.text), "expert_ids": str(net.fpt_expert.id)},
    )
    assert r.status_code == 303
    done = client.get(r.headers["location"] + "?lang=vi")
    assert "Lê Minh Ứng Cứu" in done.text and "Đang hỗ trợ sự cố" in done.text

    client.cookies.clear()
    login(client, net.fpt_expert_user.email)
    overview = client.get("/mobilisation?lang=vi")
    assert overview.status_code == 200
    assert net.incident.reference in overview.text
    assert client.get(f"/incidents/{net.incident.id}").status_code == 200


def test_pages_refuse_anonymous_and_other_organisations(client: TestClient, db: Session) -> None:
    net = make_network(db, totp_secret=SECRET)
    for path in ["/mobilisation", "/mobilisation/requests", f"/incidents/{net.incident.id}/mobilisation"]:
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    login(client, net.coordinator.email, totp_secret=SECRET)
    page = client.get(f"/incidents/{net.incident.id}/mobilisation")
    client.post(f"/incidents/{net.incident.id}/mobilisation/requests", data=raise_form(csrf_from(page.text)))
    request_id = db.scalar(select(SupportRequest.id))
    client.cookies.clear()
    login(client, net.bkav_admin.email, totp_secret=SECRET)
    assert client.get(f"/mobilisation/requests/{request_id}").status_code == 404
    assert client.get(f"/incidents/{net.incident.id}/mobilisation").status_code == 404
    csrf = csrf_from(client.get("/mobilisation").text)
    r = client.post(f"/mobilisation/requests/{request_id}/decline", data={"csrf_token": csrf, "reason": "bận"})
    assert r.status_code == 404
    inbox = client.get("/mobilisation/requests")
    assert inbox.status_code == 200 and f"/mobilisation/requests/{request_id}" not in inbox.text
