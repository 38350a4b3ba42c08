"""The members pages' forms, declared once on the one form path (csirtnet.web.forms): a member's
profile (particulars, capabilities, contacts, systems, declared products, constituency, experts),
the review of applications, the resolution of overlapping claims, the import and the lookup.
Choices that depend on the data (the other members a part is delegated to, a member's own
systems) are given by the page."""

from __future__ import annotations

from csirtnet.i18n import N_
from csirtnet.models.organisation import OrganisationKind
from csirtnet.vocabulary import first_services, labels, skills
from csirtnet.web.forms import Field, Form

KIND_CHOICES = tuple((k, v) for k, v in labels.ORGANISATION_KINDS.items() if k != OrganisationKind.COORDINATOR.value)
ROLE_CHOICES = tuple(labels.CONTACT_ROLES.items())
LEVEL_CHOICES = tuple((str(n), str(n)) for n in range(1, 6))
SKILL_LEVELS = (("1", N_("1 · basic")), ("2", N_("2 · practitioner")), ("3", N_("3 · expert")))


def service_choices(language: str) -> list[tuple[str, str]]:
    """Every FIRST service as (key, name in the reader's language), area by area."""
    return [(s.key, s.vi if language == "vi" else s.en) for area in first_services.AREAS for s in area.services]


def skill_choices(language: str) -> list[tuple[str, str]]:
    names = {k: v.get(language, k) for k, v in skills.SKILLS.items()}
    return sorted(names.items(), key=lambda item: item[1])


PROFILE = Form(
    "member-profile",
    [
        Field("name", N_("Official name"), required=True, attrs={"maxlength": "300"}),
        Field("name_en", N_("Name in English"), attrs={"maxlength": "300"}),
        Field("short_name", N_("Short name"), attrs={"maxlength": "60"}),
        Field("kind", N_("Type"), kind="select", choices=KIND_CHOICES, required=True),
        Field("sector", N_("Sector"), attrs={"maxlength": "80"}),
        Field("province", N_("Province or city"), attrs={"maxlength": "80"}),
        Field("owner_agency", N_("Owner agency"), attrs={"maxlength": "300"}),
        Field("address", N_("Address"), attrs={"maxlength": "500"}),
        Field("website", N_("Website"), attrs={"maxlength": "300"}),
        Field("incident_email", N_("Public incident-reception email"), kind="email"),
        Field("incident_phone", N_("Public incident-reception phone"), kind="tel", attrs={"maxlength": "40"}),
        Field("staff_count", N_("Information-security staff"), kind="number", attrs={"min": "0"}),
        Field("capability_description", N_("Capability description"), kind="textarea"),
    ],
)
SERVICES = Form(
    "member-services",
    [
        Field(
            "services",
            N_("Capabilities (FIRST CSIRT Services Framework)"),
            kind="multiselect",
            widget="checkboxes",
        )
    ],
)
CONTACT = Form(
    "member-contact",
    [
        Field("role", N_("Role"), kind="select", choices=ROLE_CHOICES, required=True),
        Field("full_name", N_("Full name"), required=True, attrs={"maxlength": "200"}),
        Field("position", N_("Position"), attrs={"maxlength": "200"}),
        Field("email", N_("Email"), kind="email"),
        Field("phone", N_("Phone"), kind="tel", attrs={"maxlength": "40"}),
    ],
)
SYSTEM = Form(
    "member-system",
    [
        Field("name", N_("System name"), required=True, attrs={"maxlength": "300"}),
        Field("security_level", N_("Security level"), kind="select", choices=LEVEL_CHOICES, required=True),
        Field("national_important", N_("On the national list"), kind="checkbox"),
        Field("description", N_("Description"), kind="textarea", attrs={"maxlength": "5000", "rows": "2"}),
    ],
)
PRODUCT = Form(
    "member-product",
    [
        Field("vendor", N_("Vendor"), required=True, attrs={"maxlength": "200", "placeholder": "Palo Alto Networks"}),
        Field("product", N_("Product"), required=True, attrs={"maxlength": "200", "placeholder": "PAN-OS"}),
        Field(
            "version",
            N_("Version"),
            help=N_("One version as the vendor writes it; leave it empty when not known."),
            attrs={"maxlength": "100", "placeholder": "10.2.7 · 13.1-49.13"},
        ),
        # The member's own information systems, given by the page.
        Field("information_system_id", N_("Information system"), kind="select", blank=N_("No particular system")),
    ],
)
CLAIM = Form(
    "member-claim",
    [
        Field(
            "value",
            N_("IP prefix, AS number or domain"),
            required=True,
            attrs={"placeholder": "203.0.113.0/24 · 2001:db8::/32 · AS64500 · example.vn", "maxlength": "300"},
        ),
        Field("note", N_("Note"), attrs={"maxlength": "500"}),
    ],
)
DELEGATE = Form(
    "member-delegate",
    [
        Field("value", N_("More specific prefix or subdomain"), required=True, attrs={"maxlength": "300"}),
        Field("organisation_id", N_("To member"), kind="select", required=True),
    ],
)
EXPERT = Form(
    "member-expert",
    [
        Field("full_name", N_("Full name"), required=True, attrs={"maxlength": "200"}),
        Field("email", N_("Email"), kind="email"),
        Field("phone", N_("Phone"), kind="tel", attrs={"maxlength": "40"}),
        Field("province", N_("Region"), attrs={"maxlength": "80"}),
        Field("skills", N_("Skills"), kind="multiselect"),
        Field("level", N_("Level"), kind="select", choices=SKILL_LEVELS, required=True),
        Field("certifications", N_("Certifications (comma-separated)"), attrs={"maxlength": "1000"}),
        Field("languages", N_("Languages (ISO codes, comma-separated)"), attrs={"maxlength": "200"}),
        Field("max_deployments", N_("Max. deployments"), kind="number", attrs={"min": "0", "max": "20"}),
        Field("available", N_("Available"), kind="checkbox"),
        Field("on_site", N_("Can go on site"), kind="checkbox"),
    ],
    locations={"skills": "skills"},
)
EXPERT_INITIAL = {"level": "2", "languages": "vi", "max_deployments": "1", "available": True, "on_site": True}

