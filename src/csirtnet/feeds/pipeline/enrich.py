"""Who owns each event of a batch, vectorised: the owning organisation, the claim that matched, how
it matched, the security level of the information system in that claim, and the warninglists the
address or name is on. `source.asn` is filled from the operator's prefix-to-ASN table where the feed
left it empty.

The owner lookup order (docs/feeds.md):
1. `source.ip`: the most specific claimed prefix holding it (a delegation inside a member's range
   wins over the range). IPv4 is answered for the whole batch by one numpy `searchsorted` over the
   constituency index's flattened intervals (organisation/lookup.py); IPv6, rare in the feeds, one
   pytricia lookup per distinct address.
2. `source.asn` (from the feed, else from the prefix-to-ASN table): a claimed AS, per distinct AS.
3. `source.fqdn` (else the host of `source.url`, else `source.reverse_dns`, which the address's
   owner controls): the longest claimed domain suffix, per distinct name.
Nothing else runs per event in Python.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pytricia
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.feeds import event as ev
from csirtnet.models import AsnPrefix, ConstituencyClaim, InformationSystem
from csirtnet.models.intel import IndicatorKind
from csirtnet.organisation.lookup import ConstituencyIndex, Owner, flatten_ipv4

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from csirtnet.intel.warninglists import Warninglists

NONE = -1  # "no value" in the int arrays before they become nullable polars columns


@dataclass(frozen=True)
class _Intervals:
    """IPv4 prefixes laid flat (lookup.flatten_ipv4): the value of each address's most specific prefix."""

    starts: NDArray[np.int64]
    values: NDArray[np.int64]  # per slot; NONE for slot 0 (no prefix)

    @classmethod
    def of(cls, prefixes: list[tuple[int, int, int]]) -> _Intervals:
        starts, slots, owners = flatten_ipv4(prefixes)
        by_slot = np.array([NONE if o is None else o for o in owners], dtype=np.int64)
        return cls(starts, by_slot[slots])

    def lookup(self, addresses: NDArray[np.int64]) -> NDArray[np.int64]:
        position = np.searchsorted(self.starts, addresses, side="right") - 1
        found: NDArray[np.int64] = self.values[np.maximum(position, 0)]
        return np.where(addresses < 0, NONE, found)


def ipv4_numbers(ips: pl.Series) -> NDArray[np.int64]:
    """Each dotted-quad IPv4 text as its number; NONE for null, IPv6 or anything else (vectorised)."""
    parts = ips.str.split_exact(".", 3).struct.unnest()
    octets = [parts[name].str.to_integer(strict=False) for name in parts.columns]
    number = pl.Series(np.zeros(len(ips), dtype=np.int64))
    valid = ips.is_not_null() & ~ips.str.contains(":", literal=True).fill_null(True)
    for octet in octets:
        valid = valid & octet.is_not_null() & (octet >= 0) & (octet <= 255) & (octet.len() > 0)
        number = number * 256 + octet.fill_null(0).cast(pl.Int64)
    valid = valid.fill_null(False)
    return np.where(valid.to_numpy(), number.to_numpy(), NONE).astype(np.int64)


def _v4_key(network: ipaddress.IPv4Network) -> tuple[int, int]:
    return int(network.network_address), network.prefixlen


