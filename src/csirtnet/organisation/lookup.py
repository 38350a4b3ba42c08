"""The in-process constituency lookup for the feed pipeline: build it once from the database, then
ask "who owns this address / AS / domain" millions of times a second.

IPv4 and IPv6 use pytricia (a C patricia trie; docs/adr/0005-constituency-lookup.md):
`lookup_ipv4` *is* the trie's `get`, so a call costs one C method call and no Python frame.
Feeds that hold many addresses at once use `lookup_ipv4_many`: the IPv4 claims are also laid flat
as sorted interval boundaries (nested prefixes resolved to the most specific) and a whole batch is
answered by one numpy `searchsorted` (docs/adr/0011-shared-constituency-index.md).
ASNs and domains are dictionaries; a domain is matched on its longest claimed label suffix.
Equal claims of two members (an unresolved conflict) resolve to the older claim, as the
database lookup does.

`SHARED_INDEX` is the process's copy, rebuilt when a claim or an owner's name changes
(csirtnet/cache.py); the API, the pages and the CLI answer from it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pytricia
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.cache import CONSTITUENCY, VersionedCache
from csirtnet.models import ConstituencyClaim, Organisation

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
from csirtnet.models.constituency import ClaimKind, ClaimStatus
from csirtnet.organisation.claims import ClaimError, Query, parse_query

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Owner:
    """The member responsible for a looked-up value, and the claim that matched."""

    organisation_id: int
    organisation_name: str
    member_code: str | None
    kind: str
    matched: str
    claim_id: int


@dataclass(frozen=True)
class ClaimRow:
    claim_id: int
    kind: str
    value: str
    organisation_id: int
    organisation_name: str
    member_code: str | None


class ConstituencyIndex:
    """Longest-match lookup over every active claim, held in memory."""

    lookup_ipv4: Callable[[int], Owner | None]
    """Owner of an IPv4 address given as an int in [0, 2**32); the caller guarantees the range."""

    def __init__(self, rows: Iterable[ClaimRow]) -> None:
        self._v4 = pytricia.PyTricia(32)
        self._v6 = pytricia.PyTricia(128)
        self._asn: dict[int, Owner] = {}
        self._domains: dict[str, Owner] = {}
        self.size = 0
        v4: list[tuple[int, int, Owner]] = []  # (first address, prefix length, owner)
        for row in sorted(rows, key=lambda r: r.claim_id):  # the older claim wins a tie
            owner = Owner(
                row.organisation_id, row.organisation_name, row.member_code, row.kind, row.value, row.claim_id
            )
            if row.kind == ClaimKind.IPV4 or row.kind == ClaimKind.IPV6:
                trie = self._v4 if row.kind == ClaimKind.IPV4 else self._v6
                if not trie.has_key(row.value):
                    trie.insert(row.value, owner)
                    if row.kind == ClaimKind.IPV4:
                        network = ipaddress.IPv4Network(row.value)
                        v4.append((int(network.network_address), network.prefixlen, owner))
            elif row.kind == ClaimKind.ASN:
                self._asn.setdefault(int(row.value), owner)
            else:
                self._domains.setdefault(row.value, owner)
            self.size += 1
        self.lookup_ipv4 = self._v4.get
        self._v4_starts, self._v4_slots, self._v4_owners = _flatten(v4)

    def lookup_ipv4_many(self, addresses: Sequence[int] | NDArray[np.int64]) -> list[Owner | None]:
        """The owner of each IPv4 address (ints in [0, 2**32); the caller guarantees the range), in
        order: one vectorised binary search over the flattened intervals for the whole batch."""
        if len(addresses) == 0:
            return []
        import numpy as np  # loaded with the first index (see _flatten)

        wanted = np.asarray(addresses, dtype=np.int64)
        position = np.searchsorted(self._v4_starts, wanted, side="right") - 1
        return list(map(self._v4_owners.__getitem__, self._v4_slots[position].tolist()))

    def lookup_ipv4_slots(self, addresses: NDArray[np.int64]) -> NDArray[np.int32]:
        """The slot of each IPv4 address's most specific claim (0: nobody) in `ipv4_slot_owners`, for
        callers that map slots to columns themselves (the feed pipeline); a negative address is nobody's."""
        import numpy as np

        position = np.searchsorted(self._v4_starts, addresses, side="right") - 1
        slots: NDArray[np.int32] = self._v4_slots[np.maximum(position, 0)]
        return np.where(addresses < 0, np.int32(0), slots).astype(np.int32)

    @property
    def has_asns(self) -> bool:
        return bool(self._asn)

    @property
    def has_domains(self) -> bool:
        return bool(self._domains)

    @property
    def ipv4_slot_owners(self) -> list[Owner | None]:
        """The owner of each slot `lookup_ipv4_slots` answers (slot 0 is None)."""
        return self._v4_owners

    @classmethod
    def build(cls, session: Session) -> ConstituencyIndex:
        """Every active claim of every organisation (the pipeline runs as the platform)."""
        query = (
            select(
                ConstituencyClaim.id,
                ConstituencyClaim.kind,
                ConstituencyClaim.value,
                Organisation.id,
                Organisation.name,
                Organisation.member_code,
            )
            .join(Organisation, Organisation.id == ConstituencyClaim.organisation_id)
            .where(ConstituencyClaim.status == ClaimStatus.ACTIVE.value)
        )
        return cls(ClaimRow(*row) for row in session.execute(query))

    def lookup_ipv6(self, address: int | str) -> Owner | None:
        if isinstance(address, int):
            if not 0 <= address < 1 << 128:
                return None
            address = str(ipaddress.IPv6Address(address))
        result: Owner | None = self._v6.get(address)
        return result

    def lookup_network(self, network: str) -> Owner | None:
        """The owner of a whole network ("203.0.113.0/24"): the most specific claim that contains all
        of it (a claim inside it owns only part of it, so does not). None when unparsable or unowned."""
        try:
            parsed = ipaddress.ip_network(network.strip(), strict=False)
        except ValueError:
            return None
        trie = self._v4 if parsed.version == 4 else self._v6
        try:
            result: Owner | None = trie.get(parsed.compressed)
        except (KeyError, ValueError):
            return None
        return result

    def lookup_asn(self, asn: int) -> Owner | None:
        return self._asn.get(asn)

    def lookup_domain(self, name: str) -> Owner | None:
        labels = name.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            owner = self._domains.get(".".join(labels[i:]))
            if owner is not None:
                return owner
        return None

    def lookup(self, text: str) -> Owner | None:
        """Any value: "203.0.113.7", "2001:db8::1", "AS64500", "mail.example.vn". None when unowned or unparsable."""
        try:
            query = parse_query(text)
        except ClaimError:
            return None
        return self.lookup_query(query)

    def lookup_query(self, query: Query) -> Owner | None:
        if query.kind == ClaimKind.IPV4:
            return self.lookup_ipv4(query.number)
        if query.kind == ClaimKind.IPV6:
            return self.lookup_ipv6(query.text)
        if query.kind == ClaimKind.ASN:
            return self.lookup_asn(query.number)
        return self.lookup_domain(query.text)


