"""Expert skills: the keys stored in expert_skill.skill, with their names in both languages."""

from __future__ import annotations

SKILLS: dict[str, dict[str, str]] = {
    "incident-handling": {"en": "Incident handling", "vi": "Xử lý sự cố"},
    "malware-analysis": {"en": "Malware analysis", "vi": "Phân tích mã độc"},
    "digital-forensics": {"en": "Digital forensics", "vi": "Điều tra số"},
    "memory-forensics": {"en": "Memory forensics", "vi": "Phân tích bộ nhớ"},
    "log-analysis": {"en": "Log analysis", "vi": "Phân tích nhật ký"},
    "network-forensics": {"en": "Network traffic analysis", "vi": "Phân tích lưu lượng mạng"},
    "penetration-testing": {"en": "Penetration testing", "vi": "Kiểm thử xâm nhập"},
    "reverse-engineering": {"en": "Reverse engineering", "vi": "Dịch ngược"},
    "threat-intelligence": {"en": "Threat intelligence", "vi": "Tình báo mối đe dọa"},
    "ddos-mitigation": {"en": "DDoS mitigation", "vi": "Giảm thiểu tấn công DDoS"},
    "ransomware-recovery": {"en": "Ransomware recovery", "vi": "Khôi phục sau mã độc tống tiền"},
    "cloud-security": {"en": "Cloud security", "vi": "Bảo mật đám mây"},
    "ot-ics-security": {"en": "OT/ICS security", "vi": "An ninh hệ thống điều khiển công nghiệp"},
    "web-application-security": {"en": "Web application security", "vi": "Bảo mật ứng dụng web"},
    "active-directory": {"en": "Active Directory", "vi": "Active Directory"},
    "legal-evidence": {"en": "Legal evidence handling", "vi": "Xử lý chứng cứ pháp lý"},
}


def name(skill: str, language: str) -> str:
    entry = SKILLS.get(skill)
    return entry.get(language, entry["en"]) if entry else skill
