"""The administration pages' forms, declared once on the one form path (csirtnet.web.forms):
users (new, edit), organisations (register, edit), webhooks, and the filters of the users,
organisations and audit lists. Choices that depend on the subject (organisations, the roles
they may hand out) are given by the page."""

from __future__ import annotations

from csirtnet import i18n
from csirtnet.i18n import N_
from csirtnet.vocabulary import labels
from csirtnet.web.forms import Field, Form

LANGUAGE_CHOICES = tuple(i18n.LANGUAGE_NAMES.items())
BROWSER_LANGUAGE = N_("As the user's browser says")

USER_NEW = Form(
    "admin-user-new",
    [
        Field("email", N_("Email"), kind="email", required=True, attrs={"maxlength": "320", "autocomplete": "off"}),
        Field("full_name", N_("Full name"), required=True, attrs={"maxlength": "200", "autocomplete": "off"}),
        Field("organisation_id", N_("Organisation"), kind="select", required=True, blank=N_("Choose…")),
        Field("roles", N_("Roles"), kind="multiselect", widget="checkboxes", required=True),
        Field("language", N_("Language"), kind="select", choices=LANGUAGE_CHOICES, blank=BROWSER_LANGUAGE),
        Field(
            "password",
            N_("Password"),
            kind="password",
            help=N_(
                "Leave empty to email an invitation link, with which the user chooses a password. "
                "Otherwise at least 12 characters."
            ),
            attrs={"autocomplete": "new-password", "minlength": "12"},
        ),
    ],
)
USER_EDIT = Form(
    "admin-user-edit",
    [
        Field(
            "email",
            N_("Email"),
            kind="email",
            required=True,
            help=N_("Reset links already sent to the old address stop working."),
            attrs={"maxlength": "320"},
        ),
        Field("full_name", N_("Full name"), required=True, attrs={"maxlength": "200"}),
        Field("language", N_("Language"), kind="select", choices=LANGUAGE_CHOICES, blank=BROWSER_LANGUAGE),
        Field("roles", N_("Roles"), kind="multiselect", widget="checkboxes"),
        Field("is_active", N_("Active (may log in)"), kind="checkbox"),
    ],
)

KIND_CHOICES = tuple(labels.ORGANISATION_KINDS.items())
STATUS_CHOICES = tuple(labels.ORGANISATION_STATUSES.items())
_ORGANISATION = [
    Field("name", N_("Official name (Vietnamese)"), required=True, attrs={"maxlength": "300"}),
    Field("name_en", N_("Name in English"), attrs={"maxlength": "300"}),
    Field("short_name", N_("Short name"), attrs={"maxlength": "60"}),
    Field(
        "member_code",
        N_("Member code"),
        help=N_("Letters, digits, dots, dashes and underscores; used in periodic reports."),
        attrs={"maxlength": "40"},
    ),
    Field("kind", N_("Kind"), kind="select", choices=KIND_CHOICES, required=True),
    Field("sector", N_("Sector"), attrs={"maxlength": "80"}),
    Field("province", N_("Province or city"), attrs={"maxlength": "80"}),
]
ORGANISATION_NEW = Form(
    "admin-organisation-new",
    [*_ORGANISATION, Field("is_coordinator", N_("This is the coordinating body"), kind="checkbox")],
)
ORGANISATION_EDIT = Form(
    "admin-organisation-edit",
    [*_ORGANISATION, Field("status", N_("Status"), kind="select", choices=STATUS_CHOICES, required=True)],
)

WEBHOOK = Form(
    "admin-webhook",
    [
        Field(
            "url",
            N_("Address (URL)"),
            kind="url",
            required=True,
            help=N_("An https:// address of the receiving system."),
            attrs={"maxlength": "500"},
        ),
        Field(
            "event_types",
            N_("Events"),
            kind="multiselect",
            widget="checkboxes",
            help=N_("Choose none to receive every event."),
        ),
    ],
)

AUDIT_FILTERS = Form(
    "admin-audit-filters",
    [
        Field("action", N_("Action starts with"), attrs={"list": "action-prefixes", "maxlength": "80"}),
        Field("actor", N_("Actor"), attrs={"maxlength": "320"}),
        Field("object_type", N_("Object type"), attrs={"maxlength": "60"}),
        Field("object_id", N_("Object id"), attrs={"maxlength": "80"}),
        Field("organisation_id", N_("Organisation"), kind="select", blank=N_("All organisations")),
        Field("since", N_("From"), kind="date"),
        Field("until", N_("Until"), kind="date"),
    ],
)
USER_FILTERS = Form(
    "admin-user-filters",
    [
        Field("q", N_("Name or email"), attrs={"maxlength": "200"}),
        Field("organisation_id", N_("Organisation"), kind="select", blank=N_("All organisations")),
        Field(
            "active",
            N_("Status"),
            kind="select",
            choices=(("1", N_("Active")), ("0", N_("Deactivated"))),
            blank=N_("All"),
        ),
    ],
)
ORGANISATION_FILTERS = Form(
    "admin-organisation-filters",
    [
        Field("q", N_("Name"), attrs={"maxlength": "200"}),
        Field("kind", N_("Kind"), kind="select", choices=KIND_CHOICES, blank=N_("All kinds")),
    ],
)
WEBHOOK_ORGANISATION = Form(
    "admin-webhook-organisation",
    [Field("organisation_id", N_("Organisation"), kind="select", required=True)],
)
