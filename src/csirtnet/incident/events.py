"""The notification events of the incident domain (titles in both languages; emails may use
notification/templates/<key>.<lang>.txt)."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

REPORT_RECEIVED = register(
    EventType(
        "incident.report_received",
        {"vi": "Báo cáo sự cố mới {reference}: {title}", "en": "New incident report {reference}: {title}"},
    )
)
REPORT_ACKNOWLEDGED = register(
    EventType(
        "incident.report_acknowledged",
        {"vi": "Đã nhận báo cáo sự cố {reference}", "en": "Incident report {reference} received"},
        transactional=True,
        secret=True,  # the tracking link: sent by incident.tasks.send_report_acknowledgement
    )
)
REPORT_OUTCOME = register(
    EventType(
        "incident.report_outcome",
        {"vi": "Kết quả xử lý báo cáo {reference}", "en": "What happened to report {reference}"},
        transactional=True,
    )
)
PARTICIPANT_ADDED = register(
    EventType(
        "incident.participant_added",
        {"vi": "Bạn tham gia xử lý sự cố {reference}", "en": "You take part in incident {reference}"},
    )
)
PHASE_CHANGED = register(
    EventType(
        "incident.phase_changed",
        {"vi": "Sự cố {reference} chuyển sang giai đoạn mới", "en": "Incident {reference} moved to a new phase"},
        defaults={"inapp": True, "email": False},
    )
)
MENTIONED = register(
    EventType(
        "incident.mentioned",
        {"vi": "{author} nhắc đến bạn trong sự cố {reference}", "en": "{author} mentioned you in incident {reference}"},
    )
)
TASK_ASSIGNED = register(
    EventType(
        "incident.task_assigned",
        {"vi": "Nhiệm vụ mới trong sự cố {reference}: {title}", "en": "New task in incident {reference}: {title}"},
    )
)
DEADLINE_REMINDER = register(
    EventType(
        "incident.deadline_reminder",
        {"vi": "Sắp đến hạn: {label} ({reference})", "en": "Due soon: {label} ({reference})"},
    )
)
DEADLINE_OVERDUE = register(
    EventType(
        "incident.deadline_overdue",
        {"vi": "Quá hạn: {label} ({reference})", "en": "Overdue: {label} ({reference})"},
    )
)
EMAIL_QUARANTINED = register(
    EventType(
        "incident.email_quarantined",
        {
            "vi": "Một thư gửi đến hộp thư báo cáo bị giữ lại để xem xét (Q-{quarantine_id})",
            "en": "An email to the report intake is held for review (Q-{quarantine_id})",
        },
    )
)
