"""Schemathesis against the published OpenAPI document, as a platform admin holding every scope.

Each generated request runs inside a savepoint that is rolled back afterwards, so every example
starts from the same data (and cannot, say, revoke the token the fuzzer itself uses). Bounded:
a budget of derandomised examples shared by the operations, so each database takes under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy.engine import Connection

from csirtnet import authz
from csirtnet.app import API_PREFIX
from csirtnet.db import Database
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user

# Examples per run, shared among the operations (at least MIN_EXAMPLES each, at most MAX_EXAMPLES):
# the run stays bounded as the API grows. CSIRTNET_FUZZ_EXAMPLES raises it for a deeper run.
BUDGET = int(os.environ.get("CSIRTNET_FUZZ_EXAMPLES", "600"))
MIN_EXAMPLES, MAX_EXAMPLES = 4, 15
_DOCUMENT: dict[str, Any] = {}


@pytest.fixture
def api_schema(app: Any) -> Any:
    # Both backends serve the same document; generating it once saves seconds.
    if "openapi" in _DOCUMENT:
        app.openapi_schema = _DOCUMENT["openapi"]
    else:
        _DOCUMENT["openapi"] = app.openapi()
    return schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app)


@pytest.fixture
def admin_headers(database: Database) -> dict[str, str]:
    with database.unit_of_work() as s:
        org = make_organisation(s, is_coordinator=True, kind="coordinator")
        make_organisation(s)  # something for lists and lookups to find
        admin = make_user(s, roles=[Role.PLATFORM_ADMIN], organisation=org)
        issued = create_token(
            s, subject_for(admin), admin, name="fuzz", scopes=list(authz.policy.SCOPES), expires_in_days=1
        )
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.fixture
def rolled_back(database: Database) -> Iterator[Connection]:
    connection = database._bind
    assert isinstance(connection, Connection)
    yield connection


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def test_api_conforms_and_never_fails(api_schema: Any, admin_headers: dict[str, str], rolled_back: Connection) -> None:
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    examples = max(MIN_EXAMPLES, min(MAX_EXAMPLES, BUDGET // len(operations)))
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            savepoint = rolled_back.begin_nested()
            try:
                case.call_and_validate(headers=admin_headers, checks=CHECKS)
            finally:
                savepoint.rollback()

        try:
            call()
        except BaseException as exc:  # schemathesis reports an ExceptionGroup; every operation is tried
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            failures.append(f"{operation.label}: {exc}")
    assert len(operations) > 40, "the published document lists the API"
    assert not failures, "\n\n".join(failures)
