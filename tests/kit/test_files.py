"""Uploaded file names are normalised (issue 10): no path parts, no control or bidi characters, in
NFC, at most 255 characters — by `kit.files.clean_filename`, which every service that stores an
upload calls (public and member reports, email intake, incident files, cluster files used by
knowledge documents, channel messages, readiness evidence and handovers, membership documents)."""

from __future__ import annotations

import io
import unicodedata
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from csirtnet.cluster import files as cluster_files
from csirtnet.identity.service import subject_for
from csirtnet.incident import email_intake
from csirtnet.incident import files as incident_files
from csirtnet.kit.files import clean_filename
from csirtnet.models import IncidentReport, IncidentReportAttachment, StoredFile
from csirtnet.organisation import documents
from csirtnet.vocabulary import TLP
from tests.cluster.helpers import api as cluster_api
from tests.cluster.helpers import build
from tests.helpers import csrf_from
from tests.incident.helpers import coordinator, member, open_incident, who

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "invoice‮fdp.exe" shows as "invoiceexe.pdf"
CASES = [
    ("../../../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    (f"invoice{RLO}fdp.exe", "invoicefdp.exe"),
    ("a\u2066b\u2069c\u200f.txt", "abc.txt"),  # isolates and a right-to-left mark
    ("zero\u200bwidth\ufeff.txt", "zerowidth.txt"),
    ("line\nbreak\x00.txt", "line_break_.txt"),
    ("  ..hidden.. ", "hidden"),
    ("..", "file"),
    ("", "file"),
    (None, "file"),
    (unicodedata.normalize("NFD", "Báo cáo sự cố.pdf"), "Báo cáo sự cố.pdf"),
]
BAD = f"../../../../tmp/Báo cáo{RLO}fdp.exe"
CLEAN = "Báo cáofdp.exe"


@pytest.mark.parametrize(("raw", "clean"), CASES)
def test_clean_filename(raw: str | None, clean: str) -> None:
    assert clean_filename(raw) == clean
    assert unicodedata.is_normalized("NFC", clean_filename(raw))


def test_a_long_name_keeps_its_extension() -> None:
    name = clean_filename("x" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith("x.pdf")


def _stored_names(db, report_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db.scalars(
            select(StoredFile.filename)
            .join(IncidentReportAttachment, IncidentReportAttachment.stored_file_id == StoredFile.id)
            .where(IncidentReportAttachment.report_id == report_id)
        )
    )


def test_public_report_attachments(client, db) -> None:
    data = {
        "csrf_token": csrf_from(client.get("/report").text),
        "title": "Trang web bị thay đổi giao diện",
        "description": "Trang chủ của công ty bị thay bằng nội dung lạ từ sáng nay.",
        "reporter_name": "Lê Thị Công Dân",
        "reporter_email": "congdan@example.vn",
        "detected_at": "2026-01-05T08:30",
        "system_domains": "congty.example.vn",
        "incident_status": "ongoing",
    }
    files = [
        ("attachments", ("../../../../etc/passwd", b"root:x:0:0", "text/plain")),
        ("attachments", (f"invoice{RLO}fdp.exe", b"MZ", "application/octet-stream")),
    ]
    r = client.post("/report", data=data, files=files)
    assert r.status_code == 303, r.text
    report = db.scalar(select(IncidentReport).where(IncidentReport.channel == "public"))
    assert report is not None
    assert sorted(_stored_names(db, report.id)) == ["invoicefdp.exe", "passwd"]


def test_email_intake_attachments(db) -> None:
    msg = EmailMessage()
    msg["From"] = "cntt@sotttt.example.vn"
    msg["To"] = "baocao@csirtnet.local"
    msg["Subject"] = "Sự cố mã độc"
    msg["Message-ID"] = "<names-1@sotttt.example.vn>"
    msg.set_content("Phát hiện mã độc trên máy chủ.")
    msg.add_attachment(b"log\n", maintype="text", subtype="plain", filename=BAD)
    report = email_intake.ingest(db, msg.as_bytes())
    assert _stored_names(db, report.id) == [CLEAN]


def test_incident_attachments(db) -> None:
    coord = coordinator(db)
    incident = open_incident(db, coord, member(db))
    row = incident_files.add(
        db,
        who(coord),
        incident.id,
        filename=BAD,
        content_type="text/plain",
        stream=io.BytesIO(b"x"),
        size=1,
        tlp=TLP.AMBER,
    )
    assert db.get(StoredFile, row.stored_file_id).filename == CLEAN  # type: ignore[union-attr]


def test_cluster_files_for_knowledge_channels_evidence_and_handovers(client, db) -> None:
    net = build(db)
    row = cluster_files.store_upload(
        db, subject_for(net.admin["a"]), filename=BAD, content_type="text/plain", stream=io.BytesIO(b"x")
    )
    assert row.filename == CLEAN
    r = client.post(
        "/api/v1/cluster-files",
        files={"file": ("..\\..\\boot.ini" + RLO, b"y", "text/plain")},
        headers=cluster_api(db, net.admin["a"]),
    )
    assert r.status_code == 201, r.text
    assert db.get(StoredFile, r.json()["id"]).filename == "boot.ini"  # type: ignore[union-attr]


def test_membership_application_documents(db) -> None:
    upload = documents.Upload(f"../../Giấy phép{RLO}fdp.pdf", b"%PDF-1.4 test")
    assert documents.save(db, upload).filename == "Giấy phépfdp.pdf"
