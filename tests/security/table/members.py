"""Rows of the members domain: organisations, profiles, constituency, experts, applications, the
directory, API and pages (docs/members.md)."""

from __future__ import annotations

from collections.abc import Callable

from tests.security import rules as R
from tests.security.runner import Body, Variant
from tests.security.table.vocabulary import (
    API,
    MEMBERS,
    STAFF,
    Table,
    fixed,
    form,
    js,
    objects,
    orgs,
    profile_editors,
    profile_of,
    shows,
)
from tests.security.world import World

TABLE = Table()
row = TABLE.row

# -- organisations (docs/members.md) ------------------------------------------------------------------
row("GET", f"{API}/organisations", MEMBERS, note="issue 10 item 6: full-profile fields")
row("POST", f"{API}/organisations", STAFF, body=js(name="Tổ chức mới ma trận", member_code="MX-NEW"))
row("GET", f"{API}/organisations/stale", MEMBERS)
row(
    "POST",
    f"{API}/organisations/import",
    STAFF,
    body=lambda w, s, v: Body(
        files={
            "file": (
                "members.csv",
                "record,member_code,name,kind\norganisation,MX-IMP,Tổ chức nhập,province\n".encode(),
                "text/csv",
            )
        }
    ),
)
row("GET", f"{API}/organisations/{{organisation_id}}", MEMBERS, variants=orgs("A", "B", "LP"))
row(
    "PATCH",
    f"{API}/organisations/{{organisation_id}}",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(address="Địa chỉ mới"),
)
row(
    "GET",
    f"{API}/organisations/{{organisation_id}}/profile",
    profile_of,
    variants=orgs("A", "B", "LP"),
    hidden=profile_of,
    shows=shows("org {label} address", "org {label} contact name"),
)
row("POST", f"{API}/organisations/{{organisation_id}}/confirm", profile_editors, variants=orgs("A", "B"))
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/contacts",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(role="technical", full_name="Kỹ Thuật Viên", phone="0912000333"),
)
row(
    "DELETE",
    f"{API}/organisations/{{organisation_id}}/contacts/{{contact_id}}",
    profile_editors,
    variants=orgs("A", "B", contact_id=lambda w, k: w.id(f"contact:{k}")),
)
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/systems",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(name="Hệ thống mới", security_level=2),
)
row(
    "DELETE",
    f"{API}/organisations/{{organisation_id}}/systems/{{system_id}}",
    profile_editors,
    variants=orgs("A", "B", system_id=lambda w, k: w.id(f"system:{k}")),
)
# Declared products are part of the full profile, changed like the systems.
row(
    "GET",
    f"{API}/organisations/{{organisation_id}}/products",
    profile_of,
    variants=orgs("A", "B", "LP"),
    hidden=profile_of,
    shows=shows("org {label} product name"),
)
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/products",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(vendor="Matrix Networks", product="Sản phẩm mới", version="1.2.3"),
)
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/products/import",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(csv="vendor,product,version\nMatrix Networks,Sản phẩm nhập,2.0\n"),
)
row(
    "DELETE",
    f"{API}/organisations/{{organisation_id}}/products/{{product_id}}",
    profile_editors,
    variants=orgs("A", "B", product_id=lambda w, k: w.id(f"declared-product:{k}")),
)
row(
    "PUT",
    f"{API}/organisations/{{organisation_id}}/services",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(services=["incident-management.coordination"]),
)
# Claims are part of the full profile; others get the claims they may see (none), not a refusal.
row("GET", f"{API}/organisations/{{organisation_id}}/constituency", MEMBERS, variants=orgs("A", "B", "LP"))
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/constituency",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(value="matrix-new-claim.example.vn"),
)
row("GET", f"{API}/organisations/{{organisation_id}}/experts", MEMBERS, variants=orgs("A", "B"))
row(
    "POST",
    f"{API}/organisations/{{organisation_id}}/experts",
    profile_editors,
    variants=orgs("A", "B"),
    body=js(full_name="Chuyên Gia Mới", skills=[{"skill": "malware-analysis", "level": 2}]),
)
row("GET", f"{API}/directory", MEMBERS)
row("GET", f"{API}/directory/export.csv", MEMBERS)
row("GET", f"{API}/constituency/lookup", MEMBERS, query={"q": "198.51.100.7"})
row("GET", f"{API}/constituency/conflicts", MEMBERS)
row(
    "GET",
    f"{API}/constituency/claims/{{claim_id}}",
    profile_of,
    variants=objects("claim_id", "claim", ("A", "B", "LP"), obj=lambda k: f"org:{k}"),
)
row(
    "DELETE",
    f"{API}/constituency/claims/{{claim_id}}",
    profile_editors,
    variants=objects("claim_id", "claim", ("A", "B"), obj=lambda k: f"org:{k}"),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/delegations",
    profile_editors,
    variants=objects("claim_id", "claim", ("A", "B"), obj=lambda k: f"org:{k}"),
    body=lambda w, s, v: Body(json={"value": "sub." + w.values[f"claim:{v.label}"], "organisation_id": w.id("org:LC")}),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/reject",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
    body=js(reason="Trùng lặp"),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/accept-overlap",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
)
row(
    "POST",
    f"{API}/constituency/claims/{{claim_id}}/mark-delegated",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
    body=lambda w, s, v: Body(json={"parent_claim_id": w.id("claim:A-broad")}),
)
row("GET", f"{API}/experts", MEMBERS)
row(
    "GET",
    f"{API}/experts/{{expert_id}}",
    MEMBERS,
    variants=objects("expert_id", "expert", ("A", R.EXPERT_DEPLOYED, "LC"), obj=lambda k: f"expert:{k}"),
)
row(
    "PATCH",
    f"{API}/experts/{{expert_id}}",
    lambda w, v: R.admins_of(R.ORG_OF.get(v.label, v.label)) | R.STAFF,
    variants=objects("expert_id", "expert", ("A", R.EXPERT_DEPLOYED), obj=lambda k: f"expert:{k}"),
    body=js(province="Thái Nguyên"),
)
row(
    "DELETE",
    f"{API}/experts/{{expert_id}}",
    lambda w, v: R.admins_of(R.ORG_OF.get(v.label, v.label)) | R.STAFF,
    variants=objects("expert_id", "expert", ("A", "LC"), obj=lambda k: f"expert:{k}"),
)
row("GET", f"{API}/applications", STAFF)
row(
    "GET",
    f"{API}/applications/{{application_id}}",
    STAFF,
    variants=objects("application_id", "application", ("1",)),
    shows=shows("application address"),
)
row(
    "GET",
    f"{API}/applications/{{application_id}}/documents/{{file_id}}",
    STAFF,
    variants=lambda w: [Variant("1", {"application_id": w.id("application:1"), "file_id": w.id("application-file:1")})],
)
row(
    "POST",
    f"{API}/applications/{{application_id}}/request-info",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=js(question="Bổ sung hồ sơ?"),
)
row(
    "POST",
    f"{API}/applications/{{application_id}}/approve",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=js(member_code="MX-APP2"),
)
row(
    "POST",
    f"{API}/applications/{{application_id}}/reject",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=js(reason="Không đủ điều kiện"),
)

