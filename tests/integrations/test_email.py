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


def test_long_vietnamese_subject_survives_the_trip(settings) -> None:
    from email import policy

    subject = (
        "[TBSC] Yêu cầu hỗ trợ ứng cứu sự cố SC-2026-000123: Tấn công từ chối dịch vụ vào Cổng thông tin điện tử tỉnh"
    )
    msg = mail.build_message(settings, to="a@example.vn", subject=subject, text="Nội dung " * 40)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed.get_content().startswith("Nội dung Nội dung")
