"""Secrets never sit where another person can read them: reset and invitation links are built by
their email job from ids, never written to a job payload, an audit record or a log; webhook
signing secrets are shown once, and can be replaced."""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.db import Database
from csirtnet.identity.login import start_password_reset
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.kit.time import utcnow
from csirtnet.models import AuditRecord, Job, PasswordReset, User, WebhookEndpoint
from csirtnet.models.base import JSONType
from csirtnet.notification import service as notification_service
from csirtnet.vocabulary import Role
from csirtnet.worker import Worker
from tests.factories import PASSWORD, make_organisation, make_user
from tests.helpers import csrf_from, login
from tests.smtp import text_of

LINK = re.compile(r"https?://\S+/password/reset/(\S+)")


def bearer(db: Session, user: User, scopes: list[str]) -> dict[str, str]:
    issued = create_token(db, subject_for(user), user, name="t", scopes=scopes, expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def token_in(message: EmailMessage) -> str:
    found = LINK.search(text_of(message))
    assert found, "the email carries no reset link"
    return found.group(1)


def test_a_coordinator_cannot_read_a_platform_admins_reset_link(
    client, db: Session, database: Database, smtp_server: list[EmailMessage]
) -> None:
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN], email="quan.tri@csirtnet.example.vn", language="en")
    coordinator = make_user(db, roles=[Role.COORDINATOR])
    # Anyone may ask for a reset link for any address.
    client.post(
        "/password/forgot", data={"email": admin.email, "csrf_token": csrf_from(client.get("/password/forgot").text)}
    )
    assert Worker(database).run_until_idle() == 1
    [message] = smtp_server
    assert str(message["To"]) == admin.email and message["Subject"] == "Reset your csirtnet password"
    token = token_in(message)

    # Nothing a coordinator reads holds the link: jobs (API and page) and the audit log.
    headers = bearer(db, coordinator, ["jobs:read", "audit:read"])
    jobs = client.get("/api/v1/jobs", headers=headers)
    assert jobs.status_code == 200 and jobs.json()["items"]
    assert token not in jobs.text
    assert token not in client.get("/api/v1/audit", headers=headers).text
    login(client, coordinator.email, totp_secret=coordinator.totp_secret)
    assert token not in client.get("/admin/jobs").text
    client.cookies.clear()

    # The emailed link works, once.
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 200
    new_password = "một mật khẩu mới rất dài"
    done = client.post(
        f"/password/reset/{token}",
        data={"password": new_password, "password_again": new_password, "csrf_token": csrf_from(page.text)},
    )
    assert done.status_code == 303
    login(client, admin.email, new_password, totp_secret=admin.totp_secret)
    assert client.get(f"/password/reset/{token}").status_code == 410


def test_an_invitation_job_builds_its_link_when_it_runs_and_again_the_same(
    db: Session, smtp_server: list[EmailMessage]
) -> None:
    from csirtnet.identity.login import RESET_LINK_JOB
    from csirtnet.identity.tasks import send_password_link

    user = make_user(db, language="vi", full_name="Lê Thị Mời", password_hash=None)
    token = start_password_reset(db, user, invitation=True)
    db.flush()
    reset = db.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id)).one()
    [job] = db.scalars(select(Job).where(Job.name == RESET_LINK_JOB)).all()
    assert job.payload == {"reset_id": reset.id, "invitation": True}  # ids only
    assert reset.token_hash != token and reset.nonce and token not in reset.nonce  # the row keeps no secret
    send_password_link(db, reset_id=reset.id, invitation=True)
    send_password_link(db, reset_id=reset.id, invitation=True)  # a retried job
    assert [token_in(m) for m in smtp_server] == [token, token]
    assert smtp_server[0]["Subject"] == "Lời mời tham gia csirtnet"
    assert "trong vòng 168 giờ" in text_of(smtp_server[0])
    # A link already used is not sent again.
    reset.used_at = reset.created_at
    send_password_link(db, reset_id=reset.id, invitation=True)
    assert len(smtp_server) == 2


def test_the_generic_senders_refuse_an_event_that_carries_a_secret(db: Session) -> None:
    user = make_user(db)
    token = start_password_reset(db, user)
    send = notification_service
    for attempt in (
        lambda: send.notify(db, "identity.password_reset", [user], {"link": token}, guard=None),
        lambda: send.send_direct_email(db, user, "identity.invitation", {"link": token}),
        lambda: send.send_email_to_address(
            db, "x@example.vn", "vi", "identity.password_reset", {"link": token}, guard=None
        ),
        lambda: send.send_email_to_address(db, "x@example.vn", "vi", "incident.report_acknowledged", {}, guard=None),
        lambda: send.send_email_to_address(db, "x@example.vn", "vi", "membership.application_received", {}, guard=None),
    ):
        with pytest.raises(ValueError, match="carries a secret"):
            attempt()
    db.flush()
    records = [str(j.payload) for j in db.scalars(select(Job))]
    records += [str(r.summary) for r in db.scalars(select(AuditRecord))]
    assert records and not any(token in text for text in records)


