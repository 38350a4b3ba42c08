"""The content-addressed file store: written once, addressed by SHA-256, never modified; and
sending a stored file back as a download."""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote

from starlette.responses import StreamingResponse

from csirtnet.errors import NotFound

CHUNK = 1024 * 1024
# Format characters (right-to-left overrides and isolates, zero-width joiners, marks), surrogates,
# private-use and unassigned code points, line and paragraph separators: nothing a file name
# needs, and the bidi ones make "invoice\u202efdp.exe" read as "invoiceexe.pdf".
_DROPPED = frozenset({"Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_NAME = 255


def clean_filename(name: str | None) -> str:
    """An uploaded file's name as stored and shown: its last path component only (whether the
    sender wrote / or \\, so "../../etc/passwd" is "passwd"), in Unicode NFC (a Vietnamese name
    typed on macOS arrives decomposed), without bidi or other format characters, control
    characters as "_", no leading or trailing dots and spaces, at most 255 characters (the
    extension kept). Every upload path calls it in its service, whatever the page or API did."""
    text = unicodedata.normalize("NFC", name or "")
    base = text.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        "_" if unicodedata.category(ch) == "Cc" else ch for ch in base if unicodedata.category(ch) not in _DROPPED
    )
    base = base.strip(" .")
    if not base:
        return "file"
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        keep = f"{dot}{ext}" if stem and len(ext) <= 16 else ""
        base = base[: MAX_NAME - len(keep)].rstrip(" .") + keep
    return base


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Store a stream; return its digest and size. Storing the same content twice is a no-op."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            if final.exists():
                os.unlink(tmp_name)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp_name, 0o444)
                os.replace(tmp_name, final)
            return sha, size
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        import io

        return self.put_stream(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def verify(self, sha256: str) -> bool:
        """True when the stored bytes still hash to their address."""
        digest = hashlib.sha256()
        try:
            with self.open(sha256) as fh:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == sha256

    def __iter__(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and len(path.name) == 64:
                yield path.name


def blob_store(data_dir: Path | None = None) -> ContentStore:
    """The platform's store: `<data directory>/blobs` (the configured data directory by default)."""
    if data_dir is None:
        from csirtnet.config import get_settings

        data_dir = get_settings().data_dir
    return ContentStore(data_dir / "blobs")


class StoredBlob(Protocol):
    """What a download needs to know of a stored file (models.StoredFile has it)."""

    @property
    def sha256(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def size(self) -> int: ...


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(64 * 1024):
            yield chunk


def download(row: StoredBlob | None, store: ContentStore | None = None) -> StreamingResponse:
    """Send a stored file as an attachment, never rendered inline (uploads are untrusted), under
    its own name (UTF-8); 404 when there is no such file or its bytes are gone."""
    if row is None:
        raise NotFound("file")
    store = store or blob_store()
    if not store.exists(row.sha256):
        raise NotFound("file")
    return StreamingResponse(
        _chunks(store.open(row.sha256)),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "Content-Length": str(row.size),
            "X-Content-Type-Options": "nosniff",
        },
    )