class Enricher:
    """The lookups a batch needs, built once per run (or per stage worker) from the database."""

    def __init__(
        self,
        index: ConstituencyIndex,
        *,
        asn_prefixes: list[tuple[str, int]],
        claim_levels: dict[int, int],
        warninglists: Warninglists | None = None,
    ) -> None:
        self.index = index
        owners = index.ipv4_slot_owners
        self._slot_org = np.array([NONE if o is None else o.organisation_id for o in owners], dtype=np.int64)
        self._slot_claim = np.array([NONE if o is None else o.claim_id for o in owners], dtype=np.int64)
        self._claim_levels = claim_levels
        v4: list[tuple[int, int, int]] = []
        self._asn_v6 = pytricia.PyTricia(128)
        for network_text, asn in asn_prefixes:
            network = ipaddress.ip_network(network_text, strict=False)
            if isinstance(network, ipaddress.IPv4Network):
                v4.append((*_v4_key(network), int(asn)))
            else:
                self._asn_v6.insert(network.compressed, int(asn))
        self._asn_v4 = _Intervals.of(_unique_prefixes(v4))
        self._warninglists = warninglists
        self._wl_v4: list[tuple[str, _Intervals]] = []
        self._wl_ip: list[Any] = []  # the lists that apply to addresses (IPv6 checked one by one)
        if warninglists is not None:
            for wl in warninglists.lists:
                if wl.type != "cidr" or not wl.applies_to(IndicatorKind.IPV4):
                    continue
                self._wl_ip.append(wl)
                nets = [ipaddress.ip_network(e, strict=False) for e in wl.entries]
                prefixes = [(*_v4_key(n), 1) for n in nets if isinstance(n, ipaddress.IPv4Network)]
                self._wl_v4.append((wl.name, _Intervals.of(_unique_prefixes(prefixes))))

    @classmethod
    def build(cls, session: Session, *, warninglists: Warninglists | None = None) -> Enricher:
        """The constituency index, the prefix-to-ASN table, each claim's system level and the
        warninglists in force (the platform's settings unless given)."""
        if warninglists is None:
            from csirtnet.config import get_settings
            from csirtnet.intel.warninglists import matcher

            warninglists = matcher(get_settings())
        index = ConstituencyIndex.build(session)
        asn_rows = [(network, int(asn)) for network, asn in session.execute(select(AsnPrefix.network, AsnPrefix.asn))]
        levels = {
            int(claim): int(level)
            for claim, level in session.execute(
                select(ConstituencyClaim.id, InformationSystem.security_level).join(
                    InformationSystem, InformationSystem.id == ConstituencyClaim.information_system_id
                )
            )
        }
        return cls(index, asn_prefixes=asn_rows, claim_levels=levels, warninglists=warninglists)

    def enrich(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` with ORG, CLAIM, MATCH, LEVEL and WARNINGLIST added and `source.asn` filled."""
        n = frame.height
        ips = frame["source.ip"]
        v4 = ipv4_numbers(ips)
        slots = self.index.lookup_ipv4_slots(v4)
        org = self._slot_org[slots]
        claim = self._slot_claim[slots]
        match = np.where(org >= 0, 1, 0).astype(np.int8)  # 1 ipv4, 2 ipv6, 3 domain, 4 asn
        v6_mask = ips.str.contains(":", literal=True).fill_null(False).to_numpy()

        asn = frame["source.asn"].fill_null(NONE).to_numpy().astype(np.int64, copy=True)
        missing_asn = asn < 0
        if missing_asn.any():
            asn = np.where(missing_asn & (v4 >= 0), self._asn_v4.lookup(v4), asn)
        if v6_mask.any():
            rows = np.flatnonzero(v6_mask)
            for address, positions in _groups(ips.gather(rows), rows):
                owner = self.index.lookup_ipv6(address) if address else None
                if owner is not None:
                    org[positions] = owner.organisation_id
                    claim[positions] = owner.claim_id
                    match[positions] = 2
                if len(self._asn_v6) and (asn[positions] < 0).any():
                    found = _pytricia_get(self._asn_v6, address)
                    if found is not None:
                        asn[positions] = np.where(asn[positions] < 0, found, asn[positions])

        # A blocklisted network (no address): the member whose claim holds all of it.
        networks = frame["source.network"]
        network_rows = np.flatnonzero((org < 0) & ips.is_null().to_numpy() & networks.is_not_null().to_numpy())
        for network, positions in _groups(networks.gather(network_rows), network_rows):
            owner = self.index.lookup_network(network)
            if owner is not None:
                self._assign(org, claim, match, positions, owner, 2 if ":" in network else 1)

        unmatched = org < 0
        if unmatched.any() and self.index.has_asns:
            rows = np.flatnonzero(unmatched & (asn >= 0))
            for number, positions in _groups(pl.Series(asn[rows]), rows):
                owner = self.index.lookup_asn(int(number))
                if owner is not None:
                    self._assign(org, claim, match, positions, owner, 4)
            unmatched = org < 0
        if unmatched.any() and self.index.has_domains:
            names = frame["source.fqdn"]
            if "source.url" in frame.columns:
                hosts = frame["source.url"].str.extract(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/]*@)?([^:/?#\[\]]+)", 1)
                names = names.fill_null(hosts.str.to_lowercase())
            if "source.reverse_dns" in frame.columns:
                names = names.fill_null(frame["source.reverse_dns"])
            rows = np.flatnonzero(unmatched & names.is_not_null().to_numpy())
            for name, positions in _groups(names.gather(rows), rows):
                owner = self.index.lookup_domain(name) if name else None
                if owner is not None:
                    self._assign(org, claim, match, positions, owner, 3)

        level = np.full(n, NONE, dtype=np.int64)
        if self._claim_levels:
            claimed = np.flatnonzero(claim >= 0)
            for claim_id, positions in _groups(pl.Series(claim[claimed]), claimed):
                level[positions] = self._claim_levels.get(int(claim_id), NONE)

        added = pl.DataFrame(
            {
                ev.ORG: _nullable(org, pl.Int32),
                ev.CLAIM: _nullable(claim, pl.Int32),
                ev.MATCH: pl.Series(match)
                .replace_strict({0: None, 1: "ipv4", 2: "ipv6", 3: "domain", 4: "asn"}, return_dtype=pl.String)
                .alias(ev.MATCH),
                ev.LEVEL: _nullable(level, pl.Int8),
                ev.WARNINGLIST: self._warninglist(frame, v4, v6_mask),
            }
        )
        out = frame.with_columns(_nullable(asn, pl.Int64).alias("source.asn"))
        return pl.concat([out, added], how="horizontal")

    @staticmethod
    def _assign(
        org: NDArray[np.int64],
        claim: NDArray[np.int64],
        match: NDArray[np.int8],
        positions: NDArray[np.int64],
        owner: Owner,
        how: int,
    ) -> None:
        org[positions] = owner.organisation_id
        claim[positions] = owner.claim_id
        match[positions] = how

    def _warninglist(self, frame: pl.DataFrame, v4: NDArray[np.int64], v6_mask: NDArray[np.bool_]) -> pl.Series:
        n = frame.height
        names: list[pl.Series] = []
        for name, intervals in self._wl_v4:
            hit = intervals.lookup(v4) >= 0
            names.append(pl.Series([None, name], dtype=pl.String).gather(pl.Series(hit.astype(np.int64))))
        on_lists = (
            pl.DataFrame(names, schema=[f"w{i}" for i in range(len(names))], orient="col")
            .select(pl.concat_str(pl.all(), separator=", ", ignore_nulls=True))
            .to_series()
            if names
            else pl.Series([None] * n, dtype=pl.String)
        )
        if on_lists.dtype != pl.String:
            on_lists = on_lists.cast(pl.String)
        on_lists = on_lists.replace("", None)
        # IPv6 addresses and names: the rare ones, checked per distinct value.
        extra: dict[int, str] = {}
        if self._warninglists is not None:
            if v6_mask.any():
                rows = np.flatnonzero(v6_mask)
                for address, positions in _groups(frame["source.ip"].gather(rows), rows):
                    hits = [wl.name for wl in self._wl_ip if wl.matches(IndicatorKind.IPV6, address)]
                    for p in positions.tolist():
                        extra[p] = ", ".join(hits)
            fqdns = frame["source.fqdn"]
            rows = np.flatnonzero(fqdns.is_not_null().to_numpy())
            for fqdn, positions in _groups(fqdns.gather(rows), rows):
                hits = self._warninglists.check(IndicatorKind.HOSTNAME, fqdn)
                if hits:
                    for p in positions.tolist():
                        previous = extra.get(p) or on_lists[p]
                        extra[p] = ", ".join([previous, *hits] if previous else hits)
        if extra:
            values = on_lists.to_list()
            for p, text in extra.items():
                values[p] = text or values[p]
            on_lists = pl.Series(values, dtype=pl.String)
        return on_lists.str.slice(0, 120).alias(ev.WARNINGLIST)


def _unique_prefixes(prefixes: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """One value per prefix (the first given): flatten_ipv4 needs nested or disjoint prefixes only."""
    seen: dict[tuple[int, int], int] = {}
    for first, length, value in prefixes:
        seen.setdefault((first, length), value)
    return [(first, length, value) for (first, length), value in seen.items()]


def _pytricia_get(trie: Any, address: str) -> int | None:
    try:
        value = trie.get(address)
    except (ValueError, KeyError, SystemError):
        return None
    return None if value is None else int(value)


def _groups(values: pl.Series, rows: NDArray[np.int64]) -> list[tuple[Any, NDArray[np.int64]]]:
    """(distinct value, the row positions holding it) for `values` (taken at `rows`)."""
    if len(rows) == 0:
        return []
    grouped = (
        pl.DataFrame({"v": values, "r": pl.Series(rows, dtype=pl.Int64)})
        .group_by("v", maintain_order=True)
        .agg(pl.col("r"))
    )
    return [(v, np.asarray(r, dtype=np.int64)) for v, r in grouped.iter_rows()]


def _nullable(values: NDArray[np.int64], dtype: type[pl.DataType]) -> pl.Series:
    series = pl.Series(values)
    return series.set(series < 0, None).cast(dtype) if (values < 0).any() else series.cast(dtype)
