"""The notification events of live-fire exercises."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

# To the exercise's organisers each morning while it runs (in-app; email only if they choose it).
DAILY_SUMMARY = register(
    EventType(
        "exercise.daily_summary",
        {
            "vi": "{reference} ngày {day}: {submitted} phát hiện mới, {validated} được xác nhận, "
            "{closed} lỗ hổng đã xử lý",
            "en": "{reference} on {day}: {submitted} findings submitted, {validated} validated, "
            "{closed} remediations closed",
        },
        defaults={"inapp": True, "email": False},
    )
)
