"""Reading the draft form (web/views/advisories/page_forms.ADVISORY) into AdvisoryCreate or
AdvisoryUpdate input, and a stored advisory back into the form.

The line-based fields (CVE ids, affected products, indicators, recommended actions, references,
named people) are read line by line: every bad line is named by its number, in the reader's
language, and the good lines go on to the schema. A bare indicator value gets the type its form
shows (an address, a network, a URL, an email, a hash of a known length, a domain)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from csirtnet.advisory.products import check_spec
from csirtnet.advisory.schemas import CVE_RE, AffectedProductIn, IndicatorIn, IndicatorType, ReferenceIn
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.kit.time import as_utc
from csirtnet.models import AdvisoryStatus
from csirtnet.web.forms import BoundForm, pydantic_message

# The fields a published advisory's new version may change (AdvisoryUpdate): no kind, no cluster.
UPDATE_FIELDS = (
    "title",
    "summary",
    "body",
    "severity",
    "tlp",
    "pap",
    "cvss_vector",
    "cve_ids",
    "affected_products",
    "indicators",
    "recommended_actions",
    "references",
    "deadline_at",
)

# -- reading the draft's lines -----------------------------------------------------------------


@dataclass
class Lines:
    """A line-based field: the items read from good lines, and (line number, problem) for the bad."""

    items: list[Any] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _numbered(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line.strip()


def _checked(model: type[BaseModel], values: dict[str, Any], language: str) -> tuple[BaseModel | None, str]:
    """One line's item through its schema, or its first problem in the reader's language."""
    try:
        return model.model_validate(values), ""
    except ValidationError as exc:
        return None, translate_message(language, pydantic_message(exc.errors()[0]))


def read_cves(text: str, language: str) -> Lines:
    out = Lines()
    for number, line in _numbered(text):
        for value in re.split(r"[\s,;]+", line):
            cve = value.strip().upper()
            if not cve:
                continue
            if CVE_RE.match(cve):
                out.items.append(cve)
            else:
                out.problems.append(
                    (number, _say(language, N_("%(value)s is not a CVE id (CVE-YYYY-NNNN)"), value=value))
                )
    return out


def read_products(text: str, language: str) -> Lines:
    out = Lines()
    for number, line in _numbered(text):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (2, 3):
            out.problems.append((number, _say(language, N_("write vendor | product | versions"))))
            continue
        if not parts[0] or not parts[1]:
            out.problems.append((number, _say(language, N_("name the vendor and the product"))))
            continue
        versions = [v.strip() for v in parts[2].split(",") if v.strip()] if len(parts) == 3 else []
        wrong = _wrong_versions(versions, language)
        if wrong:
            out.problems.append((number, wrong))
            continue
        item, problem = _checked(
            AffectedProductIn, {"vendor": parts[0], "product": parts[1], "versions": versions}, language
        )
        if item is None:
            out.problems.append((number, problem))
        else:
            out.items.append(item.model_dump())
    return out


def _wrong_versions(versions: list[str], language: str) -> str:
    """What is wrong with the first version or range that is not one (said by advisory.products)."""
    for version in versions:
        try:
            check_spec(version)
        except ValueError as problem:
            return translate_message(language, str(problem))
    return ""


_TYPES = {t.value: t for t in IndicatorType} | {"cidr": IndicatorType.NETWORK}
_HASHES = {32: IndicatorType.MD5, 40: IndicatorType.SHA1, 64: IndicatorType.SHA256, 128: IndicatorType.SHA512}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z][a-z0-9-]{1,62}\.?$", re.IGNORECASE)


def detect_indicator(value: str) -> IndicatorType | None:
    """The type a bare indicator value shows by its form, or None when it does not."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
        return IndicatorType.URL
    if "@" in value:
        return IndicatorType.EMAIL
    try:
        address = ipaddress.ip_address(value)
        return IndicatorType.IPV4 if address.version == 4 else IndicatorType.IPV6
    except ValueError:
        pass
    if "/" in value:
        try:
            ipaddress.ip_network(value, strict=False)
            return IndicatorType.NETWORK
        except ValueError:
            return None
    if re.fullmatch(r"[0-9a-fA-F]+", value) and len(value) in _HASHES:
        return _HASHES[len(value)]
    if _DOMAIN.match(value):
        return IndicatorType.DOMAIN
    return None


