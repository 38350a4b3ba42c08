"""Every form of the mobilisation pages on the one form path: asking members for experts, the
answer (accept, decline), cancelling a request, releasing an expert. A bad submission answers 422
with the same page, names each failing field by its label in the reader's language (never by its
attribute), keeps what was typed and applies nothing."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet import i18n
from csirtnet.mobilisation import answers, service
from csirtnet.mobilisation.schemas import AcceptBody
from csirtnet.models import Deployment, SupportRequest, User
from tests.helpers import csrf_from, login
from tests.mobilisation.helpers import Network, make_network, request_body, who

SECRET = pyotp.random_base32()


def _summary(html: str) -> str:
    match = re.search(r'data-testid="form-errors">(.*?)</div>', html, re.DOTALL)
    assert match, "no error summary"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def _sign_in(client: TestClient, user: User) -> None:
    client.cookies.clear()
    login(client, user.email, totp_secret=SECRET if user.totp_secret else None)


def _labelled(summary: str, language: str, *labels: str) -> None:
    for label in labels:
        shown = i18n.translate(language, label)
        assert language == "en" or shown != label, f"{label!r} has no Vietnamese"
        assert shown in summary, f"{shown!r} not in the summary: {summary}"
    names = re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", summary)
    assert not names, f"attribute names in the summary: {names}"


def _count(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_refused_support_request_keeps_everything_typed(client: TestClient, db: Session, language: str) -> None:
    net = make_network(db, totp_secret=SECRET)
    _sign_in(client, net.coordinator)
    url = f"/incidents/{net.incident.id}/mobilisation"
    page = client.get(f"{url}?lang={language}")
    r = client.post(
        f"{url}/requests?lang={language}",
        data={
            "csrf_token": csrf_from(page.text),
            "summary": " ",
            "skill__malware-analysis": "3",
            "capabilities": ["incident-management.incident-analysis"],
            "mode": "on_site",
            "province": "",
            "starts_at": "2030-01-02T08:30",
            "starts_at_zone": "Asia/Bangkok",
            "duration": "",
            "duration_unit": "hours",
            "urgency": "critical",
            "experts_needed": "2",
            "answer_within": "8",
        },
    )
    assert r.status_code == 422, r.text[:2000]
    assert f'<html lang="{language}">' in r.text
    _labelled(_summary(r.text), language, "What the experts are needed for", "For how long")
    html = r.text
    assert 'value="2030-01-02T08:30"' in html and '<option value="Asia/Bangkok" selected>' in html
    assert re.search(r'<option value="3" selected>', html)  # the skill's level
    assert 'value="incident-management.incident-analysis" checked' in html
    assert 'value="on_site" checked' in html and '<option value="critical" selected>' in html
    assert '<option value="hours" selected>' in html and '<option value="8" selected>' in html
    assert 'id="mobilisation-request-summary-e"' in html
    assert _count(db, SupportRequest) == 0


def _raised(db: Session, net: Network) -> SupportRequest:
    return service.raise_request(db, who(net.coordinator), net.incident.id, request_body())


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_refused_answer_comes_back_on_the_requests_page(client: TestClient, db: Session, language: str) -> None:
    net = make_network(db, totp_secret=SECRET)
    req = _raised(db, net)
    _sign_in(client, net.fpt_admin)
    url = f"/mobilisation/requests/{req.id}"
    page = client.get(f"{url}?lang={language}")
    token = csrf_from(page.text)

    accepted = client.post(f"{url}/accept?lang={language}", data={"csrf_token": token, "note": "Sẵn sàng hỗ trợ"})
    assert accepted.status_code == 422
    _labelled(_summary(accepted.text), language, "Experts you send")
    assert "Sẵn sàng hỗ trợ</textarea>" in accepted.text

    declined = client.post(f"{url}/decline?lang={language}", data={"csrf_token": token, "reason": "ab"})
    assert declined.status_code == 422
    _labelled(_summary(declined.text), language, "Why your organisation cannot help")
    assert ">ab</textarea>" in declined.text
    assert re.search(r'<details open><summary>[^<]*</summary>\s*<div class="alert form-errors"', declined.text)

    db.expire_all()
    assert _count(db, Deployment) == 0 and db.get(SupportRequest, req.id).status == "open"  # type: ignore[union-attr]


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_refused_cancellation_keeps_the_reason(client: TestClient, db: Session, language: str) -> None:
    net = make_network(db, totp_secret=SECRET)
    req = _raised(db, net)
    _sign_in(client, net.coordinator)
    url = f"/mobilisation/requests/{req.id}"
    page = client.get(f"{url}?lang={language}")
    r = client.post(f"{url}/cancel?lang={language}", data={"csrf_token": csrf_from(page.text), "reason": "x"})
    assert r.status_code == 422
    _labelled(_summary(r.text), language, "Reason")
    assert ">x</textarea>" in r.text
    db.expire_all()
    assert db.get(SupportRequest, req.id).status == "open"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("page", "coordinator", "language"),
    [
        ("/incidents/{incident}/mobilisation", True, "vi"),
        ("/mobilisation/requests/{request}", False, "en"),
        ("/mobilisation", False, "vi"),
    ],
)
def test_a_refused_release_comes_back_on_the_page_it_was_sent_from(
    client: TestClient, db: Session, page: str, coordinator: bool, language: str
) -> None:
    """The release form sits on three pages, once per deployment: the errors come back on the page
    and the row it was sent from, the others untouched."""
    net = make_network(db, totp_secret=SECRET)
    req = _raised(db, net)
    (deployment,) = answers.accept(db, who(net.fpt_admin), req.id, AcceptBody(expert_ids=[net.fpt_expert.id]))
    back = page.format(incident=net.incident.id, request=req.id)
    _sign_in(client, net.coordinator if coordinator else net.fpt_admin)
    shown = client.get(f"{back}?lang={language}")
    assert shown.status_code == 200 and f'id="mobilisation-release-{deployment.id}-hours"' in shown.text
    r = client.post(
        f"/mobilisation/deployments/{deployment.id}/release?lang={language}",
        data={"csrf_token": csrf_from(shown.text), "hours": "ba giờ", "outcome": "Đã cô lập máy chủ", "next": back},
    )
    assert r.status_code == 422, r.text[:2000]
    _labelled(_summary(r.text), language, "Hours worked")
    assert f'id="mobilisation-release-{deployment.id}-hours-e"' in r.text
    assert 'value="ba giờ"' in r.text and "Đã cô lập máy chủ</textarea>" in r.text
    db.expire_all()
    assert db.get(Deployment, deployment.id).released_at is None  # type: ignore[union-attr]
