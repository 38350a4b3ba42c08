"""The incident as PDF, laid out like Circular 20/2017/TT-BTTTT's forms: the initial report (form 03)
and the closing report (form 04), in Vietnamese or English.

The PDF pieces and the shipped font are in kit.pdf (docs/adr/0010-incident-pdf-font.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.incident import get_visible
from csirtnet.config import get_settings
from csirtnet.errors import ValidationFailed
from csirtnet.incident.export import reports_of
from csirtnet.incident.workspace_reads import CaseReport, case_report
from csirtnet.kit import dates
from csirtnet.kit.pdf import Pdf, labelled, new_pdf, para, rows, section
from csirtnet.models import Incident, IncidentReport, Organisation
from csirtnet.vocabulary import labels

Form = Literal["initial", "closing", "both", "case"]
Lang = Literal["vi", "en"]

# (Vietnamese, English) for the forms' own words; stored codes are named by csirtnet.vocabulary.labels.
L: dict[str, tuple[str, str]] = {
    "nation": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIETNAM"),
    "motto": ("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    "form03": ("Mẫu số 03 (Thông tư 20/2017/TT-BTTTT)", "Form 03 (Circular 20/2017/TT-BTTTT)"),
    "form04": ("Mẫu số 04 (Thông tư 20/2017/TT-BTTTT)", "Form 04 (Circular 20/2017/TT-BTTTT)"),
    "title03": ("BÁO CÁO BAN ĐẦU SỰ CỐ AN TOÀN THÔNG TIN MẠNG", "INITIAL CYBERSECURITY INCIDENT REPORT"),
    "title04": ("BÁO CÁO KẾT THÚC ỨNG CỨU SỰ CỐ", "INCIDENT RESPONSE CLOSING REPORT"),
    "to": ("Kính gửi", "To"),
    "ref": ("Số hiệu sự cố", "Incident reference"),
    "report_ref": ("Số báo cáo", "Report number"),
    "s1": ("1. Thông tin tổ chức/cá nhân báo cáo sự cố", "1. Organisation or person reporting"),
    "org": ("Tên tổ chức/cá nhân", "Organisation or person"),
    "reporter": ("Người báo cáo", "Reporter"),
    "position": ("Chức vụ", "Position"),
    "phone": ("Điện thoại", "Phone"),
    "email": ("Thư điện tử", "Email"),
    "unit": ("Đơn vị vận hành hệ thống", "Operating unit"),
    "s2": ("2. Thông tin hệ thống thông tin bị sự cố", "2. The affected information system"),
    "system": ("Tên hệ thống", "System name"),
    "level": ("Cấp độ an toàn hệ thống", "Security level"),
    "national": ("Thuộc danh mục hệ thống quan trọng quốc gia", "On the national list of important systems"),
    "domains": ("Tên miền", "Domain names"),
    "ips": ("Địa chỉ IP", "IP addresses"),
    "providers": ("Nhà cung cấp dịch vụ", "Service providers"),
    "s3": ("3. Thông tin về sự cố", "3. The incident"),
    "description": ("Mô tả sơ bộ sự cố", "Description"),
    "detected": ("Ngày, giờ phát hiện sự cố", "Date and time of detection"),
    "status": ("Tình trạng hiện tại", "Current status"),
    "method": ("Cách thức phát hiện", "How it was detected"),
    "notified": ("Đã thông báo cho", "Already notified"),
    "reported": ("Thời gian báo cáo", "Time of report"),
    "s4": ("4. Thông tin bổ sung", "4. Additional information"),
    "os": ("Hệ điều hành", "Operating system"),
    "services": ("Các dịch vụ trên hệ thống", "Services on the system"),
    "measures": ("Biện pháp bảo đảm an toàn đã triển khai", "Security measures in place"),
    "public_ips": ("Địa chỉ IP công cộng", "Public IP addresses"),
    "purpose": ("Mục đích sử dụng hệ thống", "Purpose of the system"),
    "support": ("Đề nghị hỗ trợ", "Support requested"),
    "confidential": ("Yêu cầu giữ bí mật thông tin", "Keep confidential"),
    "classification": ("Phân loại (RSIT)", "Classification (RSIT)"),
    "severity": ("Mức độ sự cố", "Severity"),
    "signature": ("Người báo cáo (ký, ghi rõ họ tên)", "Reporter (signature and full name)"),
    "s_result": ("1. Kết quả ứng cứu sự cố", "1. Result of the response"),
    "s_cause": ("2. Nguyên nhân sự cố", "2. Root cause"),
    "s_actions": ("3. Các biện pháp đã thực hiện", "3. Actions taken"),
    "s_lessons": ("4. Bài học kinh nghiệm", "4. Lessons learned"),
    "refers": ("Căn cứ báo cáo ban đầu", "Refers to the initial report"),
    "closed": ("Thời gian kết thúc ứng cứu", "Response ended"),
    "lead": ("Đại diện đơn vị (ký, ghi rõ họ tên)", "For the organisation (signature and full name)"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "none": ("—", "—"),
    "serious_basis": ("Quyết định 05/2017/QĐ-TTg", "Decision 05/2017/QĐ-TTg"),
    "page": ("Trang", "Page"),
    "case_title": ("BÁO CÁO HỒ SƠ SỰ CỐ", "INCIDENT CASE REPORT"),
    "case_form": ("Hồ sơ sự cố (csirtnet)", "Case report (csirtnet)"),
    "c_summary": ("1. Tóm tắt", "1. Summary"),
    "c_class": ("2. Phân loại", "2. Classification"),
    "c_timeline": ("3. Diễn biến", "3. Timeline"),
    "c_tasks": ("4. Nhiệm vụ", "4. Tasks"),
    "c_observables": ("5. Dấu hiệu (observables) và tệp", "5. Observables and files"),
    "c_participants": ("6. Thành phần tham gia", "6. Participants"),
    "c_mobilisation": ("7. Huy động lực lượng", "7. Mobilisation"),
    "c_closing": ("8. Báo cáo kết thúc (mẫu 04)", "8. Closing report (form 04)"),
    "phase": ("Giai đoạn", "Phase"),
    "owner": ("Phụ trách", "Owner"),
    "assignees": ("Người thực hiện", "Assignees"),
    "due": ("Hạn", "Due"),
    "not_closed": ("Sự cố chưa kết thúc.", "The incident is not closed yet."),
    "nothing": ("Không có.", "None."),
    "request": ("Yêu cầu hỗ trợ %s chuyên gia", "Support request for %s expert(s)"),
    "reports": ("Báo cáo", "Reports"),
    "closed_at": ("Kết thúc", "Closed"),
}


def t(key: str, lang: Lang) -> str:
    vi, en = L[key]
    return vi if lang == "vi" else en


def _when(value: datetime | None, lang: Lang) -> str:
    """The language's one way to write a moment (kit.dates), with the zone: a PDF travels."""
    if value is None:
        return t("none", lang)
    return dates.format_datetime(value, lang, get_settings().timezone, with_zone=True)


