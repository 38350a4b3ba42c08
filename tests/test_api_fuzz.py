"""Schemathesis over the whole published API, as a platform admin holding every scope, on both
databases: no server error, no answer outside the document, and bad data refused.

- The demo network is loaded first and every path parameter names a row of it (a task of the
  incident, a term of the cluster …), so requests reach the services and the database instead of
  stopping at a 404.
- Every operation runs in both generation modes: positive (data the document allows) and negative
  (data it forbids, which must be refused with a 4xx). An operation whose negative mode has nothing
  to negate is listed as such; any other operation that sends no request fails the test, so none
  is skipped silently.
- Every field of every JSON body is also tried with explicit values the fuzzers reach only by luck:
  null, a NUL byte, a control character, one character over its limit, the longest Vietnamese
  text and the longest text of symbols it allows, numbers beyond 32 and 64 bits.

Each request runs inside a savepoint that is rolled back, so every one starts from the same data
(and cannot, say, revoke the token the fuzzer itself uses). Bounded: a budget of derandomised
examples shared by the operations. CSIRTNET_FUZZ_EXAMPLES raises it for a deeper run. The summary
line (requests and seconds per database) is printed with `-s`.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from csirtnet import authz
from csirtnet import models as m
from csirtnet.app import API_PREFIX
from csirtnet.db import Database
from csirtnet.demo import load_demo
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.kit.schemas import INT_MAX, UpdateSchema
from csirtnet.vocabulary import Role
from tests.factories import _HASH as PASSWORD_HASH
from tests.factories import make_user

# Examples per operation and mode, from a budget shared among the operations (at least
# MIN_EXAMPLES, at most MAX_EXAMPLES): the run stays bounded as the API grows.
BUDGET = int(os.environ.get("CSIRTNET_FUZZ_EXAMPLES", "1200"))
MIN_EXAMPLES, MAX_EXAMPLES = 2, 15
_DOCUMENT: dict[str, Any] = {}


def refusals_name_a_field(_ctx: Any, response: Any, _case: Any) -> None:
    """A 422 says which field is wrong ("out of range" alone does not help anyone)."""
    if response.status_code == 422:
        fields = [e.get("field") for e in response.json().get("errors", [])]
        assert fields and all(fields), f"422 naming no field: {response.text[:300]}"


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, refusals_name_a_field]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]


@pytest.fixture
def api_schema(app: Any) -> Any:
    # Both backends serve the same document; generating it once saves seconds.
    if "openapi" in _DOCUMENT:
        app.openapi_schema = _DOCUMENT["openapi"]
    else:
        _DOCUMENT["openapi"] = app.openapi()
    return schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app)


# -- the seeded world ------------------------------------------------------------------------------

Row = Callable[[Session], dict[str, Any] | None]


def _first(model: Any, *where: Any, **parents: Callable[[Session, Any], Any]) -> Row:
    """The first row of `model` (by id): its id under the parameter's name, and the parameters
    it fixes (a task fixes its incident)."""

    def row(session: Session) -> dict[str, Any] | None:
        found = session.scalars(select(model).where(*where).order_by(model.id).limit(1)).first()
        if found is None:
            return None
        return {"id": found.id, **{name: get(session, found) for name, get in parents.items()}}

    return row


def _attribute(name: str) -> Callable[[Session, Any], Any]:
    return lambda _session, row: getattr(row, name)


def _of(model: Any, link: str, name: str) -> Callable[[Session, Any], Any]:
    """An attribute of the row's parent (`link` is the foreign key)."""
    return lambda session, row: getattr(session.get(model, getattr(row, link)), name)


