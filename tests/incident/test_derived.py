"""Records derived from an incident's content carry the visibility of what they were derived from
(docs/adr/0002-tenancy-and-authz.md, "Derived records"): a TLP:RED observable's value never reaches
a timeline, export or page of a reader its TLP excludes; a link never names an incident the reader
may not see; a report follows its incident's visibility."""

from __future__ import annotations

import io
import uuid

from sqlalchemy import select

from csirtnet.incident import observables, participants, triage
from csirtnet.incident.schemas import Classification, ObservableCreate, ParticipantCreate
from csirtnet.models import IncidentReport
from csirtnet.vocabulary import TLP, Role
from tests.helpers import login
from tests.incident.helpers import api, coordinator, make_report, member, open_incident, who


def _marker() -> str:
    return f"leak-{uuid.uuid4().hex[:12]}.example.vn"


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _everything_api(client, db, reader, incident_id: int) -> str:  # type: ignore[no-untyped-def]
    """What the reader gets from every read of the incident through the API, as one text."""
    headers = api(db, reader)
    out = []
    for path in ("", "/timeline", "/observables", "/correlations", "/export.json"):
        r = client.get(f"/api/v1/incidents/{incident_id}{path}", headers=headers)
        assert r.status_code == 200, (path, r.text)
        out.append(r.text)
    pdf = client.get(f"/api/v1/incidents/{incident_id}/export.pdf", headers=headers)
    assert pdf.status_code == 200
    out.append(_pdf_text(pdf.content))
    return "\n".join(out)


def _everything_pages(client, reader, incident_id: int) -> str:  # type: ignore[no-untyped-def]
    login(client, reader.email)
    out = []
    for path in ("", "/export.json"):
        r = client.get(f"/incidents/{incident_id}{path}")
        assert r.status_code == 200, path
        out.append(r.text)
    out.append(_pdf_text(client.get(f"/incidents/{incident_id}/export.pdf").content))
    client.cookies.clear()
    return "\n".join(out)


def test_red_observable_values_stay_out_of_the_timeline_of_readers_its_tlp_excludes(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation, role=Role.VIEWER)
    incident = open_incident(db, coord, reporter)  # TLP:AMBER: the reporting organisation reads it
    red, amber = _marker(), _marker()
    row = observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value=red, tlp=TLP.RED))
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value=amber, tlp=TLP.AMBER))
    observables.remove(db, who(coord), incident.id, row.id)
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value=red, tlp=TLP.RED))

    seen = _everything_api(client, db, colleague, incident.id) + _everything_pages(client, colleague, incident.id)
    assert red not in seen
    assert amber in seen  # the rest of the timeline is still there

    # The coordinator is named (commander): the RED value is in its timeline, export and page.
    seen = _everything_api(client, db, coord, incident.id)
    assert red in seen
    timeline = client.get(f"/api/v1/incidents/{incident.id}/timeline", headers=api(db, coord)).json()["items"]
    actions = [e["action"] for e in timeline if red in str(e["details"])]
    assert actions == ["incident.observable_added", "incident.observable_removed", "incident.observable_added"]


def test_links_name_no_incident_the_reader_may_not_see(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation, role=Role.VIEWER)
    mine = open_incident(db, coord, reporter)
    other_org = member(db)
    hidden = open_incident(db, coord, other_org)  # another organisation's incident
    secret = open_incident(db, coord, other_org)
    triage.update_classification(db, who(coord), secret.id, Classification(tlp=TLP.RED))
    triage.link_incidents(db, who(coord), mine.id, hidden.id, None)
    triage.link_incidents(db, who(coord), mine.id, secret.id, None)

    def linked_ids(reader) -> set[int]:  # type: ignore[no-untyped-def]
        items = client.get(f"/api/v1/incidents/{mine.id}/timeline", headers=api(db, reader)).json()["items"]
        export = client.get(f"/api/v1/incidents/{mine.id}/export.json", headers=api(db, reader)).json()
        assert [e["id"] for e in export["timeline"]] == [e["id"] for e in items]
        return {e["details"]["other_id"] for e in items if e["action"] == "incident.linked"}

    assert linked_ids(colleague) == set()
    assert linked_ids(reporter) == set()
    assert linked_ids(coord) == {hidden.id, secret.id}  # named on the RED one as its commander
    other_coord = coordinator(db)
    assert linked_ids(other_coord) == {hidden.id}  # not named on the RED one
    # Correlation through a shared observable tells the same: nothing of an incident one may not see.
    value = _marker()
    observables.add(db, who(coord), secret.id, ObservableCreate(kind="domain", value=value, tlp=TLP.AMBER))
    observables.add(db, who(coord), mine.id, ObservableCreate(kind="domain", value=value, tlp=TLP.AMBER))
    assert linked_ids(other_coord) == {hidden.id}
    assert linked_ids(coord) == {hidden.id, secret.id}