def flatten_ipv4(claims: list[tuple[int, int, T]]) -> tuple[NDArray[np.int64], NDArray[np.int32], list[T | None]]:
    """`_flatten` for any value attached to IPv4 prefixes (the feed pipeline's prefix-to-ASN table and
    warninglists use it)."""
    return _flatten(claims)


def _flatten(claims: list[tuple[int, int, T]]) -> tuple[NDArray[np.int64], NDArray[np.int32], list[T | None]]:
    """IPv4 prefixes (nested or disjoint, never crossing) as boundaries: `starts[i]` is where the
    interval answered by `owners[slots[i]]` begins; slot 0 is "nobody". A sweep in address order
    with a stack of the enclosing prefixes gives each stretch its most specific claim."""
    # numpy is ~16 MB in a process: loaded when an index is first built, not by every web process.
    import numpy as np

    owners: list[T | None] = [None]
    bounds: list[tuple[int, int]] = [(0, 0)]  # (start, slot)

    def mark(position: int, slot: int) -> None:
        if bounds[-1][0] == position:
            bounds[-1] = (position, slot)
        else:
            bounds.append((position, slot))
        if len(bounds) > 1 and bounds[-1][1] == bounds[-2][1]:
            bounds.pop()

    stack: list[tuple[int, int]] = []  # (end, exclusive; slot) of the prefixes around the sweep
    for first, length, owner in sorted(claims, key=lambda c: (c[0], c[1])):  # broader first at one start
        while stack and stack[-1][0] <= first:
            end, _slot = stack.pop()
            mark(end, stack[-1][1] if stack else 0)
        owners.append(owner)
        stack.append((first + (1 << (32 - length)), len(owners) - 1))
        mark(first, len(owners) - 1)
    while stack:
        end, _slot = stack.pop()
        mark(end, stack[-1][1] if stack else 0)
    starts = np.fromiter((b[0] for b in bounds), dtype=np.int64, count=len(bounds))
    slots = np.fromiter((b[1] for b in bounds), dtype=np.int32, count=len(bounds))
    return starts, slots, owners


SHARED_INDEX: VersionedCache[ConstituencyIndex] = VersionedCache(CONSTITUENCY, ConstituencyIndex.build)