def read_indicators(text: str, language: str) -> Lines:
    out = Lines()
    for number, line in _numbered(text):
        head, _, rest = line.partition(" ")
        word = head.lower().rstrip(":")
        kind = _TYPES.get(word)
        value = rest.strip() if kind is not None or word == "ip" else line
        if word == "ip":  # either family
            kind = detect_indicator(value)
            kind = kind if kind in (IndicatorType.IPV4, IndicatorType.IPV6) else IndicatorType.IPV4
        if kind is None:
            kind = detect_indicator(line)
        if kind is None:
            problem = _say(
                language, N_("say what %(value)s is: write its type first (ipv4, domain, url, sha256…)"), value=line
            )
            out.problems.append((number, problem))
            continue
        item, problem = _checked(IndicatorIn, {"type": kind.value, "value": value}, language)
        if item is None:
            out.problems.append((number, problem))
        else:
            out.items.append({"type": kind.value, "value": getattr(item, "value", value)})
    return out


def read_actions(text: str, language: str) -> Lines:
    out = Lines()
    for number, line in _numbered(text):
        if len(line) > 2000:
            out.problems.append((number, translate_message(language, "an action is at most 2,000 characters")))
        else:
            out.items.append(line)
    return out


def read_references(text: str, language: str) -> Lines:
    out = Lines()
    for number, line in _numbered(text):
        url, _, summary = line.partition("|")
        item, problem = _checked(ReferenceIn, {"url": url.strip(), "summary": summary.strip()}, language)
        if item is None:
            out.problems.append((number, problem))
        else:
            out.items.append(item.model_dump())
    return out


def read_emails(text: str, language: str, known: Callable[[list[str]], dict[str, int]]) -> Lines:
    """Named people by email: `known` gives the user ids of the addresses that name someone."""
    found: list[tuple[int, str]] = [
        (number, e.lower()) for number, line in _numbered(text) for e in re.split(r"[\s,;]+", line) if e
    ]
    ids = known([e for _, e in found])
    out = Lines()
    for number, email in found:
        if email in ids:
            out.items.append(ids[email])
        else:
            out.problems.append((number, _say(language, N_("%(email)s is not a user of the network"), email=email)))
    out.items = list(dict.fromkeys(out.items))
    return out


def _say(language: str, message: str, **values: str) -> str:
    text = translate(language, message)
    return text % values if values else text


def line_error(language: str, number: int, problem: str) -> str:
    """The problem of one line, numbered, in the reader's language (the problem is already in it)."""
    return translate(language, N_("line %(line)s: %(problem)s")) % {"line": number, "problem": problem}


def _fail_lines(form: BoundForm, name: str, lines: Lines, language: str) -> None:
    """Every bad line of a field in its one message (a field shows one error): "line 2: …; line 5: …"."""
    if lines.problems:
        form.fail(name, "; ".join(line_error(language, number, problem) for number, problem in lines.problems))


# -- the draft as schema input -------------------------------------------------------------------


def _ids(values: list[str]) -> list[int | str]:
    return [int(v) if v.isdigit() else v for v in _chosen(values)]


def _chosen(values: list[str]) -> list[str]:
    return [v.strip() for v in values if v.strip()]


