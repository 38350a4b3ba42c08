"""The demo: cluster no. 1 with its rotating lead, the Bắc Kạn → Cao Bằng handover, plans,
readiness, channels, an event and knowledge-base documents."""

from __future__ import annotations

from sqlalchemy import select

import csirtnet.cluster.demo as cluster_demo
from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import plan, service
from csirtnet.cluster.channel import repository as channel_repository
from csirtnet.cluster.readiness import coverage
from csirtnet.cluster.readiness import service as readiness
from csirtnet.demo import load_demo, province_code
from csirtnet.identity.service import subject_for
from csirtnet.models import Cluster, KnowledgeDocument, NetworkEvent, Organisation, User


def test_the_demo_cluster(db) -> None:
    load_demo(db)
    system = Subject.system("test")
    cluster = db.scalar(select(Cluster).where(Cluster.number == 1))
    assert cluster is not None and cluster.name == "Cụm số 1" and cluster.decision_number == "123/QĐ-BTTTT"
    detail = service.detail(db, system, cluster.id)
    assert {m.organisation.member_code for m in detail.members} == {province_code(p) for p in cluster_demo.ROTATION}
    by_year = {t.starts_on.year: t.organisation.province for t in detail.terms}
    assert by_year[2024] == "Bắc Kạn" and by_year[2025] == "Cao Bằng" and by_year[2026] == "Bắc Giang"
    year = cluster_authz.today().year
    if year in by_year:
        assert detail.current_lead is not None and detail.current_lead.organisation.province == by_year[year]
    handovers = [(h.from_organisation.province, h.to_organisation.province) for h in detail.handovers]
    assert ("Bắc Kạn", "Cao Bằng") in handovers
    first = next(h for h in detail.handovers if h.from_organisation.province == "Bắc Kạn")
    assert first.minutes and "Cao Bằng" in first.minutes and first.documents
    plan_2025 = plan.read(db, system, cluster.id, 2025)
    kinds = {a.kind for a in plan_2025.activities}
    assert {"workshop", "drill"} <= kinds and any("ACID" in a.title for a in plan_2025.activities)
    bkn = db.scalar(select(Organisation).where(Organisation.member_code == province_code("Bắc Kạn")))
    assert bkn is not None
    record = readiness.read(db, system, bkn.id, 2024)
    assert record.statement and "2024" in record.statement
    assert record.drills[0].rank == 3 and record.drills[0].participants == 63
    assert all(record.meets.values())
    report = coverage.coverage(db, system, 2026, "cluster", cluster.id)
    assert report.groups[0].total == 6 and report.groups[0].gaps
    channel = channel_repository.cluster_channel(db, cluster.id)
    assert channel is not None
    coordinator = db.scalar(select(User).where(User.email == "dieuphoi@csirtnet.local"))
    assert coordinator is not None
    threads = channel_repository.threads(db, subject_for(coordinator), channel.id)
    assert threads and threads[0].thread.title == "Chuẩn bị diễn tập thực chiến 2026"
    assert db.scalar(select(NetworkEvent).where(NetworkEvent.cluster_id == cluster.id)) is not None
    assert db.scalar(select(KnowledgeDocument).where(KnowledgeDocument.event_id.is_not(None))) is not None
    # Loading twice adds nothing.
    assert load_demo(db) == []
