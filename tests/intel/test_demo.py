"""The demo's shared indicators (csirtnet.intel.demo), read back through the functions the pages
and the API use: TLP between members, the cluster and the configured collection, warninglists,
sightings, the MISP feed's correlation with an open incident (the coordinator sees it, a member
who may not see the incident does not), the STIX import's skipped objects, and a second load that
changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.config import Settings
from csirtnet.demo import load_demo
from csirtnet.errors import NotFound
from csirtnet.identity.service import subject_for
from csirtnet.intel import collections, reads
from csirtnet.intel import demo as intel_demo
from csirtnet.intel.correlation import Correlations
from csirtnet.models import (
    Incident,
    Indicator,
    IntelImport,
    Sighting,
    StixObject,
    TaxiiCollection,
    TaxiiCollectionMember,
    TaxiiSubscription,
    User,
)

TABLES = (Indicator, Sighting, StixObject, IntelImport, TaxiiCollection, TaxiiCollectionMember, TaxiiSubscription)


def _who(db: Session, email: str) -> Subject:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return subject_for(user)


def _values(db: Session, who: Subject, q: str | None = None, **filters: str) -> set[str]:
    rows, _next = reads.search(db, who, q, limit=200, **filters)  # type: ignore[arg-type]
    return {r.indicator.value for r in rows}


def _one(db: Session, value: str) -> Indicator:
    found = db.scalars(select(Indicator).where(Indicator.value == value)).all()
    assert len(found) == 1, (value, found)
    return found[0]


def _correlations(db: Session, who: Subject, indicator_id: int) -> Correlations:
    found = reads.detail(db, who, indicator_id).correlations
    assert found is not None
    return found


def _incident_ids(correlations: Correlations) -> set[int]:
    groups = (correlations.exact, correlations.in_network, correlations.under_domain)
    return {m.incident_id for g in groups for m in g.incidents}


def _counts(db: Session) -> dict[str, int]:
    return {t.__tablename__: int(db.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def test_the_demo_indicators(db: Session, settings: Settings) -> None:
    load_demo(db)
    coordinator = _who(db, "dieuphoi@csirtnet.local")
    fpt = _who(db, "ungcuu@fpt.demo")
    bkav = _who(db, "phantich@bkav.demo")
    vnpt = _who(db, "quantri@vnpt.demo")
    backan = _who(db, "quantri@backan.demo")

    # TLP:GREEN in the national collection: every member sees them.
    green = {intel_demo.PHISHING_DOMAIN, intel_demo.PHISHING_URL, intel_demo.C2_IP, intel_demo.SAMPLE_SHA256}
    green |= {intel_demo.SCAN_NETWORK, intel_demo.RESOLVER, intel_demo.FEED_IP}
    for who in (coordinator, fpt, bkav, vnpt, backan):
        assert green <= _values(db, who)

    # TLP:AMBER+STRICT: Bkav only — not another member, not even the coordinating body.
    strict = _one(db, intel_demo.STRICT_IP)
    assert strict.tlp == "amber+strict"
    assert intel_demo.STRICT_IP in _values(db, bkav, intel_demo.STRICT_IP)
    for who in (fpt, vnpt, coordinator):
        assert intel_demo.STRICT_IP not in _values(db, who, intel_demo.STRICT_IP)
        with pytest.raises(NotFound):
            reads.detail(db, who, strict.id)

    # TLP:AMBER: FPT (its source) and the coordinating body, no other member.
    assert intel_demo.AMBER_EMAIL in _values(db, fpt) and intel_demo.AMBER_EMAIL in _values(db, coordinator)
    assert intel_demo.AMBER_EMAIL not in _values(db, bkav)

    # Cluster no. 1's collection: Bắc Kạn and the coordinator, not FPT (no cluster member).
    assert _one(db, intel_demo.CLUSTER_DOMAIN).collection.startswith("cluster:")
    assert intel_demo.CLUSTER_DOMAIN in _values(db, backan) and intel_demo.CLUSTER_DOMAIN in _values(db, coordinator)
    assert intel_demo.CLUSTER_DOMAIN not in _values(db, fpt)

    # The configured collection: its readers (FPT reads, Bkav writes) see its indicator, VNPT does not.
    vendors = db.scalar(select(TaxiiCollection).where(TaxiiCollection.title == intel_demo.COLLECTION_TITLE))
    assert vendors is not None
    key = f"custom:{vendors.uuid}"
    rights = {c.key: (c.can_read, c.can_write) for c in collections.visible(db, fpt)}
    assert rights[key] == (True, False)
    assert {c.key: c.can_write for c in collections.visible(db, bkav)}[key] is True
    assert key not in {c.key for c in collections.visible(db, vnpt)}
    assert intel_demo.VENDOR_JA3 in _values(db, fpt) and intel_demo.VENDOR_JA3 not in _values(db, vnpt)

    # 8.8.8.8 is marked as a likely false positive, reported as one by Bắc Kạn; not refused.
    resolver = reads.detail(db, fpt, _one(db, intel_demo.RESOLVER).id)
    assert any("DNS resolvers" in name for name in resolver.warninglists)
    assert resolver.indicator.false_positive_count == 1
    assert [s.sighting.false_positive for s in resolver.sightings] == [True]

    # Sightings of the C2 address by two members.
    c2 = reads.detail(db, backan, _one(db, intel_demo.C2_IP).id)
    assert len({s.sighting.organisation_id for s in c2.sightings if not s.sighting.false_positive}) == 2
    assert c2.indicator.sightings_count == 14 + 220 and not c2.decay.expired

    # The MISP feed's web-shell address is an observable of Bắc Kạn's OPEN defacement incident:
    # the coordinator and Bắc Kạn are shown the incident (and FPT, whose responder works on it);
    # VNPT, who may not see that incident, is not.
    feed_ip = _one(db, intel_demo.FEED_IP)
    page = reads.detail(db, coordinator, feed_ip.id)
    assert feed_ip.origin == "misp" and not page.decay.expired
    assert [s.sighting.organisation_id for s in page.sightings] == [backan.organisation_id]
    for who in (coordinator, backan, fpt):
        shown = _incident_ids(_correlations(db, who, feed_ip.id))
        assert shown, who
        incidents = db.scalars(select(Incident).where(Incident.id.in_(shown))).all()
        assert any(i.closed_at is None for i in incidents)
    member_view = _correlations(db, vnpt, feed_ip.id)
    assert _incident_ids(member_view) == set()
    # …while what VNPT may see still correlates: the address lies in VNPT's own /24.
    assert intel_demo.SCAN_NETWORK in {m.value for m in member_view.in_network.indicators}

    # Domain under domain: the URL's host lies under the shared phishing domain, which the
    # TLP:CLEAR advisory names too.
    domain = _correlations(db, fpt, _one(db, intel_demo.PHISHING_DOMAIN).id)
    assert intel_demo.PHISHING_URL in {m.value for m in domain.under_domain.indicators}
    assert domain.exact.advisories

    # The imports: the feed (two MISP attributes kept as no indicator, with the reason) and the
    # partner's bundle (two objects skipped, each with its reason).
    feed = intel_demo.feed_import(db)
    assert feed is not None and feed.skipped == 2 and feed.indicators >= 9
    bundle = db.scalar(select(IntelImport).where(IntelImport.format == "stix"))
    assert bundle is not None and bundle.skipped == 2 and bundle.indicators == 3
    reasons = " ".join(f["message"] for f in bundle.failures)
    assert "spec_version" in reasons and "pattern" in reasons

    # A pull subscription to a partner, disabled (a demo has no peer).
    subscription = db.scalar(select(TaxiiSubscription).where(TaxiiSubscription.name == intel_demo.SUBSCRIPTION_NAME))
    assert subscription is not None and subscription.direction == "pull" and not subscription.enabled

    # Loading again changes nothing: neither the whole demo nor this part alone.
    before = _counts(db)
    assert load_demo(db) == []
    intel_demo.load(db, {}, {})
    assert _counts(db) == before
