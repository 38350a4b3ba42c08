"""Correlation shows another incident only to those who may see it (property-based)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from csirtnet.authz.incident import can_view
from csirtnet.incident import correlation, observables, participants
from csirtnet.incident.schemas import ObservableCreate, ParticipantCreate
from csirtnet.models import Incident, IncidentLink
from tests.factories import make_organisation
from tests.incident.helpers import api, coordinator, member, open_incident, who


def test_observables_are_normalised_and_validated(db) -> None:
    assert observables.normalise("ip", " 203.0.113[.]66 ") == "203.0.113.66"
    assert observables.normalise("ip", "2001:DB8::0:1") == "2001:db8::1"
    assert observables.normalise("domain", "Sở-TTTT.Example.VN.") == "sở-tttt.example.vn".encode("idna").decode()
    assert observables.normalise("url", "hxxps://EVIL.example.com/a?b=1") == "https://evil.example.com/a?b=1"
    assert observables.normalise("email", "Attacker@Evil.Example.com") == "attacker@evil.example.com"
    assert observables.normalise("sha256", "A" * 64) == "a" * 64
    for kind, bad in (("ip", "300.1.1.1"), ("md5", "abc"), ("url", "javascript:alert(1)"), ("email", "no-at")):
        try:
            observables.normalise(kind, bad)
        except ValueError:
            continue
        raise AssertionError(f"{kind} {bad!r} was accepted")


def test_shared_observable_links_and_shows_also_seen_in(client, db) -> None:
    coord, a, b = coordinator(db), member(db), member(db)
    old = open_incident(db, coord, a)
    new = open_incident(db, coord, b)
    observables.add(db, who(coord), old.id, ObservableCreate(kind="ip", value="203.0.113.66"))
    observables.add(db, who(coord), new.id, ObservableCreate(kind="ip", value="203.0.113[.]66"))
    link = db.scalar(select(IncidentLink).where(IncidentLink.kind == "correlated"))
    assert link is not None and {link.incident_id, link.other_incident_id} == {old.id, new.id}
    assert [c.reference for c in correlation.correlations(db, who(coord), new)] == [old.reference]
    # b reported only the new incident: b sees nothing of the old one.
    assert correlation.correlations(db, who(b), new) == []
    assert correlation.linked(db, who(b), new) == []
    r = client.get(f"/api/v1/incidents/{new.id}/correlations", headers=api(db, b))
    assert r.status_code == 200 and r.json()["items"] == []
    r = client.get(f"/api/v1/incidents/{new.id}/correlations", headers=api(db, coord))
    assert [c["reference"] for c in r.json()["items"]] == [old.reference]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(
        st.tuples(
            st.sampled_from(["viewer_org", "other_org"]),  # who reported it
            st.sampled_from(["clear", "green", "amber", "amber+strict", "red"]),
            st.sampled_from(["none", "named", "org", "ended"]),  # the viewer's participation
        ),
        min_size=1,
        max_size=5,
    )
)
def test_correlations_never_reveal_invisible_incidents(db, plan) -> None:
    nested = db.begin_nested()
    try:
        coord = coordinator(db)
        viewer_org, other_org = make_organisation(db), make_organisation(db)
        viewer = member(db, org=viewer_org)
        own = open_incident(db, coord, viewer)
        observables.add(db, who(coord), own.id, ObservableCreate(kind="sha256", value="e" * 64))
        others: list[Incident] = []
        for reporter_side, tlp, participation in plan:
            reporter = member(db, org=viewer_org if reporter_side == "viewer_org" else other_org)
            incident = open_incident(db, coord, reporter)
            incident.tlp = tlp
            if participation in ("named", "ended"):
                row = participants.add(db, who(coord), incident.id, ParticipantCreate(user_id=viewer.id))
                if participation == "ended":
                    participants.end(db, who(coord), incident.id, row.id)
            elif participation == "org":
                participants.add(db, who(coord), incident.id, ParticipantCreate(organisation_id=viewer_org.id))
            observables.add(db, who(coord), incident.id, ObservableCreate(kind="sha256", value="E" * 64))
            others.append(incident)
        db.flush()
        shown = {c.incident_id for c in correlation.correlations(db, who(viewer), own)}
        expected = {i.id for i in others if can_view(db, who(viewer), i.id)}
        # The model of the rule, independent of the SQL: who should see each incident.
        for (side, tlp, participation), incident in zip(plan, others, strict=True):
            by_org = side == "viewer_org" or participation == "org"
            should = participation == "named" or (tlp != "red" and by_org)
            assert (incident.id in expected) == should, (side, tlp, participation)
        assert shown == expected
        assert {li.incident_id for li in correlation.linked(db, who(viewer), own)} <= expected
    finally:
        nested.rollback()


def test_tlp_red_observables_stay_with_named_participants(db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation)
    incident = open_incident(db, coord, reporter)
    other = open_incident(db, coord, colleague)
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value="secret.example.net", tlp="red"))
    observables.add(db, who(coord), other.id, ObservableCreate(kind="domain", value="secret.example.net"))
    # The reporter is named (role reporter) on `incident`; the colleague is not.
    assert [o.value for o in observables.observables_of(db, who(reporter), incident)] == ["secret.example.net"]
    assert observables.observables_of(db, who(colleague), incident) == []
    assert correlation.correlations(db, who(colleague), other) == []
    assert "secret" not in incident.search_words