def test_a_correlation_through_a_red_observable_shows_only_to_those_named(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation, role=Role.VIEWER)
    first = open_incident(db, coord, reporter)
    second = open_incident(db, coord, reporter)
    value = _marker()
    observables.add(db, who(coord), first.id, ObservableCreate(kind="domain", value=value, tlp=TLP.RED))
    observables.add(db, who(coord), second.id, ObservableCreate(kind="domain", value=value, tlp=TLP.AMBER))
    items = client.get(f"/api/v1/incidents/{second.id}/timeline", headers=api(db, colleague)).json()["items"]
    # The colleague reads both incidents, but that they share a value only the named see is itself RED.
    assert "incident.linked" not in {e["action"] for e in items}
    login(client, colleague.email)
    assert f'href="/incidents/{first.id}"' not in client.get(f"/incidents/{second.id}").text
    client.cookies.clear()
    items = client.get(f"/api/v1/incidents/{second.id}/timeline", headers=api(db, coord)).json()["items"]
    assert "incident.linked" in {e["action"] for e in items}


def test_a_report_follows_its_incident_once_raised_to_red(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation, role=Role.VIEWER)
    title = f"Sự cố {_marker()}"
    incident = open_incident(db, coord, reporter, title=title)
    report_id = db.scalar(select(IncidentReport.id).where(IncidentReport.incident_id == incident.id))
    url = f"/api/v1/incidents/reports/{report_id}"
    assert client.get(url, headers=api(db, colleague)).status_code == 200
    triage.update_classification(db, who(coord), incident.id, Classification(tlp=TLP.RED))
    r = client.get(url, headers=api(db, colleague))
    assert r.status_code == 404 and title not in r.text
    listed = client.get("/api/v1/incidents/reports", headers=api(db, colleague)).text
    assert title not in listed
    login(client, colleague.email)
    assert client.get(f"/incidents/reports/{report_id}").status_code == 404
    assert title not in client.get("/incidents/reports").text
    client.cookies.clear()
    # Its reporter keeps it, and so does a coordinator named on the incident; another does not.
    assert client.get(url, headers=api(db, reporter)).status_code == 200
    assert client.get(url, headers=api(db, coord)).status_code == 200
    assert client.get(url, headers=api(db, coordinator(db))).status_code == 404
    # A report still in the queue stays the coordinators' to triage.
    queued = make_report(db, reporter)
    assert client.get(f"/api/v1/incidents/reports/{queued.id}", headers=api(db, coordinator(db))).status_code == 200


def test_a_participant_added_later_reads_the_red_value_and_one_ended_no_longer_does(client, db) -> None:
    coord, reporter, expert = coordinator(db), member(db), member(db)
    incident = open_incident(db, coord, reporter)
    red = _marker()
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value=red, tlp=TLP.RED))
    row = participants.add(db, who(coord), incident.id, ParticipantCreate(user_id=expert.id, role="responder"))
    url = f"/api/v1/incidents/{incident.id}/timeline"
    assert red in client.get(url, headers=api(db, expert)).text
    participants.end(db, who(coord), incident.id, row.id)
    assert client.get(url, headers=api(db, expert)).status_code == 404
