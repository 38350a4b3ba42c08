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
    feeds,
    feeds_pages,
    foundation,
    incidents,
    intel,
    intel_federation,
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
    *intel_federation.ROWS,
    *intel_pages.ROWS,
    *intel_taxii.ROWS,
    *feeds.ROWS,
    *feeds_pages.ROWS,
]
