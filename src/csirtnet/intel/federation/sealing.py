"""The credential a subscription presents to its remote, sealed with the platform key (kit.sealing:
AES-256-GCM under a key derived for this purpose, the table's name as associated data). Changing the
platform key makes every stored credential unreadable: the subscriptions then report it and need
their secret set again.
"""

from __future__ import annotations

from csirtnet.kit.sealing import Sealer, SealError

_SEALER = Sealer(
    purpose=b"csirtnet/intel.federation/subscription-secret/v1", table=b"taxii_subscription", what="credential"
)


def seal(plain: str, *, secret_key: str | None = None) -> str:
    """`plain` sealed for storage (a fresh nonce each time)."""
    return _SEALER.seal(plain, secret_key=secret_key)


def unseal(stored: str, *, secret_key: str | None = None) -> str:
    """The plain credential, or SealError (another key, or a damaged value)."""
    return _SEALER.unseal(stored, secret_key=secret_key)


__all__ = ["SealError", "seal", "unseal"]
