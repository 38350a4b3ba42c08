"""The cluster tables built by migration 0004 match the models, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table

from csirtnet.models import Base

MINE = {
    "cluster_handover",
    "cluster_handover_document",
    "cluster_plan",
    "cluster_plan_activity",
    "readiness_record",
    "readiness_drill",
    "readiness_evidence",
    "channel",
    "channel_organisation",
    "channel_thread",
    "channel_message",
    "channel_message_recipient",
    "channel_message_mention",
    "channel_message_attachment",
    "channel_digest_state",
    "network_event",
    "event_registration",
    "knowledge_document",
    "knowledge_document_file",
    "cluster",
    "cluster_member",
    "cluster_lead_term",
}


def _table(diff: object) -> str | None:
    """The table an autogenerate difference is about."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item if isinstance(item, tuple) else ():
        if isinstance(part, Table):
            return str(part.name)
        table = getattr(part, "table", None)
        if isinstance(table, Table):
            return str(table.name)
        if isinstance(part, str) and part in MINE:
            return part
    return None


def test_cluster_tables_match_the_models(db) -> None:
    context = MigrationContext.configure(db.connection(), opts={"compare_type": True})
    diffs = [d for d in compare_metadata(context, Base.metadata) if _table(d) in MINE]
    assert diffs == []