def test_reset_and_tracking_links_are_not_logged(client, db: Session, caplog: pytest.LogCaptureFixture) -> None:
    user = make_user(db)
    token = start_password_reset(db, user)
    db.flush()
    with caplog.at_level(logging.INFO, logger="csirtnet"):
        assert client.get(f"/password/reset/{token}").status_code == 200
        client.get("/report/track/some-secret-tracking-token")
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "/password/reset/{token}" in logged  # the route, not the path
    assert token not in logged and "some-secret-tracking-token" not in logged


def test_a_webhook_secret_is_shown_once_and_can_be_replaced(client, db: Session) -> None:
    org = make_organisation(db)
    admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=org)
    headers = bearer(db, admin, ["webhooks:write"])
    # A chat service's incoming webhook: the address itself carries a secret.
    url = "https://chat.example.vn/services/T01/B02/s3cretPath?token=s3cretQuery"
    created = client.post("/api/v1/webhooks", headers=headers, json={"organisation_id": org.id, "url": url})
    assert created.status_code == 201
    first = created.json()["secret"]
    listed = client.get("/api/v1/webhooks", params={"organisation_id": org.id}, headers=headers)
    assert first not in listed.text and "secret" not in listed.json()["items"][0]

    rotated = client.post(f"/api/v1/webhooks/{created.json()['id']}/secret", headers=headers)
    assert rotated.status_code == 200
    second = rotated.json()["secret"]
    assert second != first and len(second) >= 32
    db.expire_all()
    assert db.get(WebhookEndpoint, created.json()["id"]).secret == second  # deliveries sign with it
    summaries = " ".join(str(r.summary) for r in db.scalars(select(AuditRecord)))
    assert "webhook.secret_rotated" in " ".join(r.action for r in db.scalars(select(AuditRecord)))
    assert "https://chat.example.vn/" in summaries
    assert not any(secret in summaries for secret in (first, second, "s3cretPath", "s3cretQuery"))
    # Another organisation's admin cannot replace it (nor learn that it exists).
    stranger = make_user(db, roles=[Role.ORG_ADMIN])
    refused = client.post(
        f"/api/v1/webhooks/{created.json()['id']}/secret", headers=bearer(db, stranger, ["webhooks:write"])
    )
    assert refused.status_code == 404

    # The page offers the same, showing the new secret once.
    login(client, admin.email, PASSWORD, totp_secret=admin.totp_secret)
    page = client.get("/admin/webhooks")
    assert f'action="/admin/webhooks/{created.json()["id"]}/secret"' in page.text and second not in page.text
    r = client.post(f"/admin/webhooks/{created.json()['id']}/secret", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 200
    db.expire_all()
    third = db.get(WebhookEndpoint, created.json()["id"]).secret
    assert third not in (first, second) and third in r.text
    assert third not in client.get("/admin/webhooks").text


def test_the_upgrade_scrubs_the_links_of_emails_already_sent(new_database, backend_kind: str) -> None:
    """Jobs queued before the links were built at send time held them: the migration removes
    them from the jobs that were sent or gave up, and leaves the ones still to send working."""
    from alembic.script import ScriptDirectory

    from csirtnet.migrate import alembic_config, upgrade

    engine = new_database(backend_kind).engine
    previous = ScriptDirectory.from_config(alembic_config()).get_revision("0010_identity_security").down_revision
    upgrade(engine, str(previous))

    # The job table as it was at that revision (the model has grown columns since).
    jobs = sa.table(
        "job",
        sa.column("name", sa.String),
        sa.column("status", sa.String),
        sa.column("payload", JSONType),
        sa.column("attempts", sa.Integer),
        sa.column("max_attempts", sa.Integer),
        sa.column("run_after", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )

    def email(status: str, event_type: str, params: dict[str, str]) -> dict[str, object]:
        now = utcnow()
        return {
            "name": "notification.send_email",
            "status": status,
            "payload": {"user_id": 1, "event_type": event_type, "params": params, "link": None},
            "attempts": 0,
            "max_attempts": 8,
            "run_after": now,
            "created_at": now,
        }

    with engine.begin() as conn:
        conn.execute(
            jobs.insert(),
            [
                email("done", "identity.password_reset", {"link": "https://x/password/reset/SENT", "name": "A"}),
                email("failed", "incident.report_acknowledged", {"tracking_link": "https://x/report/track/GAVEUP"}),
                email("queued", "identity.invitation", {"link": "https://x/password/reset/TOSEND"}),
                email("done", "system.announcement", {"subject": "kept as it was"}),
            ],
        )
    upgrade(engine)
    with Session(engine) as s:
        payloads = [j.payload for j in s.scalars(select(Job).order_by(Job.id))]
    assert payloads[0]["params"] == {"link": "(removed: it carried a secret)", "name": "A"}
    assert payloads[1]["params"] == {"tracking_link": "(removed: it carried a secret)"}
    assert payloads[2]["params"] == {"link": "https://x/password/reset/TOSEND"}  # the worker still needs it
    assert payloads[3]["params"] == {"subject": "kept as it was"}
