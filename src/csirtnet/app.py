"""create_app(): the one ASGI app — JSON API under /api/v1, web pages, health and metrics.

Routes are closed by default: every router is mounted behind a login dependency except the
modules listed in PUBLIC_MODULES below, so tests can check nothing else is open.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from csirtnet import __version__, context
from csirtnet.auth.deps import LoginRequired, SecondFactorRequired, api_user, csrf_protect, page_user
from csirtnet.config import Settings, get_settings
from csirtnet.db import Database, make_engine, set_database
from csirtnet.errors import PROBLEM_SCHEMA, AppError, FieldError, OutOfRange, problem_responses
from csirtnet.kit.schemas import unstorable_parameter
from csirtnet.middleware import (
    CsrfCookieMiddleware,
    InFlightLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    UploadLimitMiddleware,
)

log = logging.getLogger("csirtnet.app")

API_PREFIX = "/api/v1"


# Routers by module path (each module exposes `router`). Domains add their lines here.
# API routers are mounted under /api/v1 behind `api_user`; page routers behind `page_user` + CSRF.
API_MODULES = [
    "csirtnet.identity.endpoints",
    "csirtnet.organisation.endpoints",
    "csirtnet.organisation.directory_endpoints",
    "csirtnet.organisation.constituency_endpoints",
    "csirtnet.organisation.expert_endpoints",
    "csirtnet.organisation.application_endpoints",
    "csirtnet.organisation.product_endpoints",
    "csirtnet.audit.endpoints",
    "csirtnet.notification.endpoints",
    "csirtnet.ops.endpoints",
    "csirtnet.mobilisation.endpoints",
    "csirtnet.incident.endpoints",
    "csirtnet.incident.quarantine_endpoints",
    "csirtnet.evidence.endpoints",
    "csirtnet.advisory.endpoints",
    "csirtnet.advisory.csaf_endpoints",
    "csirtnet.advisory.catalogue_endpoints",
    "csirtnet.cluster.endpoints",
    "csirtnet.cluster.readiness.endpoints",
    "csirtnet.cluster.channel.endpoints",
    "csirtnet.cluster.event.endpoints",
    "csirtnet.cluster.knowledge.endpoints",
    # Static paths (/exercises/rankings, /exercises/import-ctfd…) before /exercises/{exercise_id}.
    "csirtnet.exercise.results.endpoints",
    "csirtnet.exercise.endpoints",
    "csirtnet.exercise.technical.endpoints",
    "csirtnet.exercise.tabletop.endpoints",
    "csirtnet.exercise.livefire.endpoints",
    # Static paths (/indicators/search, /indicators/bulk, /indicators/imports…) before /indicators/{indicator_id}.
    "csirtnet.intel.exchange_endpoints",
    "csirtnet.intel.federation.endpoints",
    "csirtnet.intel.endpoints",
    # Static paths (/feeds/runs, /feeds/rules, /feeds/digests…) before /feeds/{source_id}.
    "csirtnet.feeds.event_endpoints",
    "csirtnet.feeds.digest_endpoints",
    "csirtnet.feeds.endpoints",
]
PAGE_MODULES = [
    "csirtnet.web.views.account",
    "csirtnet.web.views.admin",
    "csirtnet.web.views.members",
    # Static paths (/incidents/reports, /incidents/tasks, /incidents/quarantine, /incidents/deadline-profiles) before
    # /incidents/{incident_id}.
    "csirtnet.web.views.incidents.lists",
    "csirtnet.web.views.incidents.tasks",
    "csirtnet.web.views.incidents.reports",
    "csirtnet.web.views.incidents.quarantine",
    "csirtnet.web.views.incidents.profiles",
    "csirtnet.web.views.incidents.detail",
    "csirtnet.web.views.incidents.actions",
    "csirtnet.web.views.mobilisation",
    "csirtnet.web.views.evidence",
    # Static paths (/advisories/new, /advisories/vulnerabilities, /advisories/csaf…) before /advisories/{advisory_id}.
    "csirtnet.web.views.advisories.lists",
    "csirtnet.web.views.advisories.catalogues",
    "csirtnet.web.views.advisories.detail",
    "csirtnet.web.views.advisories.tracking",
    "csirtnet.web.views.advisories.exports",
    "csirtnet.web.views.clusters",
    "csirtnet.web.views.readiness",
    "csirtnet.web.views.channels",
    "csirtnet.web.views.events",
    "csirtnet.web.views.knowledge",
    # Static paths (/exercises/rankings, /exercises/new…) before /exercises/{exercise_id}.
    "csirtnet.web.views.exercises.results",
    "csirtnet.web.views.exercises.core",
    "csirtnet.web.views.exercises.technical",
    "csirtnet.web.views.exercises.tabletop",
    "csirtnet.web.views.exercises.livefire",
    # Static paths (/indicators/new, /indicators/imports, /indicators/collections…) before /indicators/{indicator_id}.
    "csirtnet.web.views.intel.exchange",
    "csirtnet.web.views.intel.federation",
    "csirtnet.web.views.intel.indicators",
    "csirtnet.web.views.feeds.pages",
    "csirtnet.web.views.feeds.activity",
    "csirtnet.web.views.feeds.inbox",
    "csirtnet.web.views.feeds.configuration",
]
# The TAXII 2.1 server (/taxii2/): machines with HTTP Basic or a bearer token on every call
# (auth.taxii.taxii_user), answered in the TAXII media type.
TAXII_MODULES = [
    "csirtnet.intel.taxii.endpoints",
]
# The ONLY routes anyone may call without logging in. Each module here must say why in its docstring.
PUBLIC_MODULES = [
    "csirtnet.ops.public",
    "csirtnet.advisory.csaf_public",
    "csirtnet.web.views.landing",
    "csirtnet.web.views.public",
    "csirtnet.web.views.apply",
    "csirtnet.web.views.report",
]


class _App(FastAPI):
    """FastAPI with the request id as its outermost layer. Starlette answers an unhandled error in
    ServerErrorMiddleware, outside every middleware `add_middleware` adds: there the request had
    no id any more and its answer no X-Request-ID. Outermost, every answer (500 included) carries
    the id the error body and page quote. The security headers sit there too, so that a 500 has
    its content security policy and nosniff like every other answer."""

    hsts = False

    def build_middleware_stack(self) -> ASGIApp:
        inner = SecurityHeadersMiddleware(super().build_middleware_stack(), hsts=self.hsts)
        return RequestContextMiddleware(inner)


def _routers(modules: list[str]) -> list[APIRouter]:
    import importlib

    return [importlib.import_module(m).router for m in modules]


@cache
def _product_routes() -> tuple[BaseRoute, ...]:
    """The product's routes (public, API, metrics, pages, TAXII), each router with the dependencies
    that guard it, built once per process and shared by every app made in it.

    FastAPI works out each route's parameters and dependencies (signatures, validators) when an app
    first walks its routers: about a second for the whole product. Built per app, every test that
    makes an app and opens a late page paid it again; shared, it is paid once. Nothing here depends
    on the app or its settings (the app's state is read per request), and no router has startup or
    shutdown handlers to carry over."""
    from csirtnet.auth.taxii import taxii_user
    from csirtnet.ops.endpoints import metrics_router

    product = APIRouter()
    for router in _routers(PUBLIC_MODULES):
        product.include_router(router, dependencies=[Depends(csrf_protect)])
    for router in _routers(API_MODULES):
        product.include_router(
            router, prefix=API_PREFIX, dependencies=[Depends(api_user)], responses=problem_responses()
        )
    product.include_router(metrics_router, dependencies=[Depends(api_user)], responses=problem_responses())
    for router in _routers(PAGE_MODULES):
        product.include_router(router, dependencies=[Depends(page_user), Depends(csrf_protect)])
    for router in _routers(TAXII_MODULES):
        product.include_router(router, dependencies=[Depends(taxii_user)])
    if product.on_startup or product.on_shutdown:
        raise RuntimeError("a product router has startup or shutdown handlers: include it in the app itself")
    return tuple(product.routes)


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, start_worker: bool | None = None
) -> FastAPI:
    settings = settings or get_settings()
    if settings.switch_interval_ms:
        sys.setswitchinterval(settings.switch_interval_ms / 1000)  # the whole process (ADR 0015)
    database = database or Database(make_engine(settings.resolved_database_url))
    run_worker = settings.in_process_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from csirtnet import worker
        from csirtnet.evidence.store import evidence_store

        # A process killed in the middle of an evidence upload left its part file: it goes now.
        evidence_store().sweep_incoming()

        workers = (
            worker.start_in_process(
                database, poll_seconds=settings.worker_poll_seconds, lease_seconds=settings.job_lease_seconds
            )
            if run_worker
            else []
        )
        try:
            yield
        finally:
            for w in workers:
                w.stop()
            for w in workers:  # a running job finishes and returns its connection before the pool goes
                await anyio.to_thread.run_sync(w.join, 60)

    app = _App(
        title="csirtnet API",
        version=__version__,
        summary="Coordination platform for a national cybersecurity incident-response network",
        openapi_url=None,  # served by ops.public, so the public routes are all in PUBLIC_MODULES
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    set_database(database)
    app.state.secret_key = settings.resolved_secret_key()

    from importlib import resources

    # Static files first: a stylesheet is found without walking the product's routers.
    static_dir = resources.files("csirtnet.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    app.router.routes.extend(_product_routes())
    _document_problems(app)

    _install_error_handlers(app)
    app.add_middleware(UploadLimitMiddleware, max_bytes=settings.max_upload_bytes)
    app.add_middleware(CsrfCookieMiddleware, secure=settings.secure_cookies)
    app.add_middleware(InFlightLimitMiddleware, limit=settings.web_max_in_flight)
    app.hsts = settings.secure_cookies
    # RequestContextMiddleware and SecurityHeadersMiddleware wrap all of this: see _App.

    return app


def _document_problems(app: FastAPI) -> None:
    """Every API error is application/problem+json; the published document says so."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def wants_json(request: Request) -> bool:
    # The CSAF provider's directory is read by machines (advisory.csaf_public): its errors are JSON too.
    if request.url.path.startswith((API_PREFIX, "/.well-known/csaf/")) or request.url.path in ("/metrics",):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _problem(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")


def _html_error(request: Request, status: int, message: str) -> Response:
    from csirtnet.web.render import render

    return render(
        request,
        "error.html",
        {"status": status, "message": message, "request_id": context.current().request_id},
        status_code=status,
    )


def _unstorable_parameters(request: Request) -> list[FieldError]:
    found: list[FieldError] = []
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        reason = unstorable_parameter(str(value))
        if reason and name not in (e.field for e in found):
            found.append(FieldError(name, reason))
    return found


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        if isinstance(exc, LoginRequired):
            if wants_json(request):
                return _problem(
                    401,
                    {
                        "type": "about:blank",
                        "title": "Not authenticated",
                        "status": 401,
                        "detail": exc.message,
                        "request_id": context.current().request_id,
                    },
                )
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if isinstance(exc, SecondFactorRequired):
            return RedirectResponse("/account/2fa", status_code=303)
        if wants_json(request):
            return _problem(exc.status, exc.problem(context.current().request_id), exc.headers)
        return _html_error(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
            errors.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
        body = {
            "type": "https://csirtnet.local/problems/validation_failed",
            "title": "Validation failed",
            "status": 422,
            "detail": "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]),
            "errors": errors,
            "request_id": context.current().request_id,
        }
        if wants_json(request):
            return _problem(422, body)
        return _html_error(request, 422, str(body["detail"]))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = str(exc.detail)
        if wants_json(request):
            return _problem(
                exc.status_code,
                {
                    "type": "about:blank",
                    "title": detail,
                    "status": exc.status_code,
                    "detail": detail,
                    "request_id": context.current().request_id,
                },
                dict(exc.headers or {}),
            )
        return _html_error(request, exc.status_code, detail)

    async def out_of_range(request: Request, exc: Exception) -> Response:
        # A path or query parameter the database cannot hold (an id beyond 64 bits on SQLite,
        # "integer out of range" or a NUL byte on PostgreSQL): the request is at fault, and the
        # answer names the parameter. Bodies never get here: their schemas refuse such values
        # (kit.schemas, ADR 0019).
        log.warning("value out of range for the database", extra={"error": str(exc).splitlines()[0][:200]})
        return await app_error(request, OutOfRange(errors=_unstorable_parameters(request)))

    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(DataError, out_of_range)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        body = {
            "type": "about:blank",
            "title": "Internal error",
            "status": 500,
            "detail": "Something went wrong on our side; quote the request id when you report it",
            "request_id": context.current().request_id,
        }
        if wants_json(request):
            return _problem(500, body)
        return _html_error(request, 500, str(body["detail"]))
