"""One enriched batch into the database, in the caller's transaction (docs/adr/0027):

1. `feed_batch`: the batch id is claimed first; a batch already stored (a redelivery, a retry after
   a crash between commit and acknowledgement) answers None and writes nothing.
2. Dedupe: duplicates inside the batch go first (the first occurrence stays), then every key is
   upserted into `feed_seen` in one statement, in key order (so two workers never deadlock):
   `INSERT … ON CONFLICT (source_id, key) DO UPDATE SET first_seen = now WHERE feed_seen.first_seen
   < now - window RETURNING key`. The keys it returns are the new events (never seen, or seen before
   the window began); the rest are duplicates. The row lock the upsert takes makes two workers
   storing the same key at once agree: one gets it. On PostgreSQL the keys travel by binary COPY
   both ways (`COPY (INSERT … RETURNING key) TO STDOUT`), built and read by numpy.
3. The new events into `feed_event`: on PostgreSQL by COPY in the text format (written by polars),
   in address order (the address index's leaves are then visited in turn, not at random),
   into the day partition of `time.observation`, created first when missing (under an advisory
   lock, so two workers do not race to create it); on SQLite by one executemany.
4. The run's counts incremented (`UPDATE … SET events = events + n`), the quarantined lines written.
5. The source's actions on the new events: "digest" counts them into the members' digests
   (feeds.digests.count_batch), "rules" applies the rules (feeds.rules.apply).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import polars as pl
from sqlalchemy import insert, text, update
from sqlalchemy.orm import Session

from csirtnet.feeds import event as ev
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.pipeline.dedupe import dedupe_key
from csirtnet.models import FeedQuarantine, FeedRun

PARTITION_PREFIX = "feed_event_p"
_PARTITION_LOCK = 0x46454544  # "FEED": pg_advisory_xact_lock key while a day partition is created
QUARANTINE_TEXT_LIMIT = 4000

# feed_event's columns, in COPY order, and the limits of its string columns.
EVENT_COLUMNS = (
    "observed_at",
    "run_id",
    "seq",
    "source_id",
    "organisation_id",
    "claim_id",
    "match_kind",
    "source_ip",
    "source_asn",
    "source_fqdn",
    "taxonomy",
    "type",
    "identifier",
    "time_source",
    "tlp",
    "warninglist",
    "data",
)
_CUT = {
    "source_ip": 45,
    "source_fqdn": 300,
    "taxonomy": 40,
    "type": 60,
    "identifier": 120,
    "tlp": 20,
    "warninglist": 120,
}
_SEQ = "_seq"
DATA = "_data"  # the stored JSON of each event (prepare)
# Fields of the event that have a column of their own: the JSON leaves them out (a third of each
# row's bytes, and COPY's cost grows with them), unless a value is longer than its column holds.
COLUMN_OF_FIELD = {
    "time.observation": "observed_at",
    "time.source": "time_source",
    "source.ip": "source_ip",
    "source.asn": "source_asn",
    "source.fqdn": "source_fqdn",
    "classification.taxonomy": "taxonomy",
    "classification.type": "type",
    "classification.identifier": "identifier",
}


class Quarantined(Protocol):
    """A line the parser could not read (feeds.parsers.Quarantined)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass
class BatchResult:
    events: int  # parsed, duplicates included
    matched: int  # stored with an owner
    unmatched: int  # stored without one
    duplicates: int
    quarantined: int


