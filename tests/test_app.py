"""The app shell: closed by default, security headers, request ids, upload limits, metrics,
health probes and the problem+json error shape."""

from __future__ import annotations

import importlib
import re
import sys

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from csirtnet.app import API_PREFIX, PUBLIC_MODULES, create_app
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.vocabulary import Role
from tests.factories import make_user

_PARAM = re.compile(r"\{[^}]+\}")


def public_routes() -> set[int]:
    ids = set()
    for module in PUBLIC_MODULES:
        for ctx in iter_route_contexts(importlib.import_module(module).router.routes):
            ids.add(id(ctx.original_route))
    return ids


def closed_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) of every route that needs a login, path parameters filled with 1."""
    public = public_routes()
    out = []
    for ctx in iter_route_contexts(app.routes):
        if not ctx.methods or id(ctx.original_route) in public:
            continue  # mounts (static files) have no methods
        for method in sorted(ctx.methods - {"HEAD", "OPTIONS"}):
            out.append((method, _PARAM.sub("1", ctx.path)))
    return out


def bearer(db: Session, roles: list[Role], scopes: list[str]) -> dict[str, str]:
    user = make_user(db, roles=roles)
    issued = create_token(db, subject_for(user), user, name="test", scopes=scopes, expires_in_days=1)
    return {"Authorization": f"Bearer {issued.token}"}


def test_every_route_off_the_public_routers_needs_a_login(app: FastAPI, client: TestClient) -> None:
    routes = closed_routes(app)
    assert len(routes) > 50, "the enumeration found the app's routes"
    assert ("GET", f"{API_PREFIX}/users/1") in routes and ("POST", "/admin/users/1") in routes
    open_doors = []
    for method, path in routes:
        r = client.request(method, path)
        assert r.headers.get("x-request-id"), f"{method} {path} has no X-Request-ID"
        if path.startswith(API_PREFIX) or path == "/metrics":
            ok = r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
        elif path.startswith("/taxii2/"):  # TAXII clients: 401 asking for Basic, as a TAXII error message
            ok = r.status_code == 401 and r.headers["content-type"] == "application/taxii+json;version=2.1"
            ok = ok and r.headers["www-authenticate"].startswith("Basic ")
        else:
            ok = r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        if not ok:
            open_doors.append(f"{method} {path} -> {r.status_code}")
    assert open_doors == []


def test_an_invalid_token_is_not_anonymous_access(client: TestClient) -> None:
    r = client.get(f"{API_PREFIX}/me", headers={"Authorization": "Bearer csn_nope_nope"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/login", "/healthz", f"{API_PREFIX}/me", "/admin"])
def test_security_headers_on_every_kind_of_response(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


def test_request_ids(client: TestClient) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    mine = "trace-1234-abcd"
    assert client.get("/healthz", headers={"X-Request-ID": mine}).headers["x-request-id"] == mine
    hostile = "<script>alert(1)</script>"
    assert client.get("/healthz", headers={"X-Request-ID": hostile}).headers["x-request-id"] != hostile
    problem = client.get(f"{API_PREFIX}/me", headers={"X-Request-ID": mine})
    assert problem.json()["request_id"] == mine


def test_bodies_over_the_upload_limit_are_refused(database, settings) -> None:
    settings.max_upload_bytes = 1000
    app = create_app(settings, database, start_worker=False)
    with TestClient(app, follow_redirects=False) as client:
        declared = client.post(f"{API_PREFIX}/users", content=b"x" * 1001, headers={"Content-Type": "application/json"})
        streamed = client.post(
            f"{API_PREFIX}/users",
            content=iter([b"x" * 400] * 3),  # chunked: no Content-Length to go by
            headers={"Content-Type": "application/json"},
        )
        form = client.post(
            "/login",
            content=iter([b"a=" + b"x" * 600] * 2),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        at_limit = b'{"a": "' + b"x" * 991 + b'"}'
        assert len(at_limit) == 1000
        small = client.post(f"{API_PREFIX}/users", content=at_limit, headers={"Content-Type": "application/json"})
    for r in (declared, streamed, form):
        assert r.status_code == 413, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 413 and "1000 bytes" in r.json()["detail"]
        assert r.headers["x-request-id"]
    assert small.status_code == 401, "at the limit the request goes on (and meets the login check)"


def test_metrics_need_the_scope(client: TestClient, db: Session) -> None:
    assert client.get("/metrics").status_code == 401
    viewer = bearer(db, [Role.VIEWER], ["profile:read"])
    assert client.get("/metrics", headers=viewer).status_code == 403
    client.get("/healthz")
    monitor = bearer(db, [Role.PLATFORM_ADMIN], ["metrics:read"])
    r = client.get("/metrics", headers=monitor)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert re.search(r'csirtnet_http_requests_total\{method="GET",route="/healthz",status="200"\} \d', r.text)
    assert "csirtnet_http_request_duration_seconds_bucket" in r.text
    assert 'route="/metrics",status="401"' in r.text, "routes are labelled by template, failures counted"


def test_health_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok"}}


def test_not_ready_until_migrated(new_database, backend_kind, settings) -> None:
    app = create_app(settings, new_database(backend_kind), start_worker=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    assert ready.json()["checks"]["schema"].startswith("at None, code expects ")


def test_bad_input_names_the_field(client: TestClient, db: Session) -> None:
    admin = bearer(db, [Role.PLATFORM_ADMIN], ["users:write"])
    body = {"email": "not-an-email", "full_name": "Nguyễn Văn A", "organisation_id": 1}
    r = client.post(f"{API_PREFIX}/users", json=body, headers=admin)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] == "Validation failed"
    assert [e["field"] for e in problem["errors"]] == ["email"]
    assert problem["errors"][0]["message"]
    assert problem["request_id"] == r.headers["x-request-id"]


def test_service_errors_are_problems_too(client: TestClient, db: Session) -> None:
    admin = bearer(db, [Role.PLATFORM_ADMIN], ["users:read"])
    r = client.get(f"{API_PREFIX}/users/999999", headers=admin)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/not_found")
    unknown = client.get(f"{API_PREFIX}/no-such-thing", headers=admin)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


def test_hsts_and_the_csrf_cookie_are_secure_behind_https() -> None:
    """With secure cookies (HTTPS), responses carry HSTS, the anonymous CSRF cookie is Secure, and a
    header a route set itself is not sent twice."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from csirtnet.middleware import CsrfCookieMiddleware, SecurityHeadersMiddleware

    def page(request: Request) -> PlainTextResponse:
        request.state.new_csrf_cookie = "token123"
        return PlainTextResponse("ok", headers={"x-frame-options": "SAMEORIGIN"})

    app = Starlette(routes=[Route("/", page)])
    app.add_middleware(SecurityHeadersMiddleware, hsts=True)
    app.add_middleware(CsrfCookieMiddleware, secure=True)
    r = TestClient(app).get("/")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")
    assert r.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert r.headers["set-cookie"] == "csirtnet_csrf=token123; HttpOnly; Path=/; SameSite=lax; Secure"


def test_the_app_sets_the_switch_interval(database, settings) -> None:
    before = sys.getswitchinterval()
    try:
        create_app(settings.model_copy(update={"switch_interval_ms": 1.5}), database, start_worker=False)
        assert sys.getswitchinterval() == pytest.approx(0.0015)
        sys.setswitchinterval(0.005)
        create_app(settings.model_copy(update={"switch_interval_ms": 0}), database, start_worker=False)
        assert sys.getswitchinterval() == pytest.approx(0.005)  # 0 leaves Python's own
    finally:
        sys.setswitchinterval(before)
