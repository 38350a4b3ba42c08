"""The advisory email, in Vietnamese or English, TLP in the subject (FIRST TLP 2.0: the marking
leads the subject so that a reader sees it before the content)."""

from __future__ import annotations

from csirtnet.config import get_settings
from csirtnet.kit.dates import format_datetime
from csirtnet.models import Advisory
from csirtnet.vocabulary import labels

_SUBJECT = {
    "publish": {"vi": "[TLP:{tlp}] {kind} {reference}: {title}", "en": "[TLP:{tlp}] {kind} {reference}: {title}"},
    "update": {
        "vi": "[TLP:{tlp}] Cập nhật {version} — {kind} {reference}: {title}",
        "en": "[TLP:{tlp}] Update {version} — {kind} {reference}: {title}",
    },
    "reminder": {
        "vi": "[TLP:{tlp}] Nhắc phản hồi — {kind} {reference}: {title}",
        "en": "[TLP:{tlp}] Please answer — {kind} {reference}: {title}",
    },
    "escalation": {
        "vi": "[TLP:{tlp}] QUÁ HẠN — {kind} {reference}: {title}",
        "en": "[TLP:{tlp}] OVERDUE — {kind} {reference}: {title}",
    },
}
_KIND = {"warning": {"vi": "Cảnh báo", "en": "Warning"}, "advisory": {"vi": "Khuyến cáo", "en": "Advisory"}}
_TEXT = {
    "severity": {"vi": "Mức độ", "en": "Severity"},
    "deadline": {"vi": "Hạn xử lý", "en": "Act by"},
    "cves": {"vi": "CVE", "en": "CVE"},
    "products": {"vi": "Sản phẩm bị ảnh hưởng", "en": "Affected products"},
    "actions": {"vi": "Khuyến nghị", "en": "Recommended actions"},
    "answer": {
        "vi": "Vui lòng phản hồi (đã nhận / đã áp dụng / không bị ảnh hưởng / cần hỗ trợ) tại:",
        "en": "Please answer (received / applied / not affected / needs help) at:",
    },
    "tlp": {
        "vi": "Thông tin này được chia sẻ theo TLP:{tlp} — chỉ chia sẻ trong phạm vi TLP cho phép.",
        "en": "This information is shared under TLP:{tlp} — share it only as its TLP allows.",
    },
    "reminder": {
        "vi": "Tổ chức của bạn chưa phản hồi cảnh báo này.",
        "en": "Your organisation has not answered this advisory yet.",
    },
    "escalation": {
        "vi": "Đã quá hạn xử lý và tổ chức của bạn chưa phản hồi. Người ban hành đã được thông báo.",
        "en": "The deadline has passed and your organisation has not answered. The publisher has been told.",
    },
    "update": {"vi": "Cảnh báo đã được cập nhật lên phiên bản {version}.", "en": "Updated to version {version}."},
}


def _t(key: str, language: str) -> str:
    table = _TEXT[key]
    return table.get(language) or table["en"]


def render_email(advisory: Advisory, kind: str, version: str, language: str, base_url: str) -> tuple[str, str]:
    """(subject, plain-text body) of one delivery."""
    lang = language if language in ("vi", "en") else "en"
    tlp = advisory.tlp.upper()
    kind_name = _KIND.get(advisory.kind, _KIND["advisory"])[lang]
    subject = _SUBJECT.get(kind, _SUBJECT["publish"])[lang].format(
        tlp=tlp, kind=kind_name, reference=advisory.reference, title=advisory.title, version=version
    )
    lines: list[str] = [f"TLP:{tlp}", ""]
    if kind in ("reminder", "escalation"):
        lines += [_t(kind, lang), ""]
    if kind == "update":
        lines += [_t("update", lang).format(version=version), ""]
    lines += [f"{kind_name} {advisory.reference} ({version}): {advisory.title}", ""]
    lines.append(f"{_t('severity', lang)}: {labels.name(labels.ADVISORY_SEVERITIES, advisory.severity, lang)}")
    if advisory.deadline_at is not None:
        when = format_datetime(advisory.deadline_at, lang, get_settings().timezone, with_zone=True)
        lines.append(f"{_t('deadline', lang)}: {when}")
    if advisory.cve_ids:
        lines.append(f"{_t('cves', lang)}: {', '.join(advisory.cve_ids)}")
    lines += ["", advisory.summary, ""]
    if advisory.affected_products:
        lines.append(_t("products", lang) + ":")
        for p in advisory.affected_products:
            versions = ", ".join(p.get("versions") or []) or "*"
            lines.append(f"  - {p.get('vendor')} {p.get('product')} ({versions})")
        lines.append("")
    if advisory.recommended_actions:
        lines.append(_t("actions", lang) + ":")
        lines += [f"  {n}. {action}" for n, action in enumerate(advisory.recommended_actions, 1)]
        lines.append("")
    lines += [
        _t("answer", lang),
        f"{base_url.rstrip('/')}/advisories/{advisory.id}",
        "",
        _t("tlp", lang).format(tlp=tlp),
    ]
    return subject, "\n".join(lines) + "\n"
