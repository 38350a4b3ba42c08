"""Email the intake cannot file is never lost, never retried forever and never stops the poller:
it is kept whole in a quarantine the coordinators handle (issue 10, item 10)."""

from __future__ import annotations

import email.policy
import functools
import mailbox
import smtplib
import socket
from email.message import EmailMessage
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from csirtnet.authz import Subject
from csirtnet.errors import ValidationFailed
from csirtnet.incident.attachments import MAX_ATTACHMENTS
from csirtnet.incident.email_intake import start_smtp
from csirtnet.models import (
    AuditRecord,
    IncidentReport,
    IncidentReportAttachment,
    Notification,
    QuarantinedMessage,
)
from tests.helpers import run_cli
from tests.incident.helpers import api, coordinator, member, open_incident

SUBJECT_MARK = "Ransomware at Province Q"
SENDER = "soc@province-q.example.vn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@functools.cache
def many_attachments(count: int = MAX_ATTACHMENTS + 1, message_id: str = "<many@province-q.example.vn>") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"SOC <{SENDER}>"
    msg["To"] = "baocao@csirtnet.local"
    msg["Subject"] = SUBJECT_MARK
    msg["Message-ID"] = message_id
    msg.set_content("Servers encrypted overnight; the ransom notes and logs are attached.")
    for n in range(count):
        msg.add_attachment(f"log {n}\n".encode(), maintype="text", subtype="plain", filename=f"log-{n}.txt")
    return msg.as_bytes(policy=email.policy.SMTP)


UNKNOWN_CHARSET = (
    b"From: Phong CNTT <cntt@example.vn>\r\nTo: baocao@csirtnet.local\r\nSubject: Phishing at the portal\r\n"
    b"Message-ID: <charset@example.vn>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=x-no-such-charset\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"Caf\xe9 staff received a phishing mail pretending to be the ministry.\r\n"
)
NO_BOUNDARY = (
    b"From: Phong CNTT <cntt@example.vn>\r\nTo: baocao@csirtnet.local\r\nSubject: Defacement of the portal\r\n"
    b"Message-ID: <noboundary@example.vn>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
    b"The home page shows a foreign flag since 07:00; please help us restore it.\r\n"
)
NO_SENDER = b"Subject: Something happened\r\nTo: baocao@csirtnet.local\r\n\r\nWe saw something odd on our servers.\r\n"


def _send(port: int, *messages: bytes) -> list[str]:
    """Send each message in its own SMTP transaction; return the server's answers to DATA."""
    answers = []
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
        smtp.ehlo()
        for raw in messages:
            smtp.mail("sender@example.vn")
            smtp.rcpt("baocao@csirtnet.local")
            code, text = smtp.data(raw)
            answers.append(f"{code} {text.decode()}")
    return answers


def test_smtp_intake_keeps_everything_and_never_asks_for_a_retry(database, db) -> None:
    coord = coordinator(db)
    port = _free_port()
    controller = start_smtp(database, "127.0.0.1", port)
    try:
        answers = _send(port, many_attachments(), UNKNOWN_CHARSET, NO_BOUNDARY, NO_SENDER, many_attachments())
    finally:
        controller.stop()
    assert all(a.startswith("250 ") for a in answers), answers  # never 451 for content
    assert "held for review" in answers[0] and "held for review" in answers[3]
    # The message with 11 attachments is not filed with 10: it is quarantined, with the reason.
    held = db.scalars(select(QuarantinedMessage).order_by(QuarantinedMessage.id)).all()
    assert [h.reason for h in held] == ["too_many_attachments", "refused"]  # the retry of the first is kept once
    assert "11 attachments" in held[0].detail and held[0].subject == SUBJECT_MARK and held[0].source == "smtp"
    assert "reporter_email" in held[1].detail
    # The unknown charset is read with a fallback that keeps the bytes, and the report says so.
    charset = db.scalar(select(IncidentReport).where(IncidentReport.email_message_id == "<charset@example.vn>"))
    assert charset is not None and "Café staff received a phishing mail" in charset.description
    assert charset.language == "vi" and 'bảng mã không xác định "x-no-such-charset"' in charset.description
    # A multipart without a boundary keeps its body, and says why it reads as it does.
    flat = db.scalar(select(IncidentReport).where(IncidentReport.email_message_id == "<noboundary@example.vn>"))
    assert flat is not None and "shows a foreign flag since 07:00" in flat.description
    assert "without a boundary" in flat.description
    # The coordinators are told, by id only; the audit record holds ids, not subjects or addresses.
    told = db.scalar(select(Notification).where(Notification.event_type == "incident.email_quarantined"))
    assert told is not None and told.user_id == coord.id and SUBJECT_MARK not in str(told.params)
    records = db.scalars(select(AuditRecord).where(AuditRecord.action == "intake.quarantined")).all()
    assert len(records) == 2
    assert all(SUBJECT_MARK not in str(r.summary) and SENDER not in str(r.summary) for r in records)


