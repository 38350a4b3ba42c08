from __future__ import annotations

import pytest

from csirtnet.authz import Permission, Subject, can, can_manage_organisation, require, visible_organisation_ids
from csirtnet.errors import Forbidden
from csirtnet.vocabulary import Role


def subject(*roles: Role, org: int = 1, scopes: set[str] | None = None) -> Subject:
    return Subject(
        user_id=10,
        organisation_id=org,
        roles=frozenset(r.value for r in roles),
        scopes=frozenset(scopes) if scopes is not None else None,
    )


def test_roles_grant_permissions() -> None:
    assert can(subject(Role.PLATFORM_ADMIN), Permission.JOBS_WRITE)
    assert not can(subject(Role.COORDINATOR), Permission.JOBS_WRITE)
    assert can(subject(Role.ORG_ADMIN), Permission.USERS_WRITE)
    assert not can(subject(Role.VIEWER), Permission.USERS_WRITE)
    with pytest.raises(Forbidden):
        require(subject(Role.RESPONDER), Permission.AUDIT_READ)


def test_token_scopes_only_narrow() -> None:
    admin_token = subject(Role.PLATFORM_ADMIN, scopes={"users:read"})
    assert can(admin_token, Permission.USERS_READ)
    assert not can(admin_token, Permission.USERS_WRITE)
    # A scope the role does not grant gives nothing.
    assert not can(subject(Role.VIEWER, scopes={"users:write"}), Permission.USERS_WRITE)


def test_a_permission_is_a_typed_constant_never_a_string() -> None:
    with pytest.raises(TypeError):
        can(subject(Role.PLATFORM_ADMIN), "users:read")  # type: ignore[arg-type]
    assert Permission("users:read") is Permission.USERS_READ


def test_visibility_and_management() -> None:
    assert visible_organisation_ids(subject(Role.COORDINATOR)) is None
    assert visible_organisation_ids(subject(Role.ORG_ADMIN, org=7)) == {7}
    assert can_manage_organisation(subject(Role.ORG_ADMIN, org=7), 7)
    assert not can_manage_organisation(subject(Role.ORG_ADMIN, org=7), 8)
    assert not can_manage_organisation(subject(Role.RESPONDER, org=7), 7)
    assert visible_organisation_ids(Subject(user_id=None, organisation_id=None)) == set()
