"""The mobilisation pages' forms, declared once on the one form path (csirtnet.web.forms): asking
members for experts, answering (accept, decline), cancelling a request, and releasing a deployed
expert or recording their hours. The roster and the capabilities are given by the page."""

from __future__ import annotations

from csirtnet.i18n import N_
from csirtnet.vocabulary import labels, skills
from csirtnet.web.forms import Field, Form

ANSWER_WITHIN_HOURS = (1, 2, 4, 8, 12, 24, 48, 72)
LEVELS = tuple((str(level), name) for level, name in labels.SKILL_LEVELS.items())


def skill_field(key: str) -> str:
    """The name of the select that asks the minimum level of one skill."""
    return f"skill__{key}"


REQUEST = Form(
    "mobilisation-request",
    [
        Field(
            "summary",
            N_("What the experts are needed for"),
            kind="textarea",
            required=True,
            attrs={"maxlength": "4000"},
        ),
        # One select per skill, shown as a table by the page; the label is the skill's name there.
        *(
            Field(skill_field(key), names["en"], kind="select", choices=LEVELS, blank=N_("not needed"))
            for key, names in skills.SKILLS.items()
        ),
        Field(
            "capabilities",
            N_("Capabilities needed (FIRST CSIRT Services Framework)"),
            kind="multiselect",
            widget="checkboxes",
        ),
        Field("mode", N_("Where"), kind="select", widget="radios", choices=tuple(labels.MODES.items()), required=True),
        Field("province", N_("Province (required on site)"), attrs={"list": "r-provinces", "maxlength": "80"}),
        Field("starts_at", N_("From (empty: now)"), kind="datetime"),
        Field("duration", N_("For how long"), kind="number", required=True, attrs={"min": "1", "max": "2160"}),
        Field("duration_unit", N_("Unit"), kind="select", choices=(("days", N_("days")), ("hours", N_("hours")))),
        Field("urgency", N_("Urgency"), kind="select", choices=tuple(labels.URGENCIES.items())),
        Field("experts_needed", N_("Number of experts"), kind="number", required=True, attrs={"min": "1", "max": "20"}),
        Field("answer_within", N_("Members answer within"), kind="select", required=True),
    ],
    locations={"duration_hours": "duration", "response_deadline": "answer_within"},
)
CANCEL = Form(
    "mobilisation-cancel",
    [Field("reason", N_("Reason"), kind="textarea", required=True, attrs={"minlength": "3", "maxlength": "2000"})],
)
ACCEPT = Form(
    "mobilisation-accept",
    [
        Field("expert_ids", N_("Experts you send"), kind="multiselect", widget="checkboxes", required=True),
        Field("note", N_("Note for the requester (optional)"), kind="textarea", attrs={"maxlength": "2000"}),
    ],
)
DECLINE = Form(
    "mobilisation-decline",
    [
        Field(
            "reason",
            N_("Why your organisation cannot help"),
            kind="textarea",
            required=True,
            attrs={"minlength": "3", "maxlength": "2000"},
        )
    ],
)
# The same form releases an expert and, once released, records their hours and outcome; it is
# shown once per deployment (its `key` is the deployment's id). `next` is the page it is on.
RELEASE = Form(
    "mobilisation-release",
    [
        Field("hours", N_("Hours worked"), attrs={"inputmode": "decimal", "maxlength": "12"}),
        Field("outcome", N_("Outcome"), kind="textarea", attrs={"maxlength": "8000"}),
        Field("next", "next", kind="hidden"),
    ],
)