def store_batch(
    session: Session,
    source: SourceConfig,
    *,
    run_id: int,
    batch_id: str,
    seq_start: int,
    frame: pl.DataFrame,
    now: datetime,
    quarantined: Sequence[Quarantined] = (),
) -> BatchResult | None:
    """Store one enriched batch (see the module's note); None when `batch_id` was already stored.
    `seq_start` is the run's sequence number of the batch's first event (the same on a redelivery,
    so an event keeps its key (observed_at, run_id, seq))."""
    if not _claim_batch(session, batch_id, run_id, now):
        return None
    parsed = frame.height
    if DATA not in frame.columns or ev.KEY not in frame.columns:
        frame = prepare(frame, source, now)
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).add(seq_start).alias(_SEQ))
    frame = frame.unique(subset=[ev.KEY], keep="first", maintain_order=True)
    if frame.height:
        new_keys = _claim_keys(session, source, frame[ev.KEY], now)
        frame = frame.join(pl.DataFrame({ev.KEY: new_keys}), on=ev.KEY, how="semi", maintain_order="left")
    matched = frame.height - frame[ev.ORG].null_count() if frame.height else 0
    if frame.height:
        rows = event_rows(frame, source, run_id)
        if session.get_bind().dialect.name == "postgresql":
            _copy_events(session, rows)
        else:
            _insert_events(session, rows)
    result = BatchResult(
        events=parsed,
        matched=matched,
        unmatched=frame.height - matched,
        duplicates=parsed - frame.height,
        quarantined=len(quarantined),
    )
    _write_quarantine(session, source, run_id, quarantined, now)
    session.execute(
        update(FeedRun)
        .where(FeedRun.id == run_id)
        .values(
            events=FeedRun.events + result.events,
            matched=FeedRun.matched + result.matched,
            unmatched=FeedRun.unmatched + result.unmatched,
            duplicates=FeedRun.duplicates + result.duplicates,
            quarantined=FeedRun.quarantined + result.quarantined,
        )
    )
    if frame.height:
        stored = frame.drop(_SEQ, DATA)
        if "digest" in source.actions:
            from csirtnet.feeds import digests

            digests.count_batch(session, source, stored, now)
        if "rules" in source.actions:
            from csirtnet.feeds import rules

            rules.apply(session, source, run_id=run_id, frame=stored, now=now)
    return result


def prepare(frame: pl.DataFrame, source: SourceConfig, now: datetime) -> pl.DataFrame:
    """An enriched batch made ready to store: `time.observation` set where the parser left it null
    (to `now`), the dedupe KEY and the stored JSON (DATA) added. Everything here is CPU work that
    needs no database: the engine does it in its parsing thread, `store_batch` when it was not done."""
    missing = [c for c in ev.ENRICHED if c not in frame.columns]
    if missing and frame.height:
        raise ValueError(f"store_batch: the batch is not enriched ({', '.join(missing)} missing)")
    if missing:  # an empty batch (its lines all quarantined) needs no lookup
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int32).alias(c) for c in ev.ENRICHED)
    frame = frame.with_columns(pl.col("time.observation").fill_null(pl.lit(now).dt.convert_time_zone("UTC")))
    if ev.KEY not in frame.columns:
        frame = frame.with_columns(dedupe_key(frame, source.dedupe_fields))
    if DATA not in frame.columns:
        frame = frame.with_columns((event_data(frame) if frame.height else pl.lit("{}")).alias(DATA))
    return frame


def _claim_batch(session: Session, batch_id: str, run_id: int, now: datetime) -> bool:
    claimed = session.execute(
        text(
            "INSERT INTO feed_batch (batch_id, run_id, done_at) VALUES (:b, :r, :t) "
            "ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id"
        ),
        {"b": batch_id, "r": run_id, "t": _bind_time(session, now)},
    ).first()
    return claimed is not None


def _bind_time(session: Session, moment: datetime) -> Any:
    """A time as a raw statement binds it: SQLite holds SQLAlchemy's text form (models.base.UTCDateTime)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if session.get_bind().dialect.name == "sqlite" else utc


def _claim_keys(session: Session, source: SourceConfig, keys: pl.Series, now: datetime) -> pl.Series:
    """The keys (distinct) that are new within the source's window; they are marked seen at `now`."""
    cutoff = now - timedelta(hours=source.dedupe_window_hours)
    if session.get_bind().dialect.name == "postgresql":
        return _claim_keys_pg(session, source, keys, now, cutoff)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    raw.execute("CREATE TEMP TABLE IF NOT EXISTS feed_keys (key INTEGER)")
    raw.execute("DELETE FROM feed_keys")
    raw.executemany("INSERT INTO feed_keys (key) VALUES (?)", ((k,) for k in keys.to_list()))
    cursor = raw.execute(
        "INSERT INTO feed_seen (source_id, key, first_seen) SELECT ?, key, ? FROM feed_keys WHERE true "
        "ON CONFLICT (source_id, key) DO UPDATE SET first_seen = excluded.first_seen "
        "WHERE feed_seen.first_seen < ? RETURNING key",
        (source.id, _bind_time(session, now), _bind_time(session, cutoff)),
    )
    new = [row[0] for row in cursor.fetchall()]
    raw.execute("DELETE FROM feed_keys")
    return pl.Series(new, dtype=pl.Int64)


