"""MISP tags and our markings, both ways.

MISP writes markings as machine tags (`namespace:predicate="value"`, misp-taxonomies):
- TLP: `tlp:clear`, `tlp:green`, `tlp:amber`, `tlp:amber+strict`, `tlp:red` (TLP 2.0) and TLP 1.0's
  `tlp:white`, which is TLP:CLEAR. Several TLP tags: the strictest holds (a reader never gets more
  than the strictest marking allows).
- PAP: `PAP:RED`, `PAP:AMBER`, `PAP:GREEN`, `PAP:CLEAR` and the older `PAP:WHITE` (= CLEAR); the
  strictest holds too.
- RSIT: `rsit:<class>="<type>"` becomes "class/type" when the ENISA taxonomy knows the pair
  (vocabulary.rsit); the older eCSIRT taxonomy (`ecsirt:<class>="<type>"`, IntelMQ's) is read as RSIT
  where it maps without guessing (same class and type, or a renamed type such as `c2server` →
  `c2-server`). An unknown or unmappable pair is kept as a tag.
- Everything else (galaxies, other taxonomies, free tags) is kept as a tag, as written.

Upper or lower case and spaces around a tag do not matter for the three markings (MISP instances
write `PAP:AMBER` and `pap:amber` alike); other tags are kept exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from csirtnet.vocabulary import rsit as rsit_vocabulary
from csirtnet.vocabulary.enums import PAP, TLP

_TLP_TAGS: dict[str, TLP] = {
    "clear": TLP.CLEAR,
    "white": TLP.CLEAR,  # TLP 1.0
    "green": TLP.GREEN,
    "amber": TLP.AMBER,
    "amber+strict": TLP.AMBER_STRICT,
    "red": TLP.RED,
}
_PAP_TAGS: dict[str, PAP] = {
    "clear": PAP.CLEAR,
    "white": PAP.CLEAR,  # PAP before it followed TLP 2.0's names
    "green": PAP.GREEN,
    "amber": PAP.AMBER,
    "red": PAP.RED,
}
TLP_STRICTNESS = [TLP.RED, TLP.AMBER_STRICT, TLP.AMBER, TLP.GREEN, TLP.CLEAR]
PAP_STRICTNESS = [PAP.RED, PAP.AMBER, PAP.GREEN, PAP.CLEAR]

# eCSIRT (class, type) → RSIT (class, type) where the meaning is the same under another name.
# Pairs whose class and type RSIT also has need no entry (they map to themselves).
_ECSIRT_RENAMED: dict[tuple[str, str], tuple[str, str]] = {
    ("malicious-code", "c2server"): ("malicious-code", "c2-server"),
    ("malicious-code", "botnet-drone"): ("malicious-code", "infected-system"),
    ("fraud", "unauthorized-use-of-resources"): ("fraud", "unauthorised-use-of-resources"),
    ("vulnerable", "vulnerable-service"): ("vulnerable", "vulnerable-system"),
    ("other", "unknown"): ("other", "undetermined"),
}

# MISP's `to_ids` off: the value is context (a report's mention, a victim), not for detection. Kept
# as this tag on the indicator, so that blocking exports (blocklists, RPZ, Suricata) leave it out
# and a MISP feed writes `to_ids: false` again.
NOT_FOR_DETECTION = 'csirtnet:to_ids="false"'

_MACHINE = re.compile(r'^([^:="]+):([^=]+?)(?:="(.*)")?$', re.DOTALL)


@dataclass(frozen=True)
class Markings:
    """What a list of MISP tags says: TLP, PAP and RSIT when given, and the other tags."""

    tlp: TLP | None = None
    pap: PAP | None = None
    rsit: str | None = None  # "class/type"
    tags: tuple[str, ...] = ()


def _strictest(found: set[TLP]) -> TLP | None:
    return next((t for t in TLP_STRICTNESS if t in found), None)


def _strictest_pap(found: set[PAP]) -> PAP | None:
    return next((p for p in PAP_STRICTNESS if p in found), None)


def tlp_of(tag: str) -> TLP | None:
    """The TLP a tag names (`tlp:amber+strict`, `TLP:WHITE` …), or None."""
    namespace, _, rest = tag.strip().partition(":")
    if namespace.lower() != "tlp":
        return None
    return _TLP_TAGS.get(rest.strip().lower())


def pap_of(tag: str) -> PAP | None:
    """The PAP a tag names (`PAP:AMBER`, `pap:white` …), or None."""
    namespace, _, rest = tag.strip().partition(":")
    if namespace.lower() != "pap":
        return None
    return _PAP_TAGS.get(rest.strip().lower())


def rsit_of(tag: str) -> str | None:
    """The RSIT "class/type" of an `rsit:` or `ecsirt:` machine tag, or None."""
    match = _MACHINE.match(tag.strip())
    if not match:
        return None
    namespace, klass, value = match.group(1).lower(), match.group(2).strip().lower(), match.group(3)
    if namespace not in ("rsit", "ecsirt") or value is None:
        return None
    type_ = value.strip().lower()
    if namespace == "ecsirt":
        klass, type_ = _ECSIRT_RENAMED.get((klass, type_), (klass, type_))
    return f"{klass}/{type_}" if rsit_vocabulary.is_valid(klass, type_) else None


def parse(names: Iterable[object]) -> Markings:
    """The markings of a MISP event's or attribute's tag names. Names that are not text, or are
    empty, are ignored; duplicates are kept once, in their first place."""
    tlps: set[TLP] = set()
    paps: set[PAP] = set()
    rsit: str | None = None
    kept: list[str] = []
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        tlp = tlp_of(name)
        if tlp is not None:
            tlps.add(tlp)
            continue
        pap = pap_of(name)
        if pap is not None:
            paps.add(pap)
            continue
        found = rsit_of(name)
        if found is not None and rsit is None:
            rsit = found
            continue
        if found is not None and found == rsit:
            continue
        if name not in seen:
            seen.add(name)
            kept.append(name)
    return Markings(_strictest(tlps), _strictest_pap(paps), rsit, tuple(kept))


def combine(event: Markings, attribute: Markings) -> Markings:
    """An attribute's markings inside its event: its own TLP, PAP and RSIT when it has them, the
    event's otherwise; the tags of both (the event's first)."""
    tags = list(event.tags) + [t for t in attribute.tags if t not in event.tags]
    return Markings(
        attribute.tlp or event.tlp,
        attribute.pap or event.pap,
        attribute.rsit or event.rsit,
        tuple(tags),
    )


def tlp_tag(tlp: TLP | str) -> str:
    """The MISP tag of a TLP (`tlp:amber+strict`); TLP:CLEAR is `tlp:clear` (TLP 2.0)."""
    return f"tlp:{TLP(tlp).value}"


def pap_tag(pap: PAP | str) -> str:
    return f"PAP:{PAP(pap).value.upper()}"


def rsit_tag(rsit: str) -> str | None:
    """`rsit:<class>="<type>"` for "class/type", or None when RSIT does not know the pair."""
    klass, _, type_ = rsit.partition("/")
    if not rsit_vocabulary.is_valid(klass, type_):
        return None
    return f'rsit:{klass}="{type_}"'


def to_tags(*, tlp: TLP | str | None, pap: PAP | str | None, rsit: str | None, tags: Iterable[str] = ()) -> list[str]:
    """The MISP tag names of our markings and tags: TLP, PAP and RSIT first, then the other tags
    (a tag that is itself a TLP, PAP or RSIT tag is not written twice)."""
    out: list[str] = []
    if tlp:
        out.append(tlp_tag(tlp))
    if pap:
        out.append(pap_tag(pap))
    if rsit:
        tag = rsit_tag(rsit)
        if tag:
            out.append(tag)
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip() or tag in out:
            continue
        if tlp_of(tag) is not None or pap_of(tag) is not None or rsit_of(tag) is not None:
            continue
        out.append(tag)
    return out
