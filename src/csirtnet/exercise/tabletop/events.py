"""The notification events of the tabletop part of exercises."""

from __future__ import annotations

from csirtnet.notification.events import EventType, register

# Told in the app (and by email, where the person keeps it on) to each team's members.
INJECT_RELEASED = register(
    EventType(
        "exercise.inject_released",
        {
            "vi": "Diễn tập {reference}: tình huống mới «{title}» (trả lời trước {deadline})",
            "en": "Exercise {reference}: new inject “{title}” (answer by {deadline})",
        },
    )
)
