"""A small network for the cluster tests: a coordinator, three provinces in a cluster, one
province outside it, admins and viewers, and API headers carrying every scope a user's roles grant."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.cluster import today
from csirtnet.cluster import service
from csirtnet.cluster.schemas import ClusterCreate, MemberAdd, TermCreate
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token, grantable_scopes
from csirtnet.models import Cluster, ClusterLeadTerm, Organisation, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user

_seq = itertools.count(1)
SYSTEM = Subject.system("test")


def api(db: Session, user: User) -> dict[str, str]:
    who = subject_for(user)
    issued = create_token(db, who, user, name="test", scopes=grantable_scopes(who), expires_in_days=1)
    db.flush()
    return {"Authorization": f"Bearer {issued.token}"}


def who(user: User) -> Subject:
    return subject_for(user)


@dataclass
class Net:
    cluster: Cluster
    a: Organisation  # leads the cluster this year
    b: Organisation
    c: Organisation
    outsider: Organisation  # in no cluster
    coordinator: User
    admin: dict[str, User] = field(default_factory=dict)  # "a", "b", "c", "outsider" -> org admin
    viewer: dict[str, User] = field(default_factory=dict)
    term: ClusterLeadTerm | None = None


def build(db: Session, *, lead_this_year: bool = True) -> Net:
    n = next(_seq)
    coordinator_org = make_organisation(db, name=f"Cơ quan điều phối {n}", is_coordinator=True, kind="coordinator")
    coordinator = make_user(db, roles=[Role.COORDINATOR], organisation=coordinator_org)
    orgs = {
        key: make_organisation(
            db,
            name=f"Sở Thông tin và Truyền thông {name} {n}",
            kind="province",
            sector=sector,
            province=name,
        )
        for key, name, sector in (
            ("a", "Bắc Kạn", "government"),
            ("b", "Cao Bằng", "government"),
            ("c", "Lạng Sơn", "health"),
            ("outsider", "Cà Mau", "government"),
        )
    }
    cluster = service.create_cluster(db, SYSTEM, ClusterCreate(number=100 + n, name=f"Cụm số {100 + n}"))
    for key in ("a", "b", "c"):
        service.add_member(db, SYSTEM, cluster.id, MemberAdd(organisation_id=orgs[key].id, joined_on=date(2020, 1, 1)))
    net = Net(cluster, orgs["a"], orgs["b"], orgs["c"], orgs["outsider"], coordinator)
    for key, org in orgs.items():
        net.admin[key] = make_user(db, roles=[Role.ORG_ADMIN], organisation=org, full_name=f"Quản trị {org.province}")
        net.viewer[key] = make_user(db, roles=[Role.VIEWER], organisation=org, full_name=f"Theo dõi {org.province}")
    if lead_this_year:
        year = today().year
        net.term = service.add_term(
            db,
            SYSTEM,
            cluster.id,
            TermCreate(organisation_id=orgs["a"].id, starts_on=date(year, 1, 1), ends_on=date(year, 12, 31)),
        )
    db.flush()
    return net
