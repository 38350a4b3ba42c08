"""Notification event types of the cluster domain, listed on every user's preferences page (the
network's workshops and trainings themselves are the cluster.event package)."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

CHANNEL_MENTION = register(
    EventType(
        "cluster.channel_mention",
        {"vi": "{author} nhắc đến bạn trong kênh {channel}", "en": "{author} mentioned you in {channel}"},
    )
)
# Opt-in: nobody gets the digest until they turn it on in Account → Notifications.
CHANNEL_DIGEST = register(
    EventType(
        "cluster.channel_digest",
        {"vi": "Tóm tắt hằng ngày các kênh trao đổi ({count} tin mới)", "en": "Daily channel digest ({count} new)"},
        defaults={"inapp": False, "email": False},
    )
)
EVENT_REGISTERED = register(
    EventType(
        "cluster.event_registration",
        {"vi": "Bạn đã đăng ký tham dự: {title}", "en": "You are registered for: {title}"},
        defaults={"inapp": True, "email": True},
    )
)
