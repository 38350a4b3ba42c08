"""The notification events of mobilisation (titles in both languages; each has an email template
notification/templates/<key>.<lang>.txt)."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

REQUEST_RECEIVED = register(
    EventType(
        "mobilisation.request_received",
        {
            "vi": "Yêu cầu hỗ trợ chuyên gia cho sự cố {reference}, trả lời trước {deadline}",
            "en": "Experts requested for incident {reference}: answer by {deadline}",
        },
    )
)
REQUEST_ACCEPTED = register(
    EventType(
        "mobilisation.request_accepted",
        {
            "vi": "{organisation} nhận lời hỗ trợ sự cố {reference} ({experts})",
            "en": "{organisation} accepted to help on incident {reference} ({experts})",
        },
    )
)
REQUEST_DECLINED = register(
    EventType(
        "mobilisation.request_declined",
        {
            "vi": "{organisation} từ chối hỗ trợ sự cố {reference}",
            "en": "{organisation} declined to help on incident {reference}",
        },
    )
)
REQUEST_WITHDRAWN = register(
    EventType(
        "mobilisation.request_withdrawn",
        {
            "vi": "Không còn cần hỗ trợ cho sự cố {reference}",
            "en": "Help on incident {reference} is no longer needed",
        },
        defaults={"inapp": True, "email": False},
    )
)
REQUEST_UNFILLED = register(
    EventType(
        "mobilisation.request_unfilled",
        {
            "vi": "Chưa đủ chuyên gia cho sự cố {reference}: đã hỏi hết các thành viên phù hợp",
            "en": "Not enough experts for incident {reference}: every suitable member was asked",
        },
    )
)
DEPLOYED = register(
    EventType(
        "mobilisation.deployed",
        {
            "vi": "Bạn được điều động hỗ trợ sự cố {reference} từ {starts}",
            "en": "You are deployed on incident {reference} from {starts}",
        },
    )
)
RELEASED = register(
    EventType(
        "mobilisation.released",
        {
            "vi": "Kết thúc điều động hỗ trợ sự cố {reference}",
            "en": "Your deployment on incident {reference} has ended",
        },
    )
)
