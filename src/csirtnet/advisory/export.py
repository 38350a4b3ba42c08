"""An advisory out of csirtnet: as a CSAF 2.0 document (profile csaf_security_advisory) and as a
PDF, in Vietnamese or English. Both are built from the published version's fields; the reader is
checked by authz.advisory before anything is built."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.advisory import repository
from csirtnet.advisory.csaf.document import CsafInput, CsafProduct, CsafRevision, CsafVulnerability, build, file_name
from csirtnet.authz import Subject
from csirtnet.authz import advisory as rules
from csirtnet.config import get_settings
from csirtnet.errors import Conflict
from csirtnet.kit.dates import format_datetime
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Advisory, AdvisoryStatus, AdvisoryVersion, Organisation, Vulnerability
from csirtnet.vocabulary import labels

_NOTE = {
    "vi": "Phiên bản {version}: {note}",
    "en": "Version {version}: {note}",
}
_FIRST = {"vi": "Phát hành lần đầu", "en": "Initial release"}


def _revisions(versions: list[AdvisoryVersion], language: str) -> tuple[CsafRevision, ...]:
    out = []
    for v in sorted(versions, key=lambda v: v.id):
        if v.version == "1.0":
            summary = _FIRST[language]
        else:
            fields = ", ".join(c["field"] for c in v.changes) or "—"
            summary = _NOTE[language].format(version=v.version, note=v.note or fields)
        out.append(CsafRevision(number=v.version, date=as_utc(v.published_at), summary=summary))
    return tuple(out)


def csaf_input(session: Session, advisory: Advisory, language: str = "vi") -> CsafInput:
    """The CSAF builder's input for the advisory as published (or as drafted, for a preview)."""
    settings = get_settings()
    versions = repository.versions(session, advisory.id)
    revisions = _revisions(versions, language)
    now = utcnow()
    if not revisions:  # a draft: previewed as an interim document of version 0.1
        revisions = (CsafRevision(number="0.1", date=now, summary=_FIRST[language]),)
    known = {
        v.cve_id: v
        for v in session.scalars(select(Vulnerability).where(Vulnerability.cve_id.in_(advisory.cve_ids or [])))
    }
    vulnerabilities = tuple(
        CsafVulnerability(
            title=(known[cve].kev_name or known[cve].title or cve) if cve in known else cve,
            cve=cve,
            cvss_vector=advisory.cvss_vector,
            description=(known[cve].description if cve in known else None),
            known_exploited=bool(known[cve].known_exploited) if cve in known else False,
        )
        for cve in advisory.cve_ids or []
    )
    if not vulnerabilities:
        vulnerabilities = (CsafVulnerability(title=advisory.title, cvss_vector=advisory.cvss_vector),)
    published = advisory.status in (AdvisoryStatus.PUBLISHED.value, AdvisoryStatus.WITHDRAWN.value)
    base = settings.base_url.rstrip("/")
    return CsafInput(
        tracking_id=advisory.reference,
        title=advisory.title,
        lang=language,
        publisher_name=settings.csaf_publisher_name,
        publisher_namespace=settings.csaf_publisher_namespace,
        tlp=advisory.tlp,
        summary=advisory.summary,
        details=advisory.body or "",
        severity=advisory.severity,
        products=_products(advisory, known, settings.csaf_publisher_name),
        vulnerabilities=vulnerabilities,
        recommended_actions=tuple(advisory.recommended_actions or []),
        references=tuple((r["url"], r.get("summary") or r["url"]) for r in advisory.references or []),
        revisions=revisions,
        initial_release_date=as_utc(advisory.published_at or now),
        current_release_date=as_utc(advisory.released_at or now),
        status="final" if published else "draft",
        self_url=f"{base}/advisories/{advisory.id}/csaf.json",
    )


def _products(advisory: Advisory, known: dict[str, Vulnerability], publisher: str) -> tuple[CsafProduct, ...]:
    """The affected products; CSAF needs at least one, so an advisory that names none (a phishing
    warning) names the KEV catalogue's products of its CVEs, or else what it is about: one product
    under the publisher's name, titled by the advisory."""
    named = tuple(
        CsafProduct(vendor=p["vendor"], product=p["product"], versions=tuple(p.get("versions") or []))
        for p in advisory.affected_products or []
    )
    if named:
        return named
    from_kev = tuple(
        dict.fromkeys(
            CsafProduct(vendor=v.kev_vendor, product=v.kev_product)
            for v in known.values()
            if v.kev_vendor and v.kev_product
        )
    )
    return from_kev or (CsafProduct(vendor=publisher, product=advisory.title[:200]),)


def csaf_document(session: Session, advisory: Advisory, language: str = "vi") -> dict[str, Any]:
    """The advisory as a CSAF 2.0 document."""
    return build(csaf_input(session, advisory, language))


def csaf_bytes(document: dict[str, Any]) -> bytes:
    """One serialisation, so that a document and its .sha256/.sha512 always agree."""
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


def export_csaf(session: Session, who: Subject, advisory_id: int, language: str = "vi") -> tuple[str, bytes]:
    """(file name, bytes) of the CSAF document of an advisory `who` may see."""
    advisory = rules.get_visible(session, who, advisory_id)
    return file_name(advisory.reference), csaf_bytes(csaf_document(session, advisory, language))


