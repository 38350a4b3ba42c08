"""Vendor CSAF 2.0 documents: imported by hand or polled from providers, kept by publisher
namespace, tracking id and version, and read back for pages (the product tree flattened).

A document is checked against the CSAF 2.0 schema first (`csaf.validate.require_valid`: each error
names the JSON path at fault); a version already kept is not imported again, a new version is a new
row. Every import writes its audit record (ids only: the document may be TLP:AMBER or RED).

A source is a provider's provider-metadata.json, polled every `interval_hours` by the job
`advisory.poll_csaf_sources` (advisory/tasks.py). A poll is three steps so that nothing holds the
database while the network answers: `poll_target` reads what to fetch, `fetch` fetches (no
database: `csaf.fetch.fetch_provider`), `record_poll` imports what came and records the outcome on
the source: `last_status` "ok", "partial" (some documents failed: `last_error` lists them) or
"failed" (the provider could not be read). `poll_source` does the three in one session, for
callers that may hold it.

A poll asks for the documents changed after the newest release date among those kept from the
source: the provider's own clock, never ours, and a poll cut short by the fetcher's per-poll limit
(oldest first) resumes where it stopped. A document that failed after the newest one kept is
fetched again by the next poll, so a passing failure mends itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.advisory import products
from csirtnet.authz import Permission, Subject, require
from csirtnet.authz.advisory import visible_csaf_documents_clause
from csirtnet.db import savepoint
from csirtnet.errors import AppError, ErrorList, NotFound, ValidationFailed
from csirtnet.kit.pagination import paginate
from csirtnet.kit.time import utcnow
from csirtnet.models.base import fit
from csirtnet.models.csaf_document import CsafDocument, CsafSource

log = logging.getLogger("csirtnet.advisory.csaf")

POLLER = Subject.system("CSAF poll")
MAX_INTERVAL_HOURS = 24 * 7
_PROBLEMS_KEPT = 20  # problems written to a source's last_error; the log has them all
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_CONSTRAINT = re.compile(r"(<=|>=|!=|<|>|=)?(.*)", re.DOTALL)
_AFFECTED_STATUSES = ("known_affected", "first_affected", "last_affected")


# -- importing a document ----------------------------------------------------------------------


def _sha256(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key(value: str, limit: int, path: str, errors: ErrorList) -> str:
    text = value.strip()
    if len(text) > limit:
        errors.add(path, f"longer than {limit} characters: csirtnet keeps at most {limit}")
    return text


def _release_date(value: str) -> datetime:
    return datetime.fromisoformat(value.strip().upper().replace("Z", "+00:00"))


def import_csaf(
    session: Session,
    who: Subject,
    document: dict[str, Any],
    *,
    source_url: str | None = None,
    source_id: int | None = None,
) -> tuple[CsafDocument, bool]:
    """Keep a CSAF 2.0 document; (the row, True) when it is new, (the row kept, False) when this
    version of it was imported before. ValidationFailed names the JSON path of each problem."""
    require(who, Permission.ADVISORIES_MANAGE)
    from csirtnet.advisory.csaf import validate  # jsonschema costs a process ~34 MB: only where one is checked

    validate.require_valid(document)
    meta = document["document"]
    tracking, publisher = meta["tracking"], meta["publisher"]
    errors = ErrorList()
    namespace = _key(publisher["namespace"], 500, "/document/publisher/namespace", errors)
    tracking_id = _key(tracking["id"], 200, "/document/tracking/id", errors)
    version = _key(tracking["version"], 40, "/document/tracking/version", errors)
    category = _key(meta["category"], 100, "/document/category", errors)
    errors.raise_if_any()
    kept = session.scalar(
        select(CsafDocument).where(
            CsafDocument.publisher_namespace == namespace,
            CsafDocument.tracking_id == tracking_id,
            CsafDocument.version == version,
        )
    )
    if kept is not None:
        return kept, False
    cves = [v["cve"] for v in document.get("vulnerabilities") or [] if isinstance(v, dict) and v.get("cve")]
    tlp = (meta.get("distribution") or {}).get("tlp") or {}
    row = CsafDocument(
        publisher_namespace=namespace,
        publisher_name=fit(CsafDocument.publisher_name, publisher["name"].strip()),
        tracking_id=tracking_id,
        version=version,
        title=fit(CsafDocument.title, meta["title"].strip()),
        category=category,
        tlp=tlp.get("label"),
        status=tracking["status"],
        current_release_date=_release_date(tracking["current_release_date"]),
        cve_ids=list(dict.fromkeys(cves)),
        document=document,
        sha256=_sha256(document),
        source_url=source_url[:2000] if source_url else None,
        source_id=source_id,
        imported_at=utcnow(),
        imported_by_id=who.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        who,
        "advisory.csaf_imported",
        row,
        publisher_namespace=namespace,
        tracking_id=tracking_id,
        version=version,
        source_id=source_id,
    )
    return row, True


# -- reading documents -------------------------------------------------------------------------


def csaf_documents_page(
    session: Session,
    who: Subject,
    *,
    q: str | None = None,
    source_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[CsafDocument], str | None]:
    """One page of the imported documents `who` may read, the most recently imported first. `q`:
    words each found in the title, tracking id, publisher or CVE ids."""
    query = select(CsafDocument).where(visible_csaf_documents_clause(who))
    if source_id is not None:
        query = query.where(CsafDocument.source_id == source_id)
    text = " ".join((q or "").split())
    if len(text) > 200:
        raise ValidationFailed("q", "at most 200 characters")
    searched = (
        func.lower(CsafDocument.title),
        func.lower(CsafDocument.tracking_id),
        func.lower(CsafDocument.publisher_name),
        func.lower(cast(CsafDocument.cve_ids, Text)),
    )
    for word in text.lower().split()[:10]:
        query = query.where(or_(*(column.contains(word, autoescape=True) for column in searched)))
    rows, next_cursor = paginate(session, query, CsafDocument.id, limit=limit, cursor=cursor)
    return list(rows), next_cursor


def get_csaf_document(session: Session, who: Subject, document_id: int) -> CsafDocument:
    """One imported document `who` may read; NotFound when there is none (or it is hidden)."""
    row = session.scalar(select(CsafDocument).where(CsafDocument.id == document_id, visible_csaf_documents_clause(who)))
    if row is None:
        raise NotFound("CSAF document")
    return row


class ProductRow(NamedTuple):
    """One product of a document's product tree, as a table shows it ("" where the tree says nothing)."""

    vendor: str
    product: str
    version: str
    product_id: str


