"""The advisory pages' forms, declared once on the one form path (csirtnet.web.forms): the draft (and
its edit, which for a published advisory adds what changed and whether recipients answer again),
the answer, the review, the withdrawal, and the filters of the list, the tracking view and the
catalogues. The audience's choices depend on the writer (advisory.page_reads) and are given by the
page; the draft's line-based fields are read by `draft`."""

from __future__ import annotations

from csirtnet.i18n import N_
from csirtnet.models import AckStatus
from csirtnet.vocabulary import labels
from csirtnet.web.forms import Field, Form
from csirtnet.web.views.incidents.page_forms import LEVELS, PAP_CHOICES, TLP_CHOICES

# The recipients' answers (not "pending": that is no answer).
ANSWER_CHOICES = tuple((k, v) for k, v in labels.ACK_STATUSES.items() if k != AckStatus.PENDING.value)
REVIEW_CHOICES = (("approve", N_("Approve and publish")), ("return", N_("Return to the author")))
SHOW_CHOICES = (("told", N_("Told to my organisation")), ("all", N_("Every advisory I may see")))
_LINES = N_("One per line.")


def _text(name: str, label: str, help_text: str, attrs: dict[str, str], required: bool = False) -> Field:
    """A text area with its help: most of these forms' free-text fields."""
    return Field(name, label, kind="textarea", required=required, help=help_text, attrs=attrs)


