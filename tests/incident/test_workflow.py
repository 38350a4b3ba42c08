"""The phase table, closing with form 04, and the API's 422 naming "phase"."""

from __future__ import annotations

import pytest

from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.incident import workflow
from csirtnet.incident.schemas import ClosingReport, PhaseChange
from csirtnet.models import Phase
from tests.incident.helpers import api, coordinator, member, open_incident, who

CLOSING = ClosingReport(
    result="Đã khôi phục hệ thống", root_cause="Mật khẩu yếu", actions_taken="Đổi mật khẩu", lessons_learned="Bật 2FA"
)


def test_every_phase_has_moves_and_closed_can_reopen() -> None:
    assert set(workflow.TRANSITIONS) == set(Phase)
    assert workflow.TRANSITIONS[Phase.CLOSED] == (Phase.ANALYSIS,)
    for targets in workflow.TRANSITIONS.values():
        assert targets


def test_walk_through_the_phases_and_close_with_the_closing_report(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    for phase in ("analysis", "containment", "eradication", "recovery", "post_incident"):
        workflow.change_phase(db, who(coord), incident.id, PhaseChange(phase=phase))
        assert incident.phase == phase
    with pytest.raises(ValidationFailed) as err:
        workflow.change_phase(db, who(coord), incident.id, PhaseChange(phase="closed"))
    assert err.value.errors[0].field == "closing_report"
    workflow.close(db, who(coord), incident.id, CLOSING)
    assert incident.phase == "closed" and incident.closed_at is not None
    assert incident.closing_root_cause == "Mật khẩu yếu"
    workflow.change_phase(db, who(coord), incident.id, PhaseChange(phase="analysis"))
    assert incident.closed_at is None


def test_invalid_transition_names_phase(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    with pytest.raises(ValidationFailed) as err:
        workflow.change_phase(db, who(coord), incident.id, PhaseChange(phase="recovery"))
    assert err.value.errors[0].field == "phase"
    with pytest.raises(ValidationFailed):
        workflow.change_phase(db, who(coord), incident.id, PhaseChange(phase="nonsense"))


def test_reporters_may_not_move_phases(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    with pytest.raises(Forbidden):
        workflow.change_phase(db, who(reporter), incident.id, PhaseChange(phase="analysis"))


def test_api_phase_errors(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    headers = api(db, coord)
    r = client.post(f"/api/v1/incidents/{incident.id}/phase", json={"phase": "eradication"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "phase"
    r = client.post(f"/api/v1/incidents/{incident.id}/close", json={"result": "x"}, headers=headers)
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} >= {"root_cause", "lessons_learned"}
    r = client.post(f"/api/v1/incidents/{incident.id}/phase", json={"phase": "analysis"}, headers=headers)
    assert r.status_code == 200 and r.json()["phase"] == "analysis"
