"""Warninglists: values that are likely false positives (private and reserved ranges, public
resolvers, very popular domains, cloud ranges). A value found on one is marked with the lists'
names (`Indicator.warninglists`), never refused.

The lists are MISP warninglist JSON files (github.com/MISP/misp-warninglists: `name`, `version`,
`description`, `type`, `list`, `matching_attributes`), where `type` says how an entry matches:
- `cidr` — an address or network; a value matches when it lies inside one (an address in a
  network, a network inside a larger one), looked up in a pytricia prefix tree;
- `hostname` — a domain; a value matches when it is that domain or a name under it
  (`www.google.com` is on a list holding `google.com`), and a URL or e-mail address by its host;
- `string` — the exact value (compared in lower case);
- `substring` — the entry appears in the value;
- `regex` — the entry (a Python regular expression) is found in the value.
`matching_attributes` (MISP attribute types such as `ip-dst`, `domain`, `url`) narrows which kinds
of indicator a list applies to; a list without it applies to every kind its `type` fits.

Where they come from: the lists shipped in this package (`csirtnet/intel/warninglists/*.json`,
written from the RFCs and public facts they name) and every `*.json` in the operator's directory
(`CSIRTNET_INTEL_WARNINGLISTS_DIR`, default `<data_dir>/warninglists`; `csirtnet intel
warninglists load DIR` checks files and copies them there). A file of the operator's with the
same `name` as a shipped one replaces it.

The parsed lists are kept in memory per process (ADR 0011's idea applied to files): each
`matcher(settings)` call compares the directory's signature (file names, sizes, modification
times) with the one the copy was built from, and rebuilds when they differ, so a file dropped in
or changed is used by the next indicator without a restart.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytricia

from csirtnet.config import Settings
from csirtnet.errors import ValidationFailed
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind
TYPES = ("cidr", "hostname", "string", "substring", "regex")

# MISP attribute types → our kinds (for `matching_attributes`).
_MISP_TYPES: dict[str, frozenset[IndicatorKind]] = {
    "ip-src": frozenset({K.IPV4, K.IPV6, K.IPV4_NET, K.IPV6_NET}),
    "ip-dst": frozenset({K.IPV4, K.IPV6, K.IPV4_NET, K.IPV6_NET}),
    "ip-src|port": frozenset({K.IPV4, K.IPV6}),
    "ip-dst|port": frozenset({K.IPV4, K.IPV6}),
    "domain": frozenset({K.DOMAIN}),
    "domain|ip": frozenset({K.DOMAIN}),
    "hostname": frozenset({K.HOSTNAME, K.DOMAIN}),
    "url": frozenset({K.URL}),
    "uri": frozenset({K.URL}),
    "link": frozenset({K.URL}),
    "email": frozenset({K.EMAIL}),
    "email-src": frozenset({K.EMAIL}),
    "email-dst": frozenset({K.EMAIL}),
    "md5": frozenset({K.MD5}),
    "sha1": frozenset({K.SHA1}),
    "sha256": frozenset({K.SHA256}),
    "sha512": frozenset({K.SHA512}),
    "filename": frozenset({K.FILENAME}),
    "AS": frozenset({K.ASN}),
    "ja3-fingerprint-md5": frozenset({K.JA3}),
    "ja4-fingerprint": frozenset({K.JA4}),
}
_IP_KINDS = frozenset({K.IPV4, K.IPV6, K.IPV4_NET, K.IPV6_NET})
_NAME_KINDS = frozenset({K.DOMAIN, K.HOSTNAME, K.URL, K.EMAIL})


@dataclass
class Warninglist:
    """One parsed list."""

    name: str
    version: int
    description: str
    type: str
    entries: list[str]
    kinds: frozenset[IndicatorKind] | None  # None: every kind the type fits
    source: str  # "shipped" or the file's path
    _tree4: Any = field(default=None, repr=False)
    _tree6: Any = field(default=None, repr=False)
    _names: frozenset[str] = field(default=frozenset(), repr=False)
    _regexes: list[re.Pattern[str]] = field(default_factory=list, repr=False)

    def applies_to(self, kind: IndicatorKind) -> bool:
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.type == "cidr":
            return kind in _IP_KINDS or kind is K.URL
        if self.type == "hostname":
            return kind in _NAME_KINDS
        return True

    def matches(self, kind: IndicatorKind, value: str) -> bool:
        if not self.applies_to(kind):
            return False
        if self.type == "cidr":
            return self._in_ranges(kind, value)
        if self.type == "hostname":
            host = _host_of(kind, value)
            return host is not None and any(name in self._names for name in _suffixes(host))
        text = value.lower()
        if self.type == "string":
            return text in self._names
        if self.type == "substring":
            return any(entry in text for entry in self._names)
        return any(rx.search(value) for rx in self._regexes)

    def _in_ranges(self, kind: IndicatorKind, value: str) -> bool:
        target: str | None = value
        if kind is K.URL:
            target = _url_host(value)
        if not target:
            return False
        tree = self._tree6 if ":" in target else self._tree4
        if tree is None:
            return False
        # A network is on the list when a listed range holds it whole (the longest prefix holding
        # it); pytricia parses the (normalised) text itself, in C.
        try:
            return tree.get_key(target) is not None
        except (ValueError, KeyError, SystemError):
            return False


def _url_host(value: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return host


def _host_of(kind: IndicatorKind, value: str) -> str | None:
    if kind is K.URL:
        return _url_host(value)
    if kind is K.EMAIL:
        return value.rpartition("@")[2].lower()
    return value.lower()


def _suffixes(host: str) -> Iterable[str]:
    labels = host.rstrip(".").split(".")
    for i in range(len(labels)):
        yield ".".join(labels[i:])


def parse(data: Any, source: str) -> Warninglist:
    """A list from MISP warninglist JSON; ValidationFailed naming the file and the field otherwise."""

    def bad(key: str, message: str) -> ValidationFailed:
        return ValidationFailed(f"{source}: {key}", message)

    if not isinstance(data, dict):
        raise bad("(file)", "must be a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad("name", "must be a non-empty string")
    kind = data.get("type", "string")
    if kind not in TYPES:
        raise bad("type", f"must be one of {', '.join(TYPES)}")
    entries = data.get("list")
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise bad("list", "must be a list of strings")
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad("version", "must be a whole number")
    attributes = data.get("matching_attributes")
    kinds: frozenset[IndicatorKind] | None = None
    if attributes is not None:
        if not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes):
            raise bad("matching_attributes", "must be a list of MISP attribute types")
        found: set[IndicatorKind] = set()
        for attribute in attributes:
            found |= _MISP_TYPES.get(attribute, frozenset())
        kinds = frozenset(found) if found else None
    out = Warninglist(
        name=name.strip(),
        version=version,
        description=str(data.get("description") or ""),
        type=kind,
        entries=[e.strip() for e in entries if e.strip()],
        kinds=kinds,
        source=source,
    )
    _compile(out, bad)
    return out


def _compile(wl: Warninglist, bad: Any) -> None:
    if wl.type == "cidr":
        tree4, tree6 = pytricia.PyTricia(32), pytricia.PyTricia(128)
        for index, entry in enumerate(wl.entries):
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise bad(f"list[{index}]", f"{entry!r} is not an address or network") from None
            (tree4 if network.version == 4 else tree6)[network.compressed] = True
        wl._tree4, wl._tree6 = tree4, tree6
    elif wl.type == "regex":
        compiled = []
        for index, entry in enumerate(wl.entries):
            try:
                compiled.append(re.compile(entry))
            except re.error as exc:
                raise bad(f"list[{index}]", f"not a regular expression ({exc})") from None
        wl._regexes = compiled
    else:
        wl._names = frozenset(e.lower().rstrip(".") if wl.type == "hostname" else e.lower() for e in wl.entries)


def read_file(path: Path) -> Warninglist:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"{path.name}: (file)", f"is not readable JSON ({exc})") from None
    return parse(data, str(path))


class Warninglists:
    """Every list in force; `check(kind, value)` names the lists a value is on."""

    def __init__(self, lists: list[Warninglist], problems: list[str] | None = None) -> None:
        self.lists = sorted(lists, key=lambda wl: wl.name.lower())
        self.problems = problems or []  # files in the directory that could not be read, and why

    def check(self, kind: IndicatorKind | str, value: str) -> list[str]:
        try:
            kind = IndicatorKind(kind)
        except ValueError:
            return []
        return [wl.name for wl in self.lists if wl.matches(kind, value)]


def shipped_lists() -> list[Warninglist]:
    folder = resources.files("csirtnet.intel").joinpath("warninglists")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            out.append(parse(json.loads(entry.read_text(encoding="utf-8")), "shipped"))
    return out


def operator_dir(settings: Settings) -> Path:
    return settings.intel_warninglists_dir or settings.data_dir / "warninglists"


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    if not folder.is_dir():
        return ()
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)


def build(folder: Path) -> Warninglists:
    """The shipped lists, then the directory's (a list of the same name replaces the shipped one).
    A file that cannot be read is left out and named in `problems` (the CLI's `list` shows them)."""
    by_name = {wl.name: wl for wl in shipped_lists()}
    problems: list[str] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                wl = read_file(path)
            except ValidationFailed as exc:
                problems.append("; ".join(f"{e.field}: {e.message}" for e in exc.errors) or str(exc))
                continue
            by_name[wl.name] = wl
    return Warninglists(list(by_name.values()), problems)


_cache: dict[Path, tuple[tuple[tuple[str, int, int], ...], Warninglists]] = {}
_lock = threading.Lock()


def matcher(settings: Settings) -> Warninglists:
    """The lists in force for `settings`, rebuilt when the operator's directory changed."""
    folder = operator_dir(settings).resolve()
    signature = _signature(folder)
    cached = _cache.get(folder)
    if cached is not None and cached[0] == signature:
        return cached[1]
    with _lock:
        cached = _cache.get(folder)
        if cached is not None and cached[0] == signature:
            return cached[1]
        built = build(folder)
        _cache[folder] = (signature, built)
        return built
