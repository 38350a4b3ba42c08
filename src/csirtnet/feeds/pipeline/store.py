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
3. The new events into `feed_block` (ADR 0028): grouped by day of `time.observation`, owner,
   taxonomy and type, each group one row whose payload is its events' JSON lines (in `seq` order)
   compressed with Zstandard; on PostgreSQL by binary COPY into the day partition, created first
   when missing (under an advisory lock, so two workers do not race to create it); on SQLite by one
   executemany. A batch of 50,000 events is about a thousand rows instead of 50,000: the rows,
   their index entries and their write-ahead log were most of what storing an event cost.
   The events' JSON is made in a thread of its own while the database answers step 2, and the
   lines are made, joined and compressed a slice of rows at a time (event_blocks), so a batch
   never holds its whole text more than once (ADR 0028, "Memory").
4. The run's counts incremented (`UPDATE … SET events = events + n`), the quarantined lines written.
5. The source's actions on the new events: "digest" counts them into the members' digests
   (feeds.digests.count_batch), "rules" applies the rules (feeds.rules.apply).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import orjson
import polars as pl
import zstandard
from sqlalchemy import insert, text, update
from sqlalchemy.orm import Session

from csirtnet.feeds import event as ev
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.pipeline.dedupe import dedupe_key
from csirtnet.models import FeedQuarantine, FeedRun

PARTITION_PREFIX = "feed_block_p"
_PARTITION_LOCK = 0x46454544  # "FEED": pg_advisory_xact_lock key while a day partition is created
QUARANTINE_TEXT_LIMIT = 4000

# feed_block's columns, in COPY order (the payload last), and their PostgreSQL types.
BLOCK_COLUMNS = (
    ("observed_at", "timestamptz"),
    ("run_id", "int8"),
    ("first_seq", "int4"),
    ("source_id", "int4"),
    ("organisation_id", "int4"),
    ("taxonomy", "text"),
    ("type", "text"),
    ("tlp", "text"),
    ("events", "int4"),
    ("ip_min", "text"),
    ("ip_max", "text"),
    ("payload", "bytea"),
)
_CUT = {"taxonomy": 40, "type": 60, "ip_min": 45, "ip_max": 45}
_SEQ = "_seq"
_LINES = "_lines"
_ROW = "_row"
_GROUP = "_group"
SLICE_ROWS = 4_096  # rows event_blocks makes into lines at once (see there)
SLICES_AT_ONCE = 2  # … side by side, one per core of the machine the figures were measured on
JSON_ROWS = 16_384  # rows event_json encodes at once
DATA = "_data"
_JSON_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feeds-json")
_LEVEL = 1  # Zstandard's level: its fastest; a block of one report's rows compresses well already


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
    turn: AbstractContextManager[Any] | None = None,
    json: Future[pl.Series] | None = None,
) -> BatchResult | None:
    """Store one enriched batch (see the module's note); None when `batch_id` was already stored.
    `seq_start` is the run's sequence number of the batch's first event (the same on a redelivery,
    so an event keeps its key (observed_at, run_id, seq)). `turn`, when given, is held while the
    new events are taken and made into blocks, the step that allocates: the embedded engine's
    parsing thread holds the same lock while it makes a batch (runner._prepared). `json`, when
    given, is the batch's event_json being made by the caller (else a thread of this module makes it)."""
    if not _claim_batch(session, batch_id, run_id, now):
        return None
    parsed = frame.height
    if ev.KEY not in frame.columns:
        frame = prepare(frame, source, now)
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).add(seq_start).alias(_SEQ))
    if frame.height:
        # The new events: the first of each key in the batch, if the window says it is new. The
        # blocks are made from the batch and this mask (no copy of the batch while they are made);
        # the new events are copied out once, after, for the counts and the actions.
        first = frame[ev.KEY].is_first_distinct()
        # The events' JSON is made in another thread while the database answers the dedupe (about
        # half of a batch's time, in which this thread waits): it is most of the CPU a batch costs
        # here, and made any earlier it would be held by the batches waiting their turn.
        made = json or _JSON_THREAD.submit(_taking_turns, turn, event_json, frame)
        new_keys = _claim_keys(session, source, frame[ev.KEY].filter(first), now)
        keep = first & frame[ev.KEY].is_in(new_keys.implode())  # the keys as one list: polars 2 asks it
        data = made.result()
        with turn or nullcontext():
            blocks = event_blocks(frame, source, run_id, keep=keep, data=data) if keep.any() else []
            del data
            frame = frame.filter(keep)
        if blocks:
            _write_blocks(session, blocks)
    matched = frame.height - frame[ev.ORG].null_count() if frame.height else 0
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
        stored = frame.drop(_SEQ)
        if "digest" in source.actions:
            from csirtnet.feeds import digests

            digests.count_batch(session, source, stored, now)
        if "rules" in source.actions:
            from csirtnet.feeds import rules

            rules.apply(session, source, run_id=run_id, frame=stored, now=now)
    return result


