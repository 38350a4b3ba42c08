"""FIRST CSIRT Services Framework 2.1: the service areas and services a member may offer.

The framework (FIRST, 2019, version 2.1) groups what a CSIRT or PSIRT does into five service
areas, each with its services. The keys below are what `service_offer.service` stores
("<area>.<service>"); the names are the framework's own English titles and their Vietnamese
translations. Functions and sub-functions of the framework are not stored: members declare
services, and describe the rest in their capability description.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    key: str  # "<area>.<service>"
    area: str
    en: str
    vi: str

    def name(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


@dataclass(frozen=True)
class ServiceArea:
    key: str
    en: str
    vi: str
    services: tuple[Service, ...]

    def name(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


def _area(key: str, en: str, vi: str, services: list[tuple[str, str, str]]) -> ServiceArea:
    return ServiceArea(key, en, vi, tuple(Service(f"{key}.{s}", key, s_en, s_vi) for s, s_en, s_vi in services))


AREAS: tuple[ServiceArea, ...] = (
    # 1. Detecting and analysing events from sensors, logs and reports.
    _area(
        "event-management",
        "Information security event management",
        "Quản lý sự kiện an toàn thông tin",
        [
            ("monitoring-detection", "Monitoring and detection", "Giám sát và phát hiện"),
            ("event-analysis", "Event analysis", "Phân tích sự kiện"),
        ],
    ),
    # 2. The core of a CSIRT: taking reports, analysing and resolving incidents.
    _area(
        "incident-management",
        "Information security incident management",
        "Quản lý sự cố an toàn thông tin",
        [
            ("report-acceptance", "Information security incident report acceptance", "Tiếp nhận báo cáo sự cố"),
            ("incident-analysis", "Information security incident analysis", "Phân tích sự cố"),
            ("forensic-analysis", "Artifact and forensic evidence analysis", "Phân tích tạo tác và chứng cứ số"),
            ("mitigation-recovery", "Mitigation and recovery", "Ngăn chặn và khôi phục"),
            ("coordination", "Information security incident coordination", "Điều phối ứng cứu sự cố"),
            ("crisis-management", "Crisis management support", "Hỗ trợ quản lý khủng hoảng"),
        ],
    ),
    # 3. Finding, receiving, analysing, coordinating and disclosing vulnerabilities.
    _area(
        "vulnerability-management",
        "Vulnerability management",
        "Quản lý lỗ hổng",
        [
            ("discovery", "Vulnerability discovery / research", "Phát hiện và nghiên cứu lỗ hổng"),
            ("report-intake", "Vulnerability report intake", "Tiếp nhận báo cáo lỗ hổng"),
            ("analysis", "Vulnerability analysis", "Phân tích lỗ hổng"),
            ("coordination", "Vulnerability coordination", "Điều phối xử lý lỗ hổng"),
            ("disclosure", "Vulnerability disclosure", "Công bố lỗ hổng"),
            ("response", "Vulnerability response", "Khắc phục lỗ hổng"),
        ],
    ),
    # 4. Knowing what is happening: collecting data, analysing it, telling the constituency.
    _area(
        "situational-awareness",
        "Situational awareness",
        "Nhận thức tình huống",
        [
            ("data-acquisition", "Data acquisition", "Thu thập dữ liệu"),
            ("analysis-synthesis", "Analysis and synthesis", "Phân tích và tổng hợp"),
            ("communication", "Communication", "Truyền thông, cảnh báo"),
        ],
    ),
    # 5. Raising the constituency's capability.
    _area(
        "knowledge-transfer",
        "Knowledge transfer",
        "Chuyển giao tri thức",
        [
            ("awareness-building", "Awareness building", "Nâng cao nhận thức"),
            ("training-education", "Training and education", "Đào tạo, huấn luyện"),
            ("exercises", "Exercises", "Diễn tập"),
            ("advisory", "Technical and policy advisory", "Tư vấn kỹ thuật và chính sách"),
        ],
    ),
)

SERVICES: dict[str, Service] = {s.key: s for area in AREAS for s in area.services}


def is_valid(key: str) -> bool:
    return key in SERVICES


def name(key: str, language: str) -> str:
    service = SERVICES.get(key)
    return service.name(language) if service else key