ADVISORY = Form(
    "advisory",
    [
        Field("kind", N_("Kind"), kind="select", widget="radios", choices=tuple(labels.ADVISORY_KINDS.items())),
        Field("title", N_("Title"), required=True, attrs={"maxlength": "300"}),
        _text(
            "summary",
            N_("Summary of the advisory"),
            N_("A few sentences: what happens, who is at risk, what to do first."),
            {"maxlength": "4000", "rows": "3"},
            required=True,
        ),
        _text(
            "body",
            N_("Details"),
            N_("Markdown: **bold**, lists, links, tables. HTML is shown as text."),
            {"maxlength": "100000", "rows": "10"},
        ),
        Field(
            "severity",
            N_("Severity"),
            kind="select",
            required=True,
            choices=tuple(labels.ADVISORY_SEVERITIES.items()),
        ),
        Field("tlp", "TLP", kind="select", required=True, choices=TLP_CHOICES),
        Field("pap", "PAP", kind="select", required=True, choices=PAP_CHOICES),
        Field(
            "cvss_vector",
            N_("CVSS vector"),
            help=N_("CVSS v3.1 base vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            attrs={"maxlength": "200", "spellcheck": "false", "autocomplete": "off"},
        ),
        _text("cve_ids", N_("CVE ids"), N_("One per line, e.g. CVE-2024-3400."), {"rows": "3", "spellcheck": "false"}),
        Field(
            "affected_products",
            N_("Affected products"),
            kind="textarea",
            help=N_(
                "One per line: vendor | product | versions, comma-separated: exact (10.2.8) or ranges "
                "(<10.2.9, >=2.0 <2.4.58). Organisations that declared a matching product are marked likely affected."
            ),
            attrs={"rows": "3", "spellcheck": "false"},
        ),
        Field(
            "indicators",
            N_("Indicators"),
            kind="textarea",
            help=N_(
                "One per line: the type and the value (ipv4 203.0.113.7), or only the value when its type "
                "shows: an IPv4 or IPv6 address, a network (CIDR), a domain, a URL, an email address, "
                "an MD5, SHA-1 or SHA-256 hash."
            ),
            attrs={"rows": "4", "spellcheck": "false"},
        ),
        Field(
            "recommended_actions",
            N_("Recommended actions"),
            kind="textarea",
            help=_LINES,
            attrs={"rows": "3"},
        ),
        _text(
            "references",
            N_("References"),
            N_("One per line: the address, then | and what it is (https://… | Vendor advisory)."),
            {"rows": "3", "spellcheck": "false"},
        ),
        Field(
            "deadline_at",
            N_("Deadline to act"),
            kind="datetime",
            help=N_("Recipients answer by then: a reminder goes out before, the unanswered are escalated after."),
        ),
        Field("audience_network", N_("The whole network"), kind="checkbox"),
        Field("audience_clusters", N_("Clusters"), kind="multiselect", widget="checkboxes"),
        Field("audience_sectors", N_("Sectors"), kind="multiselect", choices=tuple(labels.SECTORS.items())),
        Field("audience_provinces", N_("Provinces"), kind="multiselect"),
        Field(
            "audience_levels",
            N_("Organisations running information systems of security level"),
            kind="multiselect",
            widget="checkboxes",
            choices=LEVELS,
        ),
        Field("audience_organisations", N_("Named organisations"), kind="multiselect"),
        _text(
            "audience_people",
            N_("Named people"),
            N_("One email address per line. A TLP:RED advisory is told only to the people named here."),
            {"rows": "2", "spellcheck": "false"},
        ),
        Field(
            "cluster_id",
            N_("Publish as the lead of"),
            kind="select",
            blank=N_("My organisation"),
            help=N_("As a cluster's lead you publish to the organisations of the cluster."),
        ),
        _text(
            "note",
            N_("What changed"),
            N_("Recipients read this with the new version."),
            {"maxlength": "2000", "rows": "2"},
        ),
        Field("fresh_ack", N_("Ask every recipient to answer again"), kind="checkbox"),
    ],
    locations={
        "audience": "audience_network",
        "audience.network": "audience_network",
        "audience.cluster_ids": "audience_clusters",
        "audience.sectors": "audience_sectors",
        "audience.provinces": "audience_provinces",
        "audience.security_levels": "audience_levels",
        "audience.organisation_ids": "audience_organisations",
        "audience.user_ids": "audience_people",
        "organisation": "title",
    },
)

ANSWER = Form(
    "advisory-answer",
    [
        Field("status", N_("Our answer"), kind="select", widget="radios", required=True, choices=ANSWER_CHOICES),
        _text("note", N_("Note"), N_("What you did, or what help you need."), {"maxlength": "4000", "rows": "2"}),
    ],
)
REVIEW = Form(
    "advisory-review",
    [
        Field("decision", N_("Decision"), kind="select", widget="radios", required=True, choices=REVIEW_CHOICES),
        _text(
            "note", N_("Note"), N_("Needed when you return it: say what to change."), {"maxlength": "2000", "rows": "2"}
        ),
    ],
)
WITHDRAW = Form(
    "advisory-withdraw",
    [
        _text(
            "reason",
            N_("Reason"),
            N_("Recipients keep what they were sent; the advisory is marked withdrawn."),
            {"maxlength": "2000", "rows": "2"},
            required=True,
        )
    ],
)

FILTERS = Form(
    "advisory-filters",
    [
        Field("q", N_("Search"), attrs={"maxlength": "200", "type": "search"}),
        Field(
            "status",
            N_("Status"),
            kind="select",
            choices=tuple(labels.ADVISORY_STATUSES.items()),
            blank=N_("Any"),
        ),
        Field("kind", N_("Kind"), kind="select", choices=tuple(labels.ADVISORY_KINDS.items()), blank=N_("Any")),
        Field("show", N_("Show"), kind="select", choices=SHOW_CHOICES),
    ],
)
TRACKING_FILTERS = Form(
    "advisory-tracking-filters",
    [
        Field("status", N_("Answer"), kind="select", choices=tuple(labels.ACK_STATUSES.items()), blank=N_("Any")),
        Field("cluster_id", N_("Cluster"), kind="select", blank=N_("Any")),
        Field("province", N_("Province"), kind="select", blank=N_("Any")),
    ],
)
VULNERABILITY_FILTERS = Form(
    "advisory-vulnerability-filters",
    [
        Field("q", N_("Search"), attrs={"maxlength": "200", "type": "search"}),
        Field("kev", N_("Only known exploited (CISA KEV)"), kind="checkbox"),
    ],
)
CSAF_FILTERS = Form("advisory-csaf-filters", [Field("q", N_("Search"), attrs={"maxlength": "200", "type": "search"})])
