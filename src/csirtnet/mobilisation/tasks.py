"""Jobs of mobilisation, each idempotent: escalation after a response deadline, and the start and
end of a deployment at its dates."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.mobilisation import deployments, service
from csirtnet.worker import job


@job("mobilisation.escalate")
def escalate(session: Session, *, support_request_id: int) -> None:
    """Mark organisations that did not answer in time, and ask the next matches."""
    service.escalate(session, support_request_id)


@job("mobilisation.start_deployment")
def start_deployment(session: Session, *, deployment_id: int) -> None:
    deployments.start_due(session, deployment_id)


@job("mobilisation.end_deployment")
def end_deployment(session: Session, *, deployment_id: int) -> None:
    """Release an expert whose deployment reached its end date (their access ended with it)."""
    deployments.end_due(session, deployment_id)