ROWS: dict[str, Row] = {
    "user_id": _first(m.User),
    "token_id": _first(m.ApiToken),
    "organisation_id": _first(m.Organisation, m.Organisation.is_coordinator.is_(False)),
    "contact_id": _first(m.OrganisationContact, organisation_id=_attribute("organisation_id")),
    "system_id": _first(m.InformationSystem, organisation_id=_attribute("organisation_id")),
    "claim_id": _first(m.ConstituencyClaim),
    "expert_id": _first(m.Expert),
    "application_id": _first(m.MembershipApplication),
    "file_id": _first(m.StoredFile),
    "webhook_id": _first(m.WebhookEndpoint),
    "job_id": _first(m.Job),
    "incident_id": _first(m.Incident),
    "request_id": _first(m.SupportRequest, incident_id=_attribute("incident_id")),
    "deployment_id": _first(m.Deployment),
    "report_id": _first(m.IncidentReport),
    "task_id": _first(m.IncidentTask, incident_id=_attribute("incident_id")),
    "observable_id": _first(m.IncidentObservable, incident_id=_attribute("incident_id")),
    "participant_id": _first(m.IncidentParticipant, incident_id=_attribute("incident_id")),
    "cluster_id": _first(m.Cluster),
    "member_id": _first(m.ClusterMember, cluster_id=_attribute("cluster_id")),
    "term_id": _first(m.ClusterLeadTerm, cluster_id=_attribute("cluster_id")),
    "handover_id": _first(m.ClusterHandover, cluster_id=_attribute("cluster_id")),
    "activity_id": _first(
        m.ClusterPlanActivity,
        cluster_id=_of(m.ClusterPlan, "plan_id", "cluster_id"),
        year=_of(m.ClusterPlan, "plan_id", "year"),
    ),
    "evidence_id": _first(
        m.ReadinessEvidence,
        organisation_id=_of(m.ReadinessRecord, "record_id", "organisation_id"),
        year=_of(m.ReadinessRecord, "record_id", "year"),
    ),
    "channel_id": _first(m.Channel),
    "thread_id": _first(m.ChannelThread, channel_id=_attribute("channel_id")),
    "message_id": _first(m.ChannelMessage, channel_id=_attribute("channel_id")),
    "event_id": _first(m.NetworkEvent),
    "document_id": _first(m.KnowledgeDocument),
    "product_id": _first(m.DeclaredProduct, organisation_id=_attribute("organisation_id")),
    "advisory_id": _first(m.Advisory),
    "source_id": _first(m.CsafSource),
    "run_id": _first(m.FeedRun),
    "digest_id": _first(m.FeedDigest),
    "flag_id": _first(m.MemberFlag),
    "rule_id": _first(m.FeedRule),
}
# The same parameter name on the feeds' paths names a feed source.
FEED_ROWS: dict[str, Row] = {"source_id": _first(m.FeedSource)}


def _rule(session: Session) -> dict[str, Any] | None:
    found = session.scalars(select(m.DeadlineRule).order_by(m.DeadlineRule.id).limit(1)).first()
    if found is None:
        return None
    return {"id": found.key, "profile_key": session.get(m.DeadlineProfile, found.profile_id).key}  # type: ignore[union-attr]


ROWS["rule_key"] = _rule
ROWS["profile_key"] = lambda s: {"id": s.scalars(select(m.DeadlineProfile.key).order_by(m.DeadlineProfile.id)).first()}


def path_parameters(session: Session, path: str) -> dict[str, Any]:
    """Parameters naming rows that exist and belong together; the innermost decides its parents."""
    names = re.findall(r"\{(\w+)\}", path)
    chosen: dict[str, Any] = {}
    for name in reversed(names):
        if name in chosen:
            continue
        if name == "year":
            chosen[name] = datetime.now(UTC).year
            continue
        rows = {**ROWS, **FEED_ROWS} if path.startswith("/api/v1/feeds") else ROWS
        found = rows[name](session) if name in rows else None
        if found is None or found["id"] is None:
            continue
        chosen[name] = found.pop("id")
        for parent, value in found.items():
            if parent in names:
                chosen.setdefault(parent, value)
    return chosen


