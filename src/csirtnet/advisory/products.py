"""Which members likely run what an advisory names: a loose version order, version ranges, and the
members' declared products matched by vendor and product.

Versions (`version_key`): a version is cut into runs of digits (compared as numbers) and runs of
letters (compared as words); every other character only separates. A leading "v" is dropped, and
zeros that end a run of numbers do not count ("1.0" = "1.0.0" = "1"). At each place a number sorts
after a word, so "1.0.1" > "1.0a"; a word that names a pre-release ("alpha", "beta", "rc", "pre",
"preview", "dev", "snapshot") sorts before the version it precedes ("2.4.58-rc1" < "2.4.58"), any
other word after it ("11.1.2-h3" > "11.1.2", "9.3p1" > "9.3", OpenSSL's "1.1.1k" > "1.1.1"). No
single numbering scheme orders every vendor's versions; this one orders the usual ones as their
vendors do, and is a total order, so ranges always mean something.

A spec (`parse_spec`) is one of: empty, "*", "all" or "any" (every version); an exact version
("2.4.57"); bounds joined by spaces or commas ("<2.4.58", "<=3.1", ">=1.0 <1.2"); an inclusive span
("1.0 - 1.4"); a series ("2.4.*" or "2.4.x", i.e. >=2.4 <2.5). An advisory's product lists specs;
a version is affected when any of them holds it, and every version when the list is empty.

A declared version that is unknown (empty, or with no digit: "latest", "n/a") counts as likely
affected: the member is told rather than missed. A declared version is one version, never a
series ("2.4" is 2.4.0).

Products match on `models.product_key` (lower case, words joined by one space, "-" and "_" as
spaces) with the spaces also dropped ("PAN-OS" names "panos"); vendors on the same key without
words such as "inc", "corporation", "networks" or "software" ("Palo Alto Networks" is "PaloAlto"),
and a side that names no vendor matches any vendor.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.models.declared_product import DeclaredProduct, product_key

# (rank, n, text): a pre-release word (rank 0) < the end of a version < another word < a number;
# a word is (rank, 0, word), a number (3, count of digits, digits without leading zeros).
Part = tuple[int, int, str]
VersionKey = tuple[Part, ...]

PRE_RELEASE = frozenset({"alpha", "beta", "rc", "pre", "preview", "dev", "snapshot"})
_PRE, _END, _WORD, _NUMBER = 0, 1, 2, 3
_END_PART: Part = (_END, 0, "")
_ZERO: Part = (_NUMBER, 0, "")
_TOKENS = re.compile(r"(\d+)|([^\W\d_]+)")
_DIGIT = re.compile(r"\d")
_EVERYTHING = frozenset({"", "*", "all", "any", "x"})
_SPAN = re.compile(r"([^\s<>=]+)\s+[-\u2013\u2014]\s+([^\s<>=]+)")
_SERIES = re.compile(r"(.*\d)(?:[.\-_ ]?\*|[.\-_ ][xX])")
_CLAUSE = re.compile(r"(<=|>=|==|=|<|>)\s*([^\s,<>=]+)|([^\s,<>=]+)")
# Words a vendor's name carries that say what kind of company it is, not which one.
_VENDOR_NOISE = frozenset(
    {
        "the",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "gmbh",
        "ag",
        "sa",
        "plc",
        "jsc",
        "group",
        "software",
        "foundation",
        "technologies",
        "technology",
        "systems",
        "networks",
    }
)
# An organisation-id filter longer than this is applied in Python: PostgreSQL and SQLite plan a
# long IN list slowly and SQLite caps the parameters of one statement.
_IN_LIST_MAX = 1000


def is_known(version: str | None) -> bool:
    """True when `version` names a version (it holds a digit); "", "latest" or "n/a" do not."""
    return version is not None and _DIGIT.search(version) is not None


def version_key(version: str) -> VersionKey:
    """The version's place in the loose order (see the module's docstring); equal keys are the same version."""
    parts: list[Part] = []
    for number, word in _tokens(version):
        if number:
            # compared by length, then digit by digit: the order of the numbers, for any length
            digits = number.lstrip("0")
            parts.append((_NUMBER, len(digits), digits))
            continue
        _drop_zeros(parts)
        parts.append((_PRE if word in PRE_RELEASE else _WORD, 0, word))
    _drop_zeros(parts)
    parts.append(_END_PART)
    return tuple(parts)


def _tokens(version: str) -> list[tuple[str, str]]:
    """(digits, "") or ("", letters) for each run, after a leading "v" ("v2.1" is 2.1)."""
    text = version.strip().lower()
    if len(text) > 1 and text[0] == "v" and text[1].isdigit():
        text = text[1:]
    return _TOKENS.findall(text)


def _drop_zeros(parts: list[Part]) -> None:
    while parts and parts[-1] == _ZERO:
        parts.pop()


@dataclass(frozen=True)
class Bound:
    key: VersionKey
    inclusive: bool
    text: str  # the version as the spec wrote it


@dataclass(frozen=True)
class VersionRange:
    """The versions a spec names: between two bounds (either may be open), or exactly one."""

    lower: Bound | None = None
    upper: Bound | None = None

    def __contains__(self, key: VersionKey) -> bool:
        if self.lower is not None and (key < self.lower.key or (key == self.lower.key and not self.lower.inclusive)):
            return False
        return not (
            self.upper is not None and (key > self.upper.key or (key == self.upper.key and not self.upper.inclusive))
        )


EVERY_VERSION = VersionRange()


@lru_cache(maxsize=4096)
def parse_spec(text: str) -> VersionRange:
    """The versions one spec names; ValueError says what is wrong with it (in English)."""
    spec = " ".join(text.split())
    if spec.lower() in _EVERYTHING:
        return EVERY_VERSION
    span = _SPAN.fullmatch(spec)
    if span is not None:
        low, high = span.groups()
        return _checked(VersionRange(Bound(_version(low), True, low), Bound(_version(high), True, high)), spec)
    series = _SERIES.fullmatch(spec)
    if series is not None and not re.search(r"[<>=]", spec):
        return _series(series.group(1))
    clauses = list(_CLAUSE.finditer(spec))
    if re.sub(r"[\s,]", "", _CLAUSE.sub("", spec)):
        raise ValueError(f"{text!r} is not a version or a range (e.g. 2.4.57, <2.4.58, >=1.0 <1.2, 1.0 - 1.4)")
    if len(clauses) == 1 and (clauses[0].group(3) is not None or clauses[0].group(1) in ("=", "==")):
        value = clauses[0].group(3) or clauses[0].group(2)
        key = _version(value)
        return VersionRange(Bound(key, True, value), Bound(key, True, value))
    lower: Bound | None = None
    upper: Bound | None = None
    for clause in clauses:
        op, value, bare = clause.groups()
        if bare is not None or op in ("=", "=="):
            raise ValueError(f"{text!r}: give each bound of a range with <, <=, > or >=")
        bound = Bound(_version(value), op in ("<=", ">="), value)
        if op.startswith(">"):
            if lower is not None:
                raise ValueError(f"{text!r} has two lower bounds")
            lower = bound
        else:
            if upper is not None:
                raise ValueError(f"{text!r} has two upper bounds")
            upper = bound
    return _checked(VersionRange(lower, upper), spec)


def _version(text: str) -> VersionKey:
    if not is_known(text):
        raise ValueError(f"{text!r} is not a version (a version holds a digit)")
    return version_key(text)


def _series(stem: str) -> VersionRange:
    """A series: "2.4.*" is from 2.4 up to, not including, 2.5."""
    tokens = [number or word for number, word in _tokens(stem)]
    # the stem ends with a digit (_SERIES): its last token is a number; the next series starts one higher
    following = ".".join([*tokens[:-1], str(int(tokens[-1]) + 1)])
    return VersionRange(Bound(version_key(stem), True, stem), Bound(version_key(following), False, following))


def _checked(found: VersionRange, spec: str) -> VersionRange:
    if found.lower is not None and found.upper is not None:
        low, high = found.lower, found.upper
        if low.key > high.key or (low.key == high.key and not (low.inclusive and high.inclusive)):
            raise ValueError(f"{spec!r} holds no version: its lower bound is above its upper bound")
    return found


def check_spec(text: str) -> str:
    """The spec with its spaces tidied, or ValueError naming what is wrong (for input validation)."""
    parse_spec(text)
    return " ".join(text.split())


def range_text(
    lower: str | None, upper: str | None, *, lower_inclusive: bool = True, upper_inclusive: bool = False
) -> str:
    """A spec for the versions between two bounds ("*" when neither is given)."""
    parts = []
    if lower is not None:
        parts.append((">=" if lower_inclusive else ">") + lower)
    if upper is not None:
        parts.append(("<=" if upper_inclusive else "<") + upper)
    return " ".join(parts) or "*"


def matching_spec(version: str | None, spec: Sequence[str]) -> str | None:
    """Which spec of the list holds `version` ("*" for an empty list, "?" for an unknown version),
    or None when none does. A spec that does not parse matches only its own text."""
    if not spec:
        return "*"
    if not is_known(version):
        return "?"
    assert version is not None
    key = version_key(version)
    for item in spec:
        try:
            found = parse_spec(item)
        except ValueError:
            if " ".join(item.lower().split()) == " ".join(version.lower().split()):
                return item
            continue
        if key in found:
            return item
    return None


def version_in(version: str | None, spec: Sequence[str]) -> bool:
    """True when `version` is one of the versions `spec` names, or is unknown (likely affected)."""
    return matching_spec(version, spec) is not None


def vendor_stem(vendor: str) -> str:
    """What two spellings of one vendor share: its key without company words, spaces or dots."""
    words = (word.strip(".,()&") for word in product_key(vendor).split())
    return "".join(word for word in words if word and word not in _VENDOR_NOISE)


def _compact(key: str) -> str:
    return key.replace(" ", "")


@dataclass(frozen=True)
class _Wanted:
    vendor: str
    product: str
    stem: str
    compact: str
    versions: list[str]


def _wanted(affected: Iterable[dict[str, Any]]) -> list[_Wanted]:
    out = []
    for entry in affected:
        product = str(entry.get("product") or "")
        key = product_key(product)
        if not key:
            continue
        versions = [str(v) for v in entry.get("versions") or [] if str(v).strip()]
        vendor = str(entry.get("vendor") or "")
        out.append(_Wanted(vendor, product, vendor_stem(vendor), _compact(key), versions))
    return out


def likely_affected(
    session: Session, organisation_ids: Collection[int] | None, affected: list[dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """For each organisation (of `organisation_ids`, or all when None) that declared a product of
    `affected` ([{"vendor", "product", "versions"}]) in a version it names: the declared products,
    each with what matched it. One query, by product key."""
    wanted = _wanted(affected)
    if not wanted or (organisation_ids is not None and not organisation_ids):
        return {}
    keys = {w.compact for w in wanted}
    # A declared "PAN OS" has the key "pan os", a declared "PANOS" "panos": ask for both spellings.
    keys |= {product_key(w.product) for w in wanted}
    dp = DeclaredProduct
    query = select(dp.id, dp.organisation_id, dp.vendor, dp.product, dp.version, dp.product_key).where(
        dp.product_key.in_(sorted(keys))
    )
    only: set[int] | None = None
    if organisation_ids is not None:
        only = set(organisation_ids)
        if len(only) <= _IN_LIST_MAX:
            query = query.where(dp.organisation_id.in_(sorted(only)))
    found: dict[int, list[dict[str, Any]]] = {}
    for row in session.execute(query.order_by(dp.organisation_id, dp.id)):
        if only is not None and row.organisation_id not in only:
            continue
        compact, stem = _compact(row.product_key), vendor_stem(row.vendor)
        for w in wanted:
            if w.compact != compact or (w.stem and stem and w.stem != stem):
                continue
            spec = matching_spec(row.version, w.versions)
            if spec is None:
                continue
            found.setdefault(row.organisation_id, []).append(
                {
                    "declared_product_id": row.id,
                    "vendor": row.vendor,
                    "product": row.product,
                    "version": row.version,
                    "matched": {"vendor": w.vendor, "product": w.product, "versions": w.versions},
                    # the spec that holds the version; "*" every version, "?" the version is unknown
                    "spec": spec,
                }
            )
            break
    return found
