"""TAXII 2.1 media types and content negotiation (TAXII 2.1 section 1.6.8).

Every answer is `application/taxii+json;version=2.1`. A request must accept it: `Accept` naming
`application/taxii+json` (version 2.1 or no version), `application/*`, `*/*`, or no `Accept` at all;
anything else is 406. A POST body must be `application/taxii+json` (2.1 or no version) — or
`application/stix+json;version=2.1`, since clients post STIX bundles as well as envelopes;
anything else is 415.
"""

from __future__ import annotations

TAXII_21 = "application/taxii+json;version=2.1"
STIX_21 = "application/stix+json;version=2.1"


def _parse(item: str) -> tuple[str, dict[str, str]]:
    """A media range: its type and its parameters (lower-cased, spaces removed)."""
    parts = [p.strip() for p in item.split(";")]
    params: dict[str, str] = {}
    for part in parts[1:]:
        name, _, value = part.partition("=")
        if name:
            params[name.strip().lower()] = value.strip().strip('"').lower()
    return parts[0].lower(), params


def accepts_taxii(accept: str | None) -> bool:
    """Whether an `Accept` header allows a TAXII 2.1 answer."""
    if accept is None or not accept.strip():
        return True
    for item in accept.split(","):
        kind, params = _parse(item)
        if params.get("q") in ("0", "0.0", "0.00", "0.000"):
            continue
        if kind in ("*/*", "application/*"):
            return True
        if kind == "application/taxii+json" and params.get("version", "2.1") == "2.1":
            return True
    return False


def postable(content_type: str | None) -> bool:
    """Whether a POST body of this `Content-Type` is one we read."""
    if not content_type:
        return False
    kind, params = _parse(content_type)
    version = params.get("version")
    if kind == "application/taxii+json":
        return version in (None, "2.1")
    if kind == "application/stix+json":
        return version in (None, "2.1")
    return False
