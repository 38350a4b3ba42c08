"""ASGI middleware: request ids, access log and metrics, security headers, upload limits, the limit on
requests in flight."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from csirtnet import context
from csirtnet.metrics import HTTP_LATENCY, HTTP_REQUESTS

log = logging.getLogger("csirtnet.http")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class RequestContextMiddleware:
    """Gives every request an id (or keeps a sane incoming X-Request-ID), logs it, counts it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        client = scope.get("client")
        token = context.set_current(context.RequestContext(request_id, client[0] if client else None, {}))
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            route_path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], route_path, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], route_path).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    # A path that carries a secret (a reset or tracking link) is logged as its route.
                    "path": route_path if "{token}" in route_path else scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                    "route": route_path,
                },
            )
            context.reset(token)


class _ResponseHeadersMiddleware:
    """Pure ASGI (no per-request task): adds headers to the start of every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def add_headers(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.add_headers(scope, message.setdefault("headers", []))
            await send(message)

        await self.app(scope, receive, send_wrapper)


class SecurityHeadersMiddleware(_ResponseHeadersMiddleware):
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        super().__init__(app)
        extra = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:
            extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.extra = extra

    def add_headers(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> None:
        present = {k.lower() for k, _ in headers}
        headers.extend((k, v) for k, v in self.extra if k not in present)


class CsrfCookieMiddleware(_ResponseHeadersMiddleware):
    """Sets the anonymous double-submit CSRF cookie when a page handed out a new token
    (auth.deps.csrf_expected puts it in the request state)."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        super().__init__(app)
        self.secure = secure

    def add_headers(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> None:
        token = (scope.get("state") or {}).get("new_csrf_cookie")
        if token and not _has_cookie(scope, CSRF_COOKIE_NAME):
            cookie = f"{CSRF_COOKIE_NAME}={token}; HttpOnly; Path=/; SameSite=lax"
            if self.secure:
                cookie += "; Secure"
            headers.append((b"set-cookie", cookie.encode("latin-1")))


CSRF_COOKIE_NAME = "csirtnet_csrf"


def _has_cookie(scope: Scope, name: str) -> bool:
    for key, value in scope.get("headers") or []:
        if key == b"cookie" and any(part.strip().startswith(name.encode() + b"=") for part in value.split(b";")):
            return True
    return False


# Evidence uploads (disk and memory images of many GiB) stream into the evidence store as they
# arrive, hashed and written chunk by chunk, never held (evidence.upload); they have no size limit
# (the API's upload route, and the incident's evidence page, which the page's script streams to).
UNLIMITED_PATHS = re.compile(r"^(/api/v1/incidents/\d+/evidence/upload|/incidents/\d+/evidence)$")


class UploadLimitMiddleware:
    """Refuses bodies over the limit: by Content-Length up front, or by counting as they stream."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or UNLIMITED_PATHS.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                # The app's answer to a body it could not read (frameworks turn our exception
                # into a 400 "error parsing the body"); the 413 below replaces it.
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    import json

    body = json.dumps(
        {
            "type": "https://csirtnet.local/problems/too_large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"The request body is larger than the limit of {limit} bytes",
            "request_id": context.current().request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class InFlightLimitMiddleware:
    """At most `limit` requests of this process past this point at once; the others wait here, on
    the event loop, holding nothing.

    A request takes a database connection at its first query and keeps it until it commits, while
    it hops between the event loop and the thread pool (authentication, the endpoint, the commit).
    With more requests in flight than the pool has connections, those holding connections queue
    for threads that are all taken by requests waiting for a connection: nobody moves until the
    pool's 30-second timeout (seen with 200 players submitting flags at once,
    benchmarks/exercise_scoreboard.py). Below the pool's size, every request that holds a
    connection can always get a thread. A slot is given back when the response starts: a long
    download streams on without holding one (its database work is done by then)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        slots = self._slots
        await slots.acquire()
        held = True

        async def releasing_send(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                held = False
                slots.release()
            await send(message)

        try:
            await self.app(scope, receive, releasing_send)
        finally:
            if held:
                slots.release()
