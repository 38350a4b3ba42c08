"""The house's PDF pieces (fpdf2): the shipped DejaVu font, a page with a numbered footer (and,
optionally, a marking on every page), section headings, label/value rows and paragraphs that wrap
whatever a user typed. The incident forms and the chain-of-custody form are both built from them.

The font is DejaVu Sans, shipped inside the package (csirtnet/kit/fonts, Bitstream Vera / DejaVu
licence), so a fresh machine renders Vietnamese without system fonts; Debian's fonts-dejavu-core is
the fallback (docs/adr/0010-incident-pdf-font.md).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fpdf import FPDF

_SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
LINE = 5


def font_paths() -> tuple[Path, Path]:
    packaged = resources.files("csirtnet.kit").joinpath("fonts")
    regular = Path(str(packaged.joinpath("DejaVuSans.ttf")))
    bold = Path(str(packaged.joinpath("DejaVuSans-Bold.ttf")))
    if regular.exists() and bold.exists():
        return regular, bold
    return _SYSTEM_FONTS / "DejaVuSans.ttf", _SYSTEM_FONTS / "DejaVuSans-Bold.ttf"


# TLP 2.0 (FIRST): each label's colour, printed on black.
TLP_COLOURS = {
    "TLP:RED": (255, 43, 43),
    "TLP:AMBER": (255, 192, 0),
    "TLP:AMBER+STRICT": (255, 192, 0),
    "TLP:GREEN": (51, 255, 0),
    "TLP:CLEAR": (255, 255, 255),
}


class Pdf(FPDF):
    """A4 in DejaVu; `footer_text` and the page number at the foot of every page; `marking` (a TLP
    label, in its colours) at the top right of every page when set."""

    footer_text = ""
    marking = ""

    def header(self) -> None:
        if not self.marking:
            return
        self.set_font("DejaVu", "B", 9)
        width = self.get_string_width(self.marking) + 6
        self.set_fill_color(0, 0, 0)
        self.set_text_color(*TLP_COLOURS.get(self.marking.upper(), (255, 255, 255)))
        self.set_xy(self.w - self.r_margin - width, 6)
        self.cell(width, 6, self.marking, align="C", fill=True)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"{self.footer_text} {self.page_no()}/{{nb}}", align="C")


def new_pdf(title: str, *, marking: str = "") -> Pdf:
    pdf = Pdf(format="A4")
    pdf.marking = marking
    regular, bold = font_paths()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(18, 15, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(title)
    pdf.set_creator("csirtnet")
    pdf.set_lang("vi")
    return pdf


def section(pdf: FPDF, title: str) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_fill_color(230, 234, 238)
    pdf.multi_cell(0, 6, title, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


# A value taller than this many lines leaves the table for a paragraph of its own: a table row
# cannot span pages (fpdf2 refuses a row taller than a page), a paragraph can.
_ROW_LINES = 12
_VALUE_WIDTH = 112


def _fits_in_row(pdf: FPDF, value: str) -> bool:
    pdf.set_font("DejaVu", "", 9)
    lines = pdf.multi_cell(_VALUE_WIDTH - 2.4, LINE, value, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return len(lines) <= _ROW_LINES


def _table(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=(62, _VALUE_WIDTH),
        first_row_as_headings=False,
        text_align="LEFT",
        line_height=LINE,
        padding=1.2,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        for label, value in rows:
            row = table.row()
            pdf.set_font("DejaVu", "B", 9)
            row.cell(label)
            pdf.set_font("DejaVu", "", 9)
            row.cell(value)


def rows(pdf: FPDF, pairs: list[tuple[str, str]]) -> None:
    """Label and value side by side while the value is short; a long value (a 20,000-character
    description, one endless word) gets its label as a heading and the page's width as a paragraph,
    which wraps at words, breaks inside a word when it must, and runs on over pages."""
    short: list[tuple[str, str]] = []
    for label, value in pairs:
        value = value or "—"
        if _fits_in_row(pdf, value):
            short.append((label, value))
            continue
        if short:
            _table(pdf, short)
            short = []
        pdf.ln(1)
        labelled(pdf, [(label, value)])
    if short:
        _table(pdf, short)


def para(pdf: FPDF, text: str, *, bold: bool = False, size: int = 9) -> None:
    """The one way a PDF writes free text: a paragraph the page's width, wrapped at words, broken
    inside a word where it must (a 20,000-character word included), running on over pages. Every
    text a user typed goes through here or through `rows`, which sends long values here."""
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, LINE, text or "—", new_x="LMARGIN", new_y="NEXT")


def labelled(pdf: FPDF, pairs: list[tuple[str, str]]) -> None:
    """Each label as a bold line and its value as a paragraph under it."""
    for label, value in pairs:
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(0, LINE, label, new_x="LMARGIN", new_y="NEXT")
        para(pdf, value)
        pdf.ln(1)
