"""Rows of the public routes, identity (me, users, tokens), audit, notifications, webhooks, jobs,
and the account and administration pages (docs/foundation.md)."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.security import rules as R
from tests.security.runner import Body, Variant
from tests.security.table.vocabulary import (
    ADMINS_AND_STAFF,
    API,
    ARGON_SUBJECTS,
    EVERYONE,
    MEMBERS,
    NOROLE_OWN,
    PLATFORM,
    STAFF,
    Table,
    apply_grants,
    fixed,
    form,
    js,
    objects,
    of_own,
    only,
    org_id_of,
    orgs,
    own,
    profile_editors,
    public_report_grants,
    report_form,
    reset_grants,
    secret_param,
    self_of,
    totp_now,
    user_managers,
    user_patch,
    user_readers,
    users,
)

TABLE = Table()
row = TABLE.row

# Public routes (app.py PUBLIC_MODULES): anyone, logged in or not.
row("GET", "/healthz", EVERYONE, public=True)
row("GET", "/readyz", EVERYONE, public=True)
row("GET", f"{API}/openapi.json", EVERYONE, public=True, subjects=frozenset({R.ANON, R.VIEWER}))
row("GET", "/login", EVERYONE, public=True)
row(
    "POST",
    "/login",
    EVERYONE,
    public=True,
    body=form(email="viewer@matrix.example.vn", password=PASSWORD, next="/"),
    subjects=ARGON_SUBJECTS,
)
row("GET", "/login/2fa", EVERYONE, public=True)
row("POST", "/login/2fa", EVERYONE, public=True, body=form(code="000000", next="/"), audited=False)
row("POST", "/logout", EVERYONE, public=True, audited=False)
row("GET", "/password/forgot", EVERYONE, public=True)
row(
    "POST",
    "/password/forgot",
    EVERYONE,
    public=True,
    body=form(email="platform-admin@matrix.example.vn"),
    audited=False,
)
row(
    "GET",
    "/password/reset/{token}",
    EVERYONE,
    public=True,
    variants=secret_param("reset-platform-admin"),
    grants=reset_grants,
)
row(
    "POST",
    "/password/reset/{token}",
    EVERYONE,
    public=True,
    variants=lambda w: [Variant("real", {"token": w.secrets["reset-platform-admin"]})],
    body=form(password="a new long password 2026", password_again="a new long password 2026"),
    grants=reset_grants,
    subjects=ARGON_SUBJECTS,
)
row("POST", "/lang", EVERYONE, public=True, body=form(code="en", next="/"), audited=False)
row("GET", "/apply", EVERYONE, public=True)
row(
    "POST",
    "/apply",
    EVERYONE,
    public=True,
    body=form(
        applicant_name="Người Nộp",
        applicant_email="nop-don@matrix.example.vn",
        organisation_name="Công ty Nộp Đơn",
        incident_email="ir@nop-don.example.vn",
        c_incident_24x7_full_name="Trực Ban",
        c_incident_24x7_phone="0912000222",
        c_focal_point_full_name="Đầu Mối",
        c_infosec_leader_full_name="Lãnh Đạo",
    ),
)
row("GET", "/apply/track/{token}", EVERYONE, public=True, variants=secret_param("apply-track"), grants=apply_grants)
row(
    "POST",
    "/apply/track/{token}",
    EVERYONE,
    public=True,
    variants=lambda w: [Variant("real", {"token": w.secrets["apply-track"]})],
    body=form(body="Trả lời câu hỏi"),
    grants=apply_grants,
)
row("GET", "/report", EVERYONE, public=True)
row(
    "POST",
    "/report",
    EVERYONE,
    public=True,
    body=lambda w, s, v: Body(form={**report_form(w, s, v).form, "reporter_email": "dan@matrix.example.vn"}),  # type: ignore[dict-item]
)
row(
    "GET",
    "/report/track/{token}",
    EVERYONE,
    public=True,
    variants=secret_param("report-track"),
    grants=public_report_grants,
)

# -- identity: me, users, tokens (docs/foundation.md) -----------------------------------------------
row("GET", f"{API}/me", MEMBERS, note="issue 10 item 3: a session owing its second factor gets nothing")
row("GET", f"{API}/users", ADMINS_AND_STAFF)
row(
    "POST",
    f"{API}/users",
    ADMINS_AND_STAFF,
    body=lambda w, s, v: Body(
        json={"email": "moi@matrix.example.vn", "full_name": "Người Mới", "organisation_id": org_id_of(w, s)}
    ),
)
row(
    "GET",
    f"{API}/users/{{user_id}}",
    user_readers,
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    hidden=user_readers,
    shows=lambda w, v: frozenset(),
)
row(
    "PATCH",
    f"{API}/users/{{user_id}}",
    lambda w, v: user_managers(w, v) | ({v.obj.split(":")[1]} & R.MEMBERS if v.obj else set()),
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    body=user_patch,
    hidden=user_readers,
)
row("GET", f"{API}/tokens", MEMBERS)
row("POST", f"{API}/tokens", MEMBERS, body=js(name="matrix", scopes=["profile:read"]))
row("DELETE", f"{API}/tokens/{{token_id}}", of_own, variants=own("token_id", "token", R.MEMBERS - {R.NOROLE}))

# -- audit, notifications, webhooks, jobs (docs/foundation.md) ---------------------------------------
row("GET", f"{API}/audit", ADMINS_AND_STAFF, note="issue 10 item 5: RED content through the audit log")
row("GET", f"{API}/notifications", MEMBERS)
row("GET", f"{API}/notifications/unread-count", MEMBERS)
row("POST", f"{API}/notifications/read", MEMBERS, body=js(ids=None), audited=False)
row("GET", f"{API}/notification-preferences", MEMBERS)
row("PUT", f"{API}/notification-preferences", MEMBERS, body=lambda w, s, v: Body(json=[]), audited=False)
row(
    "GET",
    f"{API}/webhooks",
    only(R.ORG_ADMINS, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(query={"organisation_id": org_id_of(w, s)}),
)
row(
    "POST",
    f"{API}/webhooks",
    only(R.ORG_ADMINS, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(
        json={"url": "https://hooks.matrix.example.vn/new", "event_types": [], "organisation_id": org_id_of(w, s)}
    ),
)
row(
    "DELETE",
    f"{API}/webhooks/{{webhook_id}}",
    lambda w, v: R.admins_of(v.label) | {R.PLATFORM_ADMIN},
    variants=objects("webhook_id", "webhook", ("A", "B"), obj=lambda k: f"org:{k}"),
)
row(
    "POST",
    f"{API}/webhooks/{{webhook_id}}/secret",
    lambda w, v: R.admins_of(v.label) | {R.PLATFORM_ADMIN},
    variants=objects("webhook_id", "webhook", ("A", "B"), obj=lambda k: f"org:{k}"),
)
row("GET", f"{API}/jobs", STAFF, note="issue 10 items 1 and 5: secrets and RED content in job payloads")
row("POST", f"{API}/jobs/{{job_id}}/retry", PLATFORM, variants=fixed(job_id=lambda w: w.id("job:failed")))
row("GET", "/metrics", PLATFORM)

# -- pages: home, account, notifications ---------------------------------------------------------------------
# Visitors get the landing page, people their home page (web.views.landing).
row("GET", "/", EVERYONE, public=True)
row("GET", "/favicon.ico", EVERYONE, public=True)
row("GET", "/account", MEMBERS, either=NOROLE_OWN)
row(
    "POST",
    "/account",
    MEMBERS,
    either=NOROLE_OWN,
    body=form(full_name="Tên Mới", phone="", language="vi", timezone="Asia/Ho_Chi_Minh"),
)
row(
    "POST",
    "/account/password",
    MEMBERS,
    either=NOROLE_OWN,
    body=form(
        current_password=PASSWORD,
        new_password="another long password 2026",
        new_password_again="another long password 2026",
    ),
    subjects=ARGON_SUBJECTS | {R.OWES_2FA, R.NOROLE},
)
row("POST", "/account/sessions/revoke-others", MEMBERS, either=NOROLE_OWN)
row("GET", "/account/2fa", only(R.LOGGED_IN, R.OWES_2FA))
row(
    "POST",
    "/account/2fa/begin",
    only(R.LOGGED_IN, R.OWES_2FA),
    subjects=frozenset({R.ANON, R.NOROLE, R.VIEWER, R.RESPONDER, R.EXPERT_ENDED, R.EXPERT_DEPLOYED, R.OWES_2FA}),
    note="only for those without a second factor",
)
row(
    "POST",
    "/account/2fa/confirm",
    only(R.OWES_2FA),
    body=lambda w, s, v: Body(form={"code": totp_now(w, s)}),
    subjects=frozenset({R.ANON, R.OWES_2FA}),
    note="only a pending enrolment can be confirmed",
)
row(
    "POST",
    "/account/2fa/manage",
    only(R.LOGGED_IN),
    body=lambda w, s, v: Body(form={"action": "regenerate", "code": totp_now(w, s)}),
    subjects=frozenset({R.ANON, R.ADMIN_A, R.ADMIN_B, R.LEAD_PAST, R.LEAD_CURRENT, R.COORDINATOR, R.PLATFORM_ADMIN}),
    note="only for those with a second factor",
)
row("GET", "/account/tokens", MEMBERS, either=NOROLE_OWN)
row(
    "POST",
    "/account/tokens",
    MEMBERS,
    body=form(name="matrix", scopes="profile:read", expires_in_days="30"),
    subjects=frozenset(R.SUBJECTS) - {R.NOROLE},
    note="a user without a role may hold no scope",
)
row("POST", "/account/tokens/{token_id}/revoke", of_own, variants=own("token_id", "token", R.MEMBERS))
row("GET", "/account/notifications", MEMBERS, either=NOROLE_OWN)
row("POST", "/account/notifications", MEMBERS, either=NOROLE_OWN, body=form(), audited=False)
row("GET", "/notifications", MEMBERS, either=NOROLE_OWN)
row(
    "POST",
    "/notifications/{notification_id}/read",
    MEMBERS,
    variants=lambda w: [Variant(k, {"notification_id": w.id(f"notification:{k}")}) for k in (R.VIEWER, R.COORDINATOR)],
    either=NOROLE_OWN,
    audited=False,
    note="marks the caller's own notification; another's id is ignored, as a missing one",
)
row("POST", "/notifications/read-all", MEMBERS, either=NOROLE_OWN, audited=False)

# -- pages: administration ---------------------------------------------------------------------------------
row("GET", "/admin", ADMINS_AND_STAFF)
row("GET", "/admin/users", ADMINS_AND_STAFF)
row("GET", "/admin/users/new", ADMINS_AND_STAFF)
row(
    "POST",
    "/admin/users/new",
    ADMINS_AND_STAFF,
    body=lambda w, s, v: Body(
        form={
            "email": "moi@matrix.example.vn",
            "full_name": "Người Mới",
            "organisation_id": str(org_id_of(w, s)),
            "roles": "viewer",
        }
    ),
)
row(
    "GET",
    "/admin/users/{user_id}",
    lambda w, v: user_readers(w, v) & (R.ORG_ADMINS | R.STAFF),
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    hidden=user_readers,
)
row(
    "POST",
    "/admin/users/{user_id}",
    lambda w, v: user_managers(w, v) | (self_of(v) & (R.ORG_ADMINS | R.STAFF)),
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(
        form={
            "full_name": "Tên",
            "roles": R.ROLE_OF[(v.obj or ":").split(":")[1]],
            "is_active": "on" if v.obj == f"user:{s}" else "",
        }
    ),
    hidden=user_readers,
    note="issue 10 item 2: deactivating a platform admin",
)
row(
    "POST",
    "/admin/users/{user_id}/reset-2fa",
    user_managers,
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    hidden=user_readers,
    either=lambda w, v: self_of(v),
    note="issue 10 item 2: a coordinator resetting a platform admin's second factor (one's own: not documented)",
)
row(
    "POST",
    "/admin/users/{user_id}/send-reset",
    user_managers,
    variants=users(R.VIEWER, R.ADMIN_B, R.PLATFORM_ADMIN),
    hidden=user_readers,
    either=lambda w, v: self_of(v),
    note="the account rule: a reset link only for accounts the actor may act on",
)
row("GET", "/admin/organisations", ADMINS_AND_STAFF)
row("GET", "/admin/organisations/new", STAFF)
row("POST", "/admin/organisations/new", STAFF, body=form(name="Tổ chức mới ma trận", kind="province"))
row("GET", "/admin/organisations/{organisation_id}", profile_editors, variants=orgs("A", "B"))
row(
    "POST",
    "/admin/organisations/{organisation_id}",
    profile_editors,
    variants=orgs("A", "B"),
    body=lambda w, s, v: Body(form={"name": f"Tổ chức {v.label} đổi tên", "kind": "province", "status": "active"}),
)
# The page shows one page of records, newest first: filtered by action, the older ones come up too.
row(
    "GET",
    "/admin/audit",
    ADMINS_AND_STAFF,
    variants=lambda w: [Variant(prefix or "all") for prefix in ("", "incident.", "knowledge.", "file.", "channel.")],
    body=lambda w, s, v: Body(query={"action": "" if v.label == "all" else v.label}),
    note="issue 10 item 5",
)
row("GET", "/admin/jobs", STAFF, note="issue 10 items 1 and 5")
row("POST", "/admin/jobs/{job_id}/retry", PLATFORM, variants=fixed(job_id=lambda w: w.id("job:failed")))
row("GET", "/admin/webhooks", only(R.ORG_ADMINS, R.PLATFORM_ADMIN))
row(
    "POST",
    "/admin/webhooks",
    only(R.ORG_ADMINS, R.PLATFORM_ADMIN),
    body=lambda w, s, v: Body(
        form={"organisation_id": str(org_id_of(w, s)), "url": "https://hooks.matrix.example.vn/page"}
    ),
)
row(
    "POST",
    "/admin/webhooks/{webhook_id}/secret",
    lambda w, v: R.admins_of(v.label) | {R.PLATFORM_ADMIN},
    variants=objects("webhook_id", "webhook", ("A", "B"), obj=lambda k: f"org:{k}"),
    body=lambda w, s, v: Body(form={"organisation_id": str(w.id(f"org:{v.label}"))}),
)
row(
    "POST",
    "/admin/webhooks/{webhook_id}/delete",
    lambda w, v: R.admins_of(v.label) | {R.PLATFORM_ADMIN},
    variants=objects("webhook_id", "webhook", ("A", "B"), obj=lambda k: f"org:{k}"),
    body=lambda w, s, v: Body(form={"organisation_id": str(w.id(f"org:{v.label}"))}),
)

ROWS = TABLE.rows
