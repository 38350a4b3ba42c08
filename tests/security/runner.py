"""The machinery of the authorization matrix: the app's routes, the table's rows, one request per
(row, variant, subject) in a savepoint that is rolled back, and what each answer must be.

A cell is right when
- an allowed subject gets 2xx or 3xx (a page's redirect to the login or the second-factor page is a
  refusal), and an unsafe request writes its audit record (the change went through);
- a refused subject gets 401, 403 or 404 (pages: the redirect to /login for nobody logged in, to
  /account/2fa for a session owing its second factor; TAXII: 401 asking for Basic for nobody logged
  in), nothing changes (no audit record, job or notification), and where the row says existence is
  sensitive the status is exactly the one the same subject gets for a missing id;
- the body (JSON, HTML, CSV, PDF text, file bytes) and the headers (a redirect's flash cookie,
  a download's file name) hold no marker the subject may not see, and no id of an incident it may
  not know of in a timeline's `other_id` or a link to `/incidents/<id>`.
Every wrong cell is collected; the test reports them all at once.
"""

from __future__ import annotations

import base64
import importlib
import io
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from csirtnet.app import API_PREFIX, PUBLIC_MODULES
from csirtnet.kit.hashing import hmac_sha256
from csirtnet.models import AuditRecord, Job, Notification
from tests.security import rules as R
from tests.security.markers import Marker
from tests.security.world import World

Response = Any  # what the TestClient answers (httpx's, or httpx2's where that is installed)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MISSING_ID = 2_000_000_000
TAXII_PREFIX = "/taxii2/"  # machines: HTTP Basic or a bearer token on every call, never a session
ANONYMOUS_CSRF = "matrix-anonymous-csrf-token-0123456789"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")  # a parameter's name, without its convertor ({id:int})
_INCIDENT_HREF = re.compile(r"/incidents/(\d+)")


# -- the table's vocabulary ----------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way to fill a route's path: its parameters, and the world object the policy looks at."""

    label: str
    params: dict[str, Any] = field(default_factory=dict)
    obj: str | None = None


@dataclass(frozen=True)
class Body:
    json: Any = None
    form: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    query: dict[str, Any] | None = None
    headers: dict[str, str] | None = None  # e.g. the TAXII media type of a posted envelope
    content: bytes | None = None  # a raw body (text/plain, JSON lines), sent as it is


Policy = Callable[[World, Variant], frozenset[str]]  # the subjects allowed
Variants = Callable[[World], Sequence[Variant]]
BodyFn = Callable[[World, str, Variant], Body]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    policy: Policy
    variants: Variants | None = None
    body: BodyFn | None = None
    query: dict[str, Any] | None = None
    # Who may know the object exists: anyone else must be refused exactly as for a missing id.
    hidden: Policy | None = None
    audited: bool = True  # an allowed unsafe request writes an audit record
    grants: Callable[[World, Variant], frozenset[str]] | None = None  # markers this request may show anyone
    # Markers an allowed subject must find in the answer (those it may see): the object is really there, so a refusal
    # to others means something (and a page that shows nothing cannot pass for a safe one).
    shows: Callable[[World, Variant], frozenset[str]] | None = None
    subjects: frozenset[str] | None = None  # only these subjects (e.g. a route that ends the session)
    public: bool = False  # on the public router: any answer but a server error is fine
    # Subjects for whom allowing and refusing are both right (the documentation does not say).
    either: Policy | None = None
    # Plain strings (not markers) a subject must not find in the answer, e.g. members' emails.
    withholds: Callable[[World, Variant, str], Sequence[str]] | None = None
    # Further answers that count as a refusal, for requests refused on their content rather than
    # on who sends them (a link to an incident one may not see: 422 naming the field).
    refusals: frozenset[int] = frozenset()
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


