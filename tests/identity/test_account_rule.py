"""Nobody can act on an account that holds powers they do not hold themselves (authz.identity):
reset its password or second factor, deactivate or reactivate it, change its email or roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.identity.login import start_password_reset
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.models import AuditRecord, Organisation, PasswordReset, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user

P, C, A, R, V = Role.PLATFORM_ADMIN, Role.COORDINATOR, Role.ORG_ADMIN, Role.RESPONDER, Role.VIEWER
# actor -> the targets (in the actor's own organisation) it may act on. The report's table.
MAY_ACT_ON = {
    P: {P, C, A, R, V},
    C: {C, R, V},  # not an org admin: its roles grant webhooks, readiness and answering requests
    A: {A, R, V},  # not a coordinator: its roles grant triage, organisations, jobs and more
    R: set(),
    V: set(),
}


def bearer(db: Session, user: User) -> dict[str, str]:
    """A token with every scope the user's roles grant."""
    scopes = grantable_scopes(subject_for(user))
    issued = create_token(db, subject_for(user), user, name="t", scopes=scopes, expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def updates(db: Session) -> int:
    return int(
        db.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "user.updated")) or 0
    )


@pytest.fixture
def org(db: Session) -> Organisation:
    return make_organisation(db, is_coordinator=True)


@pytest.mark.parametrize("actor_role", list(MAY_ACT_ON))
def test_who_may_deactivate_whom(client, db: Session, org: Organisation, actor_role: Role) -> None:
    actor = make_user(db, roles=[actor_role], organisation=org)
    headers = bearer(db, actor)
    for target_role in MAY_ACT_ON:
        target = make_user(db, roles=[target_role], organisation=org)
        before = updates(db)
        r = client.patch(f"/api/v1/users/{target.id}", json={"is_active": False}, headers=headers)
        if target_role in MAY_ACT_ON[actor_role]:
            assert r.status_code == 200, (actor_role, target_role, r.text)
            assert r.json()["is_active"] is False
        else:
            # Those who may not read users do not learn the account exists; the others are told no.
            expected = 403 if actor_role in (P, C, A) else 404
            assert r.status_code == expected, (actor_role, target_role, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            db.expire_all()
            assert db.get(User, target.id).is_active and updates(db) == before


def test_a_coordinator_cannot_touch_a_platform_admin(client, db: Session, org: Organisation) -> None:
    admin = make_user(db, roles=[P], organisation=org, email="quan.tri@example.vn")
    coordinator = make_user(db, roles=[C], organisation=org)
    headers = bearer(db, coordinator)
    for change in ({"is_active": False}, {"email": "cua.toi@example.vn"}, {"roles": ["viewer"]}, {"full_name": "X"}):
        r = client.patch(f"/api/v1/users/{admin.id}", json=change, headers=headers)
        assert r.status_code == 403, change
        assert "permissions you do not hold" in r.json()["detail"]
    db.expire_all()
    user = db.get(User, admin.id)
    assert (user.is_active, user.email, user.roles, user.totp_enabled) == (
        True,
        "quan.tri@example.vn",
        {"platform_admin"},
        True,
    )
    assert updates(db) == 0


def test_an_org_admin_cannot_touch_a_coordinator_nor_anyone_elsewhere(client, db: Session, org: Organisation) -> None:
    org_admin = make_user(db, roles=[A], organisation=org)
    coordinator = make_user(db, roles=[C], organisation=org)
    elsewhere = make_user(db, roles=[V])
    headers = bearer(db, org_admin)
    assert (
        client.patch(f"/api/v1/users/{coordinator.id}", json={"is_active": False}, headers=headers).status_code == 403
    )
    outside = client.patch(f"/api/v1/users/{elsewhere.id}", json={"email": "x@example.vn"}, headers=headers)
    missing = client.patch("/api/v1/users/987654321", json={"email": "x@example.vn"}, headers=headers)
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["detail"] == missing.json()["detail"]
    assert updates(db) == 0


def test_one_user_out_of_reach_answers_like_a_missing_one(client, db: Session) -> None:
    viewer = make_user(db, roles=[V])
    colleague = make_user(db, roles=[V], organisation=db.get(Organisation, viewer.organisation_id))
    stranger = make_user(db, roles=[V])
    issued = create_token(db, subject_for(viewer), viewer, name="t", scopes=["profile:read"], expires_in_days=1)
    db.flush()
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert client.get(f"/api/v1/users/{viewer.id}", headers=headers).status_code == 200  # oneself
    answers = [client.get(f"/api/v1/users/{uid}", headers=headers) for uid in (colleague.id, stranger.id, 987654321)]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.json()["detail"] for a in answers}) == 1


def test_the_platform_admin_acts_on_anyone(client, db: Session, org: Organisation) -> None:
    admin = make_user(db, roles=[P])
    other_admin = make_user(db, roles=[P], organisation=org)
    coordinator = make_user(db, roles=[C], organisation=org)
    headers = bearer(db, admin)
    r = client.patch(f"/api/v1/users/{coordinator.id}", json={"email": "Dieu.Phoi@Example.vn"}, headers=headers)
    assert r.status_code == 200 and r.json()["email"] == "dieu.phoi@example.vn"
    r = client.patch(f"/api/v1/users/{other_admin.id}", json={"is_active": False}, headers=headers)
    assert r.status_code == 200 and r.json()["is_active"] is False
    [change] = db.scalars(
        select(AuditRecord).where(AuditRecord.action == "user.updated", AuditRecord.object_id == str(coordinator.id))
    ).all()
    assert change.summary["changes"]["email"]["to"] == "dieu.phoi@example.vn"


def test_an_email_change_voids_the_links_sent_to_the_old_address(client, db: Session, org: Organisation) -> None:
    org_admin = make_user(db, roles=[A], organisation=org)
    colleague = make_user(db, roles=[R], organisation=org)
    taken = make_user(db, roles=[V], organisation=org)
    token = start_password_reset(db, colleague)
    db.flush()
    headers = bearer(db, org_admin)
    clash = client.patch(f"/api/v1/users/{colleague.id}", json={"email": taken.email}, headers=headers)
    assert clash.status_code == 409 and clash.json()["errors"] == [{"field": "email", "message": "already in use"}]
    assert client.get(f"/password/reset/{token}").status_code == 200
    r = client.patch(f"/api/v1/users/{colleague.id}", json={"email": "moi@example.vn"}, headers=headers)
    assert r.status_code == 200 and r.json()["email"] == "moi@example.vn"
    assert client.get(f"/password/reset/{token}").status_code == 410
    assert db.scalars(select(PasswordReset).where(PasswordReset.user_id == colleague.id)).one().used_at is not None


def test_a_user_changes_their_own_profile_but_not_their_own_email(client, db: Session) -> None:
    viewer = make_user(db, roles=[V])
    headers = bearer(db, viewer)
    assert client.patch(f"/api/v1/users/{viewer.id}", json={"full_name": "Tên Mới"}, headers=headers).status_code == 200
    r = client.patch(f"/api/v1/users/{viewer.id}", json={"email": "khac@example.vn"}, headers=headers)
    assert r.status_code == 403