REQUEST_INFO = Form(
    "application-question",
    [Field("question", N_("Ask the applicant for more information"), kind="textarea", required=True)],
)
APPROVE = Form(
    "application-approve",
    [
        Field("member_code", N_("Member code"), attrs={"maxlength": "40"}),
        Field("admin_email", N_("First admin's email"), kind="email"),
        Field("admin_name", N_("First admin's name"), attrs={"maxlength": "200"}),
    ],
)
DECLINE = Form(
    "application-decline",
    [Field("reason", N_("Reason for declining"), kind="textarea", required=True)],
)

CLAIM_REJECT = Form(
    "claim-reject",
    [Field("reason", N_("Reason"), kind="textarea", required=True, attrs={"maxlength": "1000", "rows": "2"})],
)

IMPORT = Form(
    "member-import",
    [
        Field("file", N_("CSV file"), kind="file", required=True, attrs={"accept": ".csv,text/csv"}),
        Field("apply_valid", N_("Apply only the valid rows"), kind="checkbox"),
    ],
)
LOOKUP = Form(
    "member-lookup",
    [
        Field(
            "q",
            N_("IP address, AS number or domain"),
            required=True,
            attrs={"placeholder": "203.0.113.7 / AS64500 / mail.example.vn", "maxlength": "300"},
        )
    ],
)

ANY = N_("Any")
DIRECTORY_FILTERS = Form(
    "member-directory-filters",
    [
        Field("q", N_("Name or member code"), attrs={"maxlength": "200"}),
        Field("service", N_("Capability"), kind="select", blank=ANY),
        Field("skill", N_("Expert skill"), kind="select", blank=ANY),
        Field("sector", N_("Sector"), kind="select", blank=ANY),
        Field("province", N_("Province"), kind="select", blank=ANY),
        Field("cluster_id", N_("Cluster"), kind="select", blank=ANY),
    ],
)
EXPERT_FILTERS = Form(
    "member-expert-filters",
    [
        Field("q", N_("Name"), attrs={"maxlength": "200"}),
        Field("skill", N_("Skill"), kind="select", blank=ANY),
        Field("province", N_("Province"), attrs={"maxlength": "80"}),
        Field("available", N_("Available"), kind="select", choices=(("yes", N_("Yes")), ("no", N_("No"))), blank=ANY),
    ],
)
APPLICATION_FILTERS = Form(
    "member-application-filters",
    [Field("status", N_("Status"), kind="select", choices=tuple(labels.APPLICATION_STATUSES.items()), blank=ANY)],
)