# PostgreSQL's binary COPY of one bigint column: a header, then per row (fields=1, length=8, value).
_PG_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_PG_BINARY_ROW = np.dtype([("fields", ">i2"), ("length", ">i4"), ("value", ">i8")])


def _claim_keys_pg(
    session: Session, source: SourceConfig, keys: pl.Series, now: datetime, cutoff: datetime
) -> pl.Series:
    """The upsert with no Python per key: the keys go in by binary COPY into a temporary table (bytes
    made by numpy), and the new ones come back by `COPY (INSERT … RETURNING key) TO STDOUT` in
    binary, read by numpy."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    rows = np.empty(len(keys), dtype=_PG_BINARY_ROW)
    rows["fields"], rows["length"], rows["value"] = 1, 8, keys.to_numpy()
    with raw.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS feed_keys (key bigint) ON COMMIT DELETE ROWS")
        cursor.execute("TRUNCATE feed_keys")
        with cursor.copy("COPY feed_keys (key) FROM STDIN (FORMAT binary)") as copy:
            copy.write(_PG_BINARY_HEADER + rows.tobytes() + b"\xff\xff")
        returned = bytearray()
        statement = (
            "COPY (INSERT INTO feed_seen (source_id, key, first_seen) "
            "SELECT %s, key, %s FROM feed_keys ORDER BY key "
            "ON CONFLICT (source_id, key) DO UPDATE SET first_seen = EXCLUDED.first_seen "
            "WHERE feed_seen.first_seen < %s RETURNING key) TO STDOUT (FORMAT binary)"
        )
        with cursor.copy(statement, (source.id, now, cutoff)) as copy:
            for block in copy:
                returned += block
        cursor.execute("TRUNCATE feed_keys")
    body = bytes(returned[len(_PG_BINARY_HEADER) : -2])
    return pl.Series(np.frombuffer(body, dtype=_PG_BINARY_ROW)["value"].astype(np.int64), dtype=pl.Int64)


def event_data(frame: pl.DataFrame) -> pl.Expr:
    """The stored JSON of each event, by IntelMQ's field names: the fields this batch has (a field
    null in every event of it is left out) that have no column of their own (COLUMN_OF_FIELD; kept
    when a value is longer than its column), `extra` as an object. `stored_event` puts the whole
    event together again."""
    present = [
        name
        for name in ev.COLUMNS
        if frame[name].null_count() < frame.height and (name not in COLUMN_OF_FIELD or _overflows(frame, name))
    ]
    body = pl.struct(present).struct.json_encode() if present else pl.lit("{}")
    with_extra = pl.concat_str(
        [body.str.head(-1), pl.lit(',"extra":' if present else '"extra":'), pl.col(ev.EXTRA), pl.lit("}")],
        separator="",
    )
    return pl.when(pl.col(ev.EXTRA).is_null()).then(body).otherwise(with_extra)


def _overflows(frame: pl.DataFrame, name: str) -> bool:
    limit = _CUT.get(COLUMN_OF_FIELD[name])
    return limit is not None and bool((frame[name].str.len_chars() > limit).any())


def stored_event(data: str | None, columns: dict[str, Any]) -> dict[str, Any]:
    """One stored event whole again, by IntelMQ's field names, in the schema's order: its JSON
    (`data`) and its columns (`columns`: column name -> value, as read from feed_event)."""
    try:
        found = json.loads(data or "{}")
    except ValueError:
        found = {}
    if not isinstance(found, dict):
        found = {}
    for name, column in COLUMN_OF_FIELD.items():
        if name in found or columns.get(column) is None:
            continue
        value = columns[column]
        if isinstance(value, datetime):  # UTC, aware or not as the backend hands it back
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
        found[name] = value
    order = {name: i for i, name in enumerate(ev.COLUMNS)}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


def event_rows(frame: pl.DataFrame, source: SourceConfig, run_id: int) -> pl.DataFrame:
    """`frame` (prepared, deduplicated, with `_seq`) as rows of feed_event, in EVENT_COLUMNS order."""
    rows = frame.select(
        pl.col("time.observation").alias("observed_at"),
        pl.lit(run_id, dtype=pl.Int64).alias("run_id"),
        pl.col(_SEQ).alias("seq"),
        pl.lit(source.id, dtype=pl.Int64).alias("source_id"),
        pl.col(ev.ORG).alias("organisation_id"),
        pl.col(ev.CLAIM).alias("claim_id"),
        pl.col(ev.MATCH).alias("match_kind"),
        pl.col("source.ip").alias("source_ip"),
        pl.col("source.asn").alias("source_asn"),
        pl.col("source.fqdn").alias("source_fqdn"),
        pl.col("classification.taxonomy").alias("taxonomy"),
        pl.col("classification.type").alias("type"),
        pl.col("classification.identifier").alias("identifier"),
        pl.col("time.source").alias("time_source"),
        pl.lit(source.tlp).alias("tlp"),
        pl.col(ev.WARNINGLIST).alias("warninglist"),
        pl.col(DATA).alias("data"),
    )
    return rows.with_columns(pl.col(name).str.slice(0, limit) for name, limit in _CUT.items())


def partition_name(day: date) -> str:
    return f"{PARTITION_PREFIX}{day:%Y%m%d}"


def ensure_partitions(session: Session, days: Sequence[date]) -> list[str]:
    """The day partitions of feed_event for `days` (PostgreSQL), created when missing; answers the
    ones this call created. Creating one locks the parent table until the transaction ends, so it
    happens once a day per source of new days, under an advisory lock two workers share."""
    created: list[str] = []
    for day in sorted(set(days)):
        name = partition_name(day)
        if session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
            continue
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PARTITION_LOCK})
        if session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
            continue
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = start + timedelta(days=1)
        session.execute(
            text(
                f"CREATE TABLE {name} PARTITION OF feed_event "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
        )
        created.append(name)
    return created


_TEXT_SPECIALS = r"[\\\t\n\r]"


def _copy_text(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` escaped for COPY's text format: a backslash, tab, newline or carriage return in a text
    column is written as its backslash escape (only columns holding one are rewritten). The text
    format needs no quoting, so the JSON's quotes are not doubled as CSV would (a third fewer bytes)."""
    escapes = []
    for name, dtype in rows.schema.items():
        if dtype == pl.String and rows[name].str.contains(_TEXT_SPECIALS).any():
            column = pl.col(name).str.replace_all("\\", "\\\\", literal=True)
            for char, escaped in (("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
                column = column.str.replace_all(char, escaped, literal=True)
            escapes.append(column)
    return rows.with_columns(escapes) if escapes else rows


def _copy_events(session: Session, rows: pl.DataFrame) -> None:
    days = rows.select(pl.col("observed_at").dt.convert_time_zone("UTC").dt.date().unique()).to_series().to_list()
    ensure_partitions(session, days)
    # A batch of one day (the usual case: `time.observation` is the run's time) goes straight into
    # its partition, sparing PostgreSQL the routing of each row.
    table = partition_name(days[0]) if len(days) == 1 else "feed_event"
    rows = rows.sort("source_ip", nulls_last=True)
    buffer = io.BytesIO()
    _copy_text(rows).write_csv(
        buffer,
        include_header=False,
        separator="\t",
        quote_style="never",
        null_value="\\N",
        datetime_format="%Y-%m-%dT%H:%M:%S%.6f%z",
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    statement = f"COPY {table} ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        view = buffer.getbuffer()
        step = 1 << 20
        for start in range(0, len(view), step):
            copy.write(view[start : start + step])
        del view


def _insert_events(session: Session, rows: pl.DataFrame) -> None:
    sqlite_rows = rows.with_columns(
        pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
        for name in ("observed_at", "time_source")
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    marks = ", ".join("?" for _ in EVENT_COLUMNS)
    raw.executemany(
        f"INSERT INTO feed_event ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})",  # noqa: S608 - fixed column names
        sqlite_rows.iter_rows(),
    )


def _write_quarantine(
    session: Session, source: SourceConfig, run_id: int, quarantined: Sequence[Quarantined], now: datetime
) -> None:
    if not quarantined:
        return
    session.execute(
        insert(FeedQuarantine),
        [
            {
                "run_id": run_id,
                "source_id": source.id,
                "file": q.file[:300],
                "line": q.line,
                "reason": q.reason[:500],
                "text": q.text[:QUARANTINE_TEXT_LIMIT],
                "created_at": now,
            }
            for q in quarantined
        ],
    )


__all__ = [
    "COLUMN_OF_FIELD",
    "BatchResult",
    "Quarantined",
    "ensure_partitions",
    "event_rows",
    "partition_name",
    "store_batch",
    "stored_event",
]
