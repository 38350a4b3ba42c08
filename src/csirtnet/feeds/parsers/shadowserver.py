"""Shadowserver's CSV reports, mapped by data (`csirtnet/feeds/shadowserver/<family>.json`).

Each family file names its report-type prefixes, the columns every report of the family shares and
how they map to event fields (from Shadowserver's published field lists, github.com/
The-Shadowserver-Foundation/report_schema, and the classification IntelMQ gives each report), the
required fields, the family's default classification and, per report, its own constants, extra column
mappings and its full field list (used to recognise a report by its header). A new report is a new
entry in a family file; a new family is a new file. Columns no mapping names go to `extra`.

The report type comes from the file name (`2026-12-05-scan_smb-vn-geo.csv`: the part after the date,
Shadowserver's documented naming) or else from the header (the report whose field list is closest).
A `scan6_x` report without an entry of its own uses `scan_x`'s; a report of a known family without
an entry uses the family's mapping with its type as `classification.identifier`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from csirtnet.feeds.parsers.types import ISO_FORMATS, Column, Plan

DATA = Path(__file__).resolve().parent.parent / "shadowserver"
_NAME = re.compile(r"^(?:\d{4}-\d{2}-\d{2}-)?([a-z0-9_]+?)(?:-.*)?\.csv(?:\.gz)?$", re.IGNORECASE)
# A header is taken for a report when it shares at least this share of the two column sets.
_MIN_SIMILARITY = 0.75


@dataclass(frozen=True)
class Family:
    name: str
    prefixes: tuple[str, ...]
    columns: dict[str, dict[str, Any]]
    constants: dict[str, Any]
    required: frozenset[str]
    reports: dict[str, dict[str, Any]]


@cache
def families() -> dict[str, Family]:
    out: dict[str, Family] = {}
    for path in sorted(DATA.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out[doc["family"]] = Family(
            name=doc["family"],
            prefixes=tuple(doc["prefixes"]),
            columns=doc["columns"],
            constants=doc.get("constants", {}),
            required=frozenset(doc.get("required", ())),
            reports=doc.get("reports", {}),
        )
    return out


@cache
def reports() -> dict[str, tuple[Family, dict[str, Any]]]:
    """Every report with an entry: type -> (family, entry)."""
    return {name: (fam, entry) for fam in families().values() for name, entry in fam.reports.items()}


def family_of(report_type: str) -> Family | None:
    for fam in families().values():
        if report_type in fam.reports or report_type.startswith(fam.prefixes):
            return fam
    return None


def _known(report_type: str) -> bool:
    return report_type in reports() or family_of(report_type) is not None


def detect_report(name: str, header: list[str]) -> str | None:
    """The Shadowserver report type of a file: from its name when that names a known report or family,
    else the report whose field list the header matches best (the shortest name on a tie), else None."""
    match = _NAME.match(Path(name).name)
    if match and _known(match.group(1).lower()):
        return match.group(1).lower()
    columns = {h.strip().lower() for h in header if h.strip()}
    if not columns:
        return None
    best, score = None, 0.0
    # Reports with the same field list (event4_sinkhole and event4_microsoft_sinkhole, x and x6): the
    # shortest name, the general report, wins a tie.
    for report_type, (_fam, entry) in sorted(reports().items(), key=lambda item: (len(item[0]), item[0])):
        fields = set(entry.get("fields", ()))
        if not fields:
            continue
        similarity = len(columns & fields) / len(columns | fields)
        if similarity > score:
            best, score = report_type, similarity
    return best if score >= _MIN_SIMILARITY else None


def plan_for(report_type: str) -> Plan | None:
    """The plan of a report type (see the module's note for types without an entry), or None."""
    entry: dict[str, Any] | None = None
    if report_type in reports():
        fam, entry = reports()[report_type]
    elif report_type.startswith("scan6_") and f"scan_{report_type[6:]}" in reports():
        fam, entry = reports()[f"scan_{report_type[6:]}"]
    else:
        found = family_of(report_type)
        if found is None:
            return None
        fam = found
    entry = entry or {}
    columns = {**fam.columns, **entry.get("columns", {})}
    constants = {**fam.constants, **entry.get("constants", {})}
    constants.setdefault("classification.identifier", report_type.replace("_", "-"))
    return Plan(
        columns=tuple(
            Column(source=src, field=spec["field"], kind=spec["type"], host=spec.get("host"))
            for src, spec in columns.items()
        ),
        constants=constants,
        required=fam.required,
        time_formats=ISO_FORMATS,
        report_type=report_type,
    )
