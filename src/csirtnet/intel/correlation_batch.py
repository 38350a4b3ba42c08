"""Import-time correlation: many new values against everything stored, in a few set-based passes
(ADR 0025; measured by benchmarks/intel_correlation.py: 100,000 new values against 10,000,000).

For each new value it counts the stored objects it correlates with (`intel.correlation.relation`),
by source — indicators, incident observables, advisories' indicators — over EVERYTHING (no reader:
this is the platform's bookkeeping), and records the values over the limit in
`OverCorrelatedValue`. The counts are not for a member's eyes (they include what the importer may
not see): `summarise` gives an importer the counts over what it may see.

The passes:
- exact values and "under a stored domain": the batch's keys (each value's forms; each host's
  parent domains) in a temporary table, joined on (kind, value) of indicators and observables;
- "inside a stored network": the stored networks are few (a feed is addresses, not blocks), so
  they are read once into memory, grouped by prefix length; each address (or network) then looks
  up the one block per prefix length that can hold it (numpy for IPv4, a dict for IPv6);
- "holds stored values" (a new network or domain): one bounded index range scan per new network
  (ip_lo) or domain (rdomain) in a correlated subquery;
- observables have no range columns: their addresses and hosts are read once when the batch has
  networks or domains, and counted in memory; advisories' indicators (a JSON list each, few) too.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.intel import correlation as C
from csirtnet.intel import values as V
from csirtnet.kit.bulk import insert_rows
from csirtnet.models import Advisory, IncidentObservable, Indicator
from csirtnet.models.intel import IndicatorKind

K = IndicatorKind
SOURCES = ("indicators", "observables", "advisories")
_V4_BASE = 0xFFFF00000000

_meta = MetaData()
# Temporary tables (never in the models' metadata: the migrations know nothing of them).
_RANGES = Table(
    "tmp_corr_ranges",
    _meta,
    Column("i", Integer),
    Column("lo", String(300)),
    Column("hi", String(300)),
    Column("own", String(300)),
    prefixes=["TEMPORARY"],
)
_CHUNK = 50_000
log = logging.getLogger(__name__)


class _Clock:
    """How long each pass took (logged at DEBUG: the benchmark shows them)."""

    def __init__(self) -> None:
        self.at = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.at, 3)
        self.at = now


def _v4(lo: int, hi: int) -> bool:
    return lo >> 32 == 0xFFFF and hi >> 32 == 0xFFFF


def _prefix(lo: int, hi: int) -> int:
    """The prefix length of a CIDR block (32-bit terms for IPv4, 128 for IPv6)."""
    bits = 32 if _v4(lo, hi) else 128
    return bits - (hi - lo + 1).bit_length() + 1


class NetIndex:
    """Stored CIDR blocks grouped by prefix length, with how many objects each block is."""

    def __init__(self) -> None:
        self._v4: dict[int, Counter[int]] = defaultdict(Counter)
        self._v6: dict[int, Counter[int]] = defaultdict(Counter)
        self._v4_arrays: dict[int, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] | None = None
        self._v4_extra = False

    def add(self, lo: int, hi: int, count: int = 1) -> None:
        if _v4(lo, hi):
            assert not self._v4_extra, "add IPv4 blocks one by one before add_v4"
            self._v4[_prefix(lo, hi)][lo] += count
            self._v4_arrays = None
        else:
            self._v6[_prefix(lo, hi)][lo] += count

    def add_v4(self, los: np.ndarray[Any, Any], prefixes: np.ndarray[Any, Any], counts: np.ndarray[Any, Any]) -> None:
        """Many IPv4 blocks at once (addresses without the ::ffff:0:0/96 base), straight into the arrays."""
        arrays = self._arrays()
        for prefix in np.unique(prefixes):
            chosen = prefixes == prefix
            blocks, where = np.unique(los[chosen] + np.uint64(_V4_BASE), return_inverse=True)
            summed = np.bincount(where, weights=counts[chosen]).astype(np.int64)
            if int(prefix) in arrays:  # merge with blocks added one by one
                old_blocks, old_counts = arrays[int(prefix)]
                blocks, where = np.unique(np.concatenate([old_blocks, blocks]), return_inverse=True)
                summed = np.bincount(where, weights=np.concatenate([old_counts, summed])).astype(np.int64)
            arrays[int(prefix)] = (blocks, summed)
        self._v4_extra = True

    def __bool__(self) -> bool:
        return bool(self._v4 or self._v6 or self._v4_extra)

    def _arrays(self) -> dict[int, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        if self._v4_arrays is None:
            self._v4_arrays = {}
            for prefix, blocks in self._v4.items():
                los = np.array(sorted(blocks), dtype=np.uint64)
                counts = np.array([blocks[int(x)] for x in los], dtype=np.int64)
                self._v4_arrays[prefix] = (los, counts)
        return self._v4_arrays

    def supernets(self, spans: Sequence[tuple[int, int]]) -> np.ndarray[Any, Any]:
        """For each (lo, hi): how many stored objects are blocks strictly containing it."""
        out = np.zeros(len(spans), dtype=np.int64)
        v4_at = [n for n, (lo, hi) in enumerate(spans) if _v4(lo, hi)]
        if v4_at and (self._v4 or self._v4_extra):
            los = np.array([spans[n][0] - _V4_BASE for n in v4_at], dtype=np.uint64)
            own = np.array([_prefix(*spans[n]) for n in v4_at], dtype=np.int64)
            found = np.zeros(len(v4_at), dtype=np.int64)
            for prefix, (blocks, counts) in self._arrays().items():
                mask = np.uint64((0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF)
                start = (los & mask) + np.uint64(_V4_BASE)
                at = np.searchsorted(blocks, start)
                at_safe = np.minimum(at, len(blocks) - 1)
                hit = (blocks[at_safe] == start) & (own > prefix)
                found += np.where(hit, counts[at_safe], 0)
            out[v4_at] = found
        if self._v6:
            for n, (lo, hi) in enumerate(spans):
                if _v4(lo, hi):
                    continue
                own_prefix = _prefix(lo, hi)
                total = 0
                for prefix, v6_blocks in self._v6.items():
                    if prefix < own_prefix:
                        size = 1 << (128 - prefix)
                        total += v6_blocks.get((lo // size) * size, 0)
                out[n] = total
        return out


@dataclass
class _Memory:
    """A side small enough (advisories) or only needed in part (observables) counted in memory."""

    exact: Counter[tuple[str, str]] = field(default_factory=Counter)
    networks: NetIndex = field(default_factory=NetIndex)
    spans: list[tuple[int, int, bool]] = field(default_factory=list)  # (lo, hi, is a network)
    domains: Counter[str] = field(default_factory=Counter)  # domain values, for "under a stored domain"
    under_strict: Counter[str] = field(default_factory=Counter)  # proper parents of stored domains
    under_hosts: Counter[str] = field(default_factory=Counter)  # parents (and self) of URL/e-mail hosts

    def add(self, value: V.Value, *, exact: bool = True, parents: bool = True) -> None:
        if exact:
            self.exact[(C.group(value.kind.value), C._canonical(value))] += 1
        if value.ip_lo is not None and value.ip_hi is not None:
            lo, hi = int(value.ip_lo, 16), int(value.ip_hi, 16)
            network = value.kind.value in C.NETWORK_KINDS
            self.spans.append((lo, hi, network))
            if network:
                self.networks.add(lo, hi)
        host = C.host_of(value)
        if host is not None:
            chain = V.parent_domains(host)
            if value.kind.value in C.DOMAIN_KINDS:
                if parents:
                    self.domains[host] += 1
                for parent in chain[1:]:
                    self.under_strict[parent] += 1
            else:
                for parent in chain:
                    self.under_hosts[parent] += 1

    def finish(self) -> None:
        self.spans.sort()

    def inside(self, lo: int, hi: int) -> int:
        """Stored spans inside the network [lo, hi] (itself excluded)."""
        start = bisect_left(self.spans, (lo, -1, False))
        end = bisect_right(self.spans, (hi, 1 << 130, True))
        return sum(1 for a, b, net in self.spans[start:end] if b <= hi and not (a == lo and b == hi and net))


def _items(values: Iterable[V.Value]) -> list[V.Value]:
    seen: dict[tuple[str, str], V.Value] = {}
    for value in values:
        if value.kind is not K.STIX_PATTERN:
            seen.setdefault((value.kind.value, value.value), value)
    return list(seen.values())


def _observable_forms(value: V.Value) -> list[str]:
    """`correlation._observable_forms` without re-validating: the incident domain writes a URL with
    at least "/" as its path and an e-mail address in lower case; every other kind as we do."""
    if value.kind is K.URL:
        _scheme, _sep, rest = value.value.partition("://")
        if "/" in rest:
            return [value.value] if "#" not in rest else C._observable_forms(value)
        if "?" in rest or "#" in rest:
            return C._observable_forms(value)  # the incident domain's own rule, for the rare case
        return [value.value, value.value + "/"]
    if value.kind is K.EMAIL:
        return sorted({value.value, value.value.lower()})
    return [value.value]


def _keys(items: Sequence[V.Value], *, observables: bool) -> tuple[dict[str, dict[str, list[int]]], ...]:
    """The batch's lookup keys: {kind: {value: [item…]}} for indicators and for observables — each
    value's own forms, then each host's parent domains ("domain": domains and hostnames alike)."""
    ind: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    obs: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, value in enumerate(items):
        kind = value.kind.value
        kind_group = C.group(kind)  # "domain" stands for domains and hostnames (one lookup)
        for form in C._indicator_forms(value):
            ind[kind_group][form].append(i)
        observable_kind = C.INDICATOR_TO_OBSERVABLE.get(kind) if observables else None
        if observable_kind is not None:
            for form in _observable_forms(value):
                obs[observable_kind][form].append(i)
        if value.rdomain is not None:
            host = C.host_of(value)
            assert host is not None
            for parent in _parents(value, host):
                ind[K.DOMAIN.value][parent].append(i)
                if observables:
                    obs["domain"][parent].append(i)
    return ind, obs


_IN_CHUNK = 5_000


def _lookup(session: Session, table: Any, keys: dict[str, dict[str, list[int]]], counts: Any, column: int) -> None:
    """Count the rows of `table` equal to each key, by kind, in chunks of IN lists (an index scan
    of (kind, value) on both databases; PostgreSQL turns the list into = ANY)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    # PostgreSQL: one array parameter per chunk (binding 5,000 parameters cost more than the scan).
    by_array = text(
        f"SELECT value, count(*) FROM {table.__tablename__} WHERE kind = ANY(:kinds) AND value = ANY(:values) "  # noqa: S608 (a table name of ours)
        "GROUP BY value"
    )
    size = 50_000 if postgres else _IN_CHUNK
    for kind, by_value in keys.items():
        kinds = list(C.DOMAIN_KINDS) if kind == K.DOMAIN.value else [kind]
        wanted = list(by_value)
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            if postgres:
                rows = session.execute(by_array, {"kinds": kinds, "values": chunk})
            else:
                rows = session.execute(
                    select(table.value, func.count())
                    .where(table.kind.in_(kinds), table.value.in_(chunk))
                    .group_by(table.value)
                )
            for found, n in rows:
                for i in by_value[found]:
                    counts[i, column] += n


