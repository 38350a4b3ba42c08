"""Vulnerability catalogues: the CISA Known Exploited Vulnerabilities (KEV) catalogue and CVE JSON 5
records, kept one row per CVE id (`models.Vulnerability`), and what pages read of them.

A KEV entry and a CVE record of the same id fill the same row: the KEV columns (`kev_*`,
`known_exploited`) come from the catalogue, the CVE columns (title, description, CVSS, affected
products, CWEs, state, publication) from the record. The catalogue's short description and CWEs
fill a row's description and CWEs only where it has none; a record's replace them.

An import reads and checks the whole input first (every error names the entry and field, e.g.
`vulnerabilities.12.cveID: not a CVE id`), then writes in bulk: the stored rows of the input's ids
in a few queries, new rows with one executemany INSERT, changed rows with one executemany UPDATE
by primary key, rows that did not change untouched (so a re-import changes nothing). One audit
record per import; never a commit. A catalogue that no longer lists a CVE does not clear its
`known_exploited`: a file of part of the catalogue would otherwise clear the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.advisory import products
from csirtnet.authz import Permission, Subject, require
from csirtnet.errors import ErrorList, ValidationFailed
from csirtnet.kit.pagination import paginate
from csirtnet.kit.time import utcnow
from csirtnet.models.base import fit
from csirtnet.models.vulnerability import Vulnerability

Format = Literal["csaf", "kev", "cve"]
CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
MAX_ERRORS = 50  # errors reported of one input; a wholly wrong file would otherwise list thousands
_CHUNK = 900  # ids per IN list when reading stored rows (older SQLite takes at most 999 parameters)
# Versions in a CVE record that say nothing about which versions: the whole product.
_ANY_VERSION = frozenset({"", "*", "0", "n/a", "na", "unspecified", "unknown", "all", "all versions", "-"})
_NO_NAME = frozenset({"", "n/a", "na", "unknown", "unspecified", "-"})


@dataclass(frozen=True)
class CatalogueImport:
    """What one import did: rows added, changed, and found as they were."""

    format: str  # "kev" or "cve"
    added: int
    updated: int
    unchanged: int
    catalog_version: str | None = None

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


# -- recognising a file ------------------------------------------------------------------------


def detect_format(data: object) -> Format:
    """Which kind of document `data` (parsed JSON) is: a CSAF 2.0 advisory, the KEV catalogue, or
    CVE JSON 5 records (one or a list); ValidationFailed says why it is none of them."""
    if isinstance(data, dict):
        document = data.get("document")
        if isinstance(document, dict) and "csaf_version" in document:
            return "csaf"
        if isinstance(data.get("vulnerabilities"), list) and ("catalogVersion" in data or "dateReleased" in data):
            return "kev"
        if data.get("dataType") == "CVE_RECORD":
            return "cve"
        if "CVE_data_meta" in data or data.get("data_type") == "CVE":
            raise ValidationFailed("data_type", "a CVE JSON 4 record: only CVE JSON 5 records are read")
        if isinstance(data.get("vulnerabilities"), list):
            raise ValidationFailed("catalogVersion", "a list of vulnerabilities without catalogVersion: not KEV")
        raise ValidationFailed(
            "document",
            "not a CSAF 2.0 document (document.csaf_version), the CISA KEV catalogue (catalogVersion, "
            "vulnerabilities) or a CVE JSON 5 record (dataType CVE_RECORD)",
        )
    if isinstance(data, list):
        if not data:
            raise ValidationFailed("records", "an empty list")
        for i, item in enumerate(data):
            if not isinstance(item, dict) or item.get("dataType") != "CVE_RECORD":
                raise ValidationFailed(f"{i}.dataType", "a list holds CVE JSON 5 records only (dataType CVE_RECORD)")
        return "cve"
    raise ValidationFailed("document", "not a JSON object or a list of CVE records")


# -- reading values ----------------------------------------------------------------------------


class _Errors(ErrorList):
    """ErrorList that stops collecting after MAX_ERRORS and says how many more there were."""

    more: int = 0

    def add(self, field_name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            super().add(field_name, message)
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.more:
            super().add("(more)", f"{self.more} more error(s) not listed")
            self.more = 0
        super().raise_if_any()


def _cve_id(value: object, where: str, errors: ErrorList) -> str | None:
    text = value.strip().upper() if isinstance(value, str) else ""
    if not CVE_ID.match(text):
        errors.add(where, f"not a CVE id (CVE-YYYY-NNNN): {value!r}"[:200])
        return None
    return text


def _text(
    entry: dict[str, Any], key: str, where: str, errors: ErrorList, *, limit: int | None = None, required: bool = False
) -> str | None:
    value = entry.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(f"{where}.{key}", "is missing")
        return None
    if not isinstance(value, str):
        errors.add(f"{where}.{key}", "not text")
        return None
    text = value.strip()
    if limit is not None and len(text) > limit:
        errors.add(f"{where}.{key}", f"longer than {limit} characters")
        return None
    return text


def _date(entry: dict[str, Any], key: str, where: str, errors: ErrorList, *, required: bool = False) -> date | None:
    value = entry.get(key)
    if value is None or value == "":
        if required:
            errors.add(f"{where}.{key}", "is missing")
        return None
    try:
        if isinstance(value, str):
            return date.fromisoformat(value.strip()[:10])
    except ValueError:
        pass
    errors.add(f"{where}.{key}", f"not a date (YYYY-MM-DD): {value!r}"[:200])
    return None


def _moment(value: object, where: str, errors: ErrorList) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError("not text")
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.add(where, f"not an ISO 8601 date and time: {value!r}"[:200])
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _cwes(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    found = (str(v).strip().upper() for v in value if isinstance(v, str))
    return list(dict.fromkeys(v for v in found if v))


# -- the KEV catalogue -------------------------------------------------------------------------


def parse_kev(data: object) -> tuple[str | None, list[dict[str, Any]]]:
    """The catalogue's version and its entries as `Vulnerability` column values (plus `description`
    and `cwes`, which fill only empty rows); ValidationFailed lists every problem."""
    errors = _Errors()
    if not isinstance(data, dict) or not isinstance(data.get("vulnerabilities"), list):
        raise ValidationFailed("vulnerabilities", "the KEV catalogue holds a list `vulnerabilities`")
    entries: list[Any] = data["vulnerabilities"]
    version = data.get("catalogVersion")
    if version is not None and not isinstance(version, str | int | float):
        errors.add("catalogVersion", "not text")
        version = None
    count = data.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count != len(entries)):
        errors.add("count", f"says {count!r} entries but the catalogue holds {len(entries)}: is the file cut short?")
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        where = f"vulnerabilities.{i}"
        if not isinstance(entry, dict):
            errors.add(where, "not an object")
            continue
        cve_id = _cve_id(entry.get("cveID"), f"{where}.cveID", errors)
        if cve_id is not None:
            if cve_id in seen:
                errors.add(f"{where}.cveID", f"{cve_id} is listed twice (also at vulnerabilities.{seen[cve_id]})")
            seen.setdefault(cve_id, i)
        row = {
            "cve_id": cve_id,
            "known_exploited": True,
            "kev_vendor": _text(entry, "vendorProject", where, errors, limit=200, required=True),
            "kev_product": _text(entry, "product", where, errors, limit=200, required=True),
            "kev_name": _text(entry, "vulnerabilityName", where, errors, limit=500),
            "kev_date_added": _date(entry, "dateAdded", where, errors, required=True),
            "kev_due_date": _date(entry, "dueDate", where, errors),
            "kev_required_action": _text(entry, "requiredAction", where, errors),
            "kev_ransomware": _text(entry, "knownRansomwareCampaignUse", where, errors, limit=20),
            "kev_notes": _text(entry, "notes", where, errors),
            "description": _text(entry, "shortDescription", where, errors),
            "cwes": _cwes(entry.get("cwes")),
        }
        if entry.get("cwes") is not None and not isinstance(entry.get("cwes"), list):
            errors.add(f"{where}.cwes", "not a list")
        rows.append(row)
    errors.raise_if_any()
    rows.sort(key=lambda r: (r["kev_date_added"], r["cve_id"]))  # the newest added get the highest ids
    return (None if version is None else str(version)), rows


def import_kev(session: Session, who: Subject, data: object) -> CatalogueImport:
    """Add or update a row for every entry of the KEV catalogue (known to be exploited)."""
    require(who, Permission.ADVISORIES_MANAGE)
    version, rows = parse_kev(data)
    added, updated, unchanged = _upsert(session, rows, fill_empty=("description", "cwes"))
    result = CatalogueImport("kev", added, updated, unchanged, version)
    _audit(session, who, result)
    return result


# -- CVE JSON 5 records ------------------------------------------------------------------------


def parse_cve_records(records: object) -> list[dict[str, Any]]:
    """CVE JSON 5 records (one, or a list) as `Vulnerability` column values; ValidationFailed lists
    every problem, named by the record's place in the list (`3.cveMetadata.cveId`)."""
    errors = _Errors()
    items = records if isinstance(records, list) else [records]
    prefix = isinstance(records, list)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, record in enumerate(items):
        where = f"{i}." if prefix else ""
        row = _cve_row(record, where, errors)
        if row is None:
            continue
        if row["cve_id"] in seen:
            errors.add(f"{where}cveMetadata.cveId", f"{row['cve_id']} is given twice (also at {seen[row['cve_id']]})")
        seen.setdefault(row["cve_id"], i)
        rows.append(row)
    errors.raise_if_any()
    rows.sort(key=lambda r: (r["published_at"] or datetime.min.replace(tzinfo=UTC), r["cve_id"]))
    return rows


