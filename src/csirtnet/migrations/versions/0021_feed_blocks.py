"""Feed events kept in blocks (ADR 0028): `feed_block` replaces `feed_event`; a polled feed's key
(`feed_source.url_header`, `url_secret_sealed`). The stored events are
carried over: grouped by day, run, owner, taxonomy and type into blocks of JSON lines compressed with
Zstandard, each line the event whole (its JSON and the fields that had a column of their own).
The downgrade writes them back one row per event.

Revision ID: 0021_feed_blocks
Revises: 0020_feeds
Create Date: 2026-12-07 06:50:00
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import groupby, islice
from typing import Any

import orjson
import sqlalchemy as sa
import zstandard
from alembic import op

import csirtnet.models.base

revision: str = "0021_feed_blocks"
down_revision: str | Sequence[str] | None = "0020_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The fields feed_event kept in columns (its JSON left them out when they fit).
_COLUMN_OF_FIELD = {
    "time.observation": "observed_at",
    "time.source": "time_source",
    "source.ip": "source_ip",
    "source.asn": "source_asn",
    "source.fqdn": "source_fqdn",
    "classification.taxonomy": "taxonomy",
    "classification.type": "type",
    "classification.identifier": "identifier",
}
_CHUNK = 5000
_TIME = csirtnet.models.base.UTCDateTime(timezone=True)
_ADDRESS_TEXT = sa.String(length=45).with_variant(sa.String(length=45, collation="C"), "postgresql")
_BLOCK_EVENTS = 50_000


def _utc(value: Any) -> datetime:
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite: its text
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _day_partition(day: date, parent: str) -> None:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    op.execute(
        f"CREATE TABLE IF NOT EXISTS {parent}_p{day:%Y%m%d} PARTITION OF {parent} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{(start + timedelta(days=1)).isoformat()}')"
    )


def _event_rows(bind: sa.engine.Connection) -> Iterator[Any]:
    query = sa.text("SELECT * FROM feed_event ORDER BY run_id, organisation_id, taxonomy, type, observed_at, seq")
    result = bind.execute(query.execution_options(yield_per=_CHUNK))
    yield from result.mappings()


def _line(row: Any) -> bytes:
    try:
        event = orjson.loads(row["data"] or "{}")
    except orjson.JSONDecodeError:
        event = {}
    for name, column in _COLUMN_OF_FIELD.items():
        value = row[column]
        if name not in event and value is not None:
            event[name] = _utc(value).isoformat() if column in ("observed_at", "time_source") else value
    meta = {"seq": row["seq"], "claim": row["claim_id"], "match": row["match_kind"], "warninglist": row["warninglist"]}
    return orjson.dumps({**meta, "event": event})


def _create_block_table(postgresql: bool) -> None:
    op.create_table(
        "feed_block",
        sa.Column("observed_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("taxonomy", sa.String(length=40), nullable=True),
        sa.Column("type", sa.String(length=60), nullable=True),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("ip_min", _ADDRESS_TEXT, nullable=True),
        sa.Column("ip_max", _ADDRESS_TEXT, nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("observed_at", "run_id", "first_seq", name=op.f("pk_feed_block")),
        postgresql_partition_by="RANGE (observed_at)",
    )
    with op.batch_alter_table("feed_block", schema=None) as batch_op:
        batch_op.create_index("ix_feed_block_org_observed", ["organisation_id", "observed_at"], unique=False)
        batch_op.create_index("ix_feed_block_source_observed", ["source_id", "observed_at"], unique=False)
    if postgresql:  # the payload is compressed already: PostgreSQL stores it out of line as it is
        op.execute("ALTER TABLE feed_block ALTER COLUMN payload SET STORAGE EXTERNAL")


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    with op.batch_alter_table("feed_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url_header", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("url_secret_sealed", sa.Text(), nullable=True))
    _create_block_table(postgresql)
    block = sa.table(
        "feed_block",
        sa.column("observed_at", _TIME),
        *(sa.column(name) for name in ("run_id", "first_seq", "source_id", "organisation_id", "taxonomy", "type")),
        *(sa.column(name) for name in ("tlp", "events", "ip_min", "ip_max")),
        sa.column("payload", sa.LargeBinary()),
    )
    compressor = zstandard.ZstdCompressor(level=1)
    days: set[date] = set()
    pending: list[dict[str, Any]] = []

    def key(row: Any) -> tuple[Any, ...]:
        return (row["run_id"], row["organisation_id"], row["taxonomy"], row["type"], _utc(row["observed_at"]).date())

    for (run_id, organisation_id, taxonomy, type_, day), group in groupby(_event_rows(bind), key=key):
        while chunk := list(islice(group, _BLOCK_EVENTS)):
            rows = sorted(chunk, key=lambda row: row["seq"])
            ips = [row["source_ip"] for row in rows if row["source_ip"] is not None]
            if postgresql and day not in days:
                _day_partition(day, "feed_block")
            days.add(day)
            pending.append(
                {
                    "observed_at": min(_utc(row["observed_at"]) for row in rows),
                    "run_id": run_id,
                    "first_seq": rows[0]["seq"],
                    "source_id": rows[0]["source_id"],
                    "organisation_id": organisation_id,
                    "taxonomy": taxonomy,
                    "type": type_,
                    "tlp": rows[0]["tlp"],
                    "events": len(rows),
                    "ip_min": min(ips) if ips else None,
                    "ip_max": max(ips) if ips else None,
                    "payload": compressor.compress(b"\n".join(_line(row) for row in rows)),
                }
            )
            if len(pending) >= 100:
                bind.execute(block.insert(), pending)
                pending.clear()
    if pending:
        bind.execute(block.insert(), pending)
    op.drop_table("feed_event")


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    op.create_table(
        "feed_event",
        sa.Column("observed_at", csirtnet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("match_kind", sa.String(length=8), nullable=True),
        sa.Column("source_ip", sa.String(length=45), nullable=True),
        sa.Column("source_asn", sa.BigInteger(), nullable=True),
        sa.Column("source_fqdn", sa.String(length=300), nullable=True),
        sa.Column("taxonomy", sa.String(length=40), nullable=True),
        sa.Column("type", sa.String(length=60), nullable=True),
        sa.Column("identifier", sa.String(length=120), nullable=True),
        sa.Column("time_source", csirtnet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("warninglist", sa.String(length=120), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("observed_at", "run_id", "seq", name=op.f("pk_feed_event")),
        postgresql_partition_by="RANGE (observed_at)",
    )
    with op.batch_alter_table("feed_event", schema=None) as batch_op:
        batch_op.create_index("ix_feed_event_org_observed", ["organisation_id", "observed_at"], unique=False)
        batch_op.create_index("ix_feed_event_source_ip", ["source_ip"], unique=False)
        batch_op.create_index("ix_feed_event_source_observed", ["source_id", "observed_at"], unique=False)
    columns: tuple[str, ...] = ("observed_at", "run_id", "seq", "source_id", "organisation_id", "claim_id")
    columns += ("match_kind", "source_ip", "source_asn", "source_fqdn", "taxonomy", "type", "identifier", "time_source")
    times = ("observed_at", "time_source")
    event_table = sa.table(
        "feed_event",
        *(sa.column(name, _TIME if name in times else None) for name in (*columns, "tlp", "warninglist", "data")),
    )
    decompressor = zstandard.ZstdDecompressor()
    days: set[date] = set()
    blocks = bind.execute(sa.text("SELECT * FROM feed_block").execution_options(yield_per=100)).mappings()
    for block in blocks:
        rows = []
        for raw in decompressor.decompress(block["payload"]).split(b"\n"):
            line = orjson.loads(raw)
            event = line["event"]
            observed = _utc(event.get("time.observation") or block["observed_at"])
            if postgresql and observed.date() not in days:
                _day_partition(observed.date(), "feed_event")
            days.add(observed.date())
            source_time = event.get("time.source")
            rows.append(
                {
                    "observed_at": observed,
                    "run_id": block["run_id"],
                    "seq": line["seq"],
                    "source_id": block["source_id"],
                    "organisation_id": block["organisation_id"],
                    "claim_id": line.get("claim"),
                    "match_kind": line.get("match"),
                    "source_ip": event.get("source.ip"),
                    "source_asn": event.get("source.asn"),
                    "source_fqdn": (event.get("source.fqdn") or "")[:300] or None,
                    "taxonomy": block["taxonomy"],
                    "type": block["type"],
                    "identifier": (event.get("classification.identifier") or "")[:120] or None,
                    "time_source": _utc(source_time) if source_time else None,
                    "tlp": block["tlp"],
                    "warninglist": line.get("warninglist"),
                    "data": orjson.dumps(event).decode(),
                }
            )
        bind.execute(event_table.insert(), rows)
    op.drop_table("feed_block")
    with op.batch_alter_table("feed_source", schema=None) as batch_op:
        batch_op.drop_column("url_secret_sealed")
        batch_op.drop_column("url_header")
