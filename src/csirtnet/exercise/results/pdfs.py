"""The results part's PDFs, in Vietnamese or English: a team's participation certificate, the
final results (the scoreboard), and the after-action report. Each checks its reader through
`authz.exercise` before anything is built; fpdf is imported only here, where a PDF is made."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, NotFound
from csirtnet.exercise.results import after_action
from csirtnet.exercise.results.readiness import drill_name, held_on
from csirtnet.exercise.results.standings import Placed, placed, placement, team_of
from csirtnet.i18n import N_, translate
from csirtnet.kit.dates import format_date, format_datetime
from csirtnet.models import Exercise, Organisation

CERTIFICATE = N_("Certificate of participation")
CERTIFIES = N_("This certifies that the team")
OF_ORGANISATION = N_("of")
TOOK_PART = N_("took part in the exercise")
HELD = N_("Held")
RANKED = N_("Ranked")
SCORE = N_("Score")
ORGANISER = N_("The organiser")
SIGNATURE = N_("Signature and seal")
RESULTS = N_("Final results")
RANK = N_("Rank")
TEAM = N_("Team")
MEMBER = N_("Member organisation")
NO_RESULTS = N_("No team is ranked.")
AFTER_ACTION = N_("After-action report")
SUMMARY = N_("Summary")
STRENGTHS = N_("Strengths")
WEAKNESSES = N_("Weaknesses")
LESSONS = N_("Lessons learned")
TIMELINE = N_("Timeline")
RESULTS_PER_TEAM = N_("Results per team")
FOR_MEMBER = N_("For")
PAGE = N_("page")
REFERENCE = N_("Reference")
DATES = N_("Dates")


def _lang(language: str) -> str:
    return language if language in ("vi", "en") else "vi"


def _dates(exercise: Exercise, lang: str) -> str:
    zone = exercise.timezone or "Asia/Ho_Chi_Minh"
    if exercise.starts_at is None:
        return format_date(held_on(exercise), lang)
    start = format_datetime(exercise.starts_at, lang, zone)
    if exercise.ends_at is None or exercise.ends_at == exercise.starts_at:
        return format_date(held_on(exercise), lang)
    return f"{start} – {format_datetime(exercise.ends_at, lang, zone, with_zone=True)}"


def _final(session: Session, who: Subject, exercise_id: int) -> Exercise:
    exercise = rules.get_visible(session, who, exercise_id)
    if not rules.results_final(exercise):
        raise Conflict("The exercise is not finished: its results are not final")
    return exercise


def certificate_pdf(session: Session, who: Subject, exercise_id: int, team_id: int, language: str) -> tuple[str, bytes]:
    """(file name, bytes) of a team's participation certificate (its people, staff, organisers)."""
    from csirtnet.kit.pdf import new_pdf, para

    lang = _lang(language)
    exercise = _final(session, who, exercise_id)
    team = team_of(session, exercise, team_id)
    if team is None or not rules.can_read_certificate(session, who, exercise, team):
        raise NotFound("team")
    org = session.get(Organisation, team.organisation_id) if team.organisation_id else None
    organiser = session.get(Organisation, exercise.organiser_organisation_id)
    mine = next((p for p in placed(session, who, exercise) if p.standing.team_id == team.id), None)

    def t(message: str) -> str:
        return translate(lang, message)

    pdf = new_pdf(f"{t(CERTIFICATE)} · {team.name}")
    pdf.footer_text = f"{exercise.reference} · {t(PAGE)}"
    pdf.add_page()
    pdf.ln(18)
    pdf.set_font("DejaVu", "B", 22)
    pdf.multi_cell(0, 12, t(CERTIFICATE).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(0, 8, t(CERTIFIES), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 10, team.name, align="C", new_x="LMARGIN", new_y="NEXT")
    if org is not None:
        pdf.set_font("DejaVu", "", 12)
        pdf.multi_cell(0, 8, f"{t(OF_ORGANISATION)} {org.name}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(0, 8, t(TOOK_PART), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 9, drill_name(exercise), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 7, f"{t(HELD)}: {_dates(exercise, lang)}", align="C", new_x="LMARGIN", new_y="NEXT")
    if mine is not None:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 14)
        ranked = f"{t(RANKED)}: {placement(mine.rank, mine.total, lang)}"
        pdf.multi_cell(0, 9, ranked, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 7, f"{t(SCORE)}: {mine.standing.score:g}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(24)
    pdf.set_x(pdf.w / 2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 7, t(ORGANISER), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.w / 2)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, organiser.name if organiser else "", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_x(pdf.w / 2 + 10)
    pdf.cell(pdf.w / 2 - pdf.r_margin - 20, 0, "", border="T", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.w / 2)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 6, t(SIGNATURE), align="C", new_x="LMARGIN", new_y="NEXT")
    para(pdf, f"{t(REFERENCE)}: {exercise.reference}", size=8)
    return f"{exercise.reference.lower()}-certificate-{team.id}-{lang}.pdf", bytes(pdf.output())


def _results_table(pdf: object, rows: list[Placed], lang: str) -> None:
    from fpdf import FPDF

    from csirtnet.kit.pdf import LINE

    assert isinstance(pdf, FPDF)
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=(26, 62, 62, 24),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        line_height=LINE,
        padding=1.2,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        head = table.row()
        for title in (RANK, TEAM, MEMBER, SCORE):
            head.cell(translate(lang, title))
        for p in rows:
            row = table.row()
            row.cell(placement(p.rank, p.total, lang))
            row.cell(p.standing.team)
            row.cell(p.organisation or "—")
            row.cell(f"{p.standing.score:g}")


def results_pdf(session: Session, who: Subject, exercise_id: int, language: str) -> tuple[str, bytes]:
    """(file name, bytes) of the final scoreboard, for whoever sees the exercise."""
    from csirtnet.kit.pdf import new_pdf, para, rows

    lang = _lang(language)
    exercise = _final(session, who, exercise_id)
    board = placed(session, who, exercise)
    organiser = session.get(Organisation, exercise.organiser_organisation_id)

    def t(message: str) -> str:
        return translate(lang, message)

    pdf = new_pdf(f"{exercise.reference} {t(RESULTS)}", marking=exercise.tlp.upper())
    pdf.footer_text = f"{exercise.reference} · {t(PAGE)}"
    pdf.add_page()
    para(pdf, f"{t(RESULTS)}: {drill_name(exercise)}", bold=True, size=14)
    rows(
        pdf,
        [
            (t(REFERENCE), exercise.reference),
            (t(ORGANISER), organiser.name if organiser else ""),
            (t(DATES), _dates(exercise, lang)),
        ],
    )
    pdf.ln(3)
    if board:
        _results_table(pdf, board, lang)
    else:
        para(pdf, t(NO_RESULTS))
    return f"{exercise.reference.lower()}-results-{lang}.pdf", bytes(pdf.output())


def after_action_pdf(session: Session, who: Subject, exercise_id: int, language: str) -> tuple[str, bytes]:
    """(file name, bytes) of the after-action report (its organisers and staff)."""
    from csirtnet.kit.pdf import new_pdf, para, rows, section

    lang = _lang(language)
    exercise = after_action.get_readable(session, who, exercise_id)
    report = after_action.report_of(session, exercise)
    lessons = after_action.lessons_of(session, exercise)
    names = after_action.organisation_names(session, {x.organisation_id for x in lessons if x.organisation_id})
    organiser = session.get(Organisation, exercise.organiser_organisation_id)
    zone = exercise.timezone or "Asia/Ho_Chi_Minh"

    def t(message: str) -> str:
        return translate(lang, message)

    pdf = new_pdf(f"{exercise.reference} {t(AFTER_ACTION)}", marking=exercise.tlp.upper())
    pdf.footer_text = f"{exercise.reference} · {t(PAGE)}"
    pdf.add_page()
    para(pdf, f"{t(AFTER_ACTION)}: {drill_name(exercise)}", bold=True, size=14)
    rows(
        pdf,
        [
            (t(REFERENCE), exercise.reference),
            (t(ORGANISER), organiser.name if organiser else ""),
            (t(DATES), _dates(exercise, lang)),
        ],
    )
    for title, text in (
        (SUMMARY, report.summary if report else ""),
        (STRENGTHS, report.strengths if report else ""),
        (WEAKNESSES, report.weaknesses if report else ""),
    ):
        section(pdf, t(title))
        para(pdf, text)
    section(pdf, t(LESSONS))
    if not lessons:
        para(pdf, "—")
    for n, lesson in enumerate(lessons, 1):
        para(pdf, f"{n}. {lesson.title}", bold=True)
        if lesson.organisation_id:
            para(pdf, f"{t(FOR_MEMBER)}: {names.get(lesson.organisation_id, '')}")
        if lesson.body:
            para(pdf, lesson.body)
    section(pdf, t(TIMELINE))
    entries = after_action.timeline(session, who, exercise, lang)
    if not entries:
        para(pdf, "—")
    for entry in entries:
        para(pdf, f"{format_datetime(entry.at, lang, zone)} — {entry.text}")
    section(pdf, t(RESULTS_PER_TEAM))
    if rules.results_final(exercise):
        board = placed(session, who, exercise)
        if board:
            _results_table(pdf, board, lang)
        else:
            para(pdf, t(NO_RESULTS))
    else:
        para(pdf, t(NO_RESULTS))
    return f"{exercise.reference.lower()}-after-action-{lang}.pdf", bytes(pdf.output())
