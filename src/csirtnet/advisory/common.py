"""What the advisory rules share: references, the published fields and their diff, versions, the
four-eyes setting, the CVSS score."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cvss import CVSS3  # type: ignore[import-untyped]
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Advisory, AdvisoryKind

# The fields recipients read: a version keeps them as they were, an update shows what changed.
PUBLISHED_FIELDS = (
    "kind",
    "title",
    "summary",
    "body",
    "severity",
    "tlp",
    "pap",
    "cvss_vector",
    "cvss_score",
    "cve_ids",
    "affected_products",
    "indicators",
    "recommended_actions",
    "references",
    "csaf_document_ids",
    "deadline_at",
)

_REFERENCE_LOCK = 0x41445653  # "ADVS": one reference per number, also under concurrent drafts


def next_reference(session: Session, kind: str) -> str:
    """CSN-ADV-2026-0001 for advisories, CSN-W-2026-0001 for warnings: per year, never reused."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFERENCE_LOCK})
    stem = f"CSN-{'W' if kind == AdvisoryKind.WARNING.value else 'ADV'}-{utcnow().year}-"
    last = session.scalar(select(func.max(Advisory.reference)).where(Advisory.reference.like(stem + "%")))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:04d}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value


def snapshot(advisory: Advisory) -> dict[str, Any]:
    """The published fields, as JSON values."""
    return {name: _plain(getattr(advisory, name)) for name in PUBLISHED_FIELDS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two snapshots, field by field, in the fields' order."""
    return [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in PUBLISHED_FIELDS
        if before.get(name) != after.get(name)
    ]


def next_version(version: str) -> str:
    """1.0 → 1.1 → 1.2 …"""
    major, _, minor = version.partition(".")
    return f"{int(major)}.{int(minor or 0) + 1}"


def cvss_score(vector: str | None) -> float | None:
    """The CVSS v3.1 base score of a vector (the `cvss` library implements the specification's formula)."""
    if not vector:
        return None
    return float(CVSS3(vector).base_score)


def is_overdue(deadline_at: datetime | None, status: str, now: datetime) -> bool:
    return deadline_at is not None and status == "pending" and as_utc(deadline_at) <= now
