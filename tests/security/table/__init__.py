"""The authorization matrix's table: one row per route (template and method) of the app, pages and
API, public ones too. A row says how to fill the path (which objects: own and others', every TLP),
what to send, who may (a named policy written from the documented rules, tests/security/rules.py)
and whether a refusal must look like a missing id.

A route without a row, or a row without a route, fails tests/security/test_matrix.py.
"""

from __future__ import annotations

from tests.security.runner import Row
from tests.security.table import (
    advisories,
    advisories_pages,
    clusters,
    evidence,
    evidence_pages,
    exercises,
    exercises_pages,
    exercises_pages_technical,
    exercises_technical,
    exercises_work,
    foundation,
    incidents,
    intel,
    intel_exchange,
    intel_federation,
    intel_indicators,
    intel_pages,
    intel_taxii,
    members,
)

ROWS: list[Row] = [
    *foundation.ROWS,
    *members.ROWS,
    *incidents.ROWS,
    *clusters.ROWS,
    *evidence.ROWS,
    *evidence_pages.ROWS,
    *advisories.ROWS,
    *advisories_pages.ROWS,
    *exercises.ROWS,
    *exercises_work.ROWS,
    *exercises_technical.ROWS,
    *exercises_pages.ROWS,
    *exercises_pages_technical.ROWS,
    *intel.ROWS,
    # The indicator API's rows are intel.py's (every TLP, two organisations, a cluster and an outbox);
    # rows written with the parts over the pages' two indicators count only for routes it lacks.
    *(r for r in intel_exchange.ROWS if r.key not in intel.KEYS),
    *intel_federation.ROWS,
    *(r for r in intel_indicators.ROWS if r.key not in intel.KEYS),
    *intel_pages.ROWS,
    *intel_taxii.ROWS,
]