# -- PDF ---------------------------------------------------------------------------------------

_PDF = {
    "reference": {"vi": "Số hiệu", "en": "Reference"},
    "version": {"vi": "Phiên bản", "en": "Version"},
    "publisher": {"vi": "Đơn vị ban hành", "en": "Published by"},
    "published": {"vi": "Ngày ban hành", "en": "Published"},
    "severity": {"vi": "Mức độ", "en": "Severity"},
    "deadline": {"vi": "Hạn xử lý", "en": "Act by"},
    "summary": {"vi": "Tóm tắt", "en": "Summary"},
    "details": {"vi": "Chi tiết", "en": "Details"},
    "cves": {"vi": "Lỗ hổng (CVE)", "en": "Vulnerabilities (CVE)"},
    "kev": {"vi": "đang bị khai thác (CISA KEV)", "en": "known exploited (CISA KEV)"},
    "products": {"vi": "Sản phẩm bị ảnh hưởng", "en": "Affected products"},
    "actions": {"vi": "Khuyến nghị", "en": "Recommended actions"},
    "indicators": {"vi": "Dấu hiệu nhận biết (IoC)", "en": "Indicators"},
    "references": {"vi": "Tham khảo", "en": "References"},
    "versions": {"vi": "Lịch sử phiên bản", "en": "Version history"},
    "page": {"vi": "trang", "en": "page"},
    "draft": {"vi": "BẢN NHÁP", "en": "DRAFT"},
}


def advisory_pdf(session: Session, who: Subject, advisory_id: int, language: str = "vi") -> tuple[str, bytes]:
    """(file name, bytes) of the advisory as a PDF in `language`, TLP marked on every page."""
    from csirtnet.kit.pdf import new_pdf, para, rows, section  # fpdf only where a PDF is made

    lang = language if language in ("vi", "en") else "vi"
    advisory = rules.get_visible(session, who, advisory_id)
    if advisory.status == AdvisoryStatus.WITHDRAWN.value and not rules.can_edit(who, advisory):
        raise Conflict("The advisory is withdrawn")
    zone = get_settings().timezone
    publisher = session.get(Organisation, advisory.publisher_organisation_id)
    known = {
        v.cve_id: v
        for v in session.scalars(select(Vulnerability).where(Vulnerability.cve_id.in_(advisory.cve_ids or [])))
    }

    def t(key: str) -> str:
        return _PDF[key][lang]

    def when(moment: datetime | None) -> str:
        return format_datetime(moment, lang, zone, with_zone=True) if moment else "—"

    pdf = new_pdf(f"{advisory.reference} {advisory.title}", marking=f"TLP:{advisory.tlp.upper()}")
    pdf.footer_text = f"{advisory.reference} · {t('page')}"
    pdf.add_page()
    para(pdf, advisory.title, bold=True, size=14)
    if advisory.status == AdvisoryStatus.DRAFT.value:
        para(pdf, t("draft"), bold=True)
    rows(
        pdf,
        [
            (t("reference"), advisory.reference),
            (t("version"), advisory.version),
            (t("publisher"), publisher.name if publisher else ""),
            (t("published"), when(advisory.published_at)),
            (t("severity"), labels.name(labels.ADVISORY_SEVERITIES, advisory.severity, lang)),
            ("TLP / PAP", f"TLP:{advisory.tlp.upper()} / PAP:{advisory.pap.upper()}"),
            (t("deadline"), when(advisory.deadline_at)),
        ],
    )
    section(pdf, t("summary"))
    para(pdf, advisory.summary)
    if advisory.body:
        section(pdf, t("details"))
        para(pdf, advisory.body)
    if advisory.cve_ids:
        section(pdf, t("cves"))
        for cve in advisory.cve_ids:
            flag = f" — {t('kev')}" if cve in known and known[cve].known_exploited else ""
            para(pdf, f"{cve}{flag}")
    if advisory.affected_products:
        section(pdf, t("products"))
        for p in advisory.affected_products:
            para(pdf, f"{p['vendor']} {p['product']}: {', '.join(p.get('versions') or []) or '*'}")
    if advisory.recommended_actions:
        section(pdf, t("actions"))
        for n, action in enumerate(advisory.recommended_actions, 1):
            para(pdf, f"{n}. {action}")
    if advisory.indicators:
        section(pdf, t("indicators"))
        for i in advisory.indicators:
            para(pdf, f"{i['type']}: {i['value']}")
    if advisory.references:
        section(pdf, t("references"))
        for r in advisory.references:
            para(pdf, f"{r.get('summary') or ''} {r['url']}".strip())
    versions = repository.versions(session, advisory.id)
    if versions:
        section(pdf, t("versions"))
        for v in versions:
            fields = ", ".join(labels.name(labels.ADVISORY_FIELDS, c["field"], lang) for c in v.changes)
            para(pdf, f"{v.version} · {when(v.published_at)} · {v.note or fields or _FIRST[lang]}")
    return f"{advisory.reference.lower()}-{lang}.pdf", bytes(pdf.output())
