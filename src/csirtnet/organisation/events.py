"""Notification events of the members domain (emails: notification/templates/<key>.<lang>.txt)."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

APPLICATION_RECEIVED = register(
    EventType(
        "membership.application_received",
        {"vi": "Đã nhận hồ sơ đăng ký thành viên của {organisation}", "en": "Application of {organisation} received"},
        defaults={"inapp": False, "email": True},
        transactional=True,
        secret=True,  # the tracking link: sent by organisation.tasks.send_application_received
    )
)
APPLICATION_SUBMITTED = register(
    EventType(
        "membership.application_submitted",
        {"vi": "Hồ sơ đăng ký thành viên mới: {organisation}", "en": "New membership application: {organisation}"},
    )
)
APPLICATION_INFO_REQUESTED = register(
    EventType(
        "membership.application_info_requested",
        {"vi": "Cần bổ sung hồ sơ của {organisation}", "en": "More information needed for {organisation}"},
        defaults={"inapp": False, "email": True},
        transactional=True,
    )
)
APPLICATION_ANSWERED = register(
    EventType(
        "membership.application_answered",
        {"vi": "{organisation} đã bổ sung hồ sơ", "en": "{organisation} answered your question"},
    )
)
APPLICATION_APPROVED = register(
    EventType(
        "membership.application_approved",
        {"vi": "{organisation} đã được kết nạp, mã thành viên {code}", "en": "{organisation} is a member: code {code}"},
        defaults={"inapp": False, "email": True},
        transactional=True,
    )
)
APPLICATION_REJECTED = register(
    EventType(
        "membership.application_rejected",
        {"vi": "Hồ sơ của {organisation} không được chấp thuận", "en": "Application of {organisation} declined"},
        defaults={"inapp": False, "email": True},
        transactional=True,
    )
)
CONFIRMATION_DUE = register(
    EventType(
        "organisation.confirmation_due",
        {
            "vi": "Hãy xác nhận thông tin liên hệ và phạm vi của {organisation}",
            "en": "Please confirm the contacts and constituency of {organisation}",
        },
    )
)
CONSTITUENCY_CONFLICT = register(
    EventType(
        "constituency.conflict",
        {"vi": "Phạm vi chồng lấn: {value}", "en": "Overlapping constituency claim: {value}"},
    )
)
