"""The forms of the cluster domain's pages, declared once on the one form path (csirtnet.web.forms):
clusters (establish, members, lead terms, rotation, handovers), yearly plans (activities, summary),
readiness (the record and its evidence), channels (open, thread, reply), the knowledge base and
events. Choices that depend on the data (organisations, clusters, channel members) are given by
the page when it renders a field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from csirtnet.i18n import N_
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm, Field, Form

_MULTIPLE = {"multiple": "multiple"}

CLUSTER = Form(
    "cluster-new",
    [
        Field("number", N_("Number"), kind="number", attrs={"min": "1", "max": "999"}),
        Field("name", N_("Name"), required=True, help=N_('e.g. "Cụm số 1"'), attrs={"maxlength": "200"}),
        Field("name_en", N_("Name in English"), attrs={"maxlength": "200"}),
        Field("decision_number", N_("Decision number"), help=N_('e.g. "123/QĐ-BTTTT"'), attrs={"maxlength": "80"}),
        Field("decision_date", N_("Decision date"), kind="date"),
        Field("issuing_body", N_("Issuing body"), attrs={"maxlength": "200"}),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "5000"}),
    ],
)
MEMBER = Form(
    "cluster-member",
    [
        Field("organisation_id", N_("Organisation"), kind="select", required=True, blank=""),
        Field("joined_on", N_("Joined on"), kind="date", required=True),
    ],
)
MEMBER_LEAVE = Form("cluster-member-leave", [Field("left_on", N_("Left on"), kind="date", required=True)])
TERM = Form(
    "cluster-term",
    [
        Field("organisation_id", N_("Lead organisation"), kind="select", required=True, blank=""),
        Field("starts_on", N_("Starts on"), kind="date", required=True),
        Field("ends_on", N_("Ends on"), kind="date", required=True),
    ],
)
# `order` is one select per year, all named "order": read as a list, in the order sent.
ROTATION = Form(
    "cluster-rotation",
    [
        Field("order", N_("Order of the leads"), kind="multiselect", required=True),
        Field("start_year", N_("First year"), kind="number", required=True, attrs={"min": "2000", "max": "2100"}),
        Field("years", N_("Number of years (empty: one full rotation)"), kind="number", attrs={"min": "1"}),
    ],
    locations={"organisation_ids": "order"},
)
HANDOVER = Form(
    "cluster-handover",
    [
        Field("from_organisation_id", N_("Outgoing lead"), kind="select", required=True, blank=""),
        Field("to_organisation_id", N_("Incoming lead"), kind="select", required=True, blank=""),
        Field("handed_over_on", N_("Handed over on"), kind="date", required=True),
        Field("minutes", N_("Minutes"), kind="textarea", required=True, attrs={"maxlength": "50000"}),
        Field("files", N_("Documents"), kind="file", attrs=_MULTIPLE),
    ],
    locations={"attachment_ids": "files"},
)

_ACTIVITY = [
    Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
    Field("kind", N_("Kind"), kind="select", choices=tuple(labels.ACTIVITY_KINDS.items())),
    Field("status", N_("Status"), kind="select", choices=tuple(labels.ACTIVITY_STATUSES.items())),
    Field("owner_organisation_id", N_("Owner"), kind="select", blank=""),
    Field("starts_on", N_("Starts on"), kind="date"),
    Field("ends_on", N_("Ends on"), kind="date"),
    Field("notes", N_("Notes"), kind="textarea", attrs={"maxlength": "10000"}),
]
ACTIVITY = Form("plan-activity", _ACTIVITY)
ACTIVITY_EDIT = Form("plan-activity-edit", _ACTIVITY)
PLAN_SUMMARY = Form("plan-summary", [Field("summary", N_("Summary"), kind="textarea", attrs={"maxlength": "50000"})])

# The drills are a table of rows: each column is read as a list (one value per row).
DRILL_COLUMNS = {
    "drill_name": "name",
    "drill_held_on": "held_on",
    "drill_result": "result",
    "drill_rank": "rank",
    "drill_participants": "participants",
}
READINESS = Form(
    "readiness-record",
    [
        Field("antimalware_deployed", N_("Deployed"), kind="checkbox"),
        Field("antimalware_connected", N_("Connected to the national monitoring system"), kind="checkbox"),
        Field("antimalware_connected_on", N_("Connected on"), kind="date"),
        Field("backup_plan", N_("A backup and recovery plan exists"), kind="checkbox"),
        Field("last_restore_test_on", N_("Last successful restore test"), kind="date"),
        Field("ir_team", N_("We have an incident-response team"), kind="checkbox"),
        Field("ir_contact_24x7", N_("24/7 contact"), attrs={"maxlength": "200"}),
        Field("systems_inventory", N_("An inventory with approved security levels exists"), kind="checkbox"),
        Field(
            "systems_approved_count",
            N_("Systems with an approved security level"),
            kind="number",
            attrs={"min": "0"},
        ),
        Field(
            "statement",
            N_("Yearly statement"),
            kind="textarea",
            help=N_('e.g. "no data-loss incident in 2024"'),
            attrs={"maxlength": "10000"},
        ),
        Field("drill_name", N_("Drill"), kind="multiselect"),
        Field("drill_held_on", N_("Date"), kind="multiselect"),
        Field("drill_result", N_("Result"), kind="multiselect"),
        Field("drill_rank", N_("Rank"), kind="multiselect"),
        Field("drill_participants", N_("Of"), kind="multiselect"),
    ],
    locations={"drills": "drill_name"},
)
EVIDENCE = Form(
    "readiness-evidence",
    [
        Field(
            "criterion",
            N_("Criterion"),
            kind="select",
            required=True,
            choices=tuple((k, v) for k, v in labels.READINESS_CRITERIA.items() if k != "no_record"),
        ),
        Field("file", N_("Document"), kind="file", required=True),
        Field("dated_on", N_("Dated"), kind="date"),
        Field("note", N_("Note"), attrs={"maxlength": "300"}),
    ],
    locations={"file_id": "file"},
)

CHANNEL = Form(
    "channel-new",
    [
        Field("kind", N_("Kind"), kind="select"),
        Field("name", N_("Name"), required=True, attrs={"maxlength": "200"}),
        Field("name_en", N_("Name in English"), attrs={"maxlength": "200"}),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "5000"}),
        Field("cluster_id", N_("Cluster"), kind="select"),
        Field("organisation_ids", N_("Organisations (topic channels)"), kind="multiselect", attrs={"size": "6"}),
    ],
)
_MESSAGE = [
    Field(
        "body",
        N_("Message"),
        kind="textarea",
        required=True,
        help=N_("Mention someone with @their.email@example.vn, @[Full Name] or @Full Name; they are notified."),
        attrs={"maxlength": "20000"},
    ),
    Field("tlp", N_("TLP marking"), kind="select", widget="radios", required=True),
    Field(
        "recipient_ids",
        N_("Named recipients"),
        kind="multiselect",
        help=N_("TLP:RED reaches only the people named here; they always see the message."),
        attrs={"size": "5"},
    ),
    Field("files", N_("Attachments"), kind="file", attrs=_MULTIPLE),
]
_MESSAGE_LOCATIONS = {"attachment_ids": "files"}
THREAD = Form(
    "channel-thread",
    [Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}), *_MESSAGE],
    locations=_MESSAGE_LOCATIONS,
)
REPLY = Form("channel-reply", _MESSAGE, locations=_MESSAGE_LOCATIONS)

_DOCUMENT = [
    Field("title_vi", N_("Title in Vietnamese"), attrs={"maxlength": "300"}),
    Field("title_en", N_("Title in English"), attrs={"maxlength": "300"}),
    Field("summary_vi", N_("Summary in Vietnamese"), kind="textarea", attrs={"maxlength": "10000"}),
    Field("summary_en", N_("Summary in English"), kind="textarea", attrs={"maxlength": "10000"}),
    Field("tags", N_("Tags (separated by commas)"), attrs={"maxlength": "1000"}),
    Field("tlp", N_("TLP marking"), kind="select", widget="radios", required=True),
    Field("files", N_("Files"), kind="file", attrs=_MULTIPLE),
]
_DOCUMENT_LOCATIONS = {"attachment_ids": "files", "title": "title_vi"}
DOCUMENT = Form(
    "knowledge-document",
    [
        Field("kind", N_("Kind"), kind="select", choices=tuple(labels.KNOWLEDGE_KINDS.items())),
        Field("cluster_id", N_("Share with"), kind="select", blank=N_("The whole network")),
        *_DOCUMENT,
    ],
    locations=_DOCUMENT_LOCATIONS,
)
MATERIAL = Form("event-material", _DOCUMENT, locations=_DOCUMENT_LOCATIONS)

EVENT = Form(
    "event-new",
    [
        Field("cluster_id", N_("For"), kind="select"),
        Field("kind", N_("Kind"), kind="select", choices=tuple(labels.EVENT_KINDS.items())),
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        Field("title_en", N_("Title in English"), attrs={"maxlength": "300"}),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "20000"}),
        Field("starts_at", N_("Starts at"), kind="datetime", required=True),
        Field("ends_at", N_("Ends at"), kind="datetime", required=True),
        Field("location", N_("Location"), attrs={"maxlength": "300"}),
        Field("online_link", N_("Online link"), kind="url", attrs={"maxlength": "500"}),
        Field("capacity", N_("Capacity (empty: no limit)"), kind="number", attrs={"min": "1"}),
    ],
)


def filled(values: Mapping[str, Any]) -> dict[str, Any]:
    """Schema input without the fields left blank, so the schema's defaults apply."""
    return {k: v for k, v in values.items() if v is not None}