def draft_values(
    form: BoundForm, language: str, known_people: Callable[[list[str]], dict[str, int]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as AdvisoryCreate/AdvisoryUpdate input, each bad line failed on its field; and the
    error locations of this request's rows (audience ids → their field)."""
    readers: dict[str, Callable[[str, str], Lines]] = {
        "cve_ids": read_cves,
        "affected_products": read_products,
        "indicators": read_indicators,
        "recommended_actions": read_actions,
        "references": read_references,
    }
    values: dict[str, Any] = {
        "kind": form.optional("kind"),
        "title": form.text("title"),
        "summary": form.text("summary"),
        "body": form.text("body"),  # "" empties it: a blank box is not "unchanged" here
        "severity": form.optional("severity"),
        "tlp": form.optional("tlp"),
        "pap": form.optional("pap"),
        "cvss_vector": form.optional("cvss_vector"),
        "deadline_at": form.datetime("deadline_at"),
    }
    for name, reader in readers.items():
        lines = reader(form.text(name), language)
        _fail_lines(form, name, lines, language)
        values[name] = lines.items
    people = read_emails(form.text("audience_people"), language, known_people)
    _fail_lines(form, "audience_people", people, language)
    audience: dict[str, Any] = {
        "network": form.checked("audience_network"),
        "cluster_ids": _ids(form.chosen("audience_clusters")),
        "sectors": _chosen(form.chosen("audience_sectors")),
        "provinces": _chosen(form.chosen("audience_provinces")),
        "security_levels": _ids(form.chosen("audience_levels")),
        "organisation_ids": _ids(form.chosen("audience_organisations")),
        "user_ids": people.items,
    }
    values["audience"] = audience
    if values["tlp"] == "red" and any(v for k, v in audience.items() if k != "user_ids"):
        form.fail(
            "audience_people",
            N_("A TLP:RED advisory is told only to the people named: clear the other audience choices."),
        )
    cluster = form.text("cluster_id")
    values["cluster_id"] = int(cluster) if cluster.isdigit() else (cluster or None)
    locations = {
        f"audience.{key}.{i}": f"audience_{name}"
        for key, name in (
            ("cluster_ids", "clusters"),
            ("sectors", "sectors"),
            ("provinces", "provinces"),
            ("security_levels", "levels"),
            ("organisation_ids", "organisations"),
            ("user_ids", "people"),
        )
        for i in range(len(audience[key]))
    }
    return values, locations


def update_values(
    form: BoundForm, values: dict[str, Any], *, published: bool, stored_audience: dict[str, Any], stored_deadline: Any
) -> dict[str, Any]:
    """The draft's values as an AdvisoryUpdate: no kind or cluster (they do not change); for a
    published advisory the note and fresh answers, and the audience and deadline only when they
    changed (an unchanged past deadline would be refused, an unchanged audience is no widening)."""
    out = {k: values[k] for k in (*UPDATE_FIELDS, "audience")}
    if not published:
        return out
    out["note"] = form.optional("note")
    out["fresh_ack"] = form.checked("fresh_ack")
    if _same_audience(out["audience"], stored_audience):
        del out["audience"]
    deadline = out["deadline_at"]
    if _same_minute(deadline, stored_deadline):
        del out["deadline_at"]
    return out


def _same_audience(sent: dict[str, Any], stored: dict[str, Any]) -> bool:
    def norm(value: Any) -> Any:
        return sorted(str(v) for v in value) if isinstance(value, list) else bool(value)

    keys = set(sent) | set(stored or {})
    return all(norm(sent.get(k, [])) == norm((stored or {}).get(k, [])) for k in keys)


def _same_minute(sent: Any, stored: datetime | None) -> bool:
    if stored is None or not isinstance(sent, datetime):
        return sent is None and stored is None
    return as_utc(sent).replace(second=0, microsecond=0) == as_utc(stored).replace(second=0, microsecond=0)


# -- the draft as the form shows it ------------------------------------------------------------


def initial_of(advisory: Any, people: list[str]) -> dict[str, Any]:
    """A stored advisory as the draft form's initial values (the lines as they are typed)."""
    audience = advisory.audience or {}
    products = [
        " | ".join([p.get("vendor", ""), p.get("product", ""), ", ".join(p.get("versions") or [])]).rstrip(" |")
        for p in advisory.affected_products or []
    ]
    refs = [r["url"] + (f" | {r['summary']}" if r.get("summary") else "") for r in advisory.references or []]
    return {
        "kind": advisory.kind,
        "title": advisory.title,
        "summary": advisory.summary,
        "body": advisory.body,
        "severity": advisory.severity,
        "tlp": advisory.tlp,
        "pap": advisory.pap,
        "cvss_vector": advisory.cvss_vector,
        "cve_ids": "\n".join(advisory.cve_ids or []),
        "affected_products": "\n".join(products),
        "indicators": "\n".join(f"{i['type']} {i['value']}" for i in advisory.indicators or []),
        "recommended_actions": "\n".join(advisory.recommended_actions or []),
        "references": "\n".join(refs),
        "deadline_at": advisory.deadline_at,
        "audience_network": bool(audience.get("network")),
        "audience_clusters": audience.get("cluster_ids") or [],
        "audience_sectors": audience.get("sectors") or [],
        "audience_provinces": audience.get("provinces") or [],
        "audience_levels": audience.get("security_levels") or [],
        "audience_organisations": audience.get("organisation_ids") or [],
        "audience_people": "\n".join(people),
        "cluster_id": advisory.cluster_id,
    }


def is_published(advisory: Any) -> bool:
    return bool(advisory.status == AdvisoryStatus.PUBLISHED.value)
