"""Sharing indicators through the service: typing and normalising, the same value shared again is
one indicator, the STIX version and the one audit record of every change, TLP between
organisations, sightings and false positives, bulk paste, revocation, bad input named."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz.intel import get_visible_indicator
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.intel import reads, service
from csirtnet.intel.schemas import (
    IndicatorBulkAdd,
    IndicatorFalsePositiveReport,
    IndicatorSightingCreate,
    IndicatorUpdate,
)
from csirtnet.kit.time import utcnow
from csirtnet.models import Indicator, StixObject
from tests.incident.helpers import who
from tests.intel.indicator_world import audit_count, make_world, share


def versions(db: Session, ind: Indicator) -> list[dict[str, Any]]:
    rows = db.scalars(select(StixObject).where(StixObject.stix_id == ind.stix_id).order_by(StixObject.modified)).all()
    return [orjson.loads(r.body) for r in rows]


def test_a_shared_value_is_typed_normalised_and_written_as_stix_with_one_audit_record(db: Session) -> None:
    w = make_world(db)
    before = audit_count(db)
    ind = share(db, w.a1, "hxxp://EVIL[.]example[.]vn/login", tlp="green", tags=["fraud/phishing", "attack:t1566.002"])
    assert (ind.kind, ind.value) == ("url", "http://evil.example.vn/login")
    assert ind.source_organisation_id == w.org_a.id and ind.collection == "national"
    assert ind.tags == ["fraud/phishing", "attack:T1566.002"] and ind.rsit == "fraud/phishing"
    [body] = versions(db, ind)
    assert body["pattern"] == "[url:value = 'http://evil.example.vn/login']"
    assert body["object_marking_refs"] == ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    assert audit_count(db) == before + 1


def test_the_same_value_shared_again_updates_the_indicator_with_a_new_stix_version(db: Session) -> None:
    w = make_world(db)
    first = share(db, w.a1, "203.0.113.9", tlp="amber", confidence=40)
    again = share(db, w.a2, "203.0.113[.]9", tlp="green", confidence=80, tags=["botnet"])
    assert again.id == first.id and (again.tlp, again.confidence, again.tags) == ("green", 80, ["botnet"])
    stored = versions(db, again)
    assert len(stored) == 2 and stored[0]["modified"] < stored[1]["modified"]
    assert stored[1]["confidence"] == 80
    other = share(db, w.b1, "203.0.113.9", tlp="green")
    assert other.id != first.id  # another organisation's sharing is its own indicator
    assert db.scalar(select(Indicator.id).where(Indicator.id == first.id)) is not None


def test_tlp_decides_who_sees_an_indicator(db: Session) -> None:
    w = make_world(db)
    strict = share(db, w.a1, "strict.example.vn", tlp="amber+strict")
    amber = share(db, w.a1, "amber.example.vn", tlp="amber")
    green = share(db, w.a1, "green.example.vn", tlp="green")
    red = share(db, w.a1, "red.example.vn", tlp="red")

    def sees(user: object, ind: Indicator) -> bool:
        try:
            get_visible_indicator(db, who(user), ind.id)  # type: ignore[arg-type]
        except NotFound:
            return False
        return True

    assert [sees(w.b1, i) for i in (strict, amber, green, red)] == [False, False, True, False]
    assert [sees(w.coordinator, i) for i in (strict, amber, green, red)] == [False, True, True, False]
    assert [sees(w.a2, i) for i in (strict, amber, green, red)] == [True, True, True, False]
    assert [sees(w.a1, i) for i in (strict, amber, green, red)] == [True, True, True, True]
    found = {r.indicator.value for r in reads.search(db, who(w.b1), "example.vn")[0]}
    assert found == set()  # "example.vn" is a prefix of none of them
    listed = {r.indicator.value for r in reads.search(db, who(w.b1))[0]}
    assert listed == {"green.example.vn"}


def test_sharing_into_a_collection_one_may_not_write_is_refused(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(Forbidden):
        share(db, w.a1, "198.51.100.7", collection=f"outbox:{w.org_b.id}")
    with pytest.raises(ValidationFailed) as bad:
        share(db, w.a1, "198.51.100.7", collection="nowhere")
    assert bad.value.errors[0].field == "collection"
    ind = share(db, w.a1, "198.51.100.7", collection=f"outbox:{w.org_a.id}", tlp="green")
    assert ind.collection == f"outbox:{w.org_a.id}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"value": "not an indicator at all"}, "value"),
        ({"value": "1.2.3.4", "kind": "ipv6"}, "value"),
        ({"value": "[ipv4-addr:value = ]", "kind": "stix-pattern"}, "value"),
        ({"value": "1.2.3.4", "tags": ["malicious-code/no-such-type"]}, "tags[0]"),
        ({"value": "1.2.3.4", "tags": ["ok", "attack:X1"]}, "tags[1]"),
        ({"value": "1.2.3.4", "tags": ["bad:tag with spaces"]}, "tags[0]"),
        (
            {"value": "1.2.3.4", "valid_from": "2026-01-02T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"},
            "valid_until",
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(db: Session, overrides: dict[str, object], field: str) -> None:
    w = make_world(db)
    before = audit_count(db)
    with pytest.raises(ValidationFailed) as bad:
        share(db, w.a1, **{"value": "1.2.3.4", **overrides})  # type: ignore[arg-type]
    assert bad.value.errors[0].field == field
    assert audit_count(db) == before
    assert db.scalar(select(Indicator.id)) is None


def test_machine_tags_and_rsit_machine_tags_are_accepted() -> None:
    tags, found = service.clean_tags(
        ['rsit:malicious-code="c2-server"', 'admiralty-scale:source-reliability="b"', "apt"]
    )
    assert tags == ["malicious-code/c2-server", 'admiralty-scale:source-reliability="b"', "apt"]
    assert found == "malicious-code/c2-server"


def test_a_value_on_a_warninglist_is_marked_not_refused(db: Session) -> None:
    w = make_world(db)
    ind = share(db, w.a1, "10.1.2.3", tlp="green")
    assert ind.warninglists == ["List of RFC 1918 CIDR blocks"]
    assert share(db, w.a1, "www.google.com", kind="hostname").warninglists == ["Very popular domains"]
    assert share(db, w.a1, "evil.example.org").warninglists == []


def test_sightings_and_false_positives_count_and_are_written_as_stix(db: Session) -> None:
    w = make_world(db)
    ind = share(db, w.a1, "evil.example.vn", tlp="green")
    seen_at = utcnow() - timedelta(days=2)
    before = audit_count(db)
    s = service.add_sighting(
        db, who(w.b1), ind.id, IndicatorSightingCreate(first_seen_at=seen_at, count=3, note="proxy", tlp="green")
    )
    fp = service.report_false_positive(db, who(w.coordinator), ind.id, IndicatorFalsePositiveReport(note="CDN"))
    assert audit_count(db) == before + 2
    db.refresh(ind)
    assert (ind.sightings_count, ind.false_positive_count) == (3, 1)
    assert ind.first_seen_at is not None and abs(ind.first_seen_at - seen_at) < timedelta(seconds=1)
    rows = db.scalars(select(StixObject).where(StixObject.stix_type == "sighting").order_by(StixObject.id)).all()
    bodies = [orjson.loads(r.body) for r in rows]
    assert [b["id"] for b in bodies] == [s.stix_id, fp.stix_id]
    assert bodies[0]["count"] == 3 and bodies[0]["sighting_of_ref"] == ind.stix_id
    assert bodies[1]["labels"] == ["false-positive"]
    page = reads.detail(db, who(w.a1), ind.id)
    # the coordinator's AMBER report is not for A; B's GREEN sighting is
    assert [(r.sighting.id, r.organisation) for r in page.sightings] == [(s.id, w.org_b.name)]
    with pytest.raises(ValidationFailed) as bad:
        service.add_sighting(
            db, who(w.b1), ind.id, IndicatorSightingCreate(first_seen_at=utcnow(), last_seen_at=seen_at)
        )
    assert bad.value.errors[0].field == "last_seen_at"


def test_a_hidden_indicator_cannot_be_sighted_or_changed(db: Session) -> None:
    w = make_world(db)
    strict = share(db, w.a1, "strict.example.vn", tlp="amber+strict")
    green = share(db, w.a1, "green.example.vn", tlp="green")
    with pytest.raises(NotFound):
        service.add_sighting(db, who(w.b1), strict.id, IndicatorSightingCreate())
    with pytest.raises(Forbidden):
        service.update(db, who(w.b1), green.id, IndicatorUpdate(confidence=1))
    with pytest.raises(Forbidden):
        service.revoke(db, who(w.b1), green.id)


def test_update_and_revoke_write_new_versions_and_revocation_expires(db: Session) -> None:
    w = make_world(db)
    ind = share(db, w.a1, "c2.example.vn", tlp="green", confidence=90)
    before = audit_count(db)
    service.update(db, who(w.a2), ind.id, IndicatorUpdate(confidence=70, description="C2 of a campaign"))
    service.update(db, who(w.a2), ind.id, IndicatorUpdate(confidence=70))  # no change: nothing written
    service.revoke(db, who(w.a_admin), ind.id, reason="sinkholed")
    assert audit_count(db) == before + 2
    stored = versions(db, ind)
    assert len(stored) == 3 and stored[-1]["revoked"] is True and stored[1]["confidence"] == 70
    assert reads.detail(db, who(w.b1), ind.id).decay.reason == "revoked"
    assert reads.search(db, who(w.b1), "c2.example.vn")[0] == []
    assert [r.indicator.id for r in reads.search(db, who(w.b1), "c2.example.vn", include_expired=True)[0]] == [ind.id]


def test_bulk_paste_types_each_line_previews_and_writes_one_audit_record(db: Session) -> None:
    w = make_world(db)
    existing = share(db, w.a1, "198.51.100.1", tlp="green")
    text = (
        "# from the proxy logs\n198.51.100.1\nhxxps://bad[.]example[.]vn/x, bad.example.vn\n"
        + "d41d8cd98f00b204e9800998ecf8427e\nbad.example.vn\n"
    )
    before = audit_count(db)
    preview = service.bulk_add(db, who(w.a1), IndicatorBulkAdd(text=text, tlp="green", dry_run=True))
    assert [(line.line, line.status) for line in preview.lines] == [
        (2, "would-update"),
        (3, "would-create"),
        (3, "would-create"),
        (4, "would-create"),
        (5, "unchanged"),
    ]
    assert audit_count(db) == before and db.scalar(select(Indicator.id).where(Indicator.kind == "md5")) is None
    result = service.bulk_add(
        db, who(w.a1), IndicatorBulkAdd(text=text, tlp="green", tags=["malicious-code/c2-server"])
    )
    assert (result.created, result.updated, result.invalid) == (3, 1, 0)
    assert result.lines[0].indicator_id == existing.id
    assert audit_count(db) == before + 1
    made = db.scalars(select(Indicator).where(Indicator.kind == "md5")).one()
    assert made.rsit == "malicious-code/c2-server" and len(versions(db, made)) == 1
    assert len(versions(db, existing)) == 2


def test_bulk_paste_with_a_bad_line_is_refused_whole_unless_told_to_skip(db: Session) -> None:
    w = make_world(db)
    text = "198.51.100.2\nnot-a-thing!\n"
    with pytest.raises(ValidationFailed) as bad:
        service.bulk_add(db, who(w.a1), IndicatorBulkAdd(text=text))
    assert bad.value.errors[0].field == "text" and "line 2" in bad.value.errors[0].message
    assert db.scalar(select(Indicator.id)) is None
    result = service.bulk_add(db, who(w.a1), IndicatorBulkAdd(text=text, skip_invalid=True))
    assert [(line.line, line.status) for line in result.lines] == [(1, "created"), (2, "invalid")]


def test_search_normalises_a_value_filters_and_pages(db: Session) -> None:
    w = make_world(db)
    for n in range(5):
        share(db, w.a1, f"http://evil.example.vn/{n}", tlp="green", tags=["phish"] if n % 2 else [])
    share(db, w.a1, "http://other.example.vn/", tlp="green")
    share(db, w.b1, "evil.example.vn", tlp="green", kind="domain")
    me = who(w.b1)
    page, cursor = reads.search(db, me, "hxxp://evil[.]example[.]vn/", limit=2)
    values = [r.indicator.value for r in page]
    assert values == ["http://evil.example.vn/0", "http://evil.example.vn/1"] and cursor
    while cursor:
        more, cursor = reads.search(db, me, "hxxp://evil[.]example[.]vn/", limit=2, cursor=cursor)
        values += [r.indicator.value for r in more]
    assert values == [f"http://evil.example.vn/{n}" for n in range(5)]
    assert len(reads.search(db, me, "EVIL.example.vn")[0]) == 1  # the domain, typed and lower-cased
    tagged = reads.search(db, me, tag="phish")[0]
    assert sorted(r.indicator.value for r in tagged) == ["http://evil.example.vn/1", "http://evil.example.vn/3"]
    assert {r.indicator.kind for r in reads.search(db, me, kind="domain")[0]} == {"domain"}
    assert {r.source_organisation for r in reads.search(db, me, source=str(w.org_b.id))[0]} == {w.org_b.name}


def test_the_cli_shares_and_finds_indicators(committing_database: Any) -> None:
    from tests.helpers import run_cli

    with committing_database.unit_of_work() as session:
        w = make_world(session)
        email = w.a1.email
    added = run_cli(committing_database, "intel", "add", "1.2.3[.]4", "10.0.0.1", "--tlp", "green", "--as", email)
    assert added.exit_code == 0, added.output
    assert "1.2.3.4" in added.output and "List of RFC 1918 CIDR blocks" in added.output
    typed = run_cli(committing_database, "intel", "add", "abc.vn", "--kind", "hostname", "--as", email)
    assert typed.exit_code == 0 and "hostname" in typed.output
    refused = run_cli(committing_database, "intel", "add", "1.2.3.4", "--tlp", "pink", "--as", email)
    assert refused.exit_code == 1 and "tlp" in refused.output
    bad_line = run_cli(committing_database, "intel", "add", "1.2.3.4", "nonsense!", "--as", email)
    assert bad_line.exit_code == 1 and "line 2" in bad_line.output
    found = run_cli(committing_database, "intel", "search", "1.2.3", "--as", email)
    assert found.exit_code == 0 and "1.2.3.4" in found.output and "10.0.0.1" not in found.output


def test_an_imported_indicator_is_not_taken_over_by_sharing_the_same_value_by_hand(db: Session) -> None:
    w = make_world(db)
    imported = share(db, w.a1, "198.51.100.44", tlp="green")
    imported.origin = "stix"  # as intel.ingest leaves it: its versions are its author's
    db.flush()
    mine = share(db, w.a1, "198.51.100.44", tlp="green")
    assert mine.id != imported.id and mine.origin == "manual"


def test_reading_a_tlp_red_indicator_is_audited(db: Session) -> None:
    w = make_world(db)
    red = share(db, w.a1, "red.example.vn", tlp="red")
    green = share(db, w.a1, "green.example.vn", tlp="green")
    before = audit_count(db, "intel.viewed")
    reads.detail(db, who(w.a1), green.id)
    assert audit_count(db, "intel.viewed") == before
    reads.detail(db, who(w.a1), red.id)
    assert audit_count(db, "intel.viewed") == before + 1
