#!/usr/bin/env python3
"""Check a csirtnet evidence package without csirtnet: `python3 verify.py [PACKAGE_DIR]`.

Needs Python 3.8+ and `cryptography` (pip install cryptography); README.txt gives the same checks
as openssl commands. Checks manifest.sig, then for every item: each custody entry's hash (SHA-256
of its canonical JSON) and Ed25519 signature, seq 1..n, each `prev` link, the chain's head against
the signed manifest, the first entry's SHA-256 against the item's, and the item's file if present.
Exit status: 0 all good, 1 something was altered, 2 the package cannot be read or checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
except ImportError:
    sys.stderr.write("verify.py needs 'cryptography': pip install cryptography (or see openssl in README.txt)\n")
    sys.exit(2)

GENESIS = "0" * 64
ENTRY_KEYS = {"item", "seq", "at", "action", "actor", "details", "prev"}
FIRST_ACTIONS = ("collected", "copied")


def entry_hash(entry: dict[str, Any]) -> str:
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def signed(key: Ed25519PublicKey, message: bytes, signature_b64: Any) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_item(root: Path, item: dict[str, Any], records: list[Any], key: Ed25519PublicKey) -> list[str]:
    """Every way the item's custody log and file depart from what was signed."""
    problems: list[str] = []
    prev = GENESIS
    for position, record in enumerate(records, start=1):
        entry, stated = record.get("entry"), record.get("hash")
        if not isinstance(entry, dict) or not isinstance(stated, str):
            problems.append(f"custody entry at position {position} is malformed")
            continue
        label = entry.get("seq", position)
        if set(entry) != ENTRY_KEYS:
            problems.append(f"entry {label} has keys {sorted(entry)}")
        if entry_hash(entry) != stated:
            problems.append(f"entry {label} was edited: its content no longer hashes to {stated[:16]}...")
        if not signed(key, stated.encode("ascii", "replace"), record.get("signature")):
            problems.append(f"entry {label}: the signature does not match public-key.pem")
        if entry.get("seq") != position:
            problems.append(f"entry at position {position} is numbered {label!r}: an entry was removed or reordered")
        if entry.get("prev") != prev:
            problems.append(f"entry {label} does not follow the entry before it: removed, inserted or reordered")
        prev = stated
    head = item.get("custody_head") or {}
    if len(records) != head.get("count") or prev != head.get("last_hash"):
        problems.append(
            f"the log has {len(records)} entries ending {prev[:16]}...; the signed manifest states "
            f"{head.get('count')} ending {str(head.get('last_hash'))[:16]}...: entries were removed or added (head)"
        )
    if item.get("kind") == "digital" and item.get("sha256"):
        first = records[0].get("entry") if records else None
        details = first.get("details") if isinstance(first, dict) else None
        if not isinstance(first, dict) or first.get("action") not in FIRST_ACTIONS:
            problems.append("the first custody entry does not record the collection or copy")
        elif not isinstance(details, dict) or details.get("sha256") != item["sha256"]:
            problems.append("the SHA-256 recorded at collection differs from the item's SHA-256")
    if item.get("file"):
        path = root / item["file"]
        if not path.is_file():
            problems.append(f"{item['file']} is missing")
        elif file_sha256(path) != item.get("sha256"):
            problems.append(f"{item['file']} was altered: it does not hash to the SHA-256 in the manifest")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    try:
        manifest_bytes = (root / "manifest.json").read_bytes()
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        items = list(manifest["items"])
        key = load_pem_public_key((root / "public-key.pem").read_bytes())
        signature = (root / "manifest.sig").read_text(encoding="ascii").strip()
        lines = (root / "custody.jsonl").read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"FAIL package {root}: cannot read it: {exc}")
        return 2
    if not isinstance(key, Ed25519PublicKey):
        print("FAIL public-key.pem: not an Ed25519 public key")
        return 2
    fingerprint = hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()
    print(f"Key fingerprint: {fingerprint}")
    print("  compare it with the fingerprint the coordinating body published")
    ok = True
    if not signed(key, manifest_bytes, signature):
        print("FAIL manifest.json: its signature (manifest.sig) does not match public-key.pem")
        ok = False
    if manifest.get("key_fingerprint") != fingerprint:
        print("FAIL public-key.pem: its fingerprint differs from the one manifest.json states")
        ok = False
    chains: dict[str, list[Any]] = {}
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
            chains.setdefault(record["entry"]["item"], []).append(record)
        except (ValueError, KeyError, TypeError):
            print(f"FAIL custody.jsonl line {number}: not a custody entry")
            ok = False
    known = {item.get("reference") for item in items}
    for reference in sorted(set(chains) - known, key=str):
        print(f"FAIL {reference}: custody.jsonl holds entries for an item the manifest does not list")
        ok = False
    for item in items:
        problems = check_item(root, item, chains.get(item.get("reference"), []), key)
        if problems:
            print(f"FAIL {item.get('reference')}: " + "; ".join(problems))
            ok = False
        else:
            print(f"OK {item.get('reference')}")
    print("All checks passed." if ok else "The package was altered: see the FAIL lines above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
