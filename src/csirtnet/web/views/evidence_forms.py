"""The evidence pages' forms, declared once on the one form path (csirtnet.web.forms): adding an item
with its whole collection record and its file, and each custody step of the item page (seal,
transfer and its answer, check out and in, analysis, copy, return, disposal). The people a transfer
may go to are given by the page."""

from __future__ import annotations

from csirtnet.i18n import N_
from csirtnet.models import DIGITAL_TYPES, EvidenceType
from csirtnet.vocabulary import labels
from csirtnet.web.forms import Field, Form
from csirtnet.web.views.incidents.page_forms import TLP_CHOICES

DIGITAL_CHOICES = tuple((t.value, labels.EVIDENCE_TYPES[t.value]) for t in EvidenceType if t in DIGITAL_TYPES)
PHYSICAL_CHOICES = tuple((t.value, labels.EVIDENCE_TYPES[t.value]) for t in EvidenceType if t not in DIGITAL_TYPES)
ORIGINAL_CHOICES = (("1", N_("Original")), ("0", N_("Copy")))

ADD = Form(
    "evidence-add",
    [
        Field("kind", N_("Kind"), kind="select", widget="radios", choices=tuple(labels.EVIDENCE_KINDS.items())),
        Field(
            "item_type",
            N_("Type"),
            kind="select",
            required=True,
            choices=tuple(labels.EVIDENCE_TYPES.items()),
            blank="—",
        ),
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "10000", "rows": "3"}),
        Field(
            "tlp",
            "TLP",
            kind="select",
            choices=TLP_CHOICES,
            required=True,
            help=N_("TLP:RED: only the people named on the incident with an evidence role see the item."),
        ),
        # a physical item
        Field("make", N_("Make"), attrs={"maxlength": "200"}),
        Field("model", N_("Model"), attrs={"maxlength": "200"}),
        Field("serial_number", N_("Serial number"), attrs={"maxlength": "200"}),
        Field("seal_number", N_("Seal number"), attrs={"maxlength": "100"}),
        Field("location", N_("Where it is kept"), attrs={"maxlength": "300"}),
        # the collection record
        Field(
            "collected_by_name",
            N_("Collected by"),
            help=N_("Empty: you."),
            attrs={"maxlength": "200"},
        ),
        Field("collected_at", N_("Collected at"), kind="datetime", required=True),
        Field("collection_place", N_("Place"), attrs={"maxlength": "300"}),
        Field("collection_system", N_("System"), attrs={"maxlength": "300"}),
        Field("collection_address", N_("Address (IP, host name)"), attrs={"maxlength": "300"}),
        Field("tool", N_("Tool"), attrs={"maxlength": "200"}),
        Field("tool_version", N_("Tool version"), attrs={"maxlength": "100"}),
        Field(
            "procedure",
            N_("Command or procedure"),
            kind="textarea",
            attrs={"maxlength": "10000", "rows": "3"},
        ),
        Field(
            "legal_basis",
            N_("Legal basis (decision or warrant number)"),
            attrs={"maxlength": "200"},
        ),
        Field("legal_basis_date", N_("Date of the legal basis"), kind="date"),
        Field("original", N_("Original or copy"), kind="select", widget="radios", choices=ORIGINAL_CHOICES),
        Field(
            "volatility",
            N_("Order of volatility (RFC 3227)"),
            kind="select",
            choices=tuple(labels.VOLATILITY.items()),
            blank=N_("Not stated"),
        ),
        Field(
            "iso_stage",
            N_("Stage (ISO/IEC 27037)"),
            kind="select",
            choices=tuple(labels.ISO_STAGES.items()),
            required=True,
        ),
        Field(
            "sha256",
            N_("SHA-256 computed at acquisition (optional)"),
            help=N_("When given, a file whose SHA-256 differs is refused and nothing is registered."),
            attrs={"maxlength": "64", "spellcheck": "false", "autocomplete": "off"},
        ),
        Field("file", N_("File"), kind="file", help=N_("A digital item's file, of any size.")),
    ],
    locations={"collected_timezone": "collected_at", "sha1": "sha256", "md5": "sha256", "content": "file"},
)

SEAL = Form(
    "evidence-seal",
    [
        Field("seal_number", N_("Seal number"), required=True, attrs={"maxlength": "100"}),
        Field("location", N_("Where it is kept"), attrs={"maxlength": "300"}),
        Field("note", N_("Note"), attrs={"maxlength": "2000"}),
    ],
)
TRANSFER = Form(
    "evidence-transfer",
    [
        Field("to_user_id", N_("Hand over to"), kind="select", required=True, blank="—"),
        Field("reason", N_("Reason"), kind="textarea", required=True, attrs={"maxlength": "2000", "rows": "2"}),
    ],
)
ACKNOWLEDGE = Form("evidence-acknowledge", [Field("note", N_("Note"), attrs={"maxlength": "2000"})])
DECLINE = Form("evidence-decline", [Field("reason", N_("Why you decline"), required=True, attrs={"maxlength": "2000"})])
CANCEL = Form("evidence-cancel", [Field("note", N_("Note"), attrs={"maxlength": "2000"})])
CHECK_OUT = Form(
    "evidence-check-out",
    [Field("purpose", N_("Purpose of the analysis"), required=True, attrs={"maxlength": "2000"})],
)
CHECK_IN = Form("evidence-check-in", [Field("note", N_("Note"), attrs={"maxlength": "2000"})])
ANALYSIS = Form(
    "evidence-analysis",
    [
        Field("tool", N_("Tool"), required=True, attrs={"maxlength": "200"}),
        Field("tool_version", N_("Tool version"), attrs={"maxlength": "100"}),
        Field("findings", N_("Findings"), kind="textarea", required=True, attrs={"maxlength": "20000", "rows": "4"}),
    ],
)
COPY = Form(
    "evidence-copy",
    [
        Field(
            "title",
            N_("Title of the copy"),
            help=N_("Empty: the item's title with “(copy)”."),
            attrs={"maxlength": "300"},
        ),
        Field("reason", N_("Reason"), required=True, attrs={"maxlength": "2000"}),
    ],
)
RETURN = Form(
    "evidence-return",
    [
        Field("returned_to", N_("Returned to"), required=True, attrs={"maxlength": "300"}),
        Field("note", N_("Note"), attrs={"maxlength": "2000"}),
    ],
)
DISPOSE = Form(
    "evidence-dispose",
    [
        Field(
            "method",
            N_("How it was disposed of"),
            required=True,
            help=N_("Destroyed, wiped, released to its owner…"),
            attrs={"maxlength": "300"},
        ),
        Field(
            "authorisation",
            N_("Authorisation (decision number)"),
            required=True,
            attrs={"maxlength": "300"},
        ),
        Field("note", N_("Note"), attrs={"maxlength": "2000"}),
    ],
)

# The item page's steps: (path segment, form, its API schema name in evidence.schemas).
STEP_FORMS = {
    "seal": SEAL,
    "transfer": TRANSFER,
    "acknowledge": ACKNOWLEDGE,
    "decline": DECLINE,
    "cancel-transfer": CANCEL,
    "check-out": CHECK_OUT,
    "check-in": CHECK_IN,
    "analysis": ANALYSIS,
    "copy": COPY,
    "return": RETURN,
    "dispose": DISPOSE,
}