@pytest.fixture
def seeded(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, str], Callable[[str], dict[str, Any]]]:
    # The demo users' password hash is the factories' one: hashing costs seconds and tests nothing here.
    monkeypatch.setattr("csirtnet.demo.hash_password", lambda _password: PASSWORD_HASH)
    with database.unit_of_work() as s:
        load_demo(s)
        admin = make_user(
            s,
            roles=[Role.PLATFORM_ADMIN, Role.COORDINATOR],
            organisation=s.scalars(select(m.Organisation).where(m.Organisation.is_coordinator.is_(True))).first(),
        )
        issued = create_token(
            s, subject_for(admin), admin, name="fuzz", scopes=list(authz.policy.SCOPES), expires_in_days=1
        )
    cache: dict[str, dict[str, Any]] = {}

    def parameters(path: str) -> dict[str, Any]:
        if path not in cache:
            with database.unit_of_work() as s:
                cache[path] = path_parameters(s, path)
        return dict(cache[path])

    return {"Authorization": f"Bearer {issued.token}"}, parameters


@pytest.fixture
def rolled_back(database: Database) -> Iterator[Connection]:
    connection = database._bind
    assert isinstance(connection, Connection)
    yield connection


# -- explicit odd values -----------------------------------------------------------------------------------

VIETNAMESE = "Trung tâm Ứng cứu Khẩn cấp Không gian mạng Việt Nam – Sở Thông tin và Truyền thông Quảng Ngãi "
SYMBOLS = "«Đ»—✓"


def _body_model(app: Any, method: str, path: str) -> Any:
    from fastapi.routing import iter_route_contexts

    for ctx in iter_route_contexts(app.routes):
        if ctx.path == path and method in (ctx.methods or ()):
            body = getattr(ctx.original_route, "body_field", None)
            return None if body is None else body.field_info.annotation
    return None


