"""The indicator pages' forms, declared once (the one form path, web/forms.py): the search filters,
one indicator (new and edit), the pasted list, a sighting, an upload, an export, a configured
collection and its readers, a subscription. Choices that depend on the reader (the collections
they may read or write, organisations) are given per request by the views."""

from __future__ import annotations

from csirtnet.i18n import N_
from csirtnet.models import IndicatorKind
from csirtnet.vocabulary import labels
from csirtnet.web.forms import Field, Form
from csirtnet.web.views.incidents.page_forms import PAP_CHOICES, TLP_CHOICES

KIND_CHOICES = tuple((k.value, labels.INDICATOR_KINDS[k.value]) for k in IndicatorKind)

_CONFIDENCE = {"min": "0", "max": "100", "step": "1"}
# A tag the service refuses is named by its place in the list ("tags[2]"): the tags field shows it.
_TAG_LOCATIONS = {f"tags[{i}]": "tags" for i in range(60)}

FILTERS = Form(
    "indicator_filters",
    [
        Field("q", N_("Value or beginning of a value"), attrs={"maxlength": "2048"}),
        Field("kind", N_("Type"), kind="select", blank=N_("Any"), choices=KIND_CHOICES),
        Field("tlp", "TLP", kind="select", blank=N_("Any"), choices=TLP_CHOICES),
        Field("collection", N_("Shared in"), kind="select", blank=N_("Any")),
        Field("tag", N_("Tag"), attrs={"maxlength": "200"}),
        Field("source", N_("Source"), attrs={"maxlength": "200"}),
        Field("expired", N_("Show expired and revoked"), kind="checkbox"),
    ],
)

INDICATOR = Form(
    "indicator",
    [
        Field("value", N_("Value"), required=True, attrs={"maxlength": "2048", "spellcheck": "false"}),
        Field(
            "kind",
            N_("Type"),
            kind="select",
            blank=N_("Detect from the value"),
            choices=KIND_CHOICES,
            help=N_("Leave it to be detected, or choose one (a 32-digit JA3 is only ever chosen)."),
        ),
        Field("collection", N_("Share into"), kind="select", required=True),
        Field("tlp", "TLP", kind="select", required=True, choices=TLP_CHOICES),
        Field("pap", "PAP", kind="select", choices=PAP_CHOICES),
        Field(
            "confidence",
            N_("Confidence (0–100)"),
            kind="number",
            attrs=_CONFIDENCE,
        ),
        Field("valid_from", N_("Valid from"), kind="datetime"),
        Field("valid_until", N_("Valid until"), kind="datetime", help=N_("Empty: it decays by its type's model.")),
        Field("rsit", N_("RSIT class / type"), kind="select", blank=N_("Not classified")),
        Field(
            "tags",
            N_("Tags"),
            help=N_("Separated by commas: an ATT&CK technique as attack:T1566, MISP machine tags, free words."),
            attrs={"maxlength": "2000"},
        ),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "10000", "rows": "3"}),
    ],
    locations=_TAG_LOCATIONS,
)
# What an edit may change (the value, type and collection stay: a new value is a new indicator).
EDIT_FIELDS = ("tlp", "pap", "confidence", "valid_until", "rsit", "tags", "description")
INDICATOR_EDIT = Form("indicator_edit", [INDICATOR[name] for name in EDIT_FIELDS], locations=_TAG_LOCATIONS)

BULK = Form(
    "indicator_bulk",
    [
        Field(
            "text",
            N_("Indicators"),
            kind="textarea",
            required=True,
            help=N_(
                "One per line, or separated by spaces, commas or semicolons; defanged values "
                "(hxxp://, example[.]vn) are read as meant; lines starting with # are ignored."
            ),
            attrs={"rows": "10", "spellcheck": "false"},
        ),
        Field("collection", N_("Share into"), kind="select", required=True),
        Field("tlp", "TLP", kind="select", required=True, choices=TLP_CHOICES),
        Field("confidence", N_("Confidence (0–100)"), kind="number", attrs=_CONFIDENCE),
        Field("tags", N_("Tags"), attrs={"maxlength": "2000"}),
    ],
    locations=_TAG_LOCATIONS,
)

