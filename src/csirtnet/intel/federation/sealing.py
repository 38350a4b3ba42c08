"""The credential a subscription presents to its remote, sealed with the platform key.

AES-256-GCM under a key derived from the platform's secret key (`Settings.resolved_secret_key`) for
this one purpose, so the database alone (a backup, a replica) never yields a partner's password or
token. The sealed form is "v1:" + base64url(nonce ‖ ciphertext ‖ tag); the table's name is the
associated data, so a sealed value copied into another table's column does not open. Changing the
platform key makes every stored credential unreadable: the subscriptions then report it and need
their secret set again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from csirtnet.config import get_settings

_PURPOSE = b"csirtnet/intel.federation/subscription-secret/v1"
_AAD = b"taxii_subscription"
_PREFIX = "v1:"


class SealError(Exception):
    """A sealed value that does not open under this platform's key."""


def _key(secret_key: str | None = None) -> bytes:
    material = (secret_key if secret_key is not None else get_settings().resolved_secret_key()).encode()
    return hmac.new(material, _PURPOSE, hashlib.sha256).digest()


def seal(plain: str, *, secret_key: str | None = None) -> str:
    """`plain` sealed for storage (a fresh nonce each time)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, plain.encode(), _AAD)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(stored: str, *, secret_key: str | None = None) -> str:
    """The plain credential, or SealError (another key, or a damaged value)."""
    if not stored.startswith(_PREFIX):
        raise SealError("The stored credential is not in a known sealed form")
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix(_PREFIX).encode("ascii"))
        return AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], _AAD).decode()
    except (InvalidTag, ValueError) as exc:
        raise SealError("The stored credential does not open with this platform's key; set it again") from exc
