"""Secrets the platform must use but nobody should read back (a partner's password, a feed's API
key), sealed with the platform key.

AES-256-GCM under a key derived from the platform's secret key (`Settings.resolved_secret_key`) for
one purpose, so the database alone (a backup, a replica) never yields them. The sealed form is
"v1:" + base64url(nonce ‖ ciphertext ‖ tag); the table's name is the associated data, so a sealed
value copied into another table's column does not open. Changing the platform key makes every
stored secret unreadable: what holds one then reports it and needs it set again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1:"


class SealError(Exception):
    """A sealed value that does not open under this platform's key."""


@dataclass(frozen=True)
class Sealer:
    """Seals and opens the secrets of one purpose, kept in one table."""

    purpose: bytes
    table: bytes
    what: str = "secret"  # as its errors name it

    def _key(self, secret_key: str | None) -> bytes:
        from csirtnet.config import get_settings

        material = (secret_key if secret_key is not None else get_settings().resolved_secret_key()).encode()
        return hmac.new(material, self.purpose, hashlib.sha256).digest()

    def seal(self, plain: str, *, secret_key: str | None = None) -> str:
        """`plain` sealed for storage (a fresh nonce each time)."""
        nonce = os.urandom(12)
        sealed = AESGCM(self._key(secret_key)).encrypt(nonce, plain.encode(), self.table)
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def unseal(self, stored: str, *, secret_key: str | None = None) -> str:
        """The plain secret, or SealError (another key, or a damaged value)."""
        if not stored.startswith(_PREFIX):
            raise SealError(f"The stored {self.what} is not in a known sealed form")
        try:
            raw = base64.urlsafe_b64decode(stored.removeprefix(_PREFIX).encode("ascii"))
            return AESGCM(self._key(secret_key)).decrypt(raw[:12], raw[12:], self.table).decode()
        except (InvalidTag, ValueError) as exc:
            raise SealError(f"The stored {self.what} does not open with this platform's key; set it again") from exc
