"""What travels between the stages, and its bytes.

Three kinds of message:
- `FileJob` (submit -> parse): a file of a run to read, by path (readable by the parse workers) or by
  the SHA-256 of a file in the platform's content store (`csirtnet.kit.files.blob_store`).
- `Batch` (parse -> enrich -> store): up to a message's worth of events of one file, with the lines
  of that stretch of the file that went to the quarantine. Its id `<run>:<file#>:<batch#>` and
  `seq_start` (the run-wide number of its first event) follow from the file alone, so a file read
  twice gives the same batches with the same ids and numbers.
- `FileEnd` (parse -> store): a file is read; it gave `batches` batches (or failed, with `error`).

The bytes: `CSF1`, a 4-byte big-endian length, a small JSON header (the run, ids, the source's
configuration, the quarantined lines), then the events as Arrow IPC (column-wise, zstd-compressed):
no per-event JSON anywhere. A batch must fit in the server's `max_payload` (1 MiB by default): the
parse stage cuts its batches to fit (stages.FileReader).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import polars as pl

from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.parsers import Quarantined

MAGIC = b"CSF1"
_LENGTH = struct.Struct(">I")
COMPRESSION: Literal["zstd"] = "zstd"  # a scan_smb batch: ~37 bytes an event (LZ4: 64, none: 720), ~10 ms per 5,000


@dataclass(frozen=True)
class FileJob:
    run_id: int
    file_no: int  # 0-based position of the file in the run
    name: str  # the file's name as the run lists it (no directory)
    source: SourceConfig
    seq_base: int  # the run-wide number of the file's first event
    seq_room: int  # how many numbers the file may use (`submit` shares them among the run's files)
    path: str | None = None
    sha256: str | None = None

    @property
    def msg_id(self) -> str:
        return f"file:{self.run_id}:{self.file_no}"


@dataclass(frozen=True)
class Batch:
    run_id: int
    batch_id: str  # <run>:<file#>:<batch#>
    seq_start: int
    source: SourceConfig
    frame: pl.DataFrame
    quarantined: tuple[Quarantined, ...] = ()
    report_type: str | None = None
    enriched: bool = False

    @property
    def msg_id(self) -> str:
        return f"{'enriched' if self.enriched else 'parsed'}:{self.batch_id}"


@dataclass(frozen=True)
class FileEnd:
    run_id: int
    file_no: int
    batches: int
    error: str | None = None

    @property
    def msg_id(self) -> str:
        return f"end:{self.run_id}:{self.file_no}"


Message = FileJob | Batch | FileEnd


def batch_id(run_id: int, file_no: int, batch_no: int) -> str:
    return f"{run_id}:{file_no}:{batch_no}"


def encode(message: Message) -> bytes:
    body = b""
    header: dict[str, Any]
    if isinstance(message, FileJob):
        header = {
            "kind": "file",
            "run_id": message.run_id,
            "file_no": message.file_no,
            "name": message.name,
            "source": message.source.to_dict(),
            "seq_base": message.seq_base,
            "seq_room": message.seq_room,
            "path": message.path,
            "sha256": message.sha256,
        }
    elif isinstance(message, Batch):
        header = {
            "kind": "batch",
            "run_id": message.run_id,
            "batch_id": message.batch_id,
            "seq_start": message.seq_start,
            "source": message.source.to_dict(),
            "quarantined": [[q.file, q.line, q.reason, q.text] for q in message.quarantined],
            "report_type": message.report_type,
            "enriched": message.enriched,
        }
        buffer = io.BytesIO()
        message.frame.write_ipc(buffer, compression=COMPRESSION)
        body = buffer.getvalue()
    else:
        header = {
            "kind": "end",
            "run_id": message.run_id,
            "file_no": message.file_no,
            "batches": message.batches,
            "error": message.error,
        }
    head = orjson.dumps(header)
    return MAGIC + _LENGTH.pack(len(head)) + head + body


def decode(data: bytes) -> Message:
    """The message in `data`; ValueError when it is not one of ours."""
    if data[:4] != MAGIC or len(data) < 8:
        raise ValueError("not a csirtnet feed message")
    (length,) = _LENGTH.unpack_from(data, 4)
    header = orjson.loads(data[8 : 8 + length])
    kind = header.get("kind")
    if kind == "file":
        return FileJob(
            run_id=int(header["run_id"]),
            file_no=int(header["file_no"]),
            name=str(header["name"]),
            source=SourceConfig.from_dict(header["source"]),
            seq_base=int(header["seq_base"]),
            seq_room=int(header["seq_room"]),
            path=header.get("path"),
            sha256=header.get("sha256"),
        )
    if kind == "batch":
        frame = pl.read_ipc(io.BytesIO(data[8 + length :]))
        return Batch(
            run_id=int(header["run_id"]),
            batch_id=str(header["batch_id"]),
            seq_start=int(header["seq_start"]),
            source=SourceConfig.from_dict(header["source"]),
            frame=frame,
            quarantined=tuple(Quarantined(str(f), int(n), str(r), str(t)) for f, n, r, t in header["quarantined"]),
            report_type=header.get("report_type"),
            enriched=bool(header.get("enriched")),
        )
    if kind == "end":
        return FileEnd(
            run_id=int(header["run_id"]),
            file_no=int(header["file_no"]),
            batches=int(header["batches"]),
            error=header.get("error"),
        )
    raise ValueError(f"unknown message kind {kind!r}")
