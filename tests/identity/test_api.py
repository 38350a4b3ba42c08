from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, identify_token, touch_token
from csirtnet.kit.time import utcnow
from csirtnet.models import AuditRecord
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user


def bearer(db, user, scopes: list[str]) -> dict[str, str]:
    issued = create_token(db, subject_for(user), user, name="test", scopes=scopes, expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def test_me_with_token(client, db) -> None:
    user = make_user(db, roles=[Role.RESPONDER], full_name="Trần Văn Token")
    r = client.get("/api/v1/me", headers=bearer(db, user, ["profile:read"]))
    assert r.status_code == 200
    assert r.json()["full_name"] == "Trần Văn Token"


def test_token_without_scope_is_forbidden(client, db) -> None:
    user = make_user(db, roles=[Role.ORG_ADMIN])
    r = client.get("/api/v1/users", headers=bearer(db, user, ["profile:read"]))
    assert r.status_code == 403


def test_revoked_or_unknown_token_is_refused(client, db) -> None:
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer csn_nope_nope"})
    assert r.status_code == 401


def test_a_token_stops_working_when_revoked_expired_or_its_user_disabled(client, db) -> None:
    for stop in ("revoke", "expire", "disable"):
        user = make_user(db, roles=[Role.RESPONDER])
        issued = create_token(db, subject_for(user), user, name="t", scopes=["profile:read"], expires_in_days=1)
        db.flush()
        headers = {"Authorization": f"Bearer {issued.token}"}
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        if stop == "revoke":
            issued.row.revoked_at = utcnow()
        elif stop == "expire":
            issued.row.expires_at = utcnow() - timedelta(seconds=1)
        else:
            user.is_active = False
        db.flush()
        assert client.get("/api/v1/me", headers=headers).status_code == 401, stop


def test_the_token_speaks_for_its_user_with_its_scopes(db) -> None:
    user = make_user(db, roles=[Role.RESPONDER, Role.ORG_ADMIN])
    issued = create_token(db, subject_for(user), user, name="t", scopes=["profile:read"], expires_in_days=1)
    db.flush()
    found = identify_token(db, issued.token)
    assert found is not None
    assert found.subject == subject_for(user, frozenset({"profile:read"}))
    # Use is recorded, at most once a minute.
    assert found.last_used_at is None
    touch_token(db, found.token_id, utcnow())
    again = identify_token(db, issued.token)
    assert again is not None and again.last_used_at is not None


def test_users_list_is_scoped_and_paginated(client, db) -> None:
    org = make_organisation(db)
    other = make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    for i in range(5):
        make_user(db, organisation=org, full_name=f"Đồng nghiệp {i}")
    make_user(db, organisation=other, full_name="Người ngoài")
    headers = bearer(db, admin, ["users:read"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/users", params=params, headers=headers).json()
        seen += [u["full_name"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 6  # five colleagues and the admin, never the other organisation's user
    assert "Người ngoài" not in seen
    # Accent-insensitive search.
    found = client.get("/api/v1/users", params={"q": "dong nghiep 3"}, headers=headers).json()["items"]
    assert [u["full_name"] for u in found] == ["Đồng nghiệp 3"]


def test_org_admin_creates_user_in_own_org_only(client, db) -> None:
    org = make_organisation(db)
    other = make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    headers = bearer(db, admin, ["users:write", "users:read"])
    ok = client.post(
        "/api/v1/users",
        headers=headers,
        json={"email": "moi@example.vn", "full_name": "Người Mới", "organisation_id": org.id, "roles": ["responder"]},
    )
    assert ok.status_code == 201, ok.text
    assert (
        db.scalar(
            select(AuditRecord).where(
                AuditRecord.action == "user.created", AuditRecord.object_id == str(ok.json()["id"])
            )
        )
        is not None
    )
    wrong = client.post(
        "/api/v1/users",
        headers=headers,
        json={"email": "x@example.vn", "full_name": "X", "organisation_id": other.id, "roles": ["responder"]},
    )
    assert wrong.status_code == 403
    escalate = client.post(
        "/api/v1/users",
        headers=headers,
        json={"email": "y@example.vn", "full_name": "Y", "organisation_id": org.id, "roles": ["coordinator"]},
    )
    assert escalate.status_code == 403


def test_bad_input_names_the_field(client, db) -> None:
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN])
    r = client.post(
        "/api/v1/users",
        headers=bearer(db, admin, ["users:write"]),
        json={"email": "not-an-email", "full_name": "X", "organisation_id": admin.organisation_id},
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["email"]


def test_duplicate_email_conflicts(client, db) -> None:
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN])
    existing = make_user(db)
    r = client.post(
        "/api/v1/users",
        headers=bearer(db, admin, ["users:write"]),
        json={"email": existing.email.upper(), "full_name": "Dup", "organisation_id": admin.organisation_id},
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "email"
