"""The notification events of the evidence domain."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

VERIFICATION_FAILED = register(
    EventType(
        "evidence.verification_failed",
        {
            "vi": "Kiểm tra chứng cứ {reference} KHÔNG đạt: {problem}",
            "en": "Evidence {reference} FAILED its check: {problem}",
        },
        defaults={"inapp": True, "email": True},
    )
)
TRANSFER_OFFERED = register(
    EventType(
        "evidence.transfer_offered",
        {
            "vi": "Chứng cứ {reference} được chuyển giao cho bạn: hãy xác nhận khi đã nhận",
            "en": "Evidence {reference} is being handed to you: acknowledge it once you hold it",
        },
    )
)
