"""derived records carry the visibility of their source (ADR 0002, "Derived records"): guard columns
on audit records and jobs, the content's TLP and the named other incident on timeline entries, the
marking of what an incident link was derived from

Existing rows are filled in, batch by batch: timeline entries of observables get the observable's
TLP (a removal recorded no TLP: the TLP its addition recorded, else TLP:RED — when in doubt, fewer
readers); link entries the incident they name, and TLP:RED when the link is a correlation through a
TLP:RED observable; audit records of incidents, reports, support requests and deployments the same
guard `audit.record` gives them now; queued and failed jobs whose payload links to an incident or a
report that incident or report. The guard columns are outside the audit hash (ADR 0004): filling
them in leaves `csirtnet audit verify` intact.

Revision ID: 0011_derived_visibility
Revises: 0010_identity_security
"""

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011_derived_visibility"
down_revision: str | Sequence[str] | None = "0010_identity_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
RED = "red"
GUARD_COLUMNS = ("guard_kind", "guard_id", "guard_tlp", "guard_also_id")
OBSERVABLE_ACTIONS = ("incident.observable_added", "incident.observable_removed")
LINK_ACTION = "incident.linked"
_INCIDENT_LINK = re.compile(r"^/incidents/(\d+)$")
_REPORT_LINK = re.compile(r"^/incidents/reports/(\d+)$")


