"""Argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from csirtnet.errors import ValidationFailed

_hasher = PasswordHasher()
MIN_LENGTH = 12


@cache
def _dummy() -> str:
    """Hash of a fixed string: verifying against it costs the same time as a real check, so a
    missing account cannot be told apart from a wrong password by timing. Made at the first need,
    not at import: a hash takes 64 MiB for a moment, in every process that imports this (the CLI)."""
    return _hasher.hash("csirtnet-timing-equaliser")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def check_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(field, f"must be at least {MIN_LENGTH} characters long")
    if password.strip() != password or len(set(password)) < 5:
        raise ValidationFailed(field, "is too simple")


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
