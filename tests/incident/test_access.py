"""Who sees an incident: the reporting organisation, coordinators, active participants, the cluster
lead when shared; TLP:RED only named participants, every read audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from csirtnet.authz.incident import can_view, get_visible
from csirtnet.errors import NotFound
from csirtnet.incident import participants, triage
from csirtnet.incident.schemas import Classification, ParticipantCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import AuditRecord, Cluster, ClusterLeadTerm
from csirtnet.vocabulary import TLP, Role
from tests.factories import make_organisation
from tests.incident.helpers import api, coordinator, member, open_incident, who


def test_reporting_org_coordinator_and_participants_see_it_others_do_not(db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation)
    stranger = member(db)
    incident = open_incident(db, coord, reporter)
    assert can_view(db, who(reporter), incident.id) and can_view(db, who(colleague), incident.id)
    assert can_view(db, who(coord), incident.id)
    assert not can_view(db, who(stranger), incident.id)
    row = participants.add(db, who(coord), incident.id, ParticipantCreate(user_id=stranger.id, role="responder"))
    assert can_view(db, who(stranger), incident.id)
    participants.end(db, who(coord), incident.id, row.id)
    assert not can_view(db, who(stranger), incident.id)


def test_participation_window_bounds_access(db) -> None:
    coord, reporter, expert = coordinator(db), member(db), member(db)
    incident = open_incident(db, coord, reporter)
    later = utcnow() + timedelta(days=1)
    participants.add(db, who(coord), incident.id, ParticipantCreate(user_id=expert.id, starts_at=later))
    assert not can_view(db, who(expert), incident.id)
    assert can_view(db, who(expert), incident.id, now=later + timedelta(minutes=1))


def test_cluster_lead_sees_shared_incidents_but_not_amber_strict(db) -> None:
    coord, reporter = coordinator(db), member(db)
    lead_org = make_organisation(db, kind="province")
    lead = member(db, org=lead_org, role=Role.ORG_ADMIN)
    lead_responder = member(db, org=lead_org)
    cluster = Cluster(name="Cụm số 1")
    db.add(cluster)
    db.flush()
    today = utcnow().date()
    db.add(
        ClusterLeadTerm(
            cluster_id=cluster.id,
            organisation_id=lead_org.id,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=300),
        )
    )
    incident = open_incident(db, coord, reporter)
    assert not can_view(db, who(lead), incident.id)
    triage.update_classification(db, who(coord), incident.id, Classification(shared_with_cluster_id=cluster.id))
    assert can_view(db, who(lead), incident.id)
    assert can_view(db, who(lead_responder), incident.id)  # the lead organisation is a recipient
    triage.update_classification(db, who(coord), incident.id, Classification(tlp=TLP.AMBER_STRICT))
    assert not can_view(db, who(lead), incident.id)


def test_tlp_red_only_named_participants_and_reads_are_audited(db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation)
    other_coord = coordinator(db)
    incident = open_incident(db, coord, reporter)
    triage.update_classification(db, who(coord), incident.id, Classification(tlp=TLP.RED))
    assert can_view(db, who(coord), incident.id)  # named as commander
    assert can_view(db, who(reporter), incident.id)  # named as reporter
    assert not can_view(db, who(colleague), incident.id)
    assert not can_view(db, who(other_coord), incident.id)
    before = len(db.scalars(select(AuditRecord).where(AuditRecord.action == "incident.viewed")).all())
    get_visible(db, who(reporter), incident.id)
    reads = db.scalars(select(AuditRecord).where(AuditRecord.action == "incident.viewed")).all()
    assert len(reads) == before + 1 and reads[-1].actor_user_id == reporter.id
    with pytest.raises(NotFound):
        get_visible(db, who(colleague), incident.id)


def test_tlp_red_read_through_the_api_is_audited(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter, confidential=True)
    assert incident.tlp == "red"
    r = client.get(f"/api/v1/incidents/{incident.id}", headers=api(db, reporter))
    assert r.status_code == 200
    assert db.scalar(
        select(AuditRecord).where(AuditRecord.action == "incident.viewed", AuditRecord.actor_user_id == reporter.id)
    )
