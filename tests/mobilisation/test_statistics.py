"""Experts mobilised and organisations that took part, per period; and the cluster lead's requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from csirtnet.authz.cluster import today as cluster_today
from csirtnet.errors import Forbidden
from csirtnet.mobilisation import reads, service, statistics
from csirtnet.models import Cluster, ClusterLeadTerm, ClusterMember, Deployment, Organisation
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.mobilisation.helpers import api, make_expert, make_incident, make_network, request_body, who


def deployed(
    db: Session,
    incident_id: int,
    organisation: Organisation,
    expert_id: int | None,
    start: datetime,
    days: int,
    *,
    hours: float | None = None,
    released_at: datetime | None = None,
) -> Deployment:
    row = Deployment(
        incident_id=incident_id,
        expert_id=expert_id,
        expert_name="x",
        organisation_id=organisation.id,
        starts_at=start,
        ends_at=start + timedelta(days=days),
        released_at=released_at,
        status="released" if released_at else "active",
        hours=hours,
    )
    db.add(row)
    db.flush()
    return row


def test_experts_and_organisations_per_month(db: Session) -> None:
    net = make_network(db)
    i = net.incident.id
    jan = datetime(2026, 1, 10, 3, tzinfo=UTC)
    deployed(db, i, net.fpt, net.fpt_expert.id, jan, 3, hours=20)
    deployed(db, i, net.bkav, net.bkav_expert.id, jan + timedelta(days=25), 10, hours=50)  # Feb 4 → Feb 14
    deployed(db, i, net.fpt, net.fpt_expert.id, datetime(2026, 3, 2, tzinfo=UTC), 2, hours=8)
    # Released before it started: it never ran.
    early = datetime(2026, 3, 4, tzinfo=UTC)
    deployed(db, i, net.misa, net.misa_expert.id, datetime(2026, 3, 5, tzinfo=UTC), 2, released_at=early)
    # An expert since removed from the roster still counts.
    deployed(db, i, net.misa, None, datetime(2026, 3, 20, tzinfo=UTC), 1, hours=4)

    figures = statistics.figures(db, who(net.coordinator), date(2026, 1, 1), date(2026, 4, 30))
    rows = [
        (b.period, b.experts_mobilised, b.organisations_taking_part, b.deployments, b.hours) for b in figures.buckets
    ]
    assert rows == [
        ("2026-01", 1, 1, 1, 20.0),
        ("2026-02", 1, 1, 1, 50.0),
        ("2026-03", 2, 2, 2, 12.0),
        ("2026-04", 0, 0, 0, 0.0),
    ]
    total = figures.total
    assert (total.experts_mobilised, total.organisations_taking_part, total.deployments, total.hours) == (
        3,
        3,
        4,
        82.0,
    )
    quarters = statistics.figures(db, who(net.coordinator), date(2026, 1, 1), date(2026, 12, 31), "quarter")
    assert [(b.period, b.experts_mobilised) for b in quarters.buckets] == [
        ("2026-Q1", 3),
        ("2026-Q2", 0),
        ("2026-Q3", 0),
        ("2026-Q4", 0),
    ]
    # A member sees its own organisation's figures only.
    mine = statistics.figures(db, who(net.fpt_admin), date(2026, 1, 1), date(2026, 12, 31), "year")
    assert (mine.total.experts_mobilised, mine.total.organisations_taking_part, mine.total.deployments) == (1, 1, 2)


def test_statistics_api(client: TestClient, db: Session) -> None:
    net = make_network(db)
    deployed(db, net.incident.id, net.fpt, net.fpt_expert.id, datetime(2026, 6, 1, tzinfo=UTC), 3, hours=9)
    r = client.get(
        "/api/v1/mobilisation/statistics?date_from=2026-05-01&date_to=2026-06-30",
        headers=api(db, net.coordinator),
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert [(b["period"], b["experts_mobilised"], b["organisations_taking_part"]) for b in data["buckets"]] == [
        ("2026-05", 0, 0),
        ("2026-06", 1, 1),
    ]
    assert data["total"]["hours"] == 9
    url = "/api/v1/mobilisation/statistics"
    r = client.get(f"{url}?date_from=2000-01-01&date_to=2030-12-31", headers=api(db, net.coordinator))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date_from"
    # Another member's figures do not include FPT's deployments.
    r = client.get(f"{url}?date_from=2026-06-01&date_to=2026-06-30", headers=api(db, net.misa_admin))
    assert r.json()["total"]["experts_mobilised"] == 0


def cluster_with_lead(db: Session, lead: Organisation, members: list[Organisation]) -> Cluster:
    cluster = Cluster(number=1, name="Cụm số 1")
    db.add(cluster)
    db.flush()
    today = cluster_today()
    for org in [lead, *members]:
        db.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=today - timedelta(days=30)))
    db.add(
        ClusterLeadTerm(
            cluster_id=cluster.id,
            organisation_id=lead.id,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=300),
        )
    )
    db.flush()
    return cluster


def test_a_cluster_lead_mobilises_within_the_cluster_for_incidents_shared_with_it(db: Session) -> None:
    net = make_network(db)
    cao_bang = make_organisation(db, name="Sở TTTT Cao Bằng", short_name="STTTT CBG", province="Cao Bằng")
    lang_son = make_organisation(db, name="Sở TTTT Lạng Sơn", short_name="STTTT LSN", province="Lạng Sơn")
    make_expert(db, lang_son, {"malware-analysis": 2, "digital-forensics": 2}, province="Lạng Sơn")
    cluster = cluster_with_lead(db, cao_bang, [net.affected, lang_son])
    lead_admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=cao_bang)
    shared = make_incident(db, net.affected, shared_with_cluster_id=cluster.id)
    not_shared = make_incident(db, net.affected)

    request = service.raise_request(db, who(lead_admin), shared.id, request_body())
    assert request.cluster_id == cluster.id
    _request, ranking = reads.matches(db, who(lead_admin), request.id)
    # Only the cluster's members are candidates (FPT's better expert is outside it).
    assert [m.organisation.name for m in ranking] == ["STTTT LSN", "STTTT CBG"]
    assert [m.eligible for m in ranking] == [True, False]

    with pytest.raises(Exception) as hidden:
        service.raise_request(db, who(lead_admin), not_shared.id, request_body())
    assert "incident" in str(hidden.value)
    # A responder of the lead organisation has no lead rights.
    responder = make_user(db, roles=[Role.RESPONDER], organisation=cao_bang)
    with pytest.raises(Forbidden):
        service.raise_request(db, who(responder), shared.id, request_body())
