"""TOTP second factor (RFC 6238) with QR enrolment and single-use recovery codes."""

from __future__ import annotations

import io
import secrets

import pyotp

from csirtnet.kit.hashing import sha256_hex

RECOVERY_CODES = 10


def new_secret() -> str:
    return str(pyotp.random_base32())


def provisioning_uri(secret: str, email: str, issuer: str = "csirtnet") -> str:
    return str(pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer))


def qr_svg(uri: str) -> str:
    """An inline SVG QR code (no image library, no external request)."""
    # Loaded when someone enrols: qrcode brings Pillow, ~10 MB in every web process otherwise.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    image.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]


def verify_code(secret: str, code: str) -> bool:
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return False
    return bool(pyotp.TOTP(secret).verify(code, valid_window=1))


def current_code(secret: str) -> str:
    return str(pyotp.TOTP(secret).now())


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]


def hash_recovery_code(code: str) -> str:
    return sha256_hex(code.strip().lower())