def product_tree_rows(document: dict[str, Any]) -> list[ProductRow]:
    """The document's products, one row per product id: its branches flattened (vendor, product
    name or family, version or version range with patch level), then full product names and the
    products of relationships."""
    tree = document.get("product_tree")
    if not isinstance(tree, dict):
        return []
    rows: list[ProductRow] = []
    _walk(tree.get("branches"), {}, rows, depth=0)
    for full in tree.get("full_product_names") or []:
        if isinstance(full, dict) and full.get("product_id"):
            rows.append(ProductRow("", str(full.get("name", "")), "", str(full["product_id"])))
    for relation in tree.get("relationships") or []:
        full = relation.get("full_product_name") if isinstance(relation, dict) else None
        if isinstance(full, dict) and full.get("product_id"):
            rows.append(ProductRow("", str(full.get("name", "")), "", str(full["product_id"])))
    return rows


def _walk(branches: object, context: dict[str, str], rows: list[ProductRow], *, depth: int) -> None:
    if not isinstance(branches, list) or depth > 40:  # the schema nests at most 30 deep
        return
    for branch in branches:
        if not isinstance(branch, dict):
            continue
        here = dict(context)
        category, name = str(branch.get("category", "")), str(branch.get("name", "")).strip()
        if category == "vendor":
            here["vendor"] = name
        elif category in ("product_name", "product_family"):
            here[category] = name
        elif category in ("product_version", "product_version_range"):
            here["version"] = name
        elif category in ("patch_level", "service_pack"):
            here["version"] = f"{here.get('version', '')} {name}".strip()
        leaf = branch.get("product")
        if isinstance(leaf, dict) and leaf.get("product_id"):
            product = here.get("product_name") or here.get("product_family") or str(leaf.get("name", ""))
            rows.append(ProductRow(here.get("vendor", ""), product, here.get("version", ""), str(leaf["product_id"])))
        _walk(branch.get("branches"), here, rows, depth=depth + 1)


