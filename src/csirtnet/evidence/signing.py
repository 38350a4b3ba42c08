"""The platform's Ed25519 evidence key: generated on first use, kept in the data directory (never in
the database), readable by the platform's user only, and copied into every `csirtnet backup`.

A court or the other side's expert trusts the public key, not csirtnet: its fingerprint (SHA-256
of the raw 32-byte public key) is printed by `csirtnet evidence key` and on every chain-of-custody
form, so it can be published or handed over out of band.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_DIR = "keys"
KEY_FILE = "evidence-ed25519.pem"
_lock = threading.Lock()
_cache: dict[Path, Ed25519PrivateKey] = {}


def key_path(data_dir: Path | None = None) -> Path:
    if data_dir is None:
        from csirtnet.config import get_settings

        data_dir = get_settings().data_dir
    return Path(data_dir) / KEY_DIR / KEY_FILE


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return loaded
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Written beside and renamed into place: two processes starting at once keep one key.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if another process won the race; then its key is the key
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return _load_or_create(path)


def private_key(data_dir: Path | None = None) -> Ed25519PrivateKey:
    path = key_path(data_dir).resolve()
    with _lock:
        key = _cache.get(path)
        if key is None or not path.exists():
            key = _cache[path] = _load_or_create(path)
        return key


def public_key(data_dir: Path | None = None) -> Ed25519PublicKey:
    return private_key(data_dir).public_key()


def public_pem(data_dir: Path | None = None) -> bytes:
    return public_key(data_dir).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(message: bytes, data_dir: Path | None = None) -> str:
    return base64.b64encode(private_key(data_dir).sign(message)).decode("ascii")


def verifier(key: Ed25519PublicKey):  # type: ignore[no-untyped-def]
    """A `verify(message, signature_b64) -> bool` for chain.check_chain."""

    def verify(message: bytes, signature_b64: str) -> bool:
        try:
            key.verify(base64.b64decode(signature_b64, validate=True), message)
        except (InvalidSignature, binascii.Error, ValueError, TypeError):
            return False
        return True

    return verify
