"""`csirtnet mobilisation stats` and `csirtnet mobilisation sweep`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from csirtnet.cli import app
from csirtnet.db import Database
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import service
from csirtnet.mobilisation.schemas import AcceptBody
from csirtnet.models import Deployment, SupportRequestTarget
from tests.mobilisation.helpers import make_network, request_body, who


def test_stats_prints_the_figures(db: Session, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    net = make_network(db)
    start = datetime(2026, 2, 3, tzinfo=UTC)
    db.add(
        Deployment(
            incident_id=net.incident.id,
            expert_id=net.fpt_expert.id,
            expert_name="Lê Minh Ứng Cứu",
            organisation_id=net.fpt.id,
            starts_at=start,
            ends_at=start + timedelta(days=2),
            status="released",
            released_at=start + timedelta(days=2),
            hours=16,
        )
    )
    db.commit()
    monkeypatch.setattr("csirtnet.cli.database", lambda: database)
    result = CliRunner().invoke(
        app, ["mobilisation", "stats", "--from", "2026-01-01", "--to", "2026-12-31", "--period", "quarter", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(b["period"], b["experts_mobilised"]) for b in data["buckets"]][:2] == [("2026-Q1", 1), ("2026-Q2", 0)]
    assert data["total"]["hours"] == 16
    bad = CliRunner().invoke(app, ["mobilisation", "stats", "--period", "week"])
    assert bad.exit_code == 2 and "--period" in bad.output


def test_sweep_catches_up_on_missed_deadlines_and_ends(
    db: Session, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = make_network(db)
    asked = utcnow() - timedelta(hours=6)
    request = service.raise_request(
        db, who(net.coordinator), net.incident.id, request_body(response_deadline=asked + timedelta(hours=1)), now=asked
    )
    other = service.raise_request(
        db,
        who(net.coordinator),
        net.incident.id,
        request_body(duration_hours=2, response_deadline=asked + timedelta(hours=1)),
        now=asked,
    )
    [deployment] = service.accept(
        db, who(net.fpt_admin), other.id, AcceptBody(expert_ids=[net.fpt_expert.id]), now=asked
    )
    db.commit()
    monkeypatch.setattr("csirtnet.cli.database", lambda: database)
    result = CliRunner().invoke(app, ["mobilisation", "sweep"])
    assert result.exit_code == 0, result.output
    assert "escalated 1 request(s), released 1 deployment(s)" in result.output
    db.expire_all()
    statuses = [t.status for t in db.query(SupportRequestTarget).filter_by(support_request_id=request.id)]
    assert statuses[0] == "expired" and "pending" in statuses
    assert db.get(Deployment, deployment.id).status == "released"  # type: ignore[union-attr]