def prepare(frame: pl.DataFrame, source: SourceConfig, now: datetime) -> pl.DataFrame:
    """An enriched batch made ready to store: `time.observation` set where the parser left it null
    (to `now`) and the dedupe KEY added. Everything here is CPU work that needs no database: the
    engine does it in its parsing thread, `store_batch` when it was not done. The stored JSON is made
    later, by event_blocks, for the new events only and a slice at a time: a batch waiting to be
    stored holds its columns, not their JSON too (which was twice their size)."""
    missing = [c for c in ev.ENRICHED if c not in frame.columns]
    if missing and frame.height:
        raise ValueError(f"store_batch: the batch is not enriched ({', '.join(missing)} missing)")
    if missing:  # an empty batch (its lines all quarantined) needs no lookup
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int32).alias(c) for c in ev.ENRICHED)
    frame = frame.with_columns(pl.col("time.observation").fill_null(pl.lit(now).dt.convert_time_zone("UTC")))
    if ev.KEY not in frame.columns:
        frame = frame.with_columns(dedupe_key(frame, source.dedupe_fields))
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
    null in every event of it is left out), `extra` as an object."""
    present = [name for name in ev.COLUMNS if frame[name].null_count() < frame.height]
    body = pl.struct(present).struct.json_encode() if present else pl.lit("{}")
    with_extra = pl.concat_str(
        [body.str.head(-1), pl.lit(',"extra":' if present else '"extra":'), pl.col(ev.EXTRA), pl.lit("}")],
        separator="",
    )
    return pl.when(pl.col(ev.EXTRA).is_null()).then(body).otherwise(with_extra)


def _taking_turns(turn: AbstractContextManager[Any] | None, function: Callable[..., Any], *args: Any) -> Any:
    with turn or nullcontext():
        return function(*args)


def event_json(frame: pl.DataFrame) -> pl.Series:
    """The stored JSON of each event of `frame` (event_data), made JSON_ROWS rows at a time: the
    whole batch at once held three or four copies of it (35 MB each for 50,000 events) for a moment."""
    if not frame.height:
        return pl.Series(DATA, [], dtype=pl.String)
    expression = event_data(frame).alias(DATA)
    pieces = [frame.slice(at, JSON_ROWS).select(expression).to_series() for at in range(0, frame.height, JSON_ROWS)]
    return pl.concat(pieces, rechunk=False) if len(pieces) > 1 else pieces[0]


def event_blocks(
    frame: pl.DataFrame,
    source: SourceConfig,
    run_id: int,
    *,
    keep: pl.Series | None = None,
    data: pl.Series | None = None,
) -> list[tuple[Any, ...]]:
    """`frame` (prepared, with `_seq`; only its rows `keep` marks, when given: the new ones) as rows
    of feed_block, in BLOCK_COLUMNS order: one per day of `time.observation`, owner, taxonomy and
    type, its events' lines in `seq` order. A line is
    `{"seq":…,"claim":…,"match":…,"warninglist":…,"event":{…}}`, the event being `data` (the
    batch's event_json, made here when not given).

    The groups are found on the small columns first; their lines are then made, joined and
    compressed SLICE_ROWS rows at a time (whole groups), so the text a batch expands to (about
    700 bytes an event, 40 MB for 50,000) is never all held at once: that transient was the largest
    allocation of a run and what its peak memory depended on."""
    observed = pl.col("time.observation").dt.convert_time_zone("UTC")
    groups = (
        frame.lazy()
        .select(
            observed.alias("observed_at"),
            observed.dt.date().alias("_day"),
            pl.col(_SEQ),
            pl.col(ev.ORG).alias("organisation_id"),
            pl.col("classification.taxonomy").alias("taxonomy"),
            pl.col("classification.type").alias("type"),
            pl.col("source.ip"),
        )
        .with_row_index(_ROW)
        .filter(True if keep is None else keep)
        .group_by("_day", "organisation_id", "taxonomy", "type", maintain_order=True)
        .agg(
            pl.col("observed_at").min(),
            pl.col(_SEQ).first().alias("first_seq"),
            pl.len().alias("events"),
            pl.col("source.ip").min().alias("ip_min"),
            pl.col("source.ip").max().alias("ip_max"),
            pl.col(_ROW),
        )
        .with_columns(pl.col(name).str.slice(0, limit) for name, limit in _CUT.items())
        .collect()
    )
    meta = pl.struct(
        pl.col(_SEQ).alias("seq"),
        pl.col(ev.CLAIM).alias("claim"),
        pl.col(ev.MATCH).alias("match"),
        pl.col(ev.WARNINGLIST).alias("warninglist"),
    ).struct.json_encode()
    line = pl.concat_str([meta.str.head(-1), pl.lit(',"event":'), pl.col(DATA), pl.lit("}")], separator="")
    parts = frame.select(_SEQ, ev.CLAIM, ev.MATCH, ev.WARNINGLIST).with_columns(
        (event_json(frame) if data is None else data).alias(DATA)
    )
    rows = groups[_ROW].explode().to_numpy()  # the batch's rows, group after group, each in seq order
    sizes = groups["events"].to_numpy()
    ends = np.cumsum(sizes)
    compressor = zstandard.ZstdCompressor(level=_LEVEL)
    fields = ("observed_at", "first_seq", "organisation_id", "taxonomy", "type", "events", "ip_min", "ip_max")
    heads = groups.select(*fields).rows()
    spans: list[tuple[int, int, int, int]] = []  # (first group, after the last, first row, after the last)
    first = 0
    while first < len(heads):
        begin = int(ends[first - 1]) if first else 0
        last = max(first + 1, int(np.searchsorted(ends, begin + SLICE_ROWS, side="right")))
        spans.append((first, last, begin, int(ends[last - 1])))
        first = last
    blocks: list[tuple[Any, ...]] = []
    # Slices are made in waves of SLICES_AT_ONCE, polars running a wave's slices side by side: a
    # line's JSON is made by one thread, so one slice at a time would leave the other core idle.
    for wave in range(0, len(spans), SLICES_AT_ONCE):
        queries = [
            parts[rows[begin:end]]
            .lazy()
            .select(line.alias(_LINES), pl.lit(_group_numbers(first, last, sizes)).alias(_GROUP))
            .group_by(_GROUP, maintain_order=True)  # the lines are made over the slice at once,
            .agg(pl.col(_LINES).str.join("\n"))  # then joined group by group
            for first, last, begin, end in spans[wave : wave + SLICES_AT_ONCE]
        ]
        for (first, last, _, _), made in zip(spans[wave : wave + SLICES_AT_ONCE], pl.collect_all(queries), strict=True):
            # The groups' text as bytes straight from polars: no str to encode, one copy less.
            for head, text_ in zip(heads[first:last], made.get_column(_LINES).cast(pl.Binary), strict=True):
                observed_at, first_seq, org, taxonomy, kind, n, low, high = head
                payload = compressor.compress(text_)
                blocks.append(
                    (observed_at, run_id, first_seq, source.id, org, taxonomy, kind, source.tlp, n, low, high, payload)
                )
    return blocks


def _group_numbers(first: int, last: int, sizes: np.ndarray) -> np.ndarray:
    """Each row's group number, for the rows of groups first…last-1 (in order)."""
    return np.repeat(np.arange(first, last, dtype=np.int32), sizes[first:last])


def block_lines(payload: bytes) -> list[dict[str, Any]]:
    """A block's lines (see event_blocks), in `seq` order."""
    text_ = zstandard.ZstdDecompressor().decompress(payload).decode()
    return [orjson.loads(line) for line in text_.split("\n") if line]


def partition_name(day: date) -> str:
    return f"{PARTITION_PREFIX}{day:%Y%m%d}"


_EXISTS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relname = :n "
    "AND relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema()))"
)


