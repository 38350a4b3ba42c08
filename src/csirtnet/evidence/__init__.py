"""Electronic evidence: items, the write-once evidence store, the signed custody log, verification
and the package for legal proceedings (docs/evidence.md, docs/adr/0021)."""