def _odd_values(schema: dict[str, Any]) -> Iterator[tuple[str, Any, bool]]:
    """(label, value, must be refused) for one property of a JSON body."""
    options = schema.get("anyOf", [schema])
    nullable = any(o.get("type") == "null" for o in options)
    yield "null", None, not nullable
    for option in options:
        if option.get("type") == "string" and not option.get("format") and not option.get("enum"):
            limit = option.get("maxLength")
            valid = "pattern" not in option and "minLength" not in option
            yield "control characters", "ab\x00\x1b[31mcd", True
            if limit:
                yield "over the limit", "a" * (limit + 1), True
                yield (
                    "longest Vietnamese",
                    (VIETNAMESE * (limit // len(VIETNAMESE) + 1))[: limit - 1].strip() + "ữ",
                    False,
                )
                yield "longest symbols", (SYMBOLS * limit)[:limit], False
            elif valid:
                yield "long Vietnamese", VIETNAMESE * 200, False
        if option.get("type") == "integer":
            yield "beyond 32 bits", INT_MAX + 1, True
            yield "beyond 64 bits", 2**64, True


def _properties(document: dict[str, Any], operation: Any) -> dict[str, Any]:
    content = operation.definition.raw.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return {}
    return {
        name: (document["components"]["schemas"][p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p)
        for name, p in schema.get("properties", {}).items()
    }


# -- the run ----------------------------------------------------------------------------------------------


def _settings(examples: int, phases: list[Phase]) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )


def _multipart(operation: Any) -> bool:
    return "multipart/form-data" in operation.definition.raw.get("requestBody", {}).get("content", {})


def _only_fixed_path(operation: Any, fixed: dict[str, Any] | None) -> bool:
    """Whether the operation takes nothing but the path parameters the seed fixed (so a negative
    mode has nothing left to make invalid)."""
    raw = operation.definition.raw
    inputs = [p for p in raw.get("parameters", []) if p.get("in") != "path" or p.get("name") not in (fixed or {})]
    return not inputs and "requestBody" not in raw


def _runner(
    strategy: Any, examples: int, mode: GenerationMode, checks: list[Any], call: Callable[[Any, str, list[Any]], Any]
) -> Callable[[], None]:
    @given(case=strategy)
    @_settings(examples, [Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        call(case, mode.value, checks)

    return run  # type: ignore[no-any-return]


def test_api_conforms_and_never_fails(
    app: Any,
    api_schema: Any,
    seeded: tuple[dict[str, str], Callable[[str], dict[str, Any]]],
    rolled_back: Connection,
) -> None:
    started = time.monotonic()
    headers, parameters = seeded
    document = _DOCUMENT["openapi"]
    failures: list[str] = []
    sent: Counter[tuple[str, str]] = Counter()
    nothing_to_negate: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    examples = max(MIN_EXAMPLES, min(MAX_EXAMPLES, BUDGET // (2 * len(operations))))

    def call(case: Any, mode: str, checks: list[Any]) -> Any:
        savepoint = rolled_back.begin_nested()
        try:
            sent[(case.operation.label, mode)] += 1
            return case.call_and_validate(headers=headers, checks=checks)
        finally:
            savepoint.rollback()

    for operation in operations:
        fixed = parameters(operation.path) or None
        # Multipart bodies are text once sent: a "number" where a file is asked is a file of digits.
        negative_checks = CHECKS if _multipart(operation) else NEGATIVE_CHECKS
        for mode, checks in ((GenerationMode.POSITIVE, CHECKS), (GenerationMode.NEGATIVE, negative_checks)):
            run = _runner(
                operation.as_strategy(generation_mode=mode, path_parameters=fixed), examples, mode, checks, call
            )
            try:
                run()
            except Unsatisfiable:
                if mode is GenerationMode.NEGATIVE and _only_fixed_path(operation, fixed):
                    nothing_to_negate.append(operation.label)
                else:
                    failures.append(f"{operation.label} ({mode.value}): no example")
            except BaseException as exc:  # schemathesis reports an ExceptionGroup; every operation is tried
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {exc}")

        properties = _properties(document, operation)
        if not properties:
            continue
        try:
            base = find(
                operation.as_strategy(path_parameters=fixed), lambda c: True, settings=_settings(1, [Phase.generate])
            )
        except NoSuchExample:
            failures.append(f"{operation.label}: no body to start from")
            continue
        model = _body_model(app, operation.method.upper(), operation.path)
        for name, schema in properties.items():
            for label, value, refused in _odd_values(schema):
                body = {**(base.body if isinstance(base.body, dict) else {}), name: value}
                case = operation.Case(
                    path_parameters=base.path_parameters, query=base.query, body=body, media_type="application/json"
                )
                try:
                    response = call(case, "explicit", CHECKS)
                except BaseException as exc:
                    if isinstance(exc, KeyboardInterrupt | SystemExit):
                        raise
                    failures.append(f"{operation.label} {name}={label}: {exc}")
                    continue
                named = (
                    [e.get("field") for e in response.json().get("errors", [])] if response.status_code == 422 else []
                )
                if refused and not (400 <= response.status_code < 500):
                    failures.append(f"{operation.label} {name}={label}: accepted ({response.status_code})")
                elif refused and response.status_code == 422 and name not in named:
                    failures.append(f"{operation.label} {name}={label}: 422 naming {named}, not {name}")
                if (
                    label == "null"
                    and isinstance(model, type)
                    and issubclass(model, UpdateSchema)
                    and name in model.model_fields
                ):
                    assert model.admits_null(name) != refused, f"{operation.label} {name}: document and schema differ"

    silent = sorted(
        op.label
        for op in operations
        if not sent[(op.label, "positive")] or (not sent[(op.label, "negative")] and op.label not in nothing_to_negate)
    )
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz: {sum(sent.values())} requests over {len(operations)} operations in {elapsed:.0f} s"
        f" ({', '.join(f'{mode}: {n}' for mode, n in sorted(Counter(k[1] for k in sent.elements()).items()))});"
        f" nothing to negate in {len(nothing_to_negate)}"
    )
    assert len(operations) > 100, "the published document lists the API"
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    assert not silent, "operations that sent no request: " + ", ".join(silent)
