"""The demo network: the coordinator, the alliance's first members, cluster no. 1's provinces, and
users of every role. Domains add their own demo data through `register`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.auth.passwords import hash_password, verify_password
from csirtnet.authz import Subject
from csirtnet.bootstrap import coordinator_organisation
from csirtnet.kit.time import utcnow
from csirtnet.models import Organisation, OrganisationKind, User, UserRole
from csirtnet.vocabulary import Role

DEMO_PASSWORD = "demo-csirtnet-2025"  # noqa: S105 - the demo's published password, never a real one
MARKER_CODE = "VNCERT-DEMO"


@dataclass(frozen=True)
class DemoOrg:
    code: str
    name: str
    name_en: str
    short: str
    kind: OrganisationKind
    sector: str
    province: str


MEMBERS = [
    DemoOrg(
        "BTL86",
        "Bộ Tư lệnh 86",
        "Cyberspace Operations Command (Command 86)",
        "BTL86",
        OrganisationKind.MILITARY,
        "defence",
        "Hà Nội",
    ),
    DemoOrg(
        "AIS",
        "Cục An toàn thông tin",
        "Authority of Information Security",
        "AIS",
        OrganisationKind.MINISTRY,
        "government",
        "Hà Nội",
    ),
    DemoOrg(
        "VNPT",
        "Tập đoàn Bưu chính Viễn thông Việt Nam",
        "VNPT Group",
        "VNPT",
        OrganisationKind.TELECOM,
        "telecommunications",
        "Hà Nội",
    ),
    DemoOrg(
        "FPT",
        "Công ty Cổ phần FPT",
        "FPT Corporation",
        "FPT",
        OrganisationKind.PRIVATE_ENTERPRISE,
        "information technology",
        "Hà Nội",
    ),
    DemoOrg(
        "MISA",
        "Công ty Cổ phần MISA",
        "MISA JSC",
        "MISA",
        OrganisationKind.PRIVATE_ENTERPRISE,
        "information technology",
        "Hà Nội",
    ),
    DemoOrg(
        "BKAV",
        "Tập đoàn Công nghệ Bkav",
        "Bkav Corporation",
        "Bkav",
        OrganisationKind.SECURITY_VENDOR,
        "cybersecurity",
        "Hà Nội",
    ),
    DemoOrg(
        "CYRADAR",
        "Công ty Cổ phần An ninh mạng CyRadar",
        "CyRadar JSC",
        "CyRadar",
        OrganisationKind.SECURITY_VENDOR,
        "cybersecurity",
        "Hà Nội",
    ),
]
# Cluster no. 1 of the national response network, with the provincial codes used as member codes.
CLUSTER_1_PROVINCES = {
    "Bắc Kạn": "BKN",
    "Bắc Giang": "BGG",
    "Bắc Ninh": "BNH",
    "Cao Bằng": "CBG",
    "Lạng Sơn": "LSN",
    "Thái Nguyên": "TNN",
}


def province_code(province: str) -> str:
    return "STTTT-" + CLUSTER_1_PROVINCES[province]


# Demo users: (role label, email, name, organisation code, roles)
USERS = [
    ("platform admin", "admin@csirtnet.local", "Quản trị hệ thống", MARKER_CODE, [Role.PLATFORM_ADMIN]),
    ("coordinator", "dieuphoi@csirtnet.local", "Nguyễn Văn Điều Phối", MARKER_CODE, [Role.COORDINATOR]),
    ("organisation admin (VNPT)", "quantri@vnpt.demo", "Trần Thị Quản Trị", "VNPT", [Role.ORG_ADMIN]),
    ("organisation admin (Bắc Kạn)", "quantri@backan.demo", "Hoàng Văn Bắc", "STTTT-BKN", [Role.ORG_ADMIN]),
    ("responder (FPT)", "ungcuu@fpt.demo", "Lê Minh Ứng Cứu", "FPT", [Role.RESPONDER]),
    ("responder (Bkav)", "phantich@bkav.demo", "Phạm Thu Phân Tích", "BKAV", [Role.RESPONDER]),
    ("viewer (Cao Bằng)", "theodoi@caobang.demo", "Đỗ Văn Theo Dõi", "STTTT-CBG", [Role.VIEWER]),
]

DemoLoader = Callable[[Session, dict[str, Organisation], dict[str, User]], None]
LOADERS: list[DemoLoader] = []
# The domains' demo modules, in the order their data builds on each other. Each registers its
# loader when imported; load_demo imports them all, so the demo never depends on which modules a
# process happened to import before.
DEMO_MODULES = [
    "csirtnet.organisation.demo",
    "csirtnet.cluster.demo",
    "csirtnet.incident.demo",
    "csirtnet.mobilisation.demo",
    "csirtnet.evidence.demo",
    "csirtnet.advisory.demo",
    "csirtnet.exercise.demo",
    "csirtnet.intel.demo",
    "csirtnet.feeds.demo",
]


def register(loader: DemoLoader) -> DemoLoader:
    """Domains add demo data: `loader(session, orgs_by_code, users_by_email)` runs after the base."""
    LOADERS.append(loader)
    return loader


def demo_user(
    session: Session,
    who: Subject,
    *,
    email: str,
    full_name: str,
    organisation_id: int,
    roles: Sequence[Role],
    password_hash: str | None = None,
) -> User:
    """A demo login with the published password: the existing one, or a new one (audited)."""
    user = session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user
    user = User(
        email=email,
        full_name=full_name,
        organisation_id=organisation_id,
        password_hash=password_hash or hash_password(DEMO_PASSWORD),
        password_changed_at=utcnow(),
    )
    user.role_rows = [UserRole(role=r.value) for r in roles]
    session.add(user)
    session.flush()
    audit.record(session, who, "user.created", user, email=email, roles=[r.value for r in roles])
    return user


def load_demo(session: Session) -> list[tuple[str, str, str]]:
    """Load once; returns (role, email, password) for each demo login, or [] when already loaded."""
    if session.scalar(select(Organisation.id).where(Organisation.member_code == MARKER_CODE)) is not None:
        return []
    who = Subject.system("demo")
    coordinator = coordinator_organisation(session)
    coordinator.name = "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao"
    coordinator.name_en = "Department of Cybersecurity and High-Tech Crime Prevention (coordinator)"
    coordinator.short_name = "A05"
    coordinator.member_code = MARKER_CODE
    coordinator.province = "Hà Nội"
    coordinator.sector = "government"
    session.flush()
    audit.record(
        session,
        who,
        "organisation.updated",
        coordinator,
        organisation_id=coordinator.id,
        changes={"name": coordinator.name, "member_code": MARKER_CODE},
        reason="demo network loaded",
    )
    orgs: dict[str, Organisation] = {MARKER_CODE: coordinator}
    for m in MEMBERS:
        orgs[m.code] = Organisation(
            name=m.name,
            name_en=m.name_en,
            short_name=m.short,
            member_code=m.code,
            kind=m.kind.value,
            sector=m.sector,
            province=m.province,
        )
    for province in CLUSTER_1_PROVINCES:
        code = province_code(province)
        orgs[code] = Organisation(
            name=f"Sở Thông tin và Truyền thông {province}",
            name_en=f"{province} Department of Information and Communications",
            short_name=f"STTTT {province}",
            member_code=code,
            kind=OrganisationKind.PROVINCE.value,
            sector="government",
            province=province,
        )
    session.add_all(orgs.values())
    session.flush()
    for org in orgs.values():
        if org is not coordinator:
            audit.record(session, who, "organisation.created", org, organisation_id=org.id, name=org.name)
    users: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    password_hash = hash_password(DEMO_PASSWORD)
    for label, email, name, code, roles in USERS:
        user = demo_user(
            session,
            who,
            email=email,
            full_name=name,
            organisation_id=orgs[code].id,
            roles=roles,
            password_hash=password_hash,
        )
        user.password_hash = password_hash  # a login that existed gets the published password back
        users[email] = user
        logins.append((label, email, DEMO_PASSWORD))
    for loader in _ordered_loaders():
        loader(session, orgs, users)
    return logins


def demo_logins(session: Session) -> list[tuple[str, str, str]]:
    """(role, email, password) of each demo login still active; a password changed since the demo
    was loaded is not shown (it is no longer the published one)."""
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_([e for _l, e, *_ in USERS])))}
    out = []
    for label, email, *_rest in USERS:
        user = users.get(email)
        if user is None or not user.is_active:
            continue
        out.append((label, email, DEMO_PASSWORD if verify_password(user.password_hash, DEMO_PASSWORD) else "(changed)"))
    return out


def _ordered_loaders() -> list[DemoLoader]:
    import importlib

    for module in DEMO_MODULES:
        importlib.import_module(module)
    rank = {module: index for index, module in enumerate(DEMO_MODULES)}
    return sorted(LOADERS, key=lambda loader: rank.get(loader.__module__, len(rank)))
