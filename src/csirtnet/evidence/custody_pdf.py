"""The chain-of-custody form of an evidence package (custody.pdf): one form per item, every label
in both languages ("Vietnamese / English", as official bilingual forms write them), the item's
TLP marking at the top of every page, its hashes, the collection record, every custody entry and
a block for signing the item over by hand.

It is built from kit.pdf, like the incident forms, so both render Vietnamese the same way from the
packaged DejaVu fonts; stored codes (actions, types) are named by vocabulary.labels in each language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fpdf.fonts import FontFace

from csirtnet.kit.pdf import Pdf, new_pdf, para, rows, section
from csirtnet.vocabulary import labels

if TYPE_CHECKING:
    from csirtnet.evidence.package import ExportItem, PackageInfo

# (Vietnamese, English): the form's own words, as the incident forms keep theirs.
LABELS: dict[str, tuple[str, str]] = {
    "title": ("BIÊN BẢN CHUỖI LƯU GIỮ CHỨNG CỨ", "CHAIN-OF-CUSTODY FORM"),
    "platform": ("Nền tảng", "Platform"),
    "exported_at": ("Thời điểm xuất", "Exported at"),
    "exported_by": ("Người xuất", "Exported by"),
    "fingerprint": ("Dấu vân tay khoá ký (SHA-256)", "Signing key fingerprint (SHA-256)"),
    "s_item": ("Vật chứng", "The item"),
    "reference": ("Số hiệu vật chứng", "Item reference"),
    "incident": ("Sự cố", "Incident"),
    "item_title": ("Tên vật chứng", "Title"),
    "kind": ("Loại", "Kind"),
    "item_type": ("Dạng vật chứng", "Type"),
    "source_reference": ("Vật chứng gốc", "Copied from"),
    "custodian": ("Người đang lưu giữ", "Current custodian"),
    "s_hashes": ("Tệp và mã băm", "File and hashes"),
    "s_physical": ("Mô tả vật lý", "Physical description"),
    "filename": ("Tên tệp", "File name"),
    "size": ("Kích thước (byte)", "Size (bytes)"),
    "make": ("Hãng sản xuất", "Make"),
    "model": ("Kiểu máy", "Model"),
    "serial_number": ("Số sê-ri", "Serial number"),
    "seal_number": ("Số niêm phong", "Seal number"),
    "location": ("Nơi lưu giữ", "Storage location"),
    "s_collection": ("Biên bản thu thập", "Collection record"),
    "collected_by": ("Người thu thập", "Collected by"),
    "collected_at": ("Thời điểm thu thập", "Collected at"),
    "place": ("Địa điểm thu thập", "Place"),
    "system": ("Hệ thống", "System"),
    "address": ("Địa chỉ", "Address"),
    "tool": ("Công cụ", "Tool"),
    "tool_version": ("Phiên bản công cụ", "Tool version"),
    "procedure": ("Quy trình", "Procedure"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "legal_basis_date": ("Ngày của căn cứ pháp lý", "Date of the legal basis"),
    "original_or_copy": ("Bản gốc hay bản sao", "Original or copy"),
    "volatility": ("Mức độ dễ thay đổi", "Volatility"),
    "iso_stage": ("Giai đoạn (ISO/IEC 27037)", "Stage (ISO/IEC 27037)"),
    "s_custody": ("Chuỗi lưu giữ", "Chain of custody"),
    "custody_note": (
        "Toàn văn từng bản ghi, mã băm và chữ ký: custody.jsonl; thời gian theo giờ UTC.",
        "Every entry in full, with its hash and signature: custody.jsonl; times in UTC.",
    ),
    "seq": ("STT", "No."),
    "at": ("Thời gian", "Time"),
    "action": ("Hành động", "Action"),
    "actor": ("Người thực hiện", "By"),
    "details": ("Chi tiết", "Details"),
    "hash": ("Mã băm", "Hash"),
    "no_entries": ("Chưa có bản ghi.", "No entries."),
    "s_handover": ("Bàn giao", "Handing over"),
    "handed_by": ("Bên giao", "Handed over by"),
    "received_by": ("Bên nhận", "Received by"),
    "printed_name": ("Họ và tên", "Full name"),
    "signature": ("Chữ ký", "Signature"),
    "date": ("Ngày, giờ", "Date and time"),
    "page": ("Trang", "Page"),
    "digital": ("Chứng cứ điện tử", "Digital"),
    "physical": ("Vật chứng vật lý", "Physical"),
}

COLLECTION_KEYS = (
    "collected_by",
    "collected_at",
    "place",
    "system",
    "address",
    "tool",
    "tool_version",
    "procedure",
    "legal_basis",
    "legal_basis_date",
    "original_or_copy",
    "volatility",
    "iso_stage",
)

# seq, time, action, actor, details, hash prefix: the page's 174 mm.
_ENTRY_WIDTHS = (9, 25, 27, 32, 57, 24)
_DETAILS_MAX = 220
# Repeated at the top of every page the table runs on.
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 234, 238))


def _both(pair: tuple[str, str], order: Sequence[str]) -> str:
    by_language = {"vi": pair[0], "en": pair[1]}
    return " / ".join(by_language[lang] for lang in order)


def _named(table: Mapping[str, str], code: str, order: Sequence[str]) -> str:
    """A stored code's name in each language ("Thu thập / Collected"); an unknown code as it is."""
    names = [labels.name(table, code, lang) for lang in order]
    return " / ".join(dict.fromkeys(names))


def _value(value: object) -> str:
    return "—" if value is None or value == "" else str(value)