def _cve_row(record: object, where: str, errors: ErrorList) -> dict[str, Any] | None:
    if not isinstance(record, dict):
        errors.add(where.rstrip(".") or "record", "not an object")
        return None
    if record.get("dataType") != "CVE_RECORD":
        errors.add(f"{where}dataType", "not CVE_RECORD")
    if not str(record.get("dataVersion", "")).startswith("5."):
        errors.add(f"{where}dataVersion", f"{record.get('dataVersion')!r} is not a CVE JSON 5 version (5.x)"[:200])
    meta = record.get("cveMetadata")
    containers = record.get("containers")
    if not isinstance(meta, dict):
        errors.add(f"{where}cveMetadata", "is missing")
        return None
    cve_id = _cve_id(meta.get("cveId"), f"{where}cveMetadata.cveId", errors)
    state = meta.get("state")
    if state not in ("PUBLISHED", "REJECTED"):
        errors.add(f"{where}cveMetadata.state", f"{state!r} is not PUBLISHED or REJECTED"[:200])
    published = _moment(meta.get("datePublished"), f"{where}cveMetadata.datePublished", errors)
    cna = containers.get("cna") if isinstance(containers, dict) else None
    if not isinstance(cna, dict):
        errors.add(f"{where}containers.cna", "is missing")
        return None
    if cve_id is None:
        return None
    assert isinstance(containers, dict)  # cna was found in it
    adp = [c for c in containers.get("adp") or [] if isinstance(c, dict)]
    every = [cna, *adp]
    vector, score = _cvss(every)
    affected = _affected(cna.get("affected")) or next((a for c in adp if (a := _affected(c.get("affected")))), [])
    description = _english(cna.get("descriptions")) or _english(cna.get("rejectedReasons"))
    title = cna.get("title") if isinstance(cna.get("title"), str) else None
    return {
        "cve_id": cve_id,
        "cve_state": str(state)[:20] if state else None,
        "published_at": published,
        "title": fit(Vulnerability.title, title.strip()) if title and title.strip() else None,
        "description": description,
        "cvss_vector": vector,
        "cvss_score": score,
        "affected": affected,
        "cwes": _problem_cwes(every),
    }