def tags(form: BoundForm) -> list[str]:
    """The tags box as a list: comma-separated, blanks dropped."""
    return [t.strip() for t in form.text("tags").split(",") if t.strip()]


def document_values(form: BoundForm) -> dict[str, Any]:
    """A knowledge document's (or event material's) fields as `DocumentCreate` input."""
    values = filled(form.values())
    values["tags"] = tags(form)
    return values


# -- filters (GET forms: what is asked is in the address) ----------------------------------------

KNOWLEDGE_SEARCH = Form(
    "knowledge-search",
    [
        Field("q", N_("Search (Vietnamese or English, accents optional)"), attrs={"maxlength": "200"}),
        Field("kind", N_("Kind"), kind="select", choices=tuple(labels.KNOWLEDGE_KINDS.items()), blank=N_("All")),
        Field("tag", N_("Tag"), attrs={"maxlength": "40"}),
    ],
)
COVERAGE_FILTERS = Form(
    "readiness-coverage-filters",
    [
        Field("year", N_("Year"), kind="number", required=True, attrs={"min": "2000"}),
        Field("group_by", N_("Group by"), kind="select", choices=tuple(labels.COVERAGE_GROUPINGS.items())),
        Field("cluster_id", N_("Cluster"), kind="select", blank=N_("All I may see")),
    ],
)


def from_query(form: Form, query: Any) -> BoundForm:
    """A GET form as the address carries it."""
    return form.from_data(FormData(list(query.multi_items())))