def test_maildir_poller_quarantines_a_bad_message_and_goes_on(committing_database, tmp_path: Path) -> None:
    box = mailbox.Maildir(str(tmp_path / "reports"), create=True)
    for raw in (many_attachments(), UNKNOWN_CHARSET, NO_BOUNDARY):
        box.add(raw)
    result = run_cli(committing_database, "incident", "maildir-poll", str(tmp_path / "reports"))
    assert result.exit_code == 0, result.output
    assert "filed 2 report(s), quarantined 1 (Q-" in result.output
    assert not list((tmp_path / "reports" / "new").iterdir())  # nothing left stuck in new/
    again = run_cli(committing_database, "incident", "maildir-poll", str(tmp_path / "reports"))
    assert again.exit_code == 0 and "filed 0 report(s), quarantined 0" in again.output
    with committing_database.unit_of_work(write=False) as s:
        row = s.scalar(select(QuarantinedMessage))
        assert row is not None and row.source == "maildir" and row.reason == "too_many_attachments"
        assert row.raw_size == len(many_attachments())


def test_coordinators_read_release_and_discard_through_the_api(client, db, database) -> None:
    from csirtnet.incident.email_intake import receive
    from csirtnet.models import QuarantineSource

    coord, outsider = coordinator(db), member(db)
    kept = receive(database, many_attachments(), source=QuarantineSource.SMTP).quarantine_id
    other = receive(database, NO_SENDER, source=QuarantineSource.SMTP).quarantine_id
    assert kept is not None and other is not None
    base = "/api/v1/intake/quarantine"
    assert client.get(base).status_code == 401
    assert client.get(f"{base}/{kept}/raw").status_code == 401
    for path in (base, f"{base}/{kept}", f"{base}/{kept}/raw"):
        assert client.get(path, headers=api(db, outsider)).status_code == 403
    assert client.post(f"{base}/{kept}/release", headers=api(db, outsider)).status_code == 403
    headers = api(db, coord)
    listed = client.get(base, params={"status": "pending"}, headers=headers).json()["items"]
    assert [i["id"] for i in listed] == [other, kept] and listed[1]["reason"] == "too_many_attachments"
    assert client.get(base, params={"status": "lost"}, headers=headers).json()["errors"][0]["field"] == "status"
    raw = client.get(f"{base}/{kept}/raw", headers=headers)
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("message/rfc822")
    assert raw.content == many_attachments() and "attachment" in raw.headers["content-disposition"]
    assert client.get(f"{base}/999999", headers=headers).status_code == 404
    # Release: the coordinator accepts it as it is; the report keeps all 11 files.
    released = client.post(f"{base}/{kept}/release", headers=headers)
    assert released.status_code == 201, released.text
    report_id = released.json()["id"]
    files = db.scalar(
        select(func.count(IncidentReportAttachment.id)).where(IncidentReportAttachment.report_id == report_id)
    )
    assert files == MAX_ATTACHMENTS + 1
    assert client.post(f"{base}/{kept}/release", headers=headers).status_code == 409
    got = client.get(f"{base}/{kept}", headers=headers).json()
    assert got["status"] == "released" and got["report_id"] == report_id
    # Discard needs a reason, named as the field.
    r = client.post(f"{base}/{other}/discard", json={"reason": ""}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(f"{base}/{other}/discard", json={"reason": "Spam, not a report"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    assert client.post(f"{base}/{other}/release", headers=headers).status_code == 409
    # A message without a reply address is filed when a coordinator accepts it (no tracking email).
    anonymous = receive(database, NO_SENDER.replace(b"odd", b"odd again"), source=QuarantineSource.SMTP)
    filed = client.post(f"{base}/{anonymous.quarantine_id}/release", headers=headers)
    assert filed.status_code == 201 and filed.json()["reporter_email"] is None
    actions = db.scalars(select(AuditRecord).where(AuditRecord.action.startswith("intake."))).all()
    assert {a.action for a in actions} == {"intake.quarantined", "intake.released", "intake.discarded"}
    assert all(SENDER not in str(a.summary) and "Spam" not in str(a.summary) for a in actions)


def test_a_released_message_follows_its_report_to_tlp_red(client, db, database) -> None:
    from csirtnet.incident.email_intake import receive
    from csirtnet.models import QuarantineSource

    coord, other_coord = coordinator(db), coordinator(db)
    kept = receive(database, many_attachments(), source=QuarantineSource.SMTP).quarantine_id
    assert client.post(f"/api/v1/intake/quarantine/{kept}/release", headers=api(db, coord)).status_code == 201
    row = db.get(QuarantinedMessage, kept)
    db.refresh(row)
    incident = open_incident(db, coord, member(db))
    incident.tlp = "red"
    report = db.get(IncidentReport, row.report_id)
    report.incident_id = incident.id
    db.flush()
    # A coordinator not named on the TLP:RED incident no longer reads the raw message.
    assert client.get(f"/api/v1/intake/quarantine/{kept}/raw", headers=api(db, other_coord)).status_code == 404


def test_cli_lists_shows_releases_and_discards(committing_database) -> None:
    from csirtnet.incident.email_intake import receive
    from csirtnet.models import QuarantineSource

    first = receive(committing_database, many_attachments(), source=QuarantineSource.SMTP).quarantine_id
    second = receive(committing_database, NO_SENDER, source=QuarantineSource.MAILDIR).quarantine_id
    listed = run_cli(committing_database, "intake", "quarantine", "list")
    assert listed.exit_code == 0 and f"Q-{first}" in listed.output and "too_many_attachments" in listed.output
    shown = run_cli(committing_database, "intake", "quarantine", "show", f"Q-{first}")
    assert shown.exit_code == 0 and "11 attachments" in shown.output and SENDER in shown.output
    raw = run_cli(committing_database, "intake", "quarantine", "show", str(first), "--raw")
    assert raw.exit_code == 0 and SUBJECT_MARK in raw.output
    released = run_cli(committing_database, "intake", "quarantine", "release", f"Q-{first}")
    assert released.exit_code == 0 and "as report BC-" in released.output
    assert run_cli(committing_database, "intake", "quarantine", "release", f"Q-{first}").exit_code == 1
    refused = run_cli(committing_database, "intake", "quarantine", "discard", f"Q-{second}", "--reason", "")
    assert refused.exit_code == 1 and "reason" in refused.output
    done = run_cli(committing_database, "intake", "quarantine", "discard", f"Q-{second}", "--reason", "Spam")
    assert done.exit_code == 0
    with committing_database.unit_of_work(write=False) as s:
        assert [r.status for r in s.scalars(select(QuarantinedMessage).order_by(QuarantinedMessage.id))] == [
            "released",
            "discarded",
        ]


def test_coordinator_pages_list_show_download_release_and_discard(client, db, database) -> None:
    import pyotp

    from csirtnet.incident.email_intake import receive
    from csirtnet.models import QuarantineSource
    from tests.helpers import csrf_from, login

    kept = receive(database, many_attachments(), source=QuarantineSource.SMTP).quarantine_id
    other = receive(database, NO_SENDER, source=QuarantineSource.MAILDIR).quarantine_id
    assert client.get("/incidents/quarantine").headers["location"].startswith("/login")
    outsider = member(db)
    login(client, outsider.email)
    assert client.get("/incidents/quarantine").status_code == 403
    assert client.get(f"/incidents/quarantine/{kept}/raw").status_code == 403
    assert "quarantine-link" not in client.get("/incidents/reports").text
    client.cookies.clear()
    secret = pyotp.random_base32()
    login(client, coordinator(db, totp_secret=secret, language="en").email, totp_secret=secret)
    queue = client.get("/incidents/reports").text
    assert 'href="/incidents/quarantine"' in queue and "2 waiting" in queue
    listing = client.get("/incidents/quarantine")
    assert listing.status_code == 200 and f"Q-{kept}" in listing.text and SUBJECT_MARK in listing.text
    assert "More attachments than a report takes" in listing.text and "waiting" in listing.text
    page = client.get(f"/incidents/quarantine/{kept}")
    assert page.status_code == 200 and "11 attachments" in page.text
    raw = client.get(f"/incidents/quarantine/{kept}/raw")
    assert raw.headers["content-type"].startswith("message/rfc822") and raw.content == many_attachments()
    token = csrf_from(page.text)
    # Discarding without a reason comes back in place, the error at the field, by its label.
    r = client.post(f"/incidents/quarantine/{other}/discard", data={"csrf_token": token, "reason": " "})
    assert (
        r.status_code == 422 and "Why it is discarded" in r.text and 'id="intake-quarantine-discard-reason"' in r.text
    )
    assert db.get(QuarantinedMessage, other).status == "pending"
    r = client.post(f"/incidents/quarantine/{other}/discard", data={"csrf_token": token, "reason": "Spam"})
    assert r.status_code == 303 and r.headers["location"] == "/incidents/quarantine"
    r = client.post(f"/incidents/quarantine/{kept}/release", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/incidents/reports/")
    row = db.get(QuarantinedMessage, kept)
    db.refresh(row)
    assert row.status == "released" and r.headers["location"] == f"/incidents/reports/{row.report_id}"


_HEADER_LINES = st.sampled_from(
    [
        b"From: Someone <someone@example.vn>",
        b"From: not an address",
        b"Subject: =?x-unknown?q?caf=E9?= report",
        b"Subject: " + b"long " * 100,
        b"Content-Type: multipart/mixed",
        b'Content-Type: multipart/alternative; boundary="b"',
        b"Content-Type: text/plain; charset=x-no-such-charset",
        b"Content-Type: text/html; charset=utf-8",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Date: not a date",
        b"Message-ID: <prop@example.vn>",
        b"Message-ID: <nul\x00@example.vn>",
        b"Subject: a NUL \x00 in the subject",
        b"From: Nul \x00 Name <nul@example.vn>",
        b'Content-Type: multipart/mixed; boundary="\x00"',
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(_HEADER_LINES, max_size=6), st.binary(min_size=12, max_size=300) | st.just(b"text with a NUL \x00 byte")
)
def test_any_message_is_filed_or_refused_with_a_reason_never_an_error(db, headers, body) -> None:
    """Whatever arrives, `ingest` files it or raises EmailRejected with a reason (the intake then
    quarantines it): no other exception, so nothing is answered 451 or stops the poller."""
    from csirtnet.incident.email_intake import EmailRejected, ingest

    raw = b"\r\n".join([b"From: Ann Example <ann@example.vn>", b"Subject: A report", *headers, b"", body])
    savepoint = db.begin_nested()
    try:
        try:
            report = ingest(db, raw)
        except EmailRejected as exc:
            assert str(exc) and exc.reason
        else:
            assert report.id is not None and report.description
    finally:
        savepoint.rollback()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_HEADER_LINES, max_size=6), st.binary(max_size=300))
def test_whatever_arrives_is_filed_or_quarantined(database, db, headers, body) -> None:
    """The intake's whole path (`receive`, as SMTP and the poller call it) never raises while the
    database is up: every message is filed as a report or kept whole in the quarantine."""
    from csirtnet.incident import quarantine
    from csirtnet.incident.email_intake import receive
    from csirtnet.models import QuarantineSource

    raw = b"\r\n".join([*headers, b"", body])
    outcome = receive(database, raw, source=QuarantineSource.MAILDIR)
    assert (outcome.report_reference is None) != (outcome.quarantine_id is None)
    if outcome.quarantine_id is not None:
        assert quarantine.raw_bytes(db.get(QuarantinedMessage, outcome.quarantine_id)) == raw
        # A coordinator accepting it files it, or is told why not (never a server error).
        savepoint = db.begin_nested()
        try:
            try:
                report = quarantine.release(db, Subject.system("test"), outcome.quarantine_id)
            except ValidationFailed as exc:
                assert exc.errors[0].field == "message"
            else:
                assert report.id is not None
        finally:
            savepoint.rollback()


BAD_VALUES = (
    b"From: Ann Example <ann@example.vn>\r\nSubject: x\r\nMessage-ID: <bad-values@example.vn>\r\n\r\n"
    b"IP: 999.1.1.1\r\nThoi gian phat hien: someday\r\nCap do: 9\r\nThe portal went down.\r\n"
)


def test_a_release_keeps_the_values_the_form_refuses_in_the_description(client, db, database) -> None:
    from csirtnet.incident.email_intake import receive
    from csirtnet.models import QuarantineSource

    held = receive(database, BAD_VALUES, source=QuarantineSource.SMTP).quarantine_id
    assert held is not None and db.get(QuarantinedMessage, held).reason == "rejected"
    r = client.post(f"/api/v1/intake/quarantine/{held}/release", headers=api(db, coordinator(db)))
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["title"] == "x (no subject)" and report["system_ips"] == []
    for kept in ("system_ips: 999.1.1.1", "detected_at: someday", "system_security_level: 9"):
        assert kept in report["description"]
