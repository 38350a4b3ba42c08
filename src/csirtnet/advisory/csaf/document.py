"""A csirtnet advisory as a CSAF 2.0 document (profile `csaf_security_advisory`).

`build` takes a typed `CsafInput` and returns the document as a dict, ready for `json.dumps`. It
checks its input first and refuses it with every problem named by field (`products[1].vendor`), so
what it returns passes the CSAF 2.0 schema and the mandatory tests of section 6.1; the tests prove
both with the reference validator. Choices the standard leaves to the producer:

- Versions: csirtnet numbers revisions "1.0", "1.1"; CSAF wants integer or semantic versioning, so
  they become "1.0.0", "1.1.0" (`semantic_version`). Every number of one document maps the same way,
  so test 6.1.30 (mixed versioning) cannot fail.
- TLP: csirtnet speaks TLP 2.0, CSAF 2.0 the TLP 1 labels. CLEAR is WHITE; AMBER+STRICT is AMBER with
  `distribution.text` saying TLP:AMBER+STRICT, the stricter rule travelling with the document.
- Products: vendor → product name → version branches, one leaf per exact version
  (`product_version`) or range (`product_version_range`, as a `vers:generic/…` string when it reads
  as comparisons); a product without versions is a `product_name` leaf (all versions).
- An advisory about no CVE still has one vulnerability (its title, summary and products), because the
  profile requires /vulnerabilities, a product status and a note on each (6.1.27.5, .6, .11).
- The profile requires an external reference (6.1.27.2): the input's references, else the CVE
  records, else the publisher's namespace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cvss import CVSS3  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from csirtnet import __version__
from csirtnet.errors import ErrorList

TLP_URL = "https://www.first.org/tlp/"
CATEGORY = "csaf_security_advisory"
PUBLISHER_CATEGORIES = ("coordinator", "discoverer", "other", "user", "vendor")
STATUSES = ("final", "interim")
LANGUAGES = ("vi", "en")

# csirtnet's TLP 2.0 value -> the CSAF 2.0 (TLP 1) label.
_TLP_LABELS = {"clear": "WHITE", "green": "GREEN", "amber": "AMBER", "amber+strict": "AMBER", "red": "RED"}
_CSAF_TLP_LABELS = ("UNLABELED", "WHITE", "GREEN", "AMBER", "RED")
_CVE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,}$")
_STRIPPED = re.compile(r"^\S(.*\S)?$", re.DOTALL)
_CSIRTNET_VERSION = re.compile(r"^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?$")
# The words and signs test 6.1.31 reads as a range, so such a "version" is published as one.
_RANGE_SIGNS = ("<", ">")
_RANGE_WORDS = frozenset({"after", "all", "before", "earlier", "later", "prior", "versions"})
_CONSTRAINT = re.compile(r"(<=|>=|!=|<|>|=)?\s*([^\s,|<>=!]+)")
_FILE_NAME_OUTSIDE = re.compile(r"[^+\-a-z0-9]+")

# Words a reader sees, in the document's language.
_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "summary": "Tóm tắt",
        "details": "Chi tiết",
        "description": "Mô tả",
        "tlp": "Chia sẻ theo TLP",
        "self": "Bản CSAF của khuyến cáo này",
        "publisher": "Đơn vị phát hành",
        "exploited": "Đã bị khai thác trong thực tế.",
        "TLP:RED": "TLP:RED: chỉ dành cho những người nhận được nêu tên, không chia sẻ thêm.",
        "TLP:AMBER+STRICT": "TLP:AMBER+STRICT: chỉ chia sẻ trong tổ chức nhận.",
        "TLP:AMBER": "TLP:AMBER: chỉ chia sẻ trong tổ chức nhận và khách hàng của tổ chức, khi cần biết.",
        "TLP:GREEN": "TLP:GREEN: chia sẻ trong cộng đồng, không công bố công khai.",
    },
    "en": {
        "summary": "Summary",
        "details": "Details",
        "description": "Description",
        "tlp": "TLP sharing",
        "self": "The CSAF version of this advisory",
        "publisher": "Publisher",
        "exploited": "Known to be exploited in the wild.",
        "TLP:RED": "TLP:RED: for the named recipients only, no further sharing.",
        "TLP:AMBER+STRICT": "TLP:AMBER+STRICT: share within the recipient organisation only.",
        "TLP:AMBER": "TLP:AMBER: share within the recipient organisation and its clients, on a need-to-know basis.",
        "TLP:GREEN": "TLP:GREEN: share within the community, not publicly.",
    },
}


@dataclass(frozen=True)
class CsafProduct:
    """A product the advisory is about; `versions` exact ("2.4.57") or ranges ("<2.4.58"), empty for all."""

    vendor: str
    product: str
    versions: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CsafVulnerability:
    """One vulnerability of the advisory; every product of the advisory is known affected by it."""

    title: str
    cve: str | None = None
    cvss_vector: str | None = None  # "CVSS:3.1/AV:N/…" or "CVSS:3.0/…"
    description: str | None = None
    known_exploited: bool = False


@dataclass(frozen=True)
class CsafRevision:
    """One entry of the revision history; `number` as csirtnet writes it ("1.0", "1.1")."""

    number: str
    date: datetime
    summary: str


@dataclass(frozen=True, kw_only=True)
class CsafInput:
    """Everything `build` needs, read from an advisory by the caller."""

    tracking_id: str
    title: str
    lang: str  # "vi" or "en"
    publisher_name: str
    publisher_namespace: str  # https URL
    publisher_category: str = "coordinator"
    publisher_contact: str | None = None
    tlp: str  # csirtnet TLP 2.0: "red", "amber+strict", "amber", "green", "clear"
    summary: str
    details: str = ""  # Markdown
    severity: str = ""  # the aggregate severity label, e.g. "high"
    products: tuple[CsafProduct, ...]
    vulnerabilities: tuple[CsafVulnerability, ...] = ()
    recommended_actions: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()  # (url, summary)
    revisions: tuple[CsafRevision, ...]  # oldest first; the last is the current version
    initial_release_date: datetime
    current_release_date: datetime
    status: str = "final"  # or "interim"; "draft" for a document not yet released (0.x revisions)
    self_url: str | None = None  # the document's canonical URL on the provider


@dataclass
class _ProductTree:
    branches: list[dict[str, Any]] = field(default_factory=list)
    product_ids: list[str] = field(default_factory=list)


def csaf_tlp_label(tlp: str) -> str:
    """The CSAF 2.0 TLP label of a csirtnet TLP ("amber+strict" -> "AMBER"); CSAF labels pass as they are."""
    if tlp in _CSAF_TLP_LABELS:
        return tlp
    try:
        return _TLP_LABELS[tlp.lower()]
    except KeyError:
        raise ValueError(f"unknown TLP {tlp!r}") from None


def semantic_version(number: str) -> str:
    """A csirtnet revision number as CSAF semantic versioning: "1" -> "1.0.0", "1.1" -> "1.1.0"."""
    match = _CSIRTNET_VERSION.match(number)
    if not match:
        raise ValueError(f"{number!r} is not a version like 1.0 or 1.2.3")
    major, minor, patch = match.groups()
    return f"{major}.{minor or 0}.{patch or 0}"


def file_name(tracking_id: str) -> str:
    """The file name CSAF 2.0 section 5.1 gives a document: lowercase id, runs outside [+-a-z0-9] as `_`."""
    if not tracking_id:
        raise ValueError("a tracking id is needed for a file name")
    return _FILE_NAME_OUTSIDE.sub("_", tracking_id.lower()) + ".json"


def csaf_datetime(moment: datetime) -> str:
    """An aware datetime as the RFC 3339 UTC timestamp CSAF uses ("2024-05-01T08:00:00Z")."""
    if moment.tzinfo is None:
        raise ValueError("a CSAF timestamp needs a timezone")
    utc = moment.astimezone(UTC)
    spec = "milliseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def cvss_v3(vector: str) -> dict[str, Any]:
    """The CSAF `cvss_v3` object of a CVSS 3.0/3.1 vector, scores computed as FIRST specifies."""
    version = vector.split("/", 1)[0].removeprefix("CVSS:")
    if version not in ("3.0", "3.1"):
        raise ValueError("only CVSS 3.0 and 3.1 vectors can be published in CSAF 2.0")
    try:
        parsed = CVSS3(vector)
    except CVSSError as exc:
        raise ValueError(str(exc)) from None
    base, temporal, environmental = parsed.scores()
    severity_base, severity_temporal, severity_environmental = parsed.severities()
    score: dict[str, Any] = {
        "version": version,
        "vectorString": parsed.clean_vector(),
        "baseScore": float(base),
        "baseSeverity": str(severity_base).upper(),
    }
    metrics = {part.split(":", 1)[0] for part in parsed.clean_vector().split("/")[1:]}
    # Temporal and environmental scores only when the vector carries those metrics; test 6.1.9
    # recomputes each one given, and a score derived from defaults would say more than the vector.
    if metrics & {"E", "RL", "RC"}:
        score["temporalScore"] = float(temporal)
        score["temporalSeverity"] = str(severity_temporal).upper()
    if metrics & {"CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"}:
        score["environmentalScore"] = float(environmental)
        score["environmentalSeverity"] = str(severity_environmental).upper()
    return score


def is_version_range(version: str) -> bool:
    """Whether a version string reads as a range (test 6.1.31's signs and words) rather than one version."""
    lowered = version.lower()
    return (
        lowered.startswith("vers:")
        or any(sign in lowered for sign in _RANGE_SIGNS)
        or bool(_RANGE_WORDS & set(lowered.split()))
    )


def version_range(version: str) -> str:
    """A range as `vers:generic/…` when it is a list of comparisons ("<2.4.58"), else as given (vls)."""
    text = version.strip()
    if text.lower().startswith("vers:"):
        return text
    pieces = [piece for piece in re.split(r"[\s,|]+", text) if piece]
    constraints: list[str] = []
    pending = ""
    for piece in pieces:
        # ">= 1.0" arrives as two pieces: the sign waits for its version.
        if piece in ("<", ">", "<=", ">=", "=", "!="):
            if pending:
                return text
            pending = piece
            continue
        match = _CONSTRAINT.fullmatch(pending + piece)
        if not match or not match.group(1):
            return text
        sign, number = match.groups()
        constraints.append(number if sign == "=" else sign + number)
        pending = ""
    if pending or not constraints:
        return text
    return "vers:generic/" + "|".join(constraints)


def build(data: CsafInput) -> dict[str, Any]:
    """The CSAF 2.0 document of an advisory; ValidationFailed names each field that cannot be published."""
    _check(data)
    words = _WORDS[data.lang]
    tree = _product_tree(data.products)
    document: dict[str, Any] = {
        "category": CATEGORY,
        "csaf_version": "2.0",
        "lang": data.lang,
        "title": data.title,
        "publisher": _publisher(data),
        "distribution": _distribution(data.tlp),
        "notes": _notes(data, words),
        "references": _references(data, words),
        "tracking": _tracking(data),
    }
    if data.severity.strip():
        document["aggregate_severity"] = {"text": data.severity.strip()}
    return {
        "document": document,
        "product_tree": {"branches": tree.branches},
        "vulnerabilities": _vulnerabilities(data, tree.product_ids, words),
    }


# -- the parts ---------------------------------------------------------------------------------------


def _publisher(data: CsafInput) -> dict[str, Any]:
    publisher = {
        "category": data.publisher_category,
        "name": data.publisher_name,
        "namespace": data.publisher_namespace,
    }
    if data.publisher_contact:
        publisher["contact_details"] = data.publisher_contact
    return publisher


def _distribution(tlp: str) -> dict[str, Any]:
    distribution: dict[str, Any] = {"tlp": {"label": csaf_tlp_label(tlp), "url": TLP_URL}}
    if tlp.lower() == "amber+strict":
        # CSAF 2.0 has no AMBER+STRICT label; the text carries the stricter rule with the document.
        distribution["text"] = "TLP:AMBER+STRICT"
    return distribution


def _notes(data: CsafInput, words: dict[str, str]) -> list[dict[str, str]]:
    notes = [{"category": "summary", "title": words["summary"], "text": data.summary}]
    if data.details.strip():
        notes.append({"category": "details", "title": words["details"], "text": data.details})
    label = "TLP:" + data.tlp.upper()
    if label in words:
        notes.append({"category": "legal_disclaimer", "title": words["tlp"], "text": words[label]})
    return notes


def _references(data: CsafInput, words: dict[str, str]) -> list[dict[str, str]]:
    references: list[dict[str, str]] = []
    if data.self_url:
        references.append({"category": "self", "summary": words["self"], "url": data.self_url})
    external = [{"category": "external", "summary": summary, "url": url} for url, summary in data.references]
    if not external:
        external = [_cve_reference(v.cve) for v in data.vulnerabilities if v.cve]
    if not external:
        external = [{"category": "external", "summary": words["publisher"], "url": data.publisher_namespace}]
    return references + external


def _cve_reference(cve: str) -> dict[str, str]:
    return {"category": "external", "summary": cve, "url": f"https://www.cve.org/CVERecord?id={cve}"}


def _tracking(data: CsafInput) -> dict[str, Any]:
    history = [
        {"number": semantic_version(r.number), "date": csaf_datetime(r.date), "summary": r.summary}
        for r in data.revisions
    ]
    return {
        "id": data.tracking_id,
        "status": data.status,
        "version": history[-1]["number"],
        "initial_release_date": csaf_datetime(data.initial_release_date),
        "current_release_date": csaf_datetime(data.current_release_date),
        "revision_history": history,
        "generator": {"engine": {"name": "csirtnet", "version": __version__}},
    }


def _product_tree(products: tuple[CsafProduct, ...]) -> _ProductTree:
    # vendor -> product -> versions, in the order first seen; an entry without versions means all
    # versions, which covers any version another entry of the same product names.
    grouped: dict[str, dict[str, list[str] | None]] = {}
    for entry in products:
        vendor, name = entry.vendor.strip(), entry.product.strip()
        versions = [v.strip() for v in entry.versions if v.strip()]
        by_product = grouped.setdefault(vendor, {})
        if not versions or (name in by_product and by_product[name] is None):
            by_product[name] = None
            continue
        known = by_product.setdefault(name, [])
        assert known is not None
        known.extend(v for v in versions if v not in known)
    tree = _ProductTree()

    def leaf(full_name: str) -> dict[str, str]:
        product_id = f"CSAFPID-{len(tree.product_ids) + 1:04d}"
        tree.product_ids.append(product_id)
        return {"name": full_name, "product_id": product_id}

    for vendor, by_product in grouped.items():
        product_branches: list[dict[str, Any]] = []
        for name, listed in by_product.items():
            branch: dict[str, Any] = {"category": "product_name", "name": name}
            if listed is None:
                branch["product"] = leaf(f"{vendor} {name}")
            else:
                branch["branches"] = [_version_branch(vendor, name, v, leaf) for v in listed]
            product_branches.append(branch)
        tree.branches.append({"category": "vendor", "name": vendor, "branches": product_branches})
    return tree


def _version_branch(vendor: str, name: str, version: str, leaf: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    product = leaf(f"{vendor} {name} {version}")
    if is_version_range(version):
        return {"category": "product_version_range", "name": version_range(version), "product": product}
    return {"category": "product_version", "name": version, "product": product}


def _vulnerabilities(data: CsafInput, product_ids: list[str], words: dict[str, str]) -> list[dict[str, Any]]:
    given = data.vulnerabilities or (CsafVulnerability(title=data.title),)
    remediations = [
        {"category": "mitigation", "details": action, "product_ids": list(product_ids)}
        for action in data.recommended_actions
        if action.strip()
    ]
    result: list[dict[str, Any]] = []
    for vulnerability in given:
        item: dict[str, Any] = {}
        if vulnerability.cve:
            item["cve"] = vulnerability.cve
        item["title"] = vulnerability.title
        # The profile wants a note on every vulnerability (test 6.1.27.5): the description, else for
        # the stand-in of an advisory without CVE its summary, else the title.
        if vulnerability.description and vulnerability.description.strip():
            text = vulnerability.description
        else:
            text = vulnerability.title if data.vulnerabilities else data.summary
        item["notes"] = [{"category": "description", "title": words["description"], "text": text}]
        item["product_status"] = {"known_affected": list(product_ids)}
        if vulnerability.cvss_vector:
            item["scores"] = [{"cvss_v3": cvss_v3(vulnerability.cvss_vector), "products": list(product_ids)}]
        if remediations:
            item["remediations"] = [dict(r, product_ids=list(product_ids)) for r in remediations]
        if vulnerability.known_exploited:
            item["threats"] = [{"category": "exploit_status", "details": words["exploited"]}]
        if vulnerability.cve:
            item["references"] = [_cve_reference(vulnerability.cve)]
        result.append(item)
    return result


# -- the input check ---------------------------------------------------------------------------------


def _check(data: CsafInput) -> None:
    problems = ErrorList()
    for name in ("tracking_id", "title", "publisher_name", "summary"):
        value = getattr(data, name)
        if not isinstance(value, str) or not _STRIPPED.match(value):
            problems.add(name, "Required, without leading or trailing spaces")
    if data.lang not in LANGUAGES:
        problems.add("lang", "Must be vi or en")
    if not _is_url(data.publisher_namespace, https_only=True):
        problems.add("publisher_namespace", "Must be an https URL")
    if data.publisher_category not in PUBLISHER_CATEGORIES:
        problems.add("publisher_category", "Must be one of " + ", ".join(PUBLISHER_CATEGORIES))
    if data.publisher_contact is not None and not data.publisher_contact.strip():
        problems.add("publisher_contact", "Must not be blank")
    if data.tlp.lower() not in _TLP_LABELS:
        problems.add("tlp", "Must be red, amber+strict, amber, green or clear")
    if data.status not in (*STATUSES, "draft"):
        problems.add("status", "Must be draft, final or interim")
    if data.self_url is not None and not _is_url(data.self_url):
        problems.add("self_url", "Must be an http or https URL")
    for index, (url, summary) in enumerate(data.references):
        if not _is_url(url):
            problems.add(f"references[{index}].url", "Must be an http or https URL (percent-encode other characters)")
        if not summary.strip():
            problems.add(f"references[{index}].summary", "Required")
    for index, action in enumerate(data.recommended_actions):
        if not action.strip():
            problems.add(f"recommended_actions[{index}]", "Must not be blank")
    _check_products(data, problems)
    _check_vulnerabilities(data, problems)
    _check_dates(data, problems)
    problems.raise_if_any()


def _check_products(data: CsafInput, problems: ErrorList) -> None:
    if not data.products:
        problems.add("products", "At least one product is needed: CSAF lists the products an advisory is about")
    for index, product in enumerate(data.products):
        if not product.vendor.strip():
            problems.add(f"products[{index}].vendor", "Required")
        if not product.product.strip():
            problems.add(f"products[{index}].product", "Required")


def _check_vulnerabilities(data: CsafInput, problems: ErrorList) -> None:
    seen: set[str] = set()
    for index, vulnerability in enumerate(data.vulnerabilities):
        where = f"vulnerabilities[{index}]"
        if not _STRIPPED.match(vulnerability.title):
            problems.add(f"{where}.title", "Required, without leading or trailing spaces")
        if vulnerability.cve is not None:
            if not _CVE.match(vulnerability.cve):
                problems.add(f"{where}.cve", "Must look like CVE-2024-12345")
            elif vulnerability.cve in seen:
                problems.add(f"{where}.cve", "Listed twice")
            seen.add(vulnerability.cve)
        if vulnerability.cvss_vector is not None:
            try:
                cvss_v3(vulnerability.cvss_vector)
            except ValueError as exc:
                problems.add(f"{where}.cvss_vector", f"Not a valid CVSS 3.0/3.1 vector: {exc}")


def _check_dates(data: CsafInput, problems: ErrorList) -> None:
    moments = {"initial_release_date": data.initial_release_date, "current_release_date": data.current_release_date}
    moments.update({f"revisions[{i}].date": r.date for i, r in enumerate(data.revisions)})
    naive = {name for name, moment in moments.items() if moment.tzinfo is None}
    for name in sorted(naive):
        problems.add(name, "Needs a timezone")
    if not data.revisions:
        problems.add("revisions", "At least one revision is needed")
        return
    versions: list[tuple[int, ...]] = []
    for index, revision in enumerate(data.revisions):
        if not revision.summary.strip():
            problems.add(f"revisions[{index}].summary", "Required")
        try:
            number = semantic_version(revision.number)
        except ValueError:
            problems.add(f"revisions[{index}].number", "Must be a version like 1.0 or 1.2.3")
            continue
        if number.startswith("0.") and data.status in STATUSES:
            problems.add(f"revisions[{index}].number", "A released document has no 0.x revision (CSAF test 6.1.18)")
        version = tuple(int(part) for part in number.split("."))
        if versions and version <= versions[-1]:
            problems.add(f"revisions[{index}].number", "Must be greater than the revision before it")
        versions.append(version)
    if naive:
        return
    for index in range(1, len(data.revisions)):
        if data.revisions[index].date < data.revisions[index - 1].date:
            problems.add(f"revisions[{index}].date", "Must not be earlier than the revision before it")
    if data.current_release_date < data.initial_release_date:
        problems.add("current_release_date", "Must not be earlier than initial_release_date")
    if data.current_release_date < data.revisions[-1].date:
        problems.add("current_release_date", "Must not be earlier than the last revision")


def _is_url(value: str, *, https_only: bool = False) -> bool:
    # ASCII only: CSAF's `uri` format is RFC 3986, so a Vietnamese path must come percent-encoded.
    schemes = ("https://",) if https_only else ("https://", "http://")
    return (
        value.startswith(schemes)
        and len(value) > len("https://")
        and value.isascii()
        and not re.search(r"[\s<>\"{}|\\^`]", value)
    )
