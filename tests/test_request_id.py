"""Every answer carries its request id (issue 10): the X-Request-ID header on every response, and
the same id in the body of every API problem (401, 403, 404, 405, 409, 413, 422, 429, 500 — raised
by a service, by the router, by validation or by nobody at all) and on every error page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csirtnet.errors import Conflict, Forbidden, NotFound, TooManyRequests
from csirtnet.identity import endpoints as identity_endpoints
from csirtnet.web.views import landing
from tests.factories import make_user
from tests.incident.helpers import api


@pytest.fixture
def loose_client(app: Any) -> Iterator[TestClient]:
    """The app as a server runs it: an unhandled error becomes a 500 answer, not a test error."""
    with TestClient(app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False) as c:
        yield c


def _raiser(exc: Exception) -> Callable[..., Any]:
    def raise_it(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return raise_it


RAISED = {
    403: Forbidden(),
    404: NotFound("user"),
    409: Conflict("already done"),
    429: TooManyRequests("slow down", 60),
    500: RuntimeError("boom"),
}


def _problem_has_its_id(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    rid = r.headers.get("x-request-id")
    assert rid, f"{status}: no X-Request-ID header"
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    assert r.json().get("request_id") == rid, (status, r.json())
    _has_security_headers(r, status)


def _has_security_headers(r: Any, status: int) -> None:
    # A 500 is built outside the added middleware: it must still carry the policy and nosniff.
    assert "content-security-policy" in r.headers, f"{status}: no Content-Security-Policy"
    assert r.headers.get("x-content-type-options") == "nosniff", f"{status}: no nosniff"


@pytest.mark.parametrize("status", sorted(RAISED))
def test_an_api_error_raised_by_a_service_carries_the_request_id(loose_client, db, monkeypatch, status) -> None:
    headers = api(db, make_user(db))
    monkeypatch.setattr(identity_endpoints, "_me", _raiser(RAISED[status]))
    _problem_has_its_id(loose_client.get("/api/v1/me", headers=headers), status)


def test_api_errors_raised_by_the_router_auth_and_validation_carry_the_request_id(loose_client, db) -> None:
    headers = api(db, make_user(db))
    _problem_has_its_id(loose_client.get("/api/v1/me"), 401)
    _problem_has_its_id(loose_client.get("/api/v1/no-such-thing", headers=headers), 404)
    _problem_has_its_id(loose_client.delete("/api/v1/me", headers=headers), 405)
    _problem_has_its_id(loose_client.get("/api/v1/users?limit=not-a-number", headers=headers), 422)
    big = b"x" * (loose_client.app.state.settings.max_upload_bytes + 1)
    _problem_has_its_id(loose_client.post("/api/v1/tokens", content=big, headers=headers), 413)


def test_a_caller_given_request_id_is_the_one_quoted(loose_client, db, monkeypatch) -> None:
    headers = api(db, make_user(db)) | {"X-Request-ID": "support-case-12345"}
    monkeypatch.setattr(identity_endpoints, "_me", _raiser(RuntimeError("boom")))
    r = loose_client.get("/api/v1/me", headers=headers)
    assert r.headers["x-request-id"] == "support-case-12345" == r.json()["request_id"]


def _page_has_its_id(r: Any, status: int) -> None:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    rid = r.headers.get("x-request-id")
    assert rid, f"{status}: no X-Request-ID header"
    shown = re.search(r'data-testid="request-id">([^<]+)<', r.text)
    assert shown and shown.group(1) == rid, (status, r.text[-800:])
    _has_security_headers(r, status)


@pytest.mark.parametrize("status", sorted(RAISED))
def test_an_error_page_shows_the_request_id_of_its_answer(loose_client, monkeypatch, status) -> None:
    monkeypatch.setattr(landing, "render", _raiser(RAISED[status]))
    r = loose_client.get("/", headers={"Accept": "text/html"})
    _page_has_its_id(r, status)
    if status == 500:
        assert "Mã yêu cầu" in r.text


def test_error_pages_from_the_router_show_the_request_id(loose_client) -> None:
    _page_has_its_id(loose_client.get("/no-such-page", headers={"Accept": "text/html"}), 404)
    _page_has_its_id(loose_client.put("/", headers={"Accept": "text/html"}), 405)