def _header(pdf: Pdf, lang: Lang, organisation: str, form_key: str, title_key: str, subtitle: str) -> None:
    pdf.add_page()
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(0, 4, t(form_key, lang), align="R", new_x="LMARGIN", new_y="NEXT")
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    y = pdf.get_y() + 2
    pdf.set_xy(pdf.l_margin, y)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width - 4, 5, organisation.upper(), align="C")
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width, y)
    pdf.multi_cell(width, 5, t("nation", lang), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 5, t("motto", lang), align="C")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, t(title_key, lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _signature(pdf: Pdf, lang: Lang, key: str, name: str) -> None:
    pdf.ln(8)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_x(pdf.l_margin + width)
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width, 5, t(key, lang), align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(14)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 5, name, align="C")


def _yes_no(value: bool, lang: Lang) -> str:
    return t("yes", lang) if value else t("no", lang)


def _initial(pdf: Pdf, lang: Lang, incident: Incident, report: IncidentReport | None, org: Organisation) -> None:
    coordinator = get_settings().base_url
    org_name = org.name if lang == "vi" else (org.name_en or org.name)
    _header(
        pdf,
        lang,
        org_name,
        "form03",
        "title03",
        f"{t('ref', lang)}: {incident.reference}"
        + (f" · {t('report_ref', lang)}: {report.reference}" if report else ""),
    )
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, f"{t('to', lang)}: csirtnet ({coordinator})", new_x="LMARGIN", new_y="NEXT")
    r = report
    section(pdf, t("s1", lang))
    rows(
        pdf,
        [
            (t("org", lang), (r.organisation_name if r and r.organisation_name else None) or org_name),
            (t("reporter", lang), r.reporter_name if r else ""),
            (t("position", lang), (r.reporter_position or "") if r else ""),
            (t("phone", lang), (r.reporter_phone or "") if r else ""),
            (t("email", lang), (r.reporter_email or "") if r else ""),
            (t("unit", lang), incident.operating_unit or ""),
        ],
    )
    section(pdf, t("s2", lang))
    rows(
        pdf,
        [
            (t("system", lang), incident.system_name or ""),
            (t("level", lang), str(incident.system_security_level or "—")),
            (t("national", lang), _yes_no(incident.system_on_national_list, lang)),
            (t("domains", lang), ", ".join(incident.system_domains or [])),
            (t("ips", lang), ", ".join(incident.system_ips or [])),
            (t("providers", lang), incident.system_providers or ""),
        ],
    )
    section(pdf, t("s3", lang))
    status = (r.incident_status or "unknown") if r else "unknown"
    severity = labels.name(labels.SEVERITIES, incident.severity, lang)
    if incident.severity == "serious":
        severity += f" ({t('serious_basis', lang)})"
    rows(
        pdf,
        [
            (t("description", lang), (r.description if r else "") or incident.description),
            (t("detected", lang), _when(incident.detected_at, lang)),
            (t("status", lang), labels.name(labels.STATUSES_AT_REPORT, status, lang)),
            (t("method", lang), (r.detection_method or "") if r else ""),
            (t("notified", lang), (r.already_notified or "") if r else ""),
            (t("reported", lang), _when(incident.reported_at, lang)),
            (t("classification", lang), labels.rsit(incident.rsit_class, incident.rsit_type, lang)),
            (t("severity", lang), severity),
        ],
    )
    section(pdf, t("s4", lang))
    rows(
        pdf,
        [
            (t("os", lang), (r.operating_system or "") if r else ""),
            (t("services", lang), (r.services or "") if r else ""),
            (t("measures", lang), (r.security_measures or "") if r else ""),
            (t("public_ips", lang), ", ".join(r.public_ips or []) if r else ""),
            (t("purpose", lang), (r.purpose or "") if r else ""),
            (t("support", lang), (r.support_requested or "") if r else ""),
            (t("confidential", lang), _yes_no(bool(r and r.confidential), lang)),
        ],
    )
    _signature(pdf, lang, "signature", r.reporter_name if r else "")