def _cut(text: str, limit: int = _DETAILS_MAX) -> str:
    """A table row cannot run over pages: a cell says its first words, custody.jsonl the rest."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary(details: Mapping[str, Any]) -> str:
    return _cut("; ".join(f"{key}: {_flat(value)}" for key, value in details.items()))


def _flat(value: object) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_flat(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_flat(v) for v in value)
    return _value(value)


def _actor(actor: object) -> str:
    if not isinstance(actor, Mapping):
        return _value(actor)
    name, organisation = actor.get("name"), actor.get("organisation")
    return f"{_value(name)} ({organisation})" if organisation else _value(name)


def _moment(at: object) -> str:
    text = _value(at)  # "2026-12-06T09:10:58.123456Z"
    return text[:19].replace("T", " ") + " UTC" if len(text) >= 19 and text.endswith("Z") else text


def _entries(pdf: Pdf, item: ExportItem, order: Sequence[str]) -> None:
    links = sorted(item.entries, key=lambda link: int(link.entry["seq"]))
    if not links:
        para(pdf, _both(LABELS["no_entries"], order))
        return
    pdf.set_font("DejaVu", "", 7)
    with pdf.table(
        col_widths=_ENTRY_WIDTHS,
        text_align="LEFT",
        line_height=3.6,
        padding=1,
        borders_layout="HORIZONTAL_LINES",
        headings_style=_HEADINGS,
    ) as table:
        heading = table.row()
        for key in ("seq", "at", "action", "actor", "details", "hash"):
            heading.cell(_both(LABELS[key], order))
        for link in links:
            entry = link.entry
            action = str(entry.get("action"))
            row = table.row()
            row.cell(_value(entry.get("seq")))
            row.cell(_moment(entry.get("at")))
            row.cell(_cut(_named(labels.CUSTODY_ACTIONS, action, order), 80))
            row.cell(_cut(_actor(entry.get("actor")), 120))
            details = entry.get("details")
            row.cell(_summary(details) if isinstance(details, Mapping) else _cut(_value(details)))
            row.cell(link.hash[:12] + "…")


def _handover(pdf: Pdf, order: Sequence[str]) -> None:
    section(pdf, "5. " + _both(LABELS["s_handover"], order))
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=(42, 66, 66), text_align="LEFT", line_height=4, padding=1.5, headings_style=_HEADINGS
    ) as table:
        heading = table.row()
        heading.cell("")
        heading.cell(_both(LABELS["handed_by"], order))
        heading.cell(_both(LABELS["received_by"], order))
        for key in ("printed_name", "signature", "date"):
            row = table.row()
            row.cell(_both(LABELS[key], order) + "\n\n\n")
            row.cell("")
            row.cell("")


def _item(pdf: Pdf, item: ExportItem, info: PackageInfo, order: Sequence[str]) -> None:
    pdf.marking = f"TLP:{item.tlp.upper()}"
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, _both(LABELS["title"], order), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, f"{item.reference} · {item.incident_reference}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    def labelled_rows(pairs: Sequence[tuple[str, object]]) -> None:
        rows(pdf, [(_both(LABELS[key], order), _value(value)) for key, value in pairs])

    labelled_rows(
        [
            ("platform", f"{info.platform_name} ({info.base_url})"),
            ("exported_at", info.exported_at.isoformat(timespec="seconds")),
            ("exported_by", info.exported_by),
            ("fingerprint", info.fingerprint),
        ]
    )
    section(pdf, "1. " + _both(LABELS["s_item"], order))
    kind = _both(LABELS[item.kind], order) if item.kind in ("digital", "physical") else item.kind
    labelled_rows(
        [
            ("reference", item.reference),
            ("incident", item.incident_reference),
            ("item_title", item.title),
            ("kind", kind),
            ("item_type", _named(labels.EVIDENCE_TYPES, item.item_type, order)),
            ("source_reference", item.source_reference),
            ("custodian", item.current_custodian),
        ]
    )
    if item.kind == "digital":
        section(pdf, "2. " + _both(LABELS["s_hashes"], order))
        labelled_rows([("filename", item.filename), ("size", item.size)])
        rows(pdf, [("SHA-256", _value(item.sha256)), ("SHA-1", _value(item.sha1)), ("MD5", _value(item.md5))])
    else:
        section(pdf, "2. " + _both(LABELS["s_physical"], order))
        labelled_rows(
            [
                ("make", item.make),
                ("model", item.model),
                ("serial_number", item.serial_number),
                ("seal_number", item.seal_number),
                ("location", item.location),
            ]
        )
    section(pdf, "3. " + _both(LABELS["s_collection"], order))
    known = [key for key in COLLECTION_KEYS if key in item.collection]
    others = [key for key in item.collection if key not in COLLECTION_KEYS]
    labelled_rows([(key, item.collection[key]) for key in known])
    if others:
        rows(pdf, [(key, _value(item.collection[key])) for key in others])
    section(pdf, "4. " + _both(LABELS["s_custody"], order))
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, _both(LABELS["custody_note"], order), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _entries(pdf, item, order)
    _handover(pdf, order)


def custody_pdf(items: Sequence[ExportItem], info: PackageInfo, language_order: Sequence[str] = ("vi", "en")) -> bytes:
    """The chain-of-custody form of every item, one after another (each starts a page)."""
    order = tuple(lang for lang in language_order if lang in ("vi", "en")) or ("vi", "en")
    pdf = new_pdf(_both(LABELS["title"], order))
    pdf.footer_text = f"{info.platform_name} · {_both(LABELS['page'], order)}"
    for item in items:
        _item(pdf, item, info, order)
    if not items:
        pdf.add_page()
        para(pdf, _both(LABELS["no_entries"], order))
    return bytes(pdf.output())
