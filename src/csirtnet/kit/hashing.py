"""Hashing helpers for secrets that are stored only as digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hmac_sha256(key: str | bytes, data: bytes) -> str:
    if isinstance(key, str):
        key = key.encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
