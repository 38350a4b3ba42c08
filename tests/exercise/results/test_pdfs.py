"""Certificates, the results PDF and the after-action PDF, read back with pypdf in Vietnamese and
English; a team's certificate is its people's, its organisation's, the staff's and organisers', and
no other team's."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from csirtnet.errors import Conflict, Forbidden, NotFound
from csirtnet.exercise.results import after_action, pdfs
from csirtnet.exercise.results.schemas import AfterActionUpdate, LessonCreate
from tests.exercise.results.helpers import finished_drill, make_world, team_of
from tests.incident.helpers import who


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            ["CERTIFICATE OF PARTICIPATION", "took part in the exercise", "Ranked: 3rd of 63", "Signature and seal"],
        ),
        (
            "vi",
            ["GIẤY CHỨNG NHẬN THAM GIA", "đã tham gia cuộc diễn tập", "Xếp hạng: hạng 3 trên 63", "Ký tên và đóng dấu"],
        ),
    ],
)
def test_a_teams_certificate_in_both_languages(db: Session, lang: str, words: list[str]) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=63, third=2)
    team = team_of(db, drill, w.provinces[2])
    name, data = pdfs.certificate_pdf(db, who(w.responders[2]), drill.id, team.id, lang)
    assert name.endswith(f"-{lang}.pdf") and data.startswith(b"%PDF")
    text = text_of(data)
    for word in [*words, team.name, w.provinces[2].name, "Diễn tập quốc gia kỹ thuật", "Cơ quan điều phối"]:
        assert word in text, (word, text)


def test_a_team_cannot_download_another_teams_certificate(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=10, third=2)
    other = team_of(db, drill, w.provinces[0])
    mine = team_of(db, drill, w.provinces[2])
    for reader in (w.responders[2], w.admins[2], w.outsider):
        with pytest.raises(NotFound):
            pdfs.certificate_pdf(db, who(reader), drill.id, other.id, "en")
    pdfs.certificate_pdf(db, who(w.admins[2]), drill.id, mine.id, "en")  # the organisation's admin may
    pdfs.certificate_pdf(db, who(w.coordinator), drill.id, other.id, "en")  # the organisers may
    with pytest.raises(NotFound):
        pdfs.certificate_pdf(db, who(w.coordinator), drill.id, 999_999, "en")


def test_the_results_pdf_in_both_languages(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=63, third=2)
    en = text_of(pdfs.results_pdf(db, who(w.outsider), drill.id, "en")[1])
    assert "Final results" in en and "3rd of 63" in en and "63rd of 63" in en and w.provinces[2].name in en
    vi = text_of(pdfs.results_pdf(db, who(w.outsider), drill.id, "vi")[1])
    assert "Kết quả chung cuộc" in vi and "hạng 3 trên 63" in vi
    running = finished_drill(db, w, teams=3, status="running")
    with pytest.raises(Conflict):
        pdfs.results_pdf(db, who(w.coordinator), running.id, "en")


def test_the_after_action_pdf_in_both_languages(db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=6, third=2)
    coord = who(w.coordinator)
    after_action.save_report(
        db, coord, drill.id, AfterActionUpdate(summary="Các đội phản ứng nhanh", weaknesses="Thiếu nhật ký")
    )
    after_action.add_lesson(
        db, coord, drill.id, LessonCreate(title="Bật ghi nhật ký tập trung", organisation_id=w.provinces[2].id)
    )
    en = text_of(pdfs.after_action_pdf(db, coord, drill.id, "en")[1])
    for word in (
        "After-action report",
        "Summary",
        "Các đội phản ứng nhanh",
        "Lessons learned",
        "Bật ghi nhật ký tập trung",
        "Timeline",
        "The exercise started",
        "3rd of 6",
    ):
        assert word in en, word
    vi = text_of(pdfs.after_action_pdf(db, coord, drill.id, "vi")[1])
    for word in (
        "Báo cáo sau diễn tập",
        "Điểm yếu",
        "Thiếu nhật ký",
        "Bài học",
        "Cuộc diễn tập bắt đầu",
        "hạng 3 trên 6",
    ):
        assert word in vi, word
    with pytest.raises(Forbidden):
        pdfs.after_action_pdf(db, who(w.admins[2]), drill.id, "en")
