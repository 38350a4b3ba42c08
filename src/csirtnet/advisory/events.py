"""The notification events of the advisory domain."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

# Delivered to every person told, whatever their preferences: being told is the point.
PUBLISHED = register(
    EventType(
        "advisory.published",
        {
            "vi": "[TLP:{tlp}] Cảnh báo {reference}: {title}",
            "en": "[TLP:{tlp}] Advisory {reference}: {title}",
        },
        transactional=True,
    )
)
UPDATED = register(
    EventType(
        "advisory.updated",
        {
            "vi": "[TLP:{tlp}] Cảnh báo {reference} đã cập nhật (phiên bản {version}): {title}",
            "en": "[TLP:{tlp}] Advisory {reference} updated (version {version}): {title}",
        },
        transactional=True,
    )
)
REMINDER = register(
    EventType(
        "advisory.reminder",
        {
            "vi": "Nhắc: tổ chức của bạn chưa phản hồi cảnh báo {reference}: {title}",
            "en": "Reminder: your organisation has not answered advisory {reference}: {title}",
        },
        transactional=True,
    )
)
ESCALATED = register(
    EventType(
        "advisory.escalated",
        {
            "vi": "Quá hạn: tổ chức của bạn chưa phản hồi cảnh báo {reference}: {title}",
            "en": "Overdue: your organisation has not answered advisory {reference}: {title}",
        },
        transactional=True,
    )
)
OVERDUE = register(
    EventType(
        "advisory.overdue",
        {
            "vi": "Cảnh báo {reference}: {overdue} tổ chức quá hạn chưa phản hồi",
            "en": "Advisory {reference}: {overdue} organisations have not answered by the deadline",
        },
    )
)
REVIEW_REQUESTED = register(
    EventType(
        "advisory.review_requested",
        {
            "vi": "Cảnh báo {reference} chờ bạn duyệt: {title}",
            "en": "Advisory {reference} waits for your review: {title}",
        },
    )
)
NEEDS_HELP = register(
    EventType(
        "advisory.needs_help",
        {
            "vi": "{organisation} cần hỗ trợ với cảnh báo {reference}; yêu cầu hỗ trợ đã được mở",
            "en": "{organisation} needs help with advisory {reference}; a support request is open",
        },
    )
)