def ensure_partitions(session: Session, days: Sequence[date]) -> list[str]:
    """The day partitions of feed_block for `days` (PostgreSQL), created when missing; answers the
    ones this call created. Creating one locks the parent table until the transaction ends, so it
    happens once a day per source of new days, under an advisory lock two workers share."""
    created: list[str] = []
    for day in sorted(set(days)):
        name = partition_name(day)
        if session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
            continue
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PARTITION_LOCK})
        # Read from pg_class itself, in this statement's snapshot: to_regclass answers from this
        # connection's catalog cache, which may still hold the "no such table" it found above
        # although another worker has created the partition and committed since.
        if session.execute(_EXISTS, {"n": name}).scalar():
            continue
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = start + timedelta(days=1)
        session.execute(
            text(
                f"CREATE TABLE {name} PARTITION OF feed_block "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
        )
        created.append(name)
    return created


def _write_blocks(session: Session, blocks: list[tuple[Any, ...]]) -> None:
    raw = session.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(name for name, _ in BLOCK_COLUMNS)
    if session.get_bind().dialect.name != "postgresql":
        marks = ", ".join("?" for _ in BLOCK_COLUMNS)
        raw.executemany(
            f"INSERT INTO feed_block ({names}) VALUES ({marks})",  # noqa: S608 - fixed column names
            [(_bind_time(session, block[0]), *block[1:]) for block in blocks],
        )
        return
    days = sorted({block[0].astimezone(UTC).date() for block in blocks})
    ensure_partitions(session, days)
    # A batch of one day (the usual case: `time.observation` is the run's time) goes straight into
    # its partition, sparing PostgreSQL the routing of each row.
    table = partition_name(days[0]) if len(days) == 1 else "feed_block"
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)") as copy:
        copy.set_types([kind for _, kind in BLOCK_COLUMNS])
        for block in blocks:
            copy.write_row(block)


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
    "BatchResult",
    "Quarantined",
    "block_lines",
    "ensure_partitions",
    "event_blocks",
    "partition_name",
    "store_batch",
]
