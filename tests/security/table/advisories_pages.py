"""Rows of the advisory pages (issue 13; web/views/advisories/): the list and a new draft, an
advisory's page with its actions (edit, publish, review, withdraw, answer), the tracking view and its
live fragment, and the catalogues (known vulnerabilities for every member; the imported vendor CSAF
documents by their own TLP: WHITE and GREEN for every member, the others for the coordinating
body). The same rules as the API's rows (tests/security/table/advisories.py) over the same seeded
advisories (tests/security/seed_advisories.py)."""

from __future__ import annotations

from collections.abc import Callable

from tests.security.runner import Body, Variant
from tests.security.seed_advisories import ADVISORIES, answerers, editors, reviewers, trackers
from tests.security.table.advisories import (
    ALL,
    NOROLE_EMPTY,
    advisories,
    by_key,
    creators,
    draft_export,
    platform_admin_either,
    shows_own,
    titles,
)
from tests.security.table.vocabulary import MEMBERS, Table, form, objects, org_id_of, readers
from tests.security.world import World

TABLE = Table()
row = TABLE.row

DRAFT = {"kind": "advisory", "severity": "medium", "pap": "amber"}


def create_form(w: World, s: str, v: Variant) -> Body:
    """A draft to one's own organisation."""
    return Body(
        form={
            **DRAFT,
            "title": "Cảnh báo mới",
            "summary": "Tóm tắt cảnh báo mới",
            "tlp": "amber",
            "audience_organisations": str(org_id_of(w, s)),
        }
    )


def edit_form(w: World, s: str, v: Variant) -> Body:
    """The whole draft form again (a published advisory: its new version), to its own audience."""
    spec = ADVISORIES[v.label]
    return Body(
        form={
            **DRAFT,
            "title": "Cảnh báo đã sửa",
            "summary": "Tóm tắt đã sửa đổi",
            "tlp": spec.tlp,
            "audience_organisations": str(w.id(f"org:{spec.told[0]}")),
            "note": "Sửa tóm tắt",
        }
    )


def vendor_title(*keys: str) -> Callable[[World, Variant], frozenset[str]]:
    return lambda w, v: frozenset(w.markers.text(f"csaf {k} title") for k in keys)


def page_editors(w: World, v: Variant) -> frozenset[str]:
    """The edit form: its publisher's writers, while it is a draft or published."""
    key = v.label
    return editors(key) if ADVISORIES[key].status in ("draft", "published") else frozenset()


# The list: every advisory the reader may see ("show=all"; a member's inbox is those told to it).
row("GET", "/advisories", MEMBERS, query={"show": "all"}, either=NOROLE_EMPTY, shows=titles(*ALL))
row("GET", "/advisories/new", lambda w, v: creators(w, Variant("own")))
row("POST", "/advisories", lambda w, v: creators(w, Variant("own")), body=create_form)
row("GET", "/advisories/vulnerabilities", MEMBERS, either=NOROLE_EMPTY)
# Imported vendor CSAF documents: WHITE and GREEN ones for every member, the rest for the coordinating body.
row("GET", "/advisories/csaf", MEMBERS, either=NOROLE_EMPTY, shows=vendor_title("white", "amber"))
row(
    "GET",
    "/advisories/csaf/{csaf_id}",
    readers,
    variants=objects("csaf_id", "csaf", ("white", "amber")),
    hidden=readers,
    shows=lambda w, v: frozenset({w.markers.text(f"csaf {v.label} title")}),
)
row(
    "GET",
    "/advisories/{advisory_id}",
    readers,
    variants=advisories(("amber-A", "clear", "red", "draft-A", "review", "withdrawn", "own-A")),
    hidden=readers,
    shows=shows_own("advisory {label} title", "advisory {label} body"),
)
row(
    "GET",
    "/advisories/{advisory_id}/edit",
    page_editors,
    variants=advisories(("draft-A", "amber-A", "own-A", "review", "withdrawn")),
    hidden=readers,
    either=platform_admin_either,
)
row(
    "POST",
    "/advisories/{advisory_id}/edit",
    page_editors,
    variants=advisories(("draft-A", "own-A")),
    body=edit_form,
    hidden=readers,
    either=platform_admin_either,
)
row(
    "POST",
    "/advisories/{advisory_id}/publish",
    by_key(editors),
    variants=advisories(("draft-A", "draft-coord")),
    hidden=readers,
)
row(
    "POST",
    "/advisories/{advisory_id}/review",
    by_key(reviewers),
    variants=advisories(("review", "amber-A")),
    body=form(decision="approve", note="Đồng ý phát hành"),
    hidden=readers,
)
row(
    "POST",
    "/advisories/{advisory_id}/withdraw",
    by_key(editors),
    variants=advisories(("amber-A", "own-A")),
    body=form(reason="Không còn phù hợp"),
    hidden=readers,
    either=platform_admin_either,
)
row(
    "POST",
    "/advisories/{advisory_id}/answer",
    by_key(answerers),
    variants=advisories(("amber-A", "clear", "red", "withdrawn")),
    body=form(status="received", note="Đã nhận"),
    hidden=readers,
)
row(
    "GET",
    "/advisories/{advisory_id}/tracking",
    by_key(trackers),
    variants=advisories(("amber-A", "clear", "red", "own-A")),
    hidden=readers,
    shows=lambda w, v: frozenset({w.markers.text("advisory clear answer note A")} if v.label == "clear" else ()),
)
row(
    "GET",
    "/advisories/{advisory_id}/tracking/fragment",
    by_key(trackers),
    variants=advisories(("clear", "red")),
    hidden=readers,
    shows=lambda w, v: frozenset({w.markers.text("advisory clear answer note A")} if v.label == "clear" else ()),
)

# The exports from the page: the same service functions as the API's (fewer variants: a PDF costs a
# fifth of a second to draw).
row(
    "GET",
    "/advisories/{advisory_id}/csaf.json",
    readers,
    variants=advisories(("amber-A", "red", "draft-A")),
    hidden=readers,
    shows=shows_own("advisory {label} title"),
    either=draft_export,
)
row(
    "GET",
    "/advisories/{advisory_id}/advisory.pdf",
    readers,
    variants=advisories(("red",)),
    hidden=readers,
    shows=shows_own("advisory {label} title"),
)

ROWS = TABLE.rows
