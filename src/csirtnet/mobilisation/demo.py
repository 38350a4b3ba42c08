"""Demo data of mobilisation: FPT's and Bkav's admins, the two demo responders on their
organisations' expert rosters (so they can be deployed and open incidents), one past deployment
on the closed ransomware case, and an open support request on the DDoS against a provincial
portal, sent through the real service so it is ranked, explained and notified.

The loaders of the members and incident domains run first (imported here, they register before
this one): they create the experts of FPT and Bkav, which are not duplicated, and the incidents.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import csirtnet.incident.demo
import csirtnet.organisation.demo  # noqa: F401 - the members' experts and the incidents come first
from csirtnet import audit, demo
from csirtnet.authz import Subject
from csirtnet.identity.service import subject_for
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import service
from csirtnet.mobilisation.common import components_json, timeline
from csirtnet.mobilisation.deployments import deploy
from csirtnet.mobilisation.matching import Requirement, SkillNeed, rank_organisations
from csirtnet.mobilisation.repository import candidate_pool
from csirtnet.mobilisation.schemas import SupportRequestCreate
from csirtnet.models import (
    DeploymentStatus,
    Expert,
    ExpertSkill,
    Incident,
    Organisation,
    SupportRequest,
    SupportRequestTarget,
    User,
)
from csirtnet.vocabulary import Role

ADMINS = {
    "FPT": ("quantri@fpt.demo", "Đặng Văn Quản"),
    "BKAV": ("quantri@bkav.demo", "Ngô Thị Điều Hành"),
}
# The demo responders, offered by their organisations as experts (with their accounts).
RESPONDER_EXPERTS = {
    "ungcuu@fpt.demo": ("Hà Nội", {"incident-handling": 3, "malware-analysis": 2, "log-analysis": 2}),
    "phantich@bkav.demo": ("Hà Nội", {"malware-analysis": 3, "digital-forensics": 2, "network-forensics": 2}),
}


def _admins(session: Session, orgs: dict[str, Organisation], who: Subject) -> None:
    for code, (email, name) in ADMINS.items():
        org = orgs.get(code)
        if org is not None:
            demo.demo_user(session, who, email=email, full_name=name, organisation_id=org.id, roles=[Role.ORG_ADMIN])


def _responder_experts(session: Session, users: dict[str, User], who: Subject) -> dict[str, Expert]:
    out: dict[str, Expert] = {}
    for email, (province, skill_levels) in RESPONDER_EXPERTS.items():
        user = users.get(email)
        if user is None:
            continue
        expert = session.scalar(select(Expert).where(Expert.user_id == user.id))
        if expert is None:
            expert = Expert(
                organisation_id=user.organisation_id,
                user_id=user.id,
                full_name=user.full_name,
                email=user.email,
                province=province,
                certifications=[],
                languages=["vi", "en"],
                availability=[],
                available=True,
                on_site=True,
                max_deployments=2,
            )
            expert.skills = [ExpertSkill(skill=k, level=v) for k, v in skill_levels.items()]
            session.add(expert)
            session.flush()
            audit.record(session, who, "expert.created", expert, name=expert.full_name)
        out[email] = expert
    return out


def _past_deployment(session: Session, coordinator: User, incident: Incident, expert: Expert, who: Subject) -> None:
    """The closed ransomware case had an FPT expert on site for three days; hours and outcome recorded."""
    start = incident.reported_at + timedelta(hours=8)
    end = start + timedelta(days=3)
    request = SupportRequest(
        incident_id=incident.id,
        requested_by_id=coordinator.id,
        requesting_organisation_id=coordinator.organisation_id,
        summary="Phân tích mẫu mã độc tống tiền và hỗ trợ khôi phục máy chủ văn bản điều hành",
        capabilities=["incident-management.incident-analysis"],
        skills=[{"skill": "malware-analysis", "min_level": 2}],
        mode="on_site",
        province="Lạng Sơn",
        starts_at=start,
        ends_at=end,
        urgency="high",
        experts_needed=1,
        response_deadline=start - timedelta(hours=4),
        response_window_minutes=240,
        status="fulfilled",
        closed_at=start - timedelta(hours=5),
        created_at=start - timedelta(hours=8),
    )
    session.add(request)
    session.flush()
    orgs, experts = candidate_pool(session, request, incident)
    requirement = Requirement(
        starts_at=start,
        ends_at=end,
        skills=(SkillNeed("malware-analysis", 2),),
        capabilities=tuple(request.capabilities),
        experts_needed=1,
        province="Lạng Sơn",
    )
    ranking = rank_organisations(requirement, orgs, experts)
    place = next((i for i, m in enumerate(ranking) if m.organisation.organisation_id == expert.organisation_id), 0)
    target = SupportRequestTarget(
        support_request_id=request.id,
        organisation_id=expert.organisation_id,
        round=1,
        rank=place + 1,
        score=ranking[place].score if ranking else 0.0,
        explanation=components_json(ranking[place].components) if ranking else [],
        status="accepted",
        sent_at=request.created_at,
        respond_by=request.response_deadline,
        responded_at=start - timedelta(hours=5),
    )
    session.add(target)
    session.flush()
    deployment = deploy(
        session,
        incident=incident,
        request=request,
        target_id=target.id,
        expert=expert,
        starts_at=start,
        ends_at=end,
        status=DeploymentStatus.RELEASED,
        accepted_by_id=None,
        added_by_id=coordinator.id,
        note=f"Support request #{request.id}",
    )
    deployment.released_at = end
    deployment.hours = 36.0
    deployment.outcome = (
        "Xác định biến thể LockBit 3.0, trích xuất cấu hình và địa chỉ C2 203.0.113.66; "
        "hỗ trợ khôi phục từ bản sao lưu ngoại tuyến."
    )
    audit.record(session, who, "mobilisation.request_raised", request, reference=incident.reference, demo=True)
    audit.record(session, who, "mobilisation.expert_deployed", deployment, reference=incident.reference, demo=True)
    audit.record(session, who, "mobilisation.expert_released", deployment, hours=36.0, demo=True)
    timeline(session, who, incident.id, "mobilisation.request_raised", support_request_id=request.id, experts_needed=1)
    timeline(session, who, incident.id, "mobilisation.expert_deployed", expert=expert.full_name)
    timeline(session, who, incident.id, "mobilisation.expert_released", expert=expert.full_name)


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    who = Subject.system("demo")
    coordinator = users.get("dieuphoi@csirtnet.local")
    if coordinator is None:
        return
    _admins(session, orgs, who)
    experts = _responder_experts(session, users, who)
    incidents = session.scalars(select(Incident).order_by(Incident.id)).all()
    closed_ransomware = next((i for i in incidents if i.phase == "closed" and i.rsit_class == "malicious-code"), None)
    if closed_ransomware is not None and "ungcuu@fpt.demo" in experts:
        _past_deployment(session, coordinator, closed_ransomware, experts["ungcuu@fpt.demo"], who)
    ddos = next((i for i in incidents if i.rsit_type == "ddos" and i.phase != "closed"), None)
    if ddos is not None:
        service.raise_request(
            session,
            subject_for(coordinator),
            ddos.id,
            SupportRequestCreate(
                summary="Phân tích nhật ký và lưu lượng để xác định nguồn tấn công DDoS, đề xuất cấu hình lọc",
                skills=[
                    {"skill": "log-analysis", "min_level": 2},
                    {"skill": "network-forensics", "min_level": 2},
                ],
                mode="on_site",
                province=ddos.province or "Thái Nguyên",
                duration_hours=5 * 24,
                urgency="high",
                experts_needed=2,
                response_deadline=utcnow() + timedelta(hours=24),
            ),
        )
