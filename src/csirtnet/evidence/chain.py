"""The custody log's chain: how an entry is written down, hashed, linked to the one before and signed.

This module is the contract between csirtnet and whoever checks its evidence without it: the
package's `verify.py` (evidence/offline/verify.py) repeats these few lines with Python's standard
library and `cryptography`, and docs/evidence.md states them in words. Change one, change all three.

- An entry is a JSON object with exactly the keys `item` (the item's reference, e.g. "EV-2026-000042"),
  `seq` (1, 2, 3… within the item), `at` (UTC, ISO 8601 with microseconds and "Z"), `action`
  (vocabulary.evidence.CustodyAction), `actor` ({"id", "name", "organisation"}), `details` (an
  object; what the action needs: hashes, from/to, reason, tool…) and `prev` (the previous entry's
  hash, 64 zeros for the first).
- Its canonical form is `json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
  encoded as UTF-8; its hash is the SHA-256 of that, in lower-case hex.
- Its signature is Ed25519 over the 64 ASCII characters of that hash, base64-encoded; any
  Ed25519 verifier (`openssl pkeyutl -verify -rawin`) checks it with `public-key.pem`.

An edited entry no longer matches its hash; a removed or reordered one breaks `prev` and `seq`; a
re-hashed forgery has no valid signature without the platform's private key; a removed tail is
caught by the head (count and last hash) that the signed manifest of a package states.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
ENTRY_KEYS = frozenset({"item", "seq", "at", "action", "actor", "details", "prev"})


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def timestamp(at: datetime) -> str:
    """`at` as the chain writes it: UTC, microseconds, "Z"."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_entry(
    *,
    item: str,
    seq: int,
    at: datetime,
    action: str,
    actor: Mapping[str, Any],
    details: Mapping[str, Any],
    prev: str,
) -> dict[str, Any]:
    return {
        "item": item,
        "seq": seq,
        "at": timestamp(at),
        "action": action,
        "actor": dict(actor),
        "details": dict(details),
        "prev": prev,
    }


@dataclass(frozen=True)
class Link:
    """One stored entry as the checker sees it."""

    entry: Mapping[str, Any]
    hash: str
    signature: str


@dataclass(frozen=True)
class Problem:
    seq: int | None
    code: str  # "hash", "signature", "prev", "seq", "item", "keys", "head"
    message: str


def check_chain(
    item: str,
    links: Sequence[Link],
    verify_signature: Any,
    *,
    expected_head: tuple[int, str] | None = None,
) -> list[Problem]:
    """Every way the item's stored chain departs from what was signed, in order. `verify_signature(
    message: bytes, signature_b64: str) -> bool`; `expected_head` (count, last hash) when known."""
    problems: list[Problem] = []
    prev = GENESIS
    for position, link in enumerate(links, start=1):
        entry = link.entry
        seq = entry.get("seq") if isinstance(entry.get("seq"), int) else None
        label = seq if seq is not None else position
        if set(entry) != ENTRY_KEYS:
            problems.append(Problem(label, "keys", f"entry {label} has keys {sorted(entry)}"))
        if entry.get("item") != item:
            problems.append(Problem(label, "item", f"entry {label} belongs to {entry.get('item')!r}"))
        actual = entry_hash(entry)
        if actual != link.hash:
            problems.append(
                Problem(label, "hash", f"entry {label} was edited: its content no longer hashes to {link.hash[:16]}…")
            )
        if not verify_signature(link.hash.encode("ascii"), link.signature):
            problems.append(
                Problem(label, "signature", f"entry {label}: the signature does not match the platform key")
            )
        if seq != position:
            problems.append(
                Problem(
                    label,
                    "seq",
                    f"entry at position {position} is numbered {entry.get('seq')!r}: an entry was removed or reordered",
                )
            )
        if entry.get("prev") != prev:
            problems.append(
                Problem(
                    label,
                    "prev",
                    f"entry {label} does not follow the entry before it: an entry was removed, inserted or reordered",
                )
            )
        prev = link.hash
    if expected_head is not None:
        count, last = expected_head
        if len(links) != count or (links and links[-1].hash != last) or (not links and count):
            problems.append(
                Problem(
                    None,
                    "head",
                    f"the log has {len(links)} entries ending {prev[:16]}…; {count} ending {last[:16]}… were signed",
                )
            )
    return problems
