"""The feed pages' forms, declared once (the one form path, web/forms.py): a source (the same form
for a new source and an edit), a report uploaded to a source, the event search's filters, a rule,
and the prefix-to-ASN table. Choices that depend on the reader (sources, organisations, RSIT names
in the reader's language) are given per request by the views.

The names of the feed codes shown here (source kinds, parsers, actions, run statuses) are choices
in a form, (code, msgid) pairs like the indicator export's formats."""

from __future__ import annotations

from csirtnet.feeds import event
from csirtnet.i18n import N_
from csirtnet.models import ParserName, RuleAction, SourceKind
from csirtnet.vocabulary import Severity, labels
from csirtnet.web.forms import Field, Form
from csirtnet.web.views.incidents.page_forms import TLP_CHOICES

KIND_CHOICES: tuple[tuple[str, str], ...] = (
    (SourceKind.FILE.value, N_("Files dropped in (upload, command line)")),
    (SourceKind.FOLDER.value, N_("A watched folder")),
    (SourceKind.URL.value, N_("A web address polled on a schedule")),
    (SourceKind.API.value, N_("Members' sensors posting to the API")),
)
PARSER_CHOICES: tuple[tuple[str, str], ...] = (
    (ParserName.SHADOWSERVER.value, N_("Shadowserver report (CSV)")),
    (ParserName.CSV.value, N_("CSV with a mapping")),
    (ParserName.JSONL.value, N_("JSON lines (with a mapping, or already harmonised)")),
)
ACTION_CHOICES: tuple[tuple[str, str], ...] = (
    ("digest", N_("A digest per member and period")),
    ("rules", N_("Rules (incidents, sightings, flags)")),
)
RULE_ACTION_CHOICES: tuple[tuple[str, str], ...] = (
    (RuleAction.OPEN_INCIDENT.value, N_("Open an incident")),
    (RuleAction.ADD_SIGHTING.value, N_("Add a sighting to the indicator")),
    (RuleAction.RAISE_FLAG.value, N_("Raise the member's readiness flag")),
)
RUN_STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("running", N_("running")),
    ("done", N_("done")),
    ("failed", N_("failed")),
)
DIGEST_STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("open", N_("collecting")),
    ("sent", N_("sent")),
)
LEVEL_CHOICES: tuple[tuple[str, str], ...] = tuple((str(n), str(n)) for n in range(1, 6))
ORIGIN_CHOICES: tuple[tuple[str, str], ...] = (
    ("cli", N_("command line")),
    ("upload", N_("upload")),
    ("folder", N_("watched folder")),
    ("url", N_("polled address")),
    ("api", N_("sensor API")),
    ("nats", N_("NATS workers")),
    ("demo", N_("demo")),
)
SEVERITY_CHOICES = tuple((s.value, labels.SEVERITIES[s.value]) for s in Severity)
FIELD_CHOICES = tuple((name, name) for name in event.COLUMNS)
# The names the templates show for the codes above: {{ _(names.kind[source.kind]) }}.
NAMES: dict[str, dict[str, str]] = {
    "kind": dict(KIND_CHOICES),
    "parser": dict(PARSER_CHOICES),
    "action": dict(ACTION_CHOICES),
    "rule_action": dict(RULE_ACTION_CHOICES),
    "run_status": dict(RUN_STATUS_CHOICES),
    "digest_status": dict(DIGEST_STATUS_CHOICES),
    "origin": dict(ORIGIN_CHOICES),
}

_HOURS = {"min": "1", "max": "8760", "step": "1"}