def vers_specs(text: str) -> list[str]:
    """A version or range of a product tree as `products` specs: "vers:generic/>=1.0|<2.0" is
    [">=1.0 <2.0"], "vers:generic/*" or "" every version, anything else as it is written."""
    value = text.strip()
    if not value.lower().startswith("vers:"):
        return [value] if value else []
    constraints = value.split("/", 1)[1].split("|") if "/" in value else []
    specs: list[str] = []
    low: str | None = None
    for constraint in (c.strip() for c in constraints):
        op, version = _CONSTRAINT.fullmatch(constraint).groups()  # type: ignore[union-attr]  # matches any text
        if version == "*":
            return ["*"]
        if op in (">", ">="):
            low = constraint
        elif op in ("<", "<="):
            specs.append(f"{low} {constraint}" if low else constraint)
            low = None
        elif op != "!=" and version:
            specs.append(version)
    if low:
        specs.append(low)
    return [s for s in specs if _readable(s)] or ["*"]


def _readable(spec: str) -> bool:
    try:
        products.parse_spec(spec)
    except ValueError:
        return False
    return True


def affected_products(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The products the document says are affected (known, first or last affected), grouped as an
    advisory lists them: [{"vendor", "product", "versions"}]."""
    by_id = {row.product_id: row for row in product_tree_rows(document)}
    tree = document.get("product_tree")
    for relation in tree.get("relationships") or [] if isinstance(tree, dict) else []:
        # "X default_component_of Y": what is affected is the component X
        full = relation.get("full_product_name") if isinstance(relation, dict) else None
        reference = by_id.get(str(relation.get("product_reference", ""))) if isinstance(relation, dict) else None
        if isinstance(full, dict) and reference is not None:
            by_id[str(full.get("product_id"))] = reference
    grouped: dict[tuple[str, str], list[str] | None] = {}
    for vulnerability in document.get("vulnerabilities") or []:
        status = vulnerability.get("product_status") if isinstance(vulnerability, dict) else None
        if not isinstance(status, dict):
            continue
        for key in _AFFECTED_STATUSES:
            for product_id in status.get(key) or []:
                row = by_id.get(str(product_id))
                if row is None or not row.product:
                    continue
                versions = grouped.setdefault((row.vendor, row.product), [])
                specs = vers_specs(row.version)
                if versions is None or not specs or "*" in specs:
                    grouped[(row.vendor, row.product)] = None  # every version
                    continue
                versions.extend(s for s in specs if s not in versions)
    return [
        {"vendor": vendor, "product": product, "versions": versions or []}
        for (vendor, product), versions in grouped.items()
    ]


# -- sources -----------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    text = url.strip()
    parts = urlsplit(text)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not secure or not parts.hostname or len(text) > 2000:
        raise ValidationFailed(
            "metadata_url", "must be the https:// address of a provider-metadata.json (http:// only on this machine)"
        )
    return text


def add_source(session: Session, who: Subject, name: str, metadata_url: str, interval_hours: int = 6) -> CsafSource:
    """Register a CSAF provider to poll every `interval_hours` through its provider-metadata.json."""
    from csirtnet.advisory import tasks

    require(who, Permission.ADVISORIES_MANAGE)
    errors = ErrorList()
    title = " ".join(name.split())
    if not title or len(title) > 200:
        errors.add("name", "give a name of 1 to 200 characters")
    try:
        url = _check_url(metadata_url)
    except ValidationFailed as exc:
        errors.add("metadata_url", exc.errors[0].message)
        url = metadata_url
    if not 1 <= interval_hours <= MAX_INTERVAL_HOURS:
        errors.add("interval_hours", f"between 1 and {MAX_INTERVAL_HOURS} hours")
    if not errors.errors:
        existing = session.scalar(select(CsafSource.id).where(CsafSource.metadata_url == url))
        if existing is not None:
            errors.add("metadata_url", f"source {existing} already polls this address")
    errors.raise_if_any()
    source = CsafSource(name=title, metadata_url=url, interval_hours=interval_hours, enabled=True, documents_imported=0)
    session.add(source)
    session.flush()
    audit.record(session, who, "advisory.csaf_source_added", source, name=title, metadata_url=url)
    tasks.ensure_scheduled(session)
    return source


def sources(session: Session) -> list[CsafSource]:
    """Every source, by name."""
    return list(session.scalars(select(CsafSource).order_by(CsafSource.name, CsafSource.id)))


def due_sources(session: Session, now: datetime) -> list[CsafSource]:
    """The enabled sources not polled for their interval (or never)."""
    enabled = session.scalars(select(CsafSource).where(CsafSource.enabled.is_(True)).order_by(CsafSource.id))
    return [
        s for s in enabled if s.last_polled_at is None or s.last_polled_at + timedelta(hours=s.interval_hours) <= now
    ]


# -- polling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollTarget:
    """What one poll fetches: the provider, and documents changed since the last good poll."""

    source_id: int
    metadata_url: str
    since: datetime | None


@dataclass
class Fetched:
    """What a fetch brought: the documents (url, parsed JSON) and the problems (url, reason); or
    `error` when the provider could not be read at all."""

    documents: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class PollResult:
    source_id: int
    status: str  # ok, partial, failed
    imported: int  # new documents or versions
    unchanged: int  # already kept
    problems: list[tuple[str, str]]


def poll_target(session: Session, source_id: int) -> PollTarget:
    """What to fetch for a source: what changed after the newest document kept from it (all at first)."""
    source = session.get(CsafSource, source_id)
    if source is None:
        raise NotFound("CSAF source")
    since = session.scalar(
        select(func.max(CsafDocument.current_release_date)).where(CsafDocument.source_id == source.id)
    )
    return PollTarget(source.id, source.metadata_url, since)


def fetch(target: PollTarget, client: httpx.Client | None = None) -> Fetched:
    """Fetch a provider's documents (no database). A failure to read the provider is `error`."""
    from csirtnet.advisory.csaf.fetch import fetch_provider

    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(30.0), headers={"User-Agent": "csirtnet CSAF poller"})
    try:
        found = fetch_provider(target.metadata_url, since=target.since, client=http)
    except Exception as exc:  # noqa: BLE001 - any failure of a provider is recorded on its source
        return Fetched(error=f"{type(exc).__name__}: {exc}"[:2000])
    finally:
        if own:
            http.close()
    return Fetched(list(found.documents), [(str(u), str(r)) for u, r in found.problems])