def _parents(value: V.Value, host: str) -> list[str]:
    chain = V.parent_domains(host)
    return chain[1:] if value.kind.value in C.DOMAIN_KINDS else chain


def _fill(session: Session, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    table.drop(session.connection(), checkfirst=True)
    table.create(session.connection())
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _CHUNK:
            insert_rows(session, table, chunk)
            chunk = []
    insert_rows(session, table, chunk)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {table.name}"))


def _drop(session: Session, *tables: Table) -> None:
    for table in tables:
        table.drop(session.connection(), checkfirst=True)


def _stored_networks(session: Session) -> NetIndex:
    """The stored networks, counted, read from the (kind, value) index alone (an index-only scan
    once the table is vacuumed: reading ip_lo/ip_hi instead fetched 200,000 scattered heap rows,
    2-5 s at 10,000,000 indicators) and parsed here with socket (ipaddress: 3 s for 50,000 IPv6 ones)."""
    index = NetIndex()
    # One row, the values joined by spaces (a network has none): 200,000 rows cost the client 1.6 s
    # to fetch one by one, against 0.3 s for the statement itself.
    joined = (func.string_agg if session.get_bind().dialect.name == "postgresql" else func.group_concat)(
        Indicator.value, " "
    )
    text_values = session.scalar(select(joined).where(Indicator.kind.in_(C.NETWORK_KINDS))) or ""
    v4_lo: list[int] = []
    v4_prefix: list[int] = []
    v4_count: list[int] = []
    for text_value, n in Counter(text_values.split()).items():
        address, _, length = text_value.partition("/")
        try:
            if ":" in address:
                lo = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
                index.add(lo, lo + (1 << (128 - int(length))) - 1, n)
            else:
                v4_lo.append(int.from_bytes(socket.inet_aton(address), "big"))
                v4_prefix.append(int(length))
                v4_count.append(n)
        except (OSError, ValueError):
            continue  # not a network as intel.values writes one: nothing to correlate with
    index.add_v4(np.array(v4_lo, dtype=np.uint64), np.array(v4_prefix, dtype=np.int64), np.array(v4_count))
    return index


_INSIDE = """
SELECT r.i, (SELECT count(*) FROM (SELECT 1 FROM indicator x
  WHERE x.{col} >= r.lo AND x.{col} {upper} r.hi {extra}
  LIMIT {cap}) AS s) AS n
FROM tmp_corr_ranges r
"""


def _range_counts(session: Session, rows: list[dict[str, Any]], sql: str, counts: np.ndarray[Any, Any]) -> None:
    if not rows:
        return
    _fill(session, _RANGES, rows)
    for i, n in session.execute(text(sql)):
        counts[i, 0] += n


def _observables_memory(session: Session, *, addresses: bool, hosts: bool) -> _Memory:
    """Observables' addresses and hosts, read once (they have no range columns to scan)."""
    memory = _Memory()
    kinds = (["ip"] if addresses else []) + (["domain", "url", "email"] if hosts else [])
    if not kinds:
        return memory
    rows = session.execute(
        select(IncidentObservable.kind, IncidentObservable.value).where(IncidentObservable.kind.in_(kinds))
    ).yield_per(20_000)
    for kind, raw in rows:
        value = _quick_observable(kind, raw)
        if value is not None:
            memory.add(value, exact=False, parents=False)
    memory.finish()
    return memory


def _quick_observable(kind: str, raw: str) -> V.Value | None:
    """An observable (stored normalised) as a value, without re-validating it."""
    if kind == "ip":
        try:
            key = V.ip_key(ipaddress.ip_address(raw))
        except ValueError:
            return None
        return V.Value(K.IPV4, raw, ip_lo=key, ip_hi=key)
    if kind == "domain":
        return V.Value(K.DOMAIN, raw, rdomain=V.reverse_domain(raw))
    host = urlsplit(raw).hostname if kind == "url" else raw.rpartition("@")[2]
    if not host or host.replace(".", "").isdigit() or ":" in host:
        return None
    return V.Value(K.URL if kind == "url" else K.EMAIL, raw, rdomain=V.reverse_domain(host))


def _advisories_memory(session: Session) -> _Memory:
    memory = _Memory()
    for (listed,) in session.execute(select(Advisory.indicators)):
        for _kind, _raw, value in C._advisory_values(C._pairs(listed)):
            memory.add(value)
    memory.finish()
    return memory


def _memory_counts(
    memory: _Memory, items: Sequence[V.Value], counts: np.ndarray[Any, Any], column: int, *, exact: bool
) -> None:
    if not (memory.exact or memory.spans or memory.domains or memory.under_strict or memory.under_hosts):
        return
    spans = [(int(v.ip_lo, 16), int(v.ip_hi, 16)) if v.ip_lo and v.ip_hi else (0, 0) for v in items]
    if memory.networks:
        has_span = np.array([v.ip_lo is not None for v in items], dtype=bool)
        counts[:, column] += np.where(has_span, memory.networks.supernets(spans), 0)
    for i, value in enumerate(items):
        n = 0
        if exact:
            n += memory.exact.get((C.group(value.kind.value), C._canonical(value)), 0)
        if value.kind.value in C.NETWORK_KINDS and memory.spans:
            n += memory.inside(*spans[i])
        host = C.host_of(value)
        if host is not None:
            if exact and memory.domains:
                n += sum(memory.domains.get(p, 0) for p in _parents(value, host))
            if value.kind.value in C.DOMAIN_KINDS:
                n += memory.under_strict.get(host, 0) + memory.under_hosts.get(host, 0)
        counts[i, column] += n


def correlate_batch(session: Session, values: list[V.Value]) -> dict[str, Any]:
    """Count, for each new value, the stored objects it correlates with, by source, and flag the
    values over `CSIRTNET_INTEL_CORRELATION_LIMIT` (`OverCorrelatedValue`).

    Call it BEFORE the batch's own rows are written (it counts what is stored). Returns
    {"counts": {(kind, value): {"indicators": n, "observables": n, "advisories": n}} (values with at
    least one match only), "flagged": [(kind, value)…] (over the limit), "values": how many distinct
    values were correlated, "correlated": how many of them match something}. Counts of range
    matches stop at COUNT_CAP. Nothing here is for a member's eyes (see `summarise`)."""
    items = _items(values)
    if not items:
        return {"counts": {}, "flagged": [], "values": 0, "correlated": 0}
    counts = np.zeros((len(items), len(SOURCES)), dtype=np.int64)
    try:
        clock = _Clock()
        has_observables = session.scalar(select(IncidentObservable.id).limit(1)) is not None
        ind_keys, obs_keys = _keys(items, observables=has_observables)
        clock.lap("keys")
        _lookup(session, Indicator, ind_keys, counts, 0)
        _lookup(session, IncidentObservable, obs_keys, counts, 1)
        clock.lap("exact and parents")

        spans = [(int(v.ip_lo, 16), int(v.ip_hi, 16)) if v.ip_lo and v.ip_hi else (0, 0) for v in items]
        networks = _stored_networks(session)
        if networks:
            has_span = np.array([v.ip_lo is not None for v in items], dtype=bool)
            counts[:, 0] += np.where(has_span, networks.supernets(spans), 0)
        clock.lap("in stored networks")

        cap = C.COUNT_CAP
        net_rows = [
            {"i": i, "lo": v.ip_lo, "hi": v.ip_hi, "own": v.ip_lo}
            for i, v in enumerate(items)
            if v.kind.value in C.NETWORK_KINDS
        ]
        _range_counts(
            session,
            net_rows,
            _INSIDE.format(
                col="ip_lo",
                upper="<=",
                cap=cap,
                extra="AND x.ip_hi <= r.hi AND NOT (x.ip_lo = r.lo AND x.ip_hi = r.hi)",
            ),
            counts,
        )
        clock.lap("networks hold")
        domain_rows = []
        for i, v in enumerate(items):
            if v.kind.value in C.DOMAIN_KINDS and v.rdomain is not None:
                lo, hi = C._domain_range(v.rdomain)
                domain_rows.append({"i": i, "lo": lo, "hi": hi, "own": v.rdomain})
        _range_counts(
            session,
            domain_rows,
            _INSIDE.format(
                col="rdomain",
                upper="<",
                cap=cap,
                extra="AND NOT (x.rdomain = r.own AND x.kind IN ('domain', 'hostname'))",
            ),
            counts,
        )
    finally:
        _drop(session, _RANGES)

    clock.lap("domains hold")
    observables = _observables_memory(session, addresses=bool(net_rows), hosts=bool(domain_rows))
    _memory_counts(observables, items, counts, 1, exact=False)
    _memory_counts(_advisories_memory(session), items, counts, 2, exact=True)
    clock.lap("observables and advisories")

    totals = counts.sum(axis=1)
    out: dict[tuple[str, str], dict[str, int]] = {}
    for row in np.nonzero(totals)[0]:
        value = items[int(row)]
        out[(value.kind.value, value.value)] = {s: int(counts[row, n]) for n, s in enumerate(SOURCES)}
    flagged = C.flag_over_correlated(session, {key: sum(c.values()) for key, c in out.items()})
    clock.lap("flagged")
    log.debug("correlate_batch passes (s): %s", clock.laps)
    return {"counts": out, "flagged": flagged, "values": len(items), "correlated": len(out)}


@dataclass(frozen=True)
class BatchSummary:
    """What an import may say about its values' correlations: `correlated` values match something
    the importer may see; `flagged` values correlate with too many objects (over what it may see)."""

    values: int
    correlated: int
    flagged: int
    # (kind, value) -> how many objects the importer may see that it correlates with.
    matches: dict[tuple[str, str], int]
    # Values with matches not looked at again for the importer (beyond DETAIL_LIMIT).
    unchecked: int = 0


# An importer's view of the matches is one read per value with any match: bounded, so a bundle
# whose every value is already known costs seconds, not minutes.
DETAIL_LIMIT = 2_000


def correlate_new(session: Session, who: Subject, values: list[V.Value]) -> BatchSummary:
    """The one call for an import (ingest.run, service.bulk_add): flag over-correlated values over
    everything stored, and tell the importer what it may see of the matches. Call it before the new
    rows are written; it writes only `OverCorrelatedValue` rows and no audit record (the import's
    own record covers it)."""
    result = correlate_batch(session, values)
    by_key = {(v.kind.value, v.value): v for v in values}
    if not who.is_authenticated:
        # The platform itself (a job, the CLI without --as): it sees everything (nobody anonymous imports).
        visible = {key: sum(c.values()) for key, c in result["counts"].items()}
        unchecked = 0
    else:
        # Only the few values with any match at all are looked at again, through the reader's clauses.
        visible = {}
        keys = list(result["counts"])
        unchecked = max(0, len(keys) - DETAIL_LIMIT)
        for key in keys[:DETAIL_LIMIT]:
            found = C.for_value(session, who, by_key[key])
            n = found.too_many if found.too_many is not None else found.count
            if n:
                visible[key] = n
    limit = C.correlation_limit()
    return BatchSummary(
        values=result["values"],
        correlated=len(visible),
        flagged=sum(1 for n in visible.values() if n > limit),
        matches=visible,
        unchecked=unchecked,
    )
