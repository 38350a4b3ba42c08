"""Hashing helpers for secrets that are stored only as digests."""

from __future__ import annotations

import base64
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


def derive_token(key: str | bytes, purpose: str, nonce: str) -> str:
    """A URL-safe secret that only the holder of `key` (the server's secret key) can rebuild from a
    stored, non-secret `nonce`. Rows keep the nonce and the secret's SHA-256, never the secret, so a
    job can rebuild a link when it runs (and the same link when it is retried) from ids alone."""
    if isinstance(key, str):
        key = key.encode()
    digest = hmac.new(key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