def record_poll(session: Session, target: PollTarget, fetched: Fetched, *, polled_at: datetime) -> PollResult:
    """Import what a fetch brought (each document on its own: one refused leaves the others) and
    record the outcome on the source."""
    source = session.get(CsafSource, target.source_id)
    if source is None:
        return PollResult(target.source_id, "failed", 0, 0, [(target.metadata_url, "the source was removed")])
    problems = list(fetched.problems)
    imported = unchanged = 0
    for url, document in fetched.documents:
        try:
            with savepoint(session):
                _row, created = import_csaf(session, POLLER, document, source_url=url, source_id=source.id)
        except AppError as exc:
            problems.append((url, _reasons(exc)))
            continue
        imported += int(created)
        unchanged += int(not created)
    for url, reason in problems:
        log.warning("CSAF document not imported", extra={"source_id": source.id, "url": url, "reason": reason})
    # The provider itself could not be read: an error, or a problem with its metadata and nothing fetched.
    unread = fetched.error is not None or (
        not fetched.documents and any(url == target.metadata_url for url, _reason in fetched.problems)
    )
    status = "failed" if unread else "partial" if problems else "ok"
    source.last_polled_at = polled_at
    source.last_status = status
    source.last_error = fetched.error or _summary(problems)
    source.documents_imported = (source.documents_imported or 0) + imported
    if fetched.error:
        log.warning("CSAF source not read", extra={"source_id": source.id, "error": fetched.error})
    return PollResult(source.id, status, imported, unchanged, problems)


def poll_source(session: Session, source_id: int, client: httpx.Client | None = None) -> PollResult:
    """Poll one source now, fetching while `session` is open (the job and the CLI fetch first)."""
    target = poll_target(session, source_id)
    started = utcnow()
    return record_poll(session, target, fetch(target, client), polled_at=started)


def _reasons(exc: AppError) -> str:
    if not exc.errors:
        return exc.message
    listed = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:5])
    return listed + (f"; and {len(exc.errors) - 5} more" if len(exc.errors) > 5 else "")


def _summary(problems: Iterable[tuple[str, str]]) -> str | None:
    listed = list(problems)
    if not listed:
        return None
    lines = [f"{url}: {reason}" for url, reason in listed[:_PROBLEMS_KEPT]]
    if len(listed) > _PROBLEMS_KEPT:
        lines.append(f"… and {len(listed) - _PROBLEMS_KEPT} more (see the log)")
    return "\n".join(lines)[:20_000]