SOURCE = Form(
    "feed_source",
    [
        Field("name", N_("Name"), required=True, attrs={"maxlength": "120", "spellcheck": "false"}),
        Field("provider", N_("Provider"), required=True, attrs={"maxlength": "120"}),
        Field("kind", N_("How reports arrive"), kind="select", required=True, choices=KIND_CHOICES),
        Field("parser", N_("Parser"), kind="select", required=True, choices=PARSER_CHOICES),
        Field("tlp", N_("TLP of its data"), kind="select", required=True, choices=TLP_CHOICES),
        Field(
            "url",
            N_("Web address"),
            kind="url",
            help=N_("For a polled source: an http:// or https:// address."),
            attrs={"maxlength": "2000"},
        ),
        Field(
            "url_header",
            N_("Key header"),
            help=N_("When the address wants a key: the header that carries it, e.g. Auth-Key or Authorization."),
            attrs={"maxlength": "100", "spellcheck": "false", "autocomplete": "off"},
        ),
        Field(
            "url_secret",
            N_("Key"),
            kind="password",
            help=N_("Sealed with the platform key; never shown again. Leave it empty to keep the one set."),
            attrs={"maxlength": "4000", "autocomplete": "new-password"},
        ),
        Field(
            "schedule_minutes",
            N_("Poll every (minutes)"),
            kind="number",
            attrs={"min": "1", "max": "10080", "step": "1"},
        ),
        Field(
            "folder",
            N_("Folder"),
            help=N_("For a watched folder: a directory under the feeds folder root."),
            attrs={"maxlength": "1000", "spellcheck": "false"},
        ),
        Field(
            "mapping",
            N_("Mapping (JSON)"),
            kind="textarea",
            help=N_(
                'For CSV and JSON lines: {"columns": {"ip": {"field": "source.ip", "type": "ip"}}, '
                '"time_format": "%Y-%m-%d %H:%M:%S", "constants": {"classification.type": "scanner"}}'
            ),
            attrs={"rows": "6", "spellcheck": "false", "maxlength": "100000"},
        ),
        Field("actions", N_("What follows"), kind="multiselect", widget="checkboxes", choices=ACTION_CHOICES),
        Field(
            "dedupe_fields",
            N_("Duplicate when these are equal"),
            kind="multiselect",
            widget="checkboxes",
            choices=FIELD_CHOICES,
        ),
        Field("dedupe_window_hours", N_("Duplicate window (hours)"), kind="number", required=True, attrs=_HOURS),
        Field("digest_period_hours", N_("Digest period (hours)"), kind="number", required=True, attrs=_HOURS),
        Field(
            "submitter_org_ids",
            N_("Organisations whose sensors may post"),
            kind="multiselect",
            help=N_("For a sensor source: none chosen means any member organisation."),
            attrs={"size": "6"},
        ),
        Field("enabled", N_("Enabled"), kind="checkbox"),
    ],
    # The service names a refused dedupe field by its place in the list: the checkboxes show it.
    locations={f"dedupe_fields[{i}]": "dedupe_fields" for i in range(12)},
)

UPLOAD = Form(
    "feed_upload",
    [
        Field(
            "file",
            N_("Report file"),
            kind="file",
            required=True,
            help=N_("A Shadowserver CSV report, a CSV or JSON-lines file, as this source's parser reads."),
            attrs={"accept": ".csv,.json,.jsonl,.txt,.gz,text/csv,application/json"},
        ),
    ],
)

EVENT_FILTERS = Form(
    "feed_event_filters",
    [
        Field("ip", N_("IP address"), attrs={"maxlength": "50", "spellcheck": "false"}),
        Field("source", N_("Source"), kind="select", blank=N_("Any")),
        Field("taxonomy", N_("Class"), kind="select", blank=N_("Any")),
        Field("type", N_("Type"), kind="select", blank=N_("Any")),
        Field("organisation", N_("Organisation"), kind="select", blank=N_("Any")),
        Field("since", N_("From"), kind="date"),
        Field("until", N_("Until"), kind="date"),
    ],
)

RULE = Form(
    "feed_rule",
    [
        Field("name", N_("Name"), required=True, attrs={"maxlength": "200"}),
        Field("action", N_("Action"), kind="select", required=True, choices=RULE_ACTION_CHOICES),
        Field("source_id", N_("Source"), kind="select", blank=N_("Any source")),
        Field("taxonomy", N_("Class"), kind="select", blank=N_("Any")),
        Field(
            "types",
            N_("Types"),
            kind="multiselect",
            help=N_("None chosen: any type of the class."),
            attrs={"size": "6"},
        ),
        Field(
            "min_security_level",
            N_("Owner's system at security level at least"),
            kind="select",
            blank=N_("Any"),
            choices=LEVEL_CHOICES,
        ),
        Field("severity", N_("Severity of the incident"), kind="select", blank=N_("Not set"), choices=SEVERITY_CHOICES),
        Field(
            "window_hours",
            N_("Once per address within (hours)"),
            kind="number",
            required=True,
            attrs=_HOURS,
        ),
        Field("enabled", N_("Enabled"), kind="checkbox"),
    ],
    locations={f"types[{i}]": "types" for i in range(40)},
)

ASN_TABLE = Form(
    "feed_asn_table",
    [
        Field(
            "file",
            N_("Prefix-to-ASN file"),
            kind="file",
            required=True,
            help=N_(
                "One prefix and its AS number per line (203.0.113.0/24 64500), or CSV prefix,asn. "
                "It replaces the table."
            ),
            attrs={"accept": ".txt,.csv,text/plain,text/csv"},
        ),
    ],
)