# -- routes ----------------------------------------------------------------------------------------


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route the app serves, public ones included."""
    out: set[tuple[str, str]] = set()
    for ctx in iter_route_contexts(app.routes):
        if not ctx.methods or ctx.path is None:
            continue  # mounts (static files)
        for method in sorted(ctx.methods - {"HEAD", "OPTIONS"}):
            out.add((method, ctx.path))
    return out


def public_route_ids() -> set[int]:
    ids: set[int] = set()
    for module in PUBLIC_MODULES:
        for ctx in iter_route_contexts(importlib.import_module(module).router.routes):
            ids.add(id(ctx.original_route))
    return ids


def coverage(routes: Iterable[tuple[str, str]], rows: Iterable[Row]) -> list[str]:
    """What is wrong with the table: a route without a row, a row without a route, a row twice."""
    routes = set(routes)
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if row.key in seen:
            problems.append(f"{row.method} {row.path}: two rows")
        seen.add(row.key)
        if row.key not in routes:
            problems.append(f"{row.method} {row.path}: a row for a route the app no longer has")
    for method, path in sorted(routes - seen, key=lambda k: (k[1], k[0])):
        problems.append(f"{method} {path}: a route with no row in the authorization matrix (tests/security/table/)")
    return problems


# -- results ---------------------------------------------------------------------------------------


@dataclass
class Violation:
    route: str
    variant: str
    subject: str
    status: int
    problem: str
    leaked: list[str] = field(default_factory=list)

    def line(self) -> str:
        leaked = "; ".join(self.leaked)
        return f"{self.route} [{self.variant}] as {self.subject} -> {self.status}: {self.problem}" + (
            f" | {leaked}" if leaked else ""
        )


@dataclass
class Run:
    requests: int = 0
    seconds: float = 0.0
    violations: list[Violation] = field(default_factory=list)

    def table(self) -> str:
        if not self.violations:
            return "no violations"
        width = max(len(v.route) for v in self.violations)
        lines = [f"{len(self.violations)} violation(s) in {self.requests} requests:"]
        for v in sorted(self.violations, key=lambda v: (v.route, v.variant, v.subject)):
            leaked = "; ".join(v.leaked)
            lines.append(
                f"  {v.route:<{width}}  {v.variant:<18} {v.subject:<16} {v.status:>3}  {v.problem}"
                + (f": {leaked}" if leaked else "")
            )
        return "\n".join(lines)


# -- the runner ------------------------------------------------------------------------------------


class Runner:
    def __init__(self, world: World, client: TestClient, connection: Connection, *, secret_key: str) -> None:
        self.world = world
        self.client = client
        self.connection = connection
        self.secret_key = secret_key
        self.run = Run()
        self._missing: dict[tuple[str, str, str], int] = {}
        self.timings: list[tuple[float, int, str]] = []

    # requests

    def _headers(self, subject: str, method: str, path: str, mode: str) -> dict[str, str]:
        login = self.world.logins[subject]
        headers: dict[str, str] = {}
        if mode == "cookie-without-csrf":
            return headers
        if mode == "basic" and login.bearer:
            email = f"{subject.replace('_', '-')}@matrix.example.vn"  # the login of tests/security/seed_base.py
            headers["Authorization"] = "Basic " + base64.b64encode(f"{email}:{login.bearer}".encode()).decode()
            return headers
        if mode == "bearer" and login.bearer:
            headers["Authorization"] = f"Bearer {login.bearer}"
        elif login.cookie:
            headers["Cookie"] = f"csirtnet_session={login.cookie}"
            if method in UNSAFE and path.startswith(API_PREFIX):
                headers["X-CSRF-Token"] = self.csrf(subject)
        elif method in UNSAFE:
            headers["Cookie"] = f"csirtnet_csrf={ANONYMOUS_CSRF}"  # the double-submit cookie of the public forms
        return headers

    def csrf(self, subject: str) -> str:
        """The token the subject's forms carry: its session's, or the anonymous double-submit one."""
        cookie = self.world.logins[subject].cookie
        if cookie is None:
            return ANONYMOUS_CSRF
        return hmac_sha256(self.secret_key, b"csrf:" + cookie.encode())[:43]

    def fingerprint(self) -> tuple[Any, ...]:
        c = self.connection
        return (
            c.scalar(select(func.max(AuditRecord.seq))),
            c.scalar(select(func.max(Job.id))),
            c.scalar(select(func.max(Notification.id))),
        )

    def request(
        self,
        subject: str,
        method: str,
        path: str,
        body: Body | None,
        *,
        mode: str = "auto",
        csrf: bool = True,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[Response, bool, list[Response]]:
        """One request in a savepoint rolled back afterwards. Returns the response, whether the
        world changed, and the further pages of a paginated JSON list."""
        if mode == "auto":
            # Half the subjects read the API with their token and write with their session (and its
            # CSRF header), the other half the other way round: every row meets both.
            token_reads = R.SUBJECTS.index(subject) % 2 == 0
            mode = "bearer" if path.startswith(API_PREFIX) and token_reads == (method == "GET") else "cookie"
            if path.startswith(TAXII_PREFIX):
                # TAXII reads no session: half the subjects send their token as a bearer, the other half
                # as the password of HTTP Basic; a subject without a token sends its session (refused).
                mode = "bearer" if token_reads else "basic"
        headers = self._headers(subject, method, path, mode)
        headers.update(extra_headers or {})
        if body is not None and body.headers:
            headers.update(body.headers)
        kwargs: dict[str, Any] = {"headers": headers}
        machine = path.startswith((API_PREFIX, TAXII_PREFIX))  # no form and no CSRF field of a page
        if body is not None:
            if body.json is not None:
                kwargs["json"] = body.json
            if body.content is not None:
                kwargs["content"] = body.content
            if body.form is not None or (method in UNSAFE and not machine):
                form = dict(body.form or {})
                if csrf and not machine:
                    form.setdefault("csrf_token", self.csrf(subject))
                kwargs["data"] = form
            if body.files is not None:
                kwargs["files"] = {k: (n, io.BytesIO(b), t) for k, (n, b, t) in body.files.items()}
            if body.query:
                kwargs["params"] = body.query
        elif method in UNSAFE and not machine:
            kwargs["data"] = {"csrf_token": self.csrf(subject)} if csrf else {}
        # A savepoint of our own, rolled back AND released: SQLAlchemy's nested transaction only
        # rolls back to its savepoint, which stays open, so the next one would nest inside it — ten
        # thousand levels deep by the end, each holding a lock on PostgreSQL ("out of shared memory").
        self.connection.exec_driver_sql("SAVEPOINT matrix_request")
        try:
            before = self.fingerprint() if method in UNSAFE else None
            self.client.cookies.clear()
            response = self.client.request(method, path, **kwargs)
            self.run.requests += 1
            more: list[Response] = []
            if method == "GET" and response.status_code == 200 and "json" in response.headers.get("content-type", ""):
                more = self._more_pages(path, kwargs, response)
            changed = before is not None and self.fingerprint() != before
        finally:
            self.connection.exec_driver_sql("ROLLBACK TO SAVEPOINT matrix_request")
            self.connection.exec_driver_sql("RELEASE SAVEPOINT matrix_request")
        return response, changed, more

    def _more_pages(self, path: str, kwargs: dict[str, Any], response: Response) -> list[Response]:
        out: list[Response] = []
        for _ in range(20):
            try:
                data = response.json()
            except ValueError:
                return out
            cursor = data.get("next_cursor") if isinstance(data, dict) else None
            if not cursor:
                return out
            params = dict(kwargs.get("params") or {})
            params["cursor"] = cursor
            self.client.cookies.clear()
            response = self.client.request("GET", path, headers=kwargs["headers"], params=params)
            self.run.requests += 1
            out.append(response)
        return out

    # checks

    def leaks(self, subject: str, responses: Sequence[Response], allowed: frozenset[str]) -> list[Marker]:
        found: dict[str, Marker] = {}
        for response in responses:
            for marker in self.world.markers.leaked(text_of(response), subject, allowed):
                found[marker.text] = marker
        return list(found.values())

    def hidden_ids(self, subject: str, path: str, responses: Sequence[Response]) -> list[str]:
        # The requested path is the subject's own (a page links to itself, e.g. to switch language).
        asked = {int(n) for n in re.findall(r"\d+", path)}
        hidden = self.world.hidden_incident_ids.get(subject, set()) - asked
        if not hidden:
            return []
        names = {v: k for k, v in self.world.ids.items() if k.startswith("incident:")}
        out: set[str] = set()
        for response in responses:
            kind = response.headers.get("content-type", "")
            if "json" in kind:
                try:
                    data = response.json()
                except ValueError:
                    continue
                for value in _other_ids(data):
                    if value in hidden:
                        out.add(f"other_id {value} ({names[value]})")
            elif "html" in kind:
                for match in _INCIDENT_HREF.finditer(response.text):
                    value = int(match.group(1))
                    if value in hidden:
                        out.add(f"link to /incidents/{value} ({names[value]})")
        return sorted(out)

    def missing_status(self, row: Row, subject: str, variant: Variant, body: Body | None) -> int:
        key = (row.method, row.path, subject)
        if key not in self._missing:
            params = {k: (v(self.world, subject) if callable(v) else v) for k, v in variant.params.items()}
            # The object whose existence is in question is the route's first id (the incident of
            # /incidents/{incident_id}/tasks/{task_id}, the organisation of a readiness record).
            ids = [n for n in _PARAM.findall(row.path) if n.endswith("_id") and isinstance(params.get(n), int)]
            if ids:
                params[ids[0]] = MISSING_ID
            response, _changed, _more = self.request(subject, row.method, fill(row.path, params), body)
            self._missing[key] = response.status_code
        return self._missing[key]

    def check(self, row: Row, subjects: Iterable[str] = R.SUBJECTS) -> None:
        variants = row.variants(self.world) if row.variants else [Variant("-")]
        for variant in variants:
            allowed_subjects = row.policy(self.world, variant)
            knowers = row.hidden(self.world, variant) if row.hidden else None
            either = row.either(self.world, variant) if row.either else frozenset()
            grants = row.grants(self.world, variant) if row.grants else frozenset()
            for subject in subjects:
                if row.subjects is not None and subject not in row.subjects:
                    continue
                must_hide = knowers is not None and subject not in knowers
                verdict = None if subject in either else subject in allowed_subjects
                self.cell(row, variant, subject, verdict, grants, must_hide)

    def cell(
        self, row: Row, variant: Variant, subject: str, allowed: bool | None, grants: frozenset[str], must_hide: bool
    ) -> None:
        params = {k: (v(self.world, subject) if callable(v) else v) for k, v in variant.params.items()}
        path = fill(row.path, params)
        body = row.body(self.world, subject, variant) if row.body else None
        if row.query:
            body = Body(
                json=body.json if body else None,
                form=body.form if body else None,
                files=body.files if body else None,
                query={**row.query, **((body.query or {}) if body else {})},
                headers=body.headers if body else None,
                content=body.content if body else None,
            )
        response, changed, more = self.request(subject, row.method, path, body)
        route = f"{row.method} {row.path}"
        status = response.status_code
        problems: list[str] = []
        if row.public or allowed is None:
            if status >= 500:
                problems.append(f"server error{_detail(response)}")
        elif allowed:
            if not _is_success(response, path):
                problems.append(f"allowed, but refused{_detail(response)}")
            elif row.method in UNSAFE and row.audited and not changed:
                problems.append(f"allowed, but nothing was recorded{_detail(response)}")
            elif row.shows is not None:
                text = "\n".join(text_of(r) for r in [response, *more])
                audience = {m.text: m.audience for m in self.world.markers.all()}
                wanted = [m for m in row.shows(self.world, variant) if subject in audience[m]]
                absent = sorted(m for m in wanted if m not in text)
                if absent:
                    problems.append(f"allowed, but the answer lacks {', '.join(absent)}")
        else:
            if not (_is_refusal(response, path, subject) or status in row.refusals):
                problems.append(f"refused, but answered{_detail(response)}")
            elif must_hide and subject not in (R.ANON, R.OWES_2FA):
                missing = self.missing_status(row, subject, variant, body)
                if missing != status:
                    problems.append(f"refused with {status} but a missing id gets {missing}")
            if changed:
                problems.append("refused, but something changed (an audit record, a job or a notification)")
            if subject == R.ANON and path.startswith(TAXII_PREFIX):
                challenge = response.headers.get("www-authenticate", "")
                if status != 401 or not challenge.lower().startswith("basic"):
                    problems.append(f"an anonymous TAXII call must get 401 asking for Basic (got {challenge!r})")
        responses = [response, *more]
        if row.withholds is not None:
            text = "\n".join(text_of(r) for r in responses)
            shown = [item for item in row.withholds(self.world, variant, subject) if item in text]
            if shown:
                problems.append(f"shows {', '.join(shown)}")
        leaked = self.leaks(subject, responses, grants)
        ids = self.hidden_ids(subject, path, responses)
        if leaked or ids:
            problems.append("shows what the subject may not see")
        for problem in problems:
            self.run.violations.append(
                Violation(
                    route,
                    variant.label,
                    subject,
                    status,
                    problem,
                    [f"{m.what} ({m.text})" for m in leaked] + ids if problem.startswith("shows") else [],
                )
            )

    def check_csrf(self, row: Row) -> None:
        """An unsafe request of a browser session without its CSRF token is refused and changes
        nothing: a form without `csrf_token`; the JSON API without `X-CSRF-Token`, also when some
        other Authorization header comes along (issue 10 item 8: `Basic …` skipped the check)."""
        if row.method not in UNSAFE:
            return
        variant = (row.variants(self.world) if row.variants else [Variant("-")])[0]
        allowed = row.policy(self.world, variant)
        subject = next((s for s in R.SUBJECTS if s in allowed and self.world.logins[s].cookie), None)
        if subject is None or (row.subjects is not None and subject not in row.subjects):
            return
        params = {k: (v(self.world, subject) if callable(v) else v) for k, v in variant.params.items()}
        path = fill(row.path, params)
        body = row.body(self.world, subject, variant) if row.body else None
        if body is not None and body.files:
            # The token is checked before the form is read: the fields are enough (a refused
            # multipart form leaves its spooled file open, which warns).
            body = Body(json=body.json, form=body.form or {}, query=body.query)
        cookie = {"Cookie": f"csirtnet_session={self.world.logins[subject].cookie}"}
        probes: list[tuple[str, dict[str, str]]] = [("no CSRF token", {})]
        if path.startswith(API_PREFIX):
            probes.append(
                ("no CSRF token, an Authorization: Basic header", {"Authorization": "Basic bWF0cml4Om1hdHJpeA=="})
            )
        for label, extra in probes:
            response, changed, _more = self.request(
                subject,
                row.method,
                path,
                body,
                mode="cookie-without-csrf",
                csrf=False,
                extra_headers={**cookie, **extra},
            )
            if response.status_code not in (401, 403) or changed:
                self.run.violations.append(
                    Violation(
                        f"{row.method} {row.path}",
                        variant.label,
                        subject,
                        response.status_code,
                        f"a session's request with {label} was not refused"
                        + (" and changed something" if changed else ""),
                    )
                )

    def check_all(self, rows: Iterable[Row], subjects: Iterable[str] = R.SUBJECTS) -> Run:
        started = time.perf_counter()
        subjects = list(subjects)
        for row in rows:
            before, at = self.run.requests, time.perf_counter()
            self.check(row, subjects)
            self.check_csrf(row)
            self.timings.append((time.perf_counter() - at, self.run.requests - before, f"{row.method} {row.path}"))
        self.run.seconds += time.perf_counter() - started
        return self.run


def fill(template: str, params: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in params, f"{template}: no value for {name}"
        return str(params[name])

    return _PARAM.sub(one, template)


def _other_ids(data: Any) -> Iterable[int]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "other_id" and isinstance(value, int):
                yield value
            else:
                yield from _other_ids(value)
    elif isinstance(data, list):
        for item in data:
            yield from _other_ids(item)


def _detail(response: Response) -> str:
    location = response.headers.get("location")
    if location:
        return f" (-> {location})"
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        try:
            data = response.json()
        except ValueError:
            return ""
        if isinstance(data, dict) and (data.get("detail") or data.get("description")):
            return f" ({str(data.get('detail') or data['description'])[:140]})"  # a TAXII error: its description
    if "html" in kind:
        match = re.search(r'<p class="[^"]*error[^"]*">(.*?)</p>', response.text, re.S) or re.search(
            r"<main[^>]*>.*?<p[^>]*>(.*?)</p>", response.text, re.S
        )
        if match:
            text = re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()
            return f" ({text[:140]})"
    return ""


def _is_success(response: Response, path: str) -> bool:
    if not 200 <= response.status_code < 400:
        return False
    location = response.headers.get("location", "")
    if path.startswith("/account/2fa"):
        return not location.startswith("/login")  # enrolling comes back to its own page
    return not location.startswith(("/login", "/account/2fa"))


def _is_refusal(response: Response, path: str, subject: str) -> bool:
    status = response.status_code
    if status in (401, 403, 404):
        return True
    if status == 303 and not path.startswith(API_PREFIX):
        location = response.headers.get("location", "")
        if subject == R.ANON:
            return bool(location.startswith("/login"))
        return bool(location.startswith(("/login", "/account/2fa")))
    return False


def text_of(response: Response) -> str:
    """Everything a reader gets: headers (a flash cookie, a file name) and the body as text."""
    head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    kind = response.headers.get("content-type", "")
    content: bytes = response.content
    body = content.decode("utf-8", errors="replace")
    if "application/pdf" in kind:
        body += "\n" + _pdf_text(content)
    return head + "\n" + unquote(head) + "\n" + body


def _pdf_text(content: bytes) -> str:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a stored "PDF" that is not one is read as bytes
    try:
        reader = PdfReader(io.BytesIO(content))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # noqa: BLE001 - an unreadable PDF is reported by its bytes
        return f"unreadable PDF: {exc}\n" + content.decode("latin-1")
    return text + "\n" + re.sub(r"\s+", "", text)
