"""What every incident page shares: the context every template gets (with the labels of stored
codes from csirtnet.vocabulary.labels). `tr` and `attempt` serve the member report page
(/incidents/report) until it is on the one form path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session as DbSession

from csirtnet import i18n
from csirtnet.db import savepoint
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import PAP, TLP, labels, rsit
from csirtnet.web.render import request_language

T = TypeVar("T")


def tr(request: Request) -> Callable[[str], str]:
    lang = request_language(request)
    return lambda message: i18n.translate(lang, message)


def attempt(session: DbSession, change: Callable[[], T]) -> T:
    """Run a change in a savepoint, so a refused change leaves nothing behind in the request's
    transaction (which still commits what came before, e.g. the audit of a read)."""
    with savepoint(session):
        return change()


def common(request: Request) -> dict[str, Any]:
    return {
        "phase_labels": labels.PHASES,
        "report_status_labels": labels.REPORT_STATUSES,
        "channel_labels": labels.REPORT_CHANNELS,
        "role_labels": labels.PARTICIPANT_ROLES,
        "task_status_labels": labels.TASK_STATUSES,
        "criteria_labels": labels.SERIOUS_CRITERIA,
        "rsit_class_labels": labels.RSIT_CLASSES,
        "rsit_type_labels": labels.RSIT_TYPES,
        "status_at_report_labels": labels.STATUSES_AT_REPORT,
        "sector_labels": labels.SECTORS,
        "observable_kinds": labels.OBSERVABLE_KINDS,
        "impact_functional": labels.IMPACT_FUNCTIONAL,
        "impact_information": labels.IMPACT_INFORMATION,
        "impact_recoverability": labels.IMPACT_RECOVERABILITY,
        "satisfied_by_labels": labels.DEADLINE_SATISFIED_BY,
        "taxonomy": rsit.taxonomy(),
        "tlps": [t.value for t in TLP],
        "paps": [p.value for p in PAP],
        "now": utcnow(),
    }