SIGHTING = Form(
    "indicator_sighting",
    [
        Field("last_seen_at", N_("Seen at"), kind="datetime", required=True),
        Field("count", N_("How many times"), kind="number", attrs={"min": "1", "step": "1"}),
        Field("tlp", "TLP", kind="select", required=True, choices=TLP_CHOICES),
        Field("note", N_("Note"), kind="textarea", attrs={"maxlength": "2000", "rows": "2"}),
    ],
    locations={"first_seen_at": "last_seen_at"},
)

IMPORT = Form(
    "indicator_import",
    [
        Field(
            "file",
            N_("File"),
            kind="file",
            required=True,
            help=N_("A STIX 2.1 bundle or a MISP event, as JSON."),
            attrs={"accept": ".json,application/json"},
        ),
        Field("collection", N_("Import into"), kind="select", required=True),
        Field(
            "default_tlp",
            N_("TLP of objects without a marking"),
            kind="select",
            required=True,
            choices=TLP_CHOICES,
        ),
    ],
    # What the importer names when a file is not what it should be: the file field shows it.
    locations={"path": "file", "bundle": "file", "type": "file", "id": "file", "objects": "file", "event": "file"},
)

EXPORT_FORMATS = (
    ("stix", N_("STIX 2.1 bundle (JSON)")),
    ("misp-feed", N_("MISP feed (zip)")),
    ("csv", "CSV"),
    ("blocklist-ips", N_("Blocklist: IP addresses")),
    ("blocklist-networks", N_("Blocklist: networks")),
    ("blocklist-domains", N_("Blocklist: domains and host names")),
    ("blocklist-urls", N_("Blocklist: URLs")),
    ("blocklist-hashes", N_("Blocklist: file hashes")),
    ("rpz", N_("DNS RPZ zone")),
    ("suricata", N_("Suricata rules (zip, with the hash lists)")),
)
EXPORT = Form(
    "indicator_export",
    [
        Field("format", N_("Format"), kind="select", required=True, choices=EXPORT_FORMATS, widget="radios"),
        Field("collection", N_("Shared in"), kind="select", blank=N_("Every collection I read")),
    ],
)

COLLECTION = Form(
    "taxii_collection",
    [
        Field("title", N_("Title"), required=True, attrs={"maxlength": "200"}),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "2000", "rows": "2"}),
    ],
)
GRANT = Form(
    "taxii_collection_grant",
    [
        Field("organisation_id", N_("Organisation"), kind="select", required=True, blank=N_("Choose")),
        Field("can_write", N_("May also share into it"), kind="checkbox"),
    ],
)

SUBSCRIPTION = Form(
    "taxii_subscription",
    [
        Field("name", N_("Name"), required=True, attrs={"maxlength": "200"}),
        Field(
            "direction",
            N_("Direction"),
            kind="select",
            required=True,
            widget="radios",
            choices=tuple(labels.SUBSCRIPTION_DIRECTIONS.items()),
        ),
        Field(
            "api_root_url",
            N_("API root URL"),
            kind="url",
            required=True,
            help=N_("The remote's TAXII 2.1 API root, e.g. https://cert.example/taxii2/intel/"),
            attrs={"maxlength": "1000"},
        ),
        Field("remote_collection_id", N_("Remote collection id"), required=True, attrs={"maxlength": "36"}),
        Field("collection", N_("Local collection"), kind="select", required=True),
        Field("username", N_("User name on the remote"), attrs={"maxlength": "200", "autocomplete": "off"}),
        Field(
            "secret",
            N_("Password or API token on the remote"),
            kind="password",
            help=N_("Sealed with the platform key; never shown again."),
            attrs={"autocomplete": "new-password"},
        ),
        Field(
            "peer_organisation_id",
            N_("The peer stands for (push)"),
            kind="select",
            blank=N_("Not a push"),
            help=N_("A push sends only what this organisation may see under TLP."),
        ),
        Field("interval_minutes", N_("Every (minutes)"), kind="number", attrs={"min": "5", "max": "10080"}),
    ],
)