def _closing(pdf: Pdf, lang: Lang, incident: Incident, report: IncidentReport | None, org: Organisation) -> None:
    org_name = org.name if lang == "vi" else (org.name_en or org.name)
    refers = incident.reference + (f" / {report.reference}, {_when(report.reported_at, lang)}" if report else "")
    _header(pdf, lang, org_name, "form04", "title04", f"{t('ref', lang)}: {incident.reference}")
    rows(
        pdf,
        [
            (t("refers", lang), refers),
            (t("system", lang), incident.system_name or ""),
            (t("detected", lang), _when(incident.detected_at, lang)),
            (t("closed", lang), _when(incident.closed_at, lang)),
        ],
    )
    for key, text in (
        ("s_result", incident.closing_result),
        ("s_cause", incident.closing_root_cause),
        ("s_actions", incident.closing_actions),
        ("s_lessons", incident.closing_lessons),
    ):
        section(pdf, t(key, lang))
        para(pdf, text or "")
    _signature(pdf, lang, "lead", "")


def _case(pdf: Pdf, lang: Lang, case: CaseReport) -> None:
    """The full case report: what the reader may see, read as the incident page reads it."""
    incident = case.incident
    org = case.organisation
    org_name = (org.name if lang == "vi" else (org.name_en or org.name)) if org else ""
    _header(pdf, lang, org_name, "case_form", "case_title", f"{t('ref', lang)}: {incident.reference}")
    section(pdf, t("c_summary", lang))
    para(pdf, incident.title, bold=True)
    para(pdf, incident.description)
    pdf.ln(1)
    labelled(
        pdf,
        [
            (t("phase", lang), labels.name(labels.PHASES, incident.phase, lang)),
            (t("detected", lang), _when(incident.detected_at, lang)),
            (t("reported", lang), _when(incident.reported_at, lang)),
            (t("closed_at", lang), _when(incident.closed_at, lang)),
            (t("reports", lang), ", ".join(f"{r.reference} ({r.reporter_name})" for r in case.reports) or "—"),
        ],
    )
    section(pdf, t("c_class", lang))
    severity = labels.name(labels.SEVERITIES, incident.severity, lang)
    if incident.severity_reason:
        severity += f" ({incident.severity_reason})"
    labelled(
        pdf,
        [
            (t("classification", lang), labels.rsit(incident.rsit_class, incident.rsit_type, lang)),
            (t("severity", lang), severity),
            ("TLP / PAP", f"TLP:{incident.tlp.upper()} · PAP:{incident.pap.upper()}"),
            (
                t("system", lang),
                f"{incident.system_name or '—'} ({t('level', lang)}: {incident.system_security_level or '—'})",
            ),
        ],
    )
    section(pdf, t("c_timeline", lang))
    for item in case.timeline:
        who = f" · {item.author}" if item.author else ""
        pdf.set_font("DejaVu", "B", 8)
        pdf.multi_cell(0, 4, _when(item.entry.occurred_at, lang) + who, new_x="LMARGIN", new_y="NEXT")
        para(pdf, item.text)
    if not case.timeline:
        para(pdf, t("nothing", lang))
    section(pdf, t("c_tasks", lang))
    for task in case.tasks:
        owner = case.people[task.owner_id].full_name if task.owner_id in case.people else "—"
        assignees = ", ".join(case.people[a].full_name for a in task.assignee_ids if a in case.people) or "—"
        para(pdf, f"{task.title} — {labels.name(labels.TASK_STATUSES, task.status, lang)}", bold=True)
        para(
            pdf,
            f"{t('owner', lang)}: {owner}; {t('assignees', lang)}: {assignees}; "
            f"{t('due', lang)}: {_when(task.due_at, lang) if task.due_at else '—'}",
        )
        if task.description:
            para(pdf, task.description)
    if not case.tasks:
        para(pdf, t("nothing", lang))
    section(pdf, t("c_observables", lang))
    for o in case.observables:
        para(pdf, f"{labels.name(labels.OBSERVABLE_KINDS, o.kind, lang)} · TLP:{o.tlp.upper()} · {o.value}")
    for a in case.attachments:
        para(pdf, f"{a.file.filename} · TLP:{a.tlp.upper()} · SHA-256 {a.file.sha256}")
    if not case.observables and not case.attachments:
        para(pdf, t("nothing", lang))
    section(pdf, t("c_participants", lang))
    for p in case.participants:
        para(pdf, f"{p.name} — {labels.name(labels.PARTICIPANT_ROLES, p.role, lang)}")
    section(pdf, t("c_mobilisation", lang))
    for r in case.requests:
        status = labels.name(labels.REQUEST_STATUSES, r.status, lang)
        para(pdf, f"{_when(r.created_at, lang)}: {t('request', lang) % r.experts_needed} — {status}")
    for d in case.deployments:
        para(
            pdf,
            f"{d.expert_name} — {labels.name(labels.DEPLOYMENT_STATUSES, d.status, lang)}, {_when(d.starts_at, lang)}",
        )
    if not case.requests and not case.deployments:
        para(pdf, t("nothing", lang))
    section(pdf, t("c_closing", lang))
    if incident.closing_result:
        labelled(
            pdf,
            [
                (t("s_result", lang), incident.closing_result or ""),
                (t("s_cause", lang), incident.closing_root_cause or ""),
                (t("s_actions", lang), incident.closing_actions or ""),
                (t("s_lessons", lang), incident.closing_lessons or ""),
            ],
        )
    else:
        para(pdf, t("not_closed", lang))