def _english(values: object) -> str | None:
    """The English text of a list of {lang, value} (the first one when none is English)."""
    if not isinstance(values, list):
        return None
    texts = [(str(v.get("lang", "")), v.get("value")) for v in values if isinstance(v, dict)]
    texts = [(lang, value.strip()) for lang, value in texts if isinstance(value, str) and value.strip()]
    for lang, value in texts:
        if lang.lower().startswith("en"):
            return value
    return texts[0][1] if texts else None


def _cvss(containers: Sequence[dict[str, Any]]) -> tuple[str | None, float | None]:
    """The base vector and score: CVSS 3.1 first (what advisories state), then 3.0, 4.0 and 2.0;
    the CNA's before an ADP's (CISA's ADP scores records whose CNA gave none)."""
    for field in ("cvssV3_1", "cvssV3_0", "cvssV4_0", "cvssV2_0"):
        for container in containers:
            for metric in container.get("metrics") or []:
                data = metric.get(field) if isinstance(metric, dict) else None
                if isinstance(data, dict) and isinstance(data.get("vectorString"), str):
                    score = data.get("baseScore")
                    number = float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None
                    return data["vectorString"].strip()[:200], number
    return None, None


def _problem_cwes(containers: Iterable[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for container in containers:
        for problem in container.get("problemTypes") or []:
            for item in problem.get("descriptions") or [] if isinstance(problem, dict) else []:
                if isinstance(item, dict) and isinstance(item.get("cweId"), str):
                    found.append(item["cweId"].strip().upper())
    return list(dict.fromkeys(found))


def _affected(entries: object) -> list[dict[str, Any]]:
    """The record's products as advisories list them: [{"vendor", "product", "versions"}], each
    version an exact version or a range `products.version_in` reads; products with no affected
    version are left out."""
    if not isinstance(entries, list):
        return []
    out: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        product = str(entry.get("product") or entry.get("packageName") or "").strip()
        if product.lower() in _NO_NAME:
            continue
        versions = _affected_versions(entry)
        if versions is None:
            continue
        vendor = str(entry.get("vendor") or "").strip()
        out.append({"vendor": "" if vendor.lower() in _NO_NAME else vendor, "product": product, "versions": versions})
    return out


@dataclass(frozen=True)
class _Span:
    """Versions from `low` to `high` (None: no bound), with the texts that name the bounds."""

    low: str | None
    low_in: bool
    high: str | None
    high_in: bool

    def key(self) -> tuple[int, products.VersionKey, int]:
        return (0, (), 0) if self.low is None else (1, products.version_key(self.low), 0 if self.low_in else 1)

    def spec(self) -> str:
        if self.low is not None and self.low == self.high and self.low_in and self.high_in:
            return self.low
        return products.range_text(self.low, self.high, lower_inclusive=self.low_in, upper_inclusive=self.high_in)


def _affected_versions(entry: dict[str, Any]) -> list[str] | None:
    """The specs of the affected versions (CVE 5 "version status decisions"), or None when none is."""
    affected: list[_Span] = []
    unaffected: list[_Span] = []
    for item in entry.get("versions") or []:
        if not isinstance(item, dict) or str(item.get("versionType", "")).lower() in ("git", "hg", "svn"):
            continue
        for span, status in _spans(item):
            if status == "affected":
                affected.append(span)
            elif status == "unaffected":
                unaffected.append(span)
    if str(entry.get("defaultStatus", "unknown")) == "affected":
        affected.extend(_complement(unaffected))
    if not affected:
        return None
    specs = [span.spec() for span in affected]
    return ["*"] if "*" in specs else list(dict.fromkeys(specs))


def _spans(item: dict[str, Any]) -> list[tuple[_Span, str]]:
    version = str(item.get("version") or "").strip()
    status = str(item.get("status") or "")
    upper = item.get("lessThanOrEqual") if item.get("lessThanOrEqual") is not None else item.get("lessThan")
    if upper is None:
        if version.lower() in _ANY_VERSION or not products.is_known(version):
            return [(_Span(None, True, None, True), status)]
        if version[:1] in "<>=":
            try:
                found = products.parse_spec(version)
            except ValueError:
                return []
            below, above = found.lower, found.upper
            return [
                (
                    _Span(
                        below.text if below else None,
                        below.inclusive if below else True,
                        above.text if above else None,
                        above.inclusive if above else True,
                    ),
                    status,
                )
            ]
        return [(_Span(version, True, version, True), status)]
    low = None if version.lower() in _ANY_VERSION or not products.is_known(version) else version
    high, high_in = _upper(str(upper).strip(), item.get("lessThanOrEqual") is not None)
    # status changes cut the range in pieces: [low, at1) status, [at1, at2) change 1, …
    changes = [c for c in item.get("changes") or [] if isinstance(c, dict) and products.is_known(str(c.get("at", "")))]
    changes.sort(key=lambda c: products.version_key(str(c["at"])))
    pieces: list[tuple[_Span, str]] = []
    start, start_in, current = low, True, status
    for change in changes:
        at = str(change["at"]).strip()
        pieces.append((_Span(start, start_in, at, False), current))
        start, start_in, current = at, True, str(change.get("status") or "")
    pieces.append((_Span(start, start_in, high, high_in), current))
    return pieces


def _upper(text: str, inclusive: bool) -> tuple[str | None, bool]:
    """An upper bound: "*" is none; "2.*" ends the 2 series (up to, not including, 3)."""
    if text in ("", "*"):
        return None, inclusive
    if text.endswith("*"):
        try:
            series = products.parse_spec(text.rstrip("*").rstrip(".-_ ") + ".*")
        except ValueError:
            return None, inclusive
        return (series.upper.text, False) if series.upper is not None else (None, inclusive)
    return text, inclusive


def _complement(spans: list[_Span]) -> list[_Span]:
    """The versions none of `spans` holds, as spans (ordered, not overlapping)."""
    out: list[_Span] = []
    low: str | None = None  # the gap now open starts here (None: from the first version)
    low_in = True
    done = False  # an unaffected span reached every version above
    for span in sorted(spans, key=_Span.key):
        if done:
            break
        if span.low is not None and _before(low, low_in, span.low, span.low_in):
            out.append(_Span(low, low_in, span.low, not span.low_in))
        if span.high is None:
            done = True
            continue
        if low is None or _after(span.high, span.high_in, low, low_in):
            low, low_in = span.high, not span.high_in
    if not done:
        out.append(_Span(low, low_in, None, True))
    return out


def _before(low: str | None, low_in: bool, high: str, high_excluded_in: bool) -> bool:
    """Whether versions lie from `low` up to `high` (high itself only when the next span leaves it out)."""
    if low is None:
        return True
    a, b = products.version_key(low), products.version_key(high)
    return a < b or (a == b and low_in and not high_excluded_in)


def _after(high: str, high_in: bool, low: str, low_in: bool) -> bool:
    """Whether a span ending at `high` reaches past the gap start `low`."""
    a, b = products.version_key(high), products.version_key(low)
    return a > b or (a == b and high_in and low_in)


def import_cve_records(session: Session, who: Subject, records: object) -> CatalogueImport:
    """Add or update a row for every CVE JSON 5 record (one record, or a list of them)."""
    require(who, Permission.ADVISORIES_MANAGE)
    rows = parse_cve_records(records)
    added, updated, unchanged = _upsert(session, rows, fill_empty=("description", "cwes"), keep_when_missing=True)
    result = CatalogueImport("cve", added, updated, unchanged)
    _audit(session, who, result)
    return result


# -- writing -----------------------------------------------------------------------------------


def _chunks(values: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _upsert(
    session: Session, rows: list[dict[str, Any]], *, fill_empty: tuple[str, ...], keep_when_missing: bool = False
) -> tuple[int, int, int]:
    """Insert the rows of new CVE ids and update the changed ones; (added, updated, unchanged).

    Columns of `fill_empty` replace a stored value only when it is empty (KEV), or with
    `keep_when_missing` whenever the input has one (a CVE record's description is better than the
    catalogue's short one, but a record without one keeps what is stored)."""
    if not rows:
        return 0, 0, 0
    columns = [c for c in rows[0] if c != "cve_id"]
    v = Vulnerability
    stored: dict[str, dict[str, Any]] = {}
    read = [v.id, v.cve_id, *(getattr(v, c) for c in columns)]
    if session.get_bind().dialect.name == "postgresql":
        # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for any
        # ids: without statistics (a table just filled) that plan scans the table and compares each
        # row with every id of the list (5.5 s instead of 0.1 s for 15,000 ids). Planned with the
        # ids as constants, the list is hashed or the unique index used.
        session.execute(sql_text("SET LOCAL plan_cache_mode = force_custom_plan"))
    for chunk in _chunks([r["cve_id"] for r in rows]):
        for found in session.execute(select(*read).where(v.cve_id.in_(chunk))):
            stored[found.cve_id] = dict(found._mapping)
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged = 0
    for row in rows:
        old = stored.get(row["cve_id"])
        if old is None:
            inserts.append({**row, "updated_at": now})
            continue
        new = dict(row)
        for column in fill_empty:
            empty_before = old[column] in (None, "", [])
            if keep_when_missing:
                if new[column] in (None, "", []):
                    new[column] = old[column]
            elif not empty_before:
                new[column] = old[column]
        if all(old[c] == new[c] for c in columns):
            unchanged += 1
            continue
        updates.append({"id": old["id"], **{c: new[c] for c in columns}, "updated_at": now})
    if inserts:
        session.execute(insert(Vulnerability), inserts)
    if updates:
        session.execute(update(Vulnerability), updates)
    # Rows the session had loaded were written past it: read them again when next used.
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Vulnerability):
            session.expire(instance)
    return len(inserts), len(updates), unchanged


def _audit(session: Session, who: Subject, result: CatalogueImport) -> None:
    audit.record(
        session,
        who,
        "advisory.catalogue_imported",
        None,
        format=result.format,
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
        catalog_version=result.catalog_version,
    )


# -- reading -----------------------------------------------------------------------------------


def _normalised_ids(cve_ids: Iterable[str]) -> list[str]:
    return sorted({c.strip().upper() for c in cve_ids if isinstance(c, str) and c.strip()})


def known_exploited(session: Session, cve_ids: Iterable[str]) -> dict[str, Vulnerability]:
    """The KEV rows among `cve_ids`, by CVE id (an advisory shows which of its CVEs are exploited)."""
    out: dict[str, Vulnerability] = {}
    for chunk in _chunks(_normalised_ids(cve_ids)):
        query = select(Vulnerability).where(Vulnerability.cve_id.in_(chunk), Vulnerability.known_exploited.is_(True))
        for row in session.scalars(query):
            out[row.cve_id] = row
    return out


def vulnerabilities_by_id(session: Session, cve_ids: Iterable[str]) -> dict[str, Vulnerability]:
    """The stored rows among `cve_ids` (KEV or not), by CVE id."""
    out: dict[str, Vulnerability] = {}
    for chunk in _chunks(_normalised_ids(cve_ids)):
        for row in session.scalars(select(Vulnerability).where(Vulnerability.cve_id.in_(chunk))):
            out[row.cve_id] = row
    return out


def vulnerabilities_page(
    session: Session,
    *,
    q: str | None = None,
    known_exploited_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Vulnerability], str | None]:
    """One page of the catalogue, the most recently added first. `q`: a CVE id or its beginning
    ("CVE-2024-3"), or words each found in the id, title, KEV vendor, product or name."""
    query = select(Vulnerability)
    if known_exploited_only:
        query = query.where(Vulnerability.known_exploited.is_(True))
    text = " ".join((q or "").split())
    if len(text) > 200:
        raise ValidationFailed("q", "at most 200 characters")
    if re.match(r"(?i)^cve-\d", text) and " " not in text:
        query = query.where(Vulnerability.cve_id.startswith(text.upper(), autoescape=True))
    elif text:
        searched = (
            Vulnerability.cve_id,
            Vulnerability.title,
            Vulnerability.kev_vendor,
            Vulnerability.kev_product,
            Vulnerability.kev_name,
        )
        for word in text.lower().split()[:10]:
            query = query.where(or_(*(func.lower(c).contains(word, autoescape=True) for c in searched)))
    rows, next_cursor = paginate(session, query, Vulnerability.id, limit=limit, cursor=cursor)
    return list(rows), next_cursor


def get_vulnerability(session: Session, cve_id: str) -> Vulnerability | None:
    """The row of one CVE id, or None."""
    return session.scalar(select(Vulnerability).where(Vulnerability.cve_id == cve_id.strip().upper()))
