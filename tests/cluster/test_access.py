"""Every endpoint of the cluster domain is closed to anonymous callers."""

from __future__ import annotations

import re

PREFIXES = (
    "/api/v1/clusters",
    "/api/v1/cluster-files",
    "/api/v1/readiness",
    "/api/v1/channels",
    "/api/v1/events",
    "/api/v1/knowledge",
)


def test_every_cluster_endpoint_needs_a_login(client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, methods in spec["paths"].items():
        if not path.startswith(PREFIXES):
            continue
        concrete = re.sub(r"\{year\}", "2025", re.sub(r"\{[a-z_]+\}", "1", path))
        for method in methods:
            r = client.request(method.upper(), concrete)
            assert r.status_code == 401, (method, path, r.status_code)
            checked += 1
    assert checked >= 45