def render(session: Session, incident: Incident, who: Subject, form: Form, lang: Lang) -> bytes:
    reports = reports_of(session, who, incident)
    first = reports[0] if reports else None
    org = session.get(Organisation, incident.reporting_organisation_id)
    assert org is not None
    pdf = new_pdf(f"{incident.reference} — {incident.title}")
    pdf.footer_text = f"csirtnet · {incident.reference} · {t('page', lang)}"
    if form == "case":
        _case(pdf, lang, case_report(session, who, incident.id, lang))
    if form in ("initial", "both"):
        _initial(pdf, lang, incident, first, org)
    if form in ("closing", "both"):
        _closing(pdf, lang, incident, first, org)
    return bytes(pdf.output())


def export_pdf(session: Session, who: Subject, incident_id: int, *, form: str = "both", lang: str = "vi") -> bytes:
    """The initial report (form 03) and/or the closing report (form 04), or the full case report, as
    a PDF (audited)."""
    if form not in ("initial", "closing", "both", "case"):
        raise ValidationFailed("form", "must be initial, closing, both or case")
    if lang not in ("vi", "en"):
        raise ValidationFailed("lang", "must be vi or en")
    incident = get_visible(session, who, incident_id)
    if form == "closing" and not incident.closing_reported_at:
        raise ValidationFailed("form", "the incident has no closing report yet")
    if form == "both" and not incident.closing_reported_at:
        form = "initial"
    # Rendered first, audited after: on SQLite the audit record takes the write lock (db.py), which
    # the transaction then holds only until it commits, not while a long document is laid out.
    data = render(session, incident, who, form, lang)  # type: ignore[arg-type]
    audit.record(
        session,
        who,
        "incident.exported",
        incident,
        organisation_id=incident.reporting_organisation_id,
        reference=incident.reference,
        format="pdf",
        form=form,
        lang=lang,
    )
    return data


@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str


def export_document(session: Session, who: Subject, incident_id: int, *, form: str, lang: str) -> Document:
    """`export_pdf` with the name the file is saved under ("SC-2026-000001-case-vi.pdf")."""
    data = export_pdf(session, who, incident_id, form=form, lang=lang)
    incident = get_visible(session, who, incident_id, audit_read=False)
    return Document(data, f"{incident.reference}-{form}-{lang}.pdf")
