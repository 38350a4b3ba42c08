"""Posting signed JSON to a receiver. The signature lets the receiver check origin and integrity:
X-Csirtnet-Signature: sha256=HMAC-SHA256(secret, "<timestamp>." + body)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from csirtnet.kit.hashing import hmac_sha256


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac_sha256(secret, timestamp.encode() + b"." + body)


def post(
    url: str, secret: str, *, event_type: str, delivery_id: str, data: dict[str, Any], timeout: float = 10.0
) -> int:
    """Deliver once; raise on a network error or a non-2xx answer so the job retries."""
    body = json.dumps(
        {"event": event_type, "delivery_id": delivery_id, "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "csirtnet-webhook/1",
        "X-Csirtnet-Event": event_type,
        "X-Csirtnet-Delivery": delivery_id,
        "X-Csirtnet-Timestamp": timestamp,
        "X-Csirtnet-Signature": sign(secret, timestamp, body),
    }
    response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    if response.status_code >= 300:
        raise RuntimeError(f"webhook receiver answered {response.status_code}")
    return response.status_code