# -- pages: members --------------------------------------------------------------------------------------------
row("GET", "/members", MEMBERS)
row("GET", "/members/directory.csv", MEMBERS)
row("GET", "/members/lookup", MEMBERS, query={"q": "198.51.100.7"})
row("GET", "/members/experts", MEMBERS)
row("GET", "/members/applications", STAFF)
row("GET", "/members/applications/{application_id}", STAFF, variants=objects("application_id", "application", ("1",)))
row(
    "GET",
    "/members/applications/{application_id}/documents/{file_id}",
    STAFF,
    variants=lambda w: [Variant("1", {"application_id": w.id("application:1"), "file_id": w.id("application-file:1")})],
    shows=lambda w, v: frozenset({w.markers.text("application document")}),
)
row(
    "POST",
    "/members/applications/{application_id}/request-info",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=form(question="Bổ sung hồ sơ?"),
)
row(
    "POST",
    "/members/applications/{application_id}/approve",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=form(member_code="MX-APP2"),
)
row(
    "POST",
    "/members/applications/{application_id}/reject",
    STAFF,
    variants=objects("application_id", "application", ("2",)),
    body=form(reason="Không đủ điều kiện"),
)
row("GET", "/members/constituency/conflicts", MEMBERS)
row(
    "POST",
    "/members/constituency/claims/{claim_id}/resolve",
    STAFF,
    variants=fixed(claim_id=lambda w: w.id("claim:B-narrow")),
    body=form(action="accept"),
)
row("GET", "/members/stale", STAFF)
row("GET", "/members/import", STAFF)
row(
    "POST",
    "/members/import",
    STAFF,
    body=lambda w, s, v: Body(
        files={
            "file": (
                "members.csv",
                "record,member_code,name,kind\norganisation,MX-IMP,Tổ chức nhập,province\n".encode(),
                "text/csv",
            )
        }
    ),
)
row(
    "GET",
    "/members/{organisation_id}",
    MEMBERS,
    variants=orgs("A", "B", "LP"),
    shows=shows("org {label} system name", "org {label} product name", "org {label} address"),
)
MEMBER_FORMS: list[tuple[str, Callable[[World, str, Variant], Body] | None, Callable[[World, str], object] | None]] = [
    ("profile", form(name="Tên mới", address="Địa chỉ mới", kind="province"), None),
    ("confirm", None, None),
    ("contacts", form(role="technical", full_name="Kỹ Thuật Viên", phone="0912000333"), None),
    ("contacts/{contact_id}/delete", None, lambda w, k: w.id(f"contact:{k}")),
    ("systems", form(name="Hệ thống mới", security_level="2"), None),
    ("systems/{system_id}/delete", None, lambda w, k: w.id(f"system:{k}")),
    ("products", form(vendor="Matrix Networks", product="Sản phẩm mới", version="1.2.3"), None),
    ("products/{product_id}/delete", None, lambda w, k: w.id(f"declared-product:{k}")),
    ("services", form(services="incident-management.coordination"), None),
    ("constituency", form(value="matrix-new-claim.example.vn"), None),
    ("constituency/{claim_id}/delete", None, lambda w, k: w.id(f"claim:{k}")),
    ("experts", form(full_name="Chuyên Gia Mới", skills="malware-analysis", level="2", max_deployments="1"), None),
    (
        "experts/{expert_id}/availability",
        form(available=""),
        lambda w, k: w.id("expert:A" if k == "A" else f"expert:{R.EXPERT_DEPLOYED}"),
    ),
    ("experts/{expert_id}/delete", None, lambda w, k: w.id("expert:A" if k == "A" else "expert:spare")),
]
for suffix, body, second in MEMBER_FORMS:
    names = [n for n in ("contact_id", "system_id", "product_id", "claim_id", "expert_id") if f"{{{n}}}" in suffix]
    more = {names[0]: second} if names and second else {}
    row("POST", f"/members/{{organisation_id}}/{suffix}", profile_editors, variants=orgs("A", "B", **more), body=body)
row(
    "POST",
    "/members/{organisation_id}/constituency/{claim_id}/delegate",
    profile_editors,
    variants=orgs("A", "B", claim_id=lambda w, k: w.id(f"claim:{k}")),
    body=lambda w, s, v: Body(
        form={"value": "sub." + w.values[f"claim:{v.label}"], "organisation_id": str(w.id("org:LC"))}
    ),
)

ROWS = TABLE.rows
