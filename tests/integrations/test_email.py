from __future__ import annotations

from email import message_from_bytes

from csirtnet.integrations import email as mail


def test_without_smtp_server_mail_lands_in_the_outbox(settings) -> None:
    settings.smtp_host = ""
    msg = mail.build_message(settings, to="ai@example.vn", subject="[TBSC] Thử nghiệm", text="Nội dung tiếng Việt")
    mail.send(settings, msg)
    files = list((settings.data_dir / "mail-outbox").glob("*.eml"))
    assert len(files) == 1
    parsed = message_from_bytes(files[0].read_bytes())
    assert parsed["To"] == "ai@example.vn"
    assert str(parsed["Subject"]).startswith("[TBSC]") or "TBSC" in str(parsed["Subject"])
