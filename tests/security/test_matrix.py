"""The authorization matrix (issue 10): every route of the app, pages and API, for every kind of
subject, on objects of their own and of others at every TLP, checked for its status, for what it
changed and for every planted private value in what it answered. See tests/security/runner.py."""

from __future__ import annotations

import json
import os
import re

import pytest
from fastapi import FastAPI

from tests.security import rules as R
from tests.security.conftest import Matrix
from tests.security.runner import Row, Runner, app_routes, coverage
from tests.security.table import ROWS


def test_every_route_has_a_row_and_every_row_a_route(app: FastAPI) -> None:
    problems = coverage(app_routes(app), ROWS)
    assert problems == [], "\n".join(problems)


def test_a_new_route_or_a_stale_row_is_named() -> None:
    served = {("GET", "/kept"), ("POST", "/api/v1/new-thing/{thing_id}")}
    rows = [Row("GET", "/kept", lambda w, v: frozenset()), Row("DELETE", "/gone", lambda w, v: frozenset())]
    assert coverage(served, rows) == [
        "DELETE /gone: a row for a route the app no longer has",
        "POST /api/v1/new-thing/{thing_id}: a route with no row in the authorization matrix (tests/security/table/)",
    ]


# The rows are checked in PARTS shares (every PARTS-th row), so that the test processes share the
# matrix's ten thousand requests (scripts/test runs one per core); each process builds the world once.
PARTS = 4


@pytest.mark.timeout(1800)  # about 2,500 requests a part: minutes on a busy two-core machine
@pytest.mark.parametrize("part", range(PARTS), ids=lambda part: f"part{part + 1}of{PARTS}")
def test_the_matrix(matrix: Matrix, part: int) -> None:
    runner = Runner(matrix.world, matrix.client, matrix.connection, secret_key=matrix.secret_key)
    only = os.environ.get("MATRIX_ROWS")
    rows = [r for r in ROWS if re.search(only, f"{r.method} {r.path}")] if only else ROWS
    rows = rows[part::PARTS]
    run = runner.check_all(rows)
    if os.environ.get("MATRIX_TIMINGS"):
        for seconds, count, route in sorted(runner.timings, reverse=True)[:40]:
            print(f"{seconds:6.2f} s {count:5d} {route}")
    if os.environ.get("MATRIX_DUMP"):
        with open(os.environ["MATRIX_DUMP"], "w") as out:
            json.dump([v.__dict__ for v in run.violations], out, ensure_ascii=False, indent=0)
    kind, built = matrix.world.kind, matrix.build_seconds
    print(f"\n[{kind}] world built in {built:.1f} s; {run.requests} requests in {run.seconds:.1f} s")
    assert not run.violations, run.table()


def test_the_matrix_reports_a_widened_rule(matrix: Matrix, monkeypatch: pytest.MonkeyPatch) -> None:
    """The matrix can fail: with the TLP clause answering "yes" to everyone and the cluster lead's
    rights given to every admin, it reports the leak and the unauthorised change, by route and subject."""
    from sqlalchemy import true

    from csirtnet.authz import cluster, tlp

    monkeypatch.setattr(tlp, "visible_clause", lambda *args, **kwargs: true())
    monkeypatch.setattr(cluster, "can_coordinate_cluster", lambda session, subject, cluster_id, on=None: True)
    runner = Runner(matrix.world, matrix.client, matrix.connection, secret_key=matrix.secret_key)
    rows = [
        r
        for r in ROWS
        if (r.method, r.path) in (("GET", "/api/v1/knowledge"), ("PUT", "/api/v1/clusters/{cluster_id}/plans/{year}"))
    ]
    run = runner.check_all(rows, subjects=[R.VIEWER, R.ADMIN_B])
    found = {(v.route, v.subject, v.problem.split(",")[0]) for v in run.violations}
    assert ("GET /api/v1/knowledge", R.ADMIN_B, "shows what the subject may not see") in found, run.table()
    assert ("PUT /api/v1/clusters/{cluster_id}/plans/{year}", R.ADMIN_B, "refused") in found, run.table()
    leaked = next(v for v in run.violations if v.route == "GET /api/v1/knowledge" and v.subject == R.ADMIN_B)
    assert any("knowledge cluster1 strict title" in item for item in leaked.leaked), leaked
