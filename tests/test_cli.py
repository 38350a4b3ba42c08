"""The `csirtnet` command as an operator runs it: environment variables, a real database, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from csirtnet import audit
from csirtnet.app import create_app
from csirtnet.auth.passwords import verify_password
from csirtnet.db import Database
from csirtnet.demo import CLUSTER_1_PROVINCES, MARKER_CODE, MEMBERS
from csirtnet.identity.service import subject_for
from csirtnet.kit.files import ContentStore
from csirtnet.migrate import current_revision, head_revision
from csirtnet.models import AuditRecord, Job, Organisation, StoredFile, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_from, login, run_cli

pytestmark = pytest.mark.committing


def count(database: Database, model: type) -> int:
    with database.unit_of_work(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_db_upgrade_builds_the_schema(new_database: Callable[..., Database], backend_kind: str) -> None:
    target = new_database(backend_kind)
    result = run_cli(target, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"database at revision {head_revision()}" in result.stdout
    with target.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    again = run_cli(target, "db", "current")
    assert again.exit_code == 0 and f"database: {head_revision()}  code: {head_revision()}" in again.stdout


def test_demo_loads_the_network_once(committing_database: Database) -> None:
    first = run_cli(committing_database, "demo")
    assert first.exit_code == 0, first.output
    assert "admin@csirtnet.local" in first.output and "demo-csirtnet-2025" in first.output
    with committing_database.unit_of_work(write=False) as s:
        orgs = {o.member_code: o for o in s.scalars(select(Organisation))}
    assert orgs[MARKER_CODE].is_coordinator
    assert {"VNPT", "FPT", "MISA", "BKAV", "CYRADAR", "BTL86", "AIS"} <= set(orgs)
    assert {orgs[m.code].short_name for m in MEMBERS} == {"VNPT", "FPT", "MISA", "Bkav", "CyRadar", "BTL86", "AIS"}
    provinces = {o.province for o in orgs.values() if o.kind == "province"}
    assert (
        provinces
        >= set(CLUSTER_1_PROVINCES)
        == {"Bắc Kạn", "Bắc Giang", "Bắc Ninh", "Cao Bằng", "Lạng Sơn", "Thái Nguyên"}
    )
    totals = {m: count(committing_database, m) for m in (Organisation, User, AuditRecord)}

    second = run_cli(committing_database, "demo")
    assert second.exit_code == 0, second.output
    # Nothing is loaded twice, and the logins are printed again (a newcomer restarting needs them).
    assert "dieuphoi@csirtnet.local" in second.output and "demo-csirtnet-2025" in second.output
    assert {m: count(committing_database, m) for m in (Organisation, User, AuditRecord)} == totals


def test_user_and_token_creation(committing_database: Database, settings) -> None:
    with committing_database.unit_of_work() as s:
        make_organisation(s, member_code="VNPT", short_name="VNPT")
    created = run_cli(
        committing_database,
        "user", "create", "Ung.Cuu@VNPT.vn",
        "--name", "Lê Minh Ứng Cứu",
        "--organisation", "VNPT",
        "--role", "responder", "--role", "viewer",
        "--password", "a long enough password",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "created user" in created.stdout and "ung.cuu@vnpt.vn" in created.stdout
    with committing_database.unit_of_work(write=False) as s:
        user = s.scalars(select(User).where(User.email == "ung.cuu@vnpt.vn")).one()
        assert user.roles == {"responder", "viewer"}
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "user.created")).one()
        assert (record.actor_label, record.object_id) == ("cli", str(user.id))

    issued = run_cli(
        committing_database, "token", "create", "ung.cuu@vnpt.vn", "--name", "ci", "--scope", "profile:read"
    )
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert token.startswith("csn_")
    app = create_app(settings, committing_database, start_worker=False)
    with TestClient(app) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == "ung.cuu@vnpt.vn"
        assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 403

    beyond = run_cli(committing_database, "token", "create", "ung.cuu@vnpt.vn", "--name", "x", "--scope", "jobs:write")
    assert beyond.exit_code == 1 and "your roles do not grant: jobs:write" in beyond.output
    nobody = run_cli(committing_database, "token", "create", "nobody@vnpt.vn", "--name", "x", "--scope", "profile:read")
    assert nobody.exit_code == 1 and "no user nobody@vnpt.vn" in nobody.output


def test_user_create_refuses_bad_input(committing_database: Database) -> None:
    with committing_database.unit_of_work() as s:
        make_organisation(s, member_code="FPT")
    no_org = run_cli(
        committing_database, "user", "create", "a@b.vn", "--name", "A", "--organisation", "NOPE", "--password", "x" * 12
    )
    assert no_org.exit_code == 1 and "no organisation 'NOPE'" in no_org.output
    bad_email = run_cli(
        committing_database,
        "user",
        "create",
        "not-an-email",
        "--name",
        "A",
        "--organisation",
        "FPT",
        "--password",
        "x" * 12,
    )
    assert bad_email.exit_code == 1 and "email" in bad_email.output
    assert count(committing_database, User) == 0


def test_user_reset_password_prints_a_link_or_sets_a_password(committing_database: Database, settings) -> None:
    with committing_database.unit_of_work() as s:
        user = make_user(s, roles=[Role.PLATFORM_ADMIN], email="quan.tri@csirtnet.example.vn")
        secret = user.totp_secret
    base = "https://csirtnet.example.gov.vn"
    printed = run_cli(
        committing_database, "user", "reset-password", "Quan.Tri@csirtnet.example.vn", env={"CSIRTNET_BASE_URL": base}
    )
    assert printed.exit_code == 0, printed.output
    link = printed.stdout.strip()
    assert link.startswith(f"{base}/password/reset/")
    token = link.rsplit("/", 1)[1]
    with committing_database.unit_of_work(write=False) as s:
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "user.password_reset_link_issued")).one()
        assert record.actor_label == "cli" and token not in str(record.summary)
        assert not any(token in str(job.payload) for job in s.scalars(select(Job)))  # and nothing emailed
    app = create_app(settings, committing_database, start_worker=False)
    with TestClient(app, follow_redirects=False) as client:
        page = client.get(f"/password/reset/{token}")
        assert page.status_code == 200
        new_password = "mật khẩu do vận hành đặt"
        form = {"password": new_password, "password_again": new_password, "csrf_token": csrf_from(page.text)}
        assert client.post(f"/password/reset/{token}", data=form).status_code == 303
        login(client, "quan.tri@csirtnet.example.vn", new_password, totp_secret=secret)

    chosen = "một mật khẩu từ stdin"
    piped = run_cli(
        committing_database,
        "user",
        "reset-password",
        "quan.tri@csirtnet.example.vn",
        "--password-stdin",
        input=chosen + "\n",
    )
    assert piped.exit_code == 0, piped.output
    with committing_database.unit_of_work(write=False) as s:
        stored = s.scalars(select(User).where(User.email == "quan.tri@csirtnet.example.vn")).one().password_hash
        assert verify_password(stored, chosen)
        assert (
            s.scalars(select(AuditRecord).where(AuditRecord.action == "user.password_set")).one().actor_label == "cli"
        )
    weak = run_cli(
        committing_database,
        "user",
        "reset-password",
        "quan.tri@csirtnet.example.vn",
        "--password-stdin",
        input="ngắn\n",
    )
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output

    unknown = run_cli(committing_database, "user", "reset-password", "ai.do@example.vn")
    assert unknown.exit_code == 1 and "no user with the email 'ai.do@example.vn'" in unknown.output


def test_user_reset_2fa(committing_database: Database) -> None:
    with committing_database.unit_of_work() as s:
        user = make_user(s, roles=[Role.COORDINATOR], email="dieu.phoi@example.vn")
        assert user.totp_enabled
    done = run_cli(committing_database, "user", "reset-2fa", "dieu.phoi@example.vn")
    assert done.exit_code == 0, done.output
    assert "the second factor of dieu.phoi@example.vn is removed" in done.stdout
    with committing_database.unit_of_work(write=False) as s:
        user = s.scalars(select(User).where(User.email == "dieu.phoi@example.vn")).one()
        assert not user.totp_enabled and user.totp_secret is None
        assert s.scalars(select(AuditRecord).where(AuditRecord.action == "user.totp_reset")).one().actor_label == "cli"
    unknown = run_cli(committing_database, "user", "reset-2fa", "ai.do@example.vn")
    assert unknown.exit_code == 1 and "no user with the email 'ai.do@example.vn'" in unknown.output
    assert run_cli(committing_database, "audit", "verify").exit_code == 0


def test_backup_and_restore_round_trip(
    committing_database: Database, new_database: Callable[..., Database], backend_kind: str, settings, tmp_path: Path
) -> None:
    store = ContentStore(settings.data_dir / "blobs")
    with committing_database.unit_of_work() as s:
        user = make_user(s)
        sha, size = store.put_bytes("biên bản thu thập chứng cứ".encode())
        s.add(StoredFile(sha256=sha, size=size, filename="bien-ban.txt", uploaded_by_id=user.id))
        audit.record(s, subject_for(user), "file.stored", ("stored_file", sha))
    archive = tmp_path / "backups" / "csirtnet.tar.gz"

    written = run_cli(committing_database, "backup", str(archive))
    assert written.exit_code == 0, written.output
    assert f"backup written to {archive}" in written.stdout and "1 file(s)" in written.stdout

    target, target_dir = new_database(backend_kind, migrated=True), tmp_path / "new-instance"
    restored = run_cli(target, "restore", str(archive), env={"CSIRTNET_DATA_DIR": str(target_dir)})
    assert restored.exit_code == 0, restored.output
    report = json.loads(restored.stdout[restored.stdout.index("{") : restored.stdout.rindex("}") + 1])
    assert report["verified"] is True and report["files"] == 1 and report["audit_records_verified"] == 1
    assert ContentStore(target_dir / "blobs").verify(sha)
    with target.unit_of_work(write=False) as s:
        assert s.scalars(select(User.email)).all() == [user.email]
    assert run_cli(target, "audit", "verify").exit_code == 0

    again = run_cli(target, "restore", str(archive), env={"CSIRTNET_DATA_DIR": str(target_dir)})
    assert again.exit_code == 1 and "not empty" in again.output
    missing = run_cli(target, "restore", str(tmp_path / "nothing.tar.gz"))
    assert missing.exit_code == 1 and "does not exist" in missing.output
