"""Every PDF the product renders (form 03, form 04, both, the case report) wraps or breaks any
text the API accepts: a 20,000-character description, a 20,000-character word, long Vietnamese
text, in both languages (issue 10)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from csirtnet.incident import export_pdf
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentReport
from tests.incident.helpers import coordinator, member, open_incident, who

LIMIT = 20_000  # IncidentCreate/ReportCreate accept descriptions this long
_VI = "Máy chủ cổng thông tin điện tử của Sở bị mã hóa toàn bộ dữ liệu, hiển thị thông báo đòi tiền chuộc. "
END = "KẾTTHÚC"  # the text's last characters: found in the document, nothing was cut
TEXTS = {
    "long description": ("Lorem ipsum dolor sit amet. " * LIMIT)[: LIMIT - len(END)] + END,
    "one long word": "q" * (LIMIT - len(END)) + END,
    "long Vietnamese": (_VI * LIMIT)[: LIMIT - len(END)] + END,
}


@pytest.mark.parametrize("kind", list(TEXTS))
def test_every_pdf_renders_the_longest_text_in_both_languages(db, kind: str) -> None:
    text = TEXTS[kind]
    coord = coordinator(db)
    incident = open_incident(db, coord, member(db), description=text)
    report = db.scalars(select(IncidentReport).where(IncidentReport.incident_id == incident.id)).one()
    incident.description = text
    incident.closing_result = "Đã khôi phục."
    incident.closing_lessons = text
    incident.closing_reported_at = utcnow()
    incident.closed_at = utcnow()
    report.security_measures = text  # a form 03 row after the description
    db.flush()
    for form in ("initial", "closing", "both", "case"):
        for lang in ("vi", "en"):
            data = export_pdf.export_pdf(db, who(coord), incident.id, form=form, lang=lang)
            pages = PdfReader(io.BytesIO(data)).pages
            assert len(pages) > 1, (form, lang)
            words = "".join("".join(p.extract_text().split()) for p in pages)
            assert END in words, (form, lang)  # nothing is cut
            if kind == "one long word":  # nor lost where the word was broken
                assert words.count("q") >= LIMIT - len(END), (form, lang, words.count("q"))