def _guard_columns(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("guard_kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("guard_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("guard_tlp", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("guard_also_id", sa.BigInteger(), nullable=True))


def upgrade() -> None:
    _guard_columns("audit_record")
    _guard_columns("job")
    with op.batch_alter_table("incident_timeline_entry") as batch:
        batch.add_column(sa.Column("tlp", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("other_incident_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("incident_link") as batch:
        batch.add_column(sa.Column("tlp", sa.String(length=12), nullable=True))
    red_pairs = _red_correlations()
    _fill_links(red_pairs)
    _fill_timeline(red_pairs)
    _fill_audit(red_pairs)
    _fill_jobs()


def downgrade() -> None:
    with op.batch_alter_table("incident_link") as batch:
        batch.drop_column("tlp")
    with op.batch_alter_table("incident_timeline_entry") as batch:
        batch.drop_column("other_incident_id")
        batch.drop_column("tlp")
    for table in ("job", "audit_record"):
        with op.batch_alter_table(table) as batch:
            for name in reversed(GUARD_COLUMNS):
                batch.drop_column(name)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}


def _red_correlations() -> set[tuple[int, int]]:
    """Pairs of incidents (low id first) that share an observable value TLP:RED in either."""
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT a.incident_id, b.incident_id FROM incident_observable a "
                "JOIN incident_observable b ON b.kind = a.kind AND b.value = a.value AND b.incident_id > a.incident_id "
                "WHERE a.tlp = 'red' OR b.tlp = 'red'"
            )
        )
        .all()
    )
    return {(int(a), int(b)) for a, b in rows}


def _fill_links(red_pairs: set[tuple[int, int]]) -> None:
    bind = op.get_bind()
    for low, high in red_pairs:
        bind.execute(
            sa.text(
                "UPDATE incident_link SET tlp = 'red' "
                "WHERE incident_id = :a AND other_incident_id = :b AND kind = 'correlated'"
            ),
            {"a": low, "b": high},
        )


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _rows(table: str, columns: str, where: str, params: dict[str, Any], key: str = "id") -> Any:
    """Every row of `table` matching `where`, batch by batch in `key` order."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT {key}, {columns} FROM {table} WHERE {key} > :last AND ({where}) "  # noqa: S608
                f"ORDER BY {key} LIMIT :n"
            ),
            {**params, "last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _observable_tlp(added: dict[tuple[int, str, str], str], incident_id: int, details: dict[str, Any]) -> str:
    tlp = details.get("tlp")
    if isinstance(tlp, str):
        return tlp
    return added.get((incident_id, str(details.get("kind")), str(details.get("value"))), RED)


def _fill_timeline(red_pairs: set[tuple[int, int]]) -> None:
    bind = op.get_bind()
    added: dict[tuple[int, str, str], str] = {}
    actions = {"a": OBSERVABLE_ACTIONS[0], "r": OBSERVABLE_ACTIONS[1], "l": LINK_ACTION}
    for ident, incident_id, action, raw in _rows(
        "incident_timeline_entry", "incident_id, action, details", "action IN (:a, :r, :l)", actions
    ):
        details = _json(raw)
        values: dict[str, Any] = {}
        if action in OBSERVABLE_ACTIONS:
            values["tlp"] = _observable_tlp(added, incident_id, details)
            if action == OBSERVABLE_ACTIONS[0]:
                added[(incident_id, str(details.get("kind")), str(details.get("value")))] = values["tlp"]
        elif isinstance(details.get("other_id"), int):
            other = int(details["other_id"])
            values["other_incident_id"] = other
            if details.get("kind") == "correlated" and _pair(incident_id, other) in red_pairs:
                values["tlp"] = RED
        if values:
            sets = ", ".join(f"{k} = :{k}" for k in values)
            bind.execute(sa.text(f"UPDATE incident_timeline_entry SET {sets} WHERE id = :id"), {**values, "id": ident})  # noqa: S608


def _fill_audit(red_pairs: set[tuple[int, int]]) -> None:
    bind = op.get_bind()
    added: dict[tuple[int, str, str], str] = {}
    types = {
        "i": "incident",
        "r": "incident_report",
        "s": "support_request",
        "t": "support_request_target",
        "d": "deployment",
    }
    targets: dict[int, int] = {
        int(t): int(r) for t, r in bind.execute(sa.text("SELECT id, support_request_id FROM support_request_target"))
    }
    for seq, object_type, object_id, action, raw in _rows(
        "audit_record",
        "object_type, object_id, action, summary",
        "object_type IN (:i, :r, :s, :t, :d)",
        types,
        key="seq",
    ):
        if object_id is None or not str(object_id).isdigit():
            continue
        ident = int(object_id)
        guard: dict[str, Any] = {"guard_kind": None, "guard_id": ident, "guard_tlp": None, "guard_also_id": None}
        if object_type == "incident":
            guard["guard_kind"] = "incident"
            summary = _json(raw)
            if action in OBSERVABLE_ACTIONS:
                guard["guard_tlp"] = _observable_tlp(added, ident, summary)
                if action == OBSERVABLE_ACTIONS[0]:
                    added[(ident, str(summary.get("kind")), str(summary.get("value")))] = guard["guard_tlp"]
            elif action == LINK_ACTION and isinstance(summary.get("other_id"), int):
                guard["guard_also_id"] = int(summary["other_id"])
                if summary.get("kind") == "correlated" and _pair(ident, guard["guard_also_id"]) in red_pairs:
                    guard["guard_tlp"] = RED
        elif object_type == "incident_report":
            guard["guard_kind"] = "report"
        elif object_type == "support_request":
            guard["guard_kind"] = "support_request"
        elif object_type == "support_request_target":
            if ident not in targets:
                continue
            guard["guard_kind"], guard["guard_id"] = "support_request", int(targets[ident])
        else:
            guard["guard_kind"] = "deployment"
        bind.execute(
            sa.text(
                "UPDATE audit_record SET guard_kind = :guard_kind, guard_id = :guard_id, guard_tlp = :guard_tlp, "
                "guard_also_id = :guard_also_id WHERE seq = :seq"
            ),
            {**guard, "seq": seq},
        )


def _fill_jobs() -> None:
    """Jobs still to run or kept for an admin: a notification's payload links to its source."""
    bind = op.get_bind()
    for ident, raw in _rows(
        "job",
        "payload",
        "status IN ('queued', 'running', 'failed') AND name = :name",
        {"name": "notification.send_email"},
    ):
        link = str(_json(raw).get("link") or "")
        incident, report = _INCIDENT_LINK.match(link), _REPORT_LINK.match(link)
        if incident is None and report is None:
            continue
        kind, number = ("incident", incident.group(1)) if incident else ("report", report.group(1))  # type: ignore[union-attr]
        bind.execute(
            sa.text("UPDATE job SET guard_kind = :k, guard_id = :i WHERE id = :id"),
            {"k": kind, "i": int(number), "id": ident},
        )
