"""The hash-chained audit log (docs/adr/0004-audit-chain.md)."""

from csirtnet.audit.service import ChainBreak, count_since, record, verify_chain

__all__ = ["ChainBreak", "count_since", "record", "verify_chain"]
