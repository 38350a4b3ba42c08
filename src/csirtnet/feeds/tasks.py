"""Feed jobs. `feed.schedule` runs every CHECK_EVERY while an enabled source exists (queued by the
first one configured, then by each run, as intel.federation.tasks does for subscriptions): it
queues, each only when none is already waiting,

- `feed.poll_url` for each enabled `url` source whose `schedule_minutes` have passed since its
  last run: the address is fetched (httpx, streamed to a temporary file named as the URL's last
  path segment, so a Shadowserver report's type is read from its name) and processed as one run
  (origin "url"); a failed download is recorded as a failed run with the error, never lost;
- `feed.scan_folder` for each enabled `folder` source: each new file in the folder (hidden files
  and names ending .part, .tmp or .partial are being written: skipped) is processed as a run of
  its own (origin "folder") and then moved to `<folder>/processed/`, or to `<folder>/failed/`
  when its run failed;
- `feed.send_digests` when an open digest's period has ended (feeds.digests.send_due, which claims
  each digest with a conditional UPDATE: two workers never both send one);
- `feed.retention` once a day (feeds.pipeline.retention.purge with `feeds_retention_days`).

The payloads are source ids only. Polling and scanning process through the embedded engine
(feeds.pipeline.runner), which commits the run and each batch in transactions of its own: those
handlers leave the job's own session untouched until the end, so on SQLite (one writer) the job's
transaction never holds the write lock the runner needs.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.db import get_database
from csirtnet.feeds.config import SourceConfig
from csirtnet.kit.files import clean_filename
from csirtnet.kit.sealing import SealError
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import FeedDigest, FeedRun, FeedSource, Job, JobStatus
from csirtnet.models.feed import DigestStatus, RunStatus, SourceKind
from csirtnet.worker import enqueue, job

log = logging.getLogger("csirtnet.feeds")

SCHEDULE_JOB = "feed.schedule"
POLL_JOB = "feed.poll_url"
SCAN_JOB = "feed.scan_folder"
SEND_JOB = "feed.send_digests"
RETENTION_JOB = "feed.retention"
CHECK_EVERY = timedelta(minutes=1)
RETENTION_EVERY = timedelta(days=1)
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=15.0)
MAX_REDIRECTS = 5
WRITING = (".part", ".tmp", ".partial", ".crdownload")
PROCESSED, FAILED = "processed", "failed"
_WAITING = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


def _system(job_name: str) -> Subject:
    return Subject.system(job_name)


def ensure_scheduled(session: Session, *, now: datetime | None = None) -> bool:
    """Keep one run of the scheduler queued while an enabled source exists; True when queued."""
    enabled = session.scalar(select(FeedSource.id).where(FeedSource.enabled.is_(True)).limit(1))
    if enabled is None:
        return False
    pending = session.scalar(select(Job.id).where(Job.name == SCHEDULE_JOB, Job.status == JobStatus.QUEUED.value))
    if pending is not None:
        return False
    enqueue(session, SCHEDULE_JOB, guard=None, run_after=(now or utcnow()) + CHECK_EVERY)
    return True


def _waiting_sources(session: Session, name: str) -> set[int]:
    payloads = session.scalars(select(Job.payload).where(Job.name == name, Job.status.in_(_WAITING)))
    return {int(p["source_id"]) for p in payloads if isinstance(p, dict) and "source_id" in p}


def _waiting(session: Session, name: str) -> bool:
    return session.scalar(select(Job.id).where(Job.name == name, Job.status.in_(_WAITING)).limit(1)) is not None


def _url_due(source: FeedSource, now: datetime) -> bool:
    every = timedelta(minutes=source.schedule_minutes or 60)
    return source.last_run_at is None or as_utc(source.last_run_at) + every <= now


def queue_due(session: Session, *, now: datetime | None = None) -> list[tuple[str, int | None]]:
    """Queue what is due (see the module page): the (job, source id) pairs queued."""
    now = now or utcnow()
    queued: list[tuple[str, int | None]] = []
    sources = session.scalars(
        select(FeedSource)
        .where(FeedSource.enabled.is_(True), FeedSource.kind.in_((SourceKind.URL.value, SourceKind.FOLDER.value)))
        .order_by(FeedSource.id)
    ).all()
    polling, scanning = _waiting_sources(session, POLL_JOB), _waiting_sources(session, SCAN_JOB)
    for source in sources:
        if source.kind == SourceKind.URL.value and source.id not in polling and _url_due(source, now):
            enqueue(session, POLL_JOB, guard=None, source_id=source.id, max_attempts=1)
            queued.append((POLL_JOB, source.id))
        elif source.kind == SourceKind.FOLDER.value and source.id not in scanning:
            enqueue(session, SCAN_JOB, guard=None, source_id=source.id, max_attempts=1)
            queued.append((SCAN_JOB, source.id))
    ended = session.scalar(
        select(FeedDigest.id).where(FeedDigest.status == DigestStatus.OPEN.value, FeedDigest.period_end <= now).limit(1)
    )
    if ended is not None and not _waiting(session, SEND_JOB):
        enqueue(session, SEND_JOB, guard=None, max_attempts=3)
        queued.append((SEND_JOB, None))
    recent = session.scalar(
        select(Job.id)
        .where(
            Job.name == RETENTION_JOB,
            (Job.status.in_(_WAITING))
            | ((Job.status == JobStatus.DONE.value) & (Job.finished_at > now - RETENTION_EVERY)),
        )
        .limit(1)
    )
    if recent is None:
        enqueue(session, RETENTION_JOB, guard=None, max_attempts=3)
        queued.append((RETENTION_JOB, None))
    return queued


@job(SCHEDULE_JOB)
def schedule(session: Session, **_: Any) -> None:
    """Queue the polls, folder scans, digest sending and retention that are due; queue the next check."""
    queue_due(session)
    ensure_scheduled(session)


# -- URL polling -----------------------------------------------------------------------------------


def _source(source_id: int, kind: SourceKind) -> tuple[SourceConfig, FeedSource] | None:
    """The enabled source of that kind (read in a unit of work of its own), or None."""
    with get_database().unit_of_work(write=False) as s:
        row = s.get(FeedSource, source_id)
        if row is None or not row.enabled or row.kind != kind.value:
            return None
        s.expunge(row)
        return SourceConfig.from_row(row), row


def _file_name(url: str, response: httpx.Response) -> str:
    disposition = response.headers.get("content-disposition", "")
    if "filename=" in disposition:
        name = disposition.split("filename=", 1)[1].split(";", 1)[0].strip().strip('"')
    else:
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return clean_filename(name) or "download"


def record_failed_run(source_id: int, *, origin: str, files: list[str], error: str, who: Subject) -> int:
    """A run that could not start (the download failed), recorded failed with its error; its id."""
    with get_database().unit_of_work() as s:
        now = utcnow()
        run = FeedRun(
            source_id=source_id,
            origin=origin,
            files=files,
            status=RunStatus.FAILED.value,
            started_at=now,
            finished_at=now,
            error=error[:4000],
        )
        s.add(run)
        source = s.get(FeedSource, source_id)
        if source is not None:
            source.last_run_at = now  # the next attempt waits for the schedule, not the next minute
        s.flush()
        audit.record(s, who, "feed.run_finished", run, status=run.status, origin=origin, error=run.error)
        return run.id


def poll(source_id: int, *, client: httpx.Client | None = None) -> int | None:
    """Fetch a url source's address and process it as one run; the run's id (None: no such source)."""
    from csirtnet.feeds.pipeline.runner import run_paths

    found = _source(source_id, SourceKind.URL)
    if found is None:
        return None
    config, row = found
    url = row.url or ""
    who = _system(POLL_JOB)
    http = client or httpx.Client(
        timeout=HTTP_TIMEOUT, follow_redirects=True, headers={"User-Agent": "csirtnet feed poller"}
    )
    name = clean_filename(unquote(urlsplit(url).path.rsplit("/", 1)[-1])) or "download"
    try:
        with tempfile.TemporaryDirectory(prefix="csirtnet-feed-") as folder:
            try:
                key = _key(row)
                with _fetch(http, url, key) as response:
                    if response.status_code >= 400:
                        raise httpx.HTTPStatusError(
                            f"HTTP {response.status_code} from {url}", request=response.request, response=response
                        )
                    name = _file_name(url, response)
                    path = Path(folder) / name
                    with path.open("wb") as out:
                        for chunk in response.iter_bytes(1 << 20):
                            out.write(chunk)
            except (httpx.HTTPError, OSError, SealError) as exc:
                log.warning("feed download failed", extra={"source_id": source_id, "error": str(exc)})
                return record_failed_run(
                    source_id, origin="url", files=[name], error=f"download failed: {exc}", who=who
                )
            return run_paths(get_database(), config, [path], who=who, origin="url").run_id
    finally:
        if client is None:
            http.close()


def _key(row: FeedSource) -> dict[str, str]:
    """The header carrying the source's key, opened (SealError when the platform key changed)."""
    if not row.url_header or row.url_secret_sealed is None:
        return {}
    from csirtnet.feeds.service import URL_SECRETS

    return {row.url_header: URL_SECRETS.unseal(row.url_secret_sealed)}


def _origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parts = urlsplit(str(url))
    return parts.scheme, (parts.hostname or "").lower(), parts.port


@contextmanager
def _fetch(http: httpx.Client, url: str, key: dict[str, str]) -> Iterator[httpx.Response]:
    """GET `url`, following up to MAX_REDIRECTS redirects; the key goes only to the configured
    address's origin (scheme, host, port), never to another host a redirect names."""
    target: httpx.URL = httpx.URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        headers = key if _origin(target) == _origin(url) else {}
        request = http.build_request("GET", target, headers=headers)
        response = http.send(request, stream=True, follow_redirects=False)
        if not response.is_redirect or response.next_request is None:
            try:
                yield response
            finally:
                response.close()
            return
        target = response.next_request.url
        response.close()
    raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects from {url}", request=request)


@job(POLL_JOB)
def poll_url(session: Session, *, source_id: int, **_: Any) -> None:
    """Fetch and process one url source (the job's own session is not used: see the module page)."""
    poll(source_id)


# -- watched folders -------------------------------------------------------------------------------


def _new_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().endswith(WRITING)
    )


def _move(path: Path, into: Path) -> Path:
    into.mkdir(exist_ok=True)
    target = into / path.name
    if target.exists():  # the same name processed before: keep both
        target = into / f"{path.stem}.{utcnow().strftime('%Y%m%dT%H%M%S%f')}{path.suffix}"
    shutil.move(str(path), target)
    return target


def scan(source_id: int) -> list[tuple[str, str]]:
    """Process each new file of a folder source as a run of its own and move it aside: the (file
    name, run status) pairs."""
    from csirtnet.feeds.pipeline.runner import run_paths

    found = _source(source_id, SourceKind.FOLDER)
    if found is None:
        return []
    config, row = found
    folder = Path(row.folder or "")
    if not folder.is_dir():
        log.warning("feed folder missing", extra={"source_id": source_id, "folder": str(folder)})
        return []
    who = _system(SCAN_JOB)
    done: list[tuple[str, str]] = []
    for path in _new_files(folder):
        try:
            status = run_paths(get_database(), config, [path], who=who, origin="folder").status
        except Exception as exc:  # noqa: BLE001 - the runner recorded the run failed; the next file still runs
            log.warning("feed file failed", extra={"source_id": source_id, "file": path.name, "error": str(exc)})
            status = RunStatus.FAILED.value
        _move(path, folder / (PROCESSED if status == RunStatus.DONE.value else FAILED))
        done.append((path.name, status))
    return done


@job(SCAN_JOB)
def scan_folder(session: Session, *, source_id: int, **_: Any) -> None:
    """Process the new files of one folder source (the job's own session is not used)."""
    scan(source_id)


# -- digests and retention -------------------------------------------------------------------------


@job(SEND_JOB)
def send_digests(session: Session, **_: Any) -> None:
    """Close and send the digests whose period has ended."""
    from csirtnet.feeds import digests

    sent = digests.send_due(session, utcnow())
    if sent:
        log.info("feed digests sent", extra={"digests": sent})


@job(RETENTION_JOB)
def retention(session: Session, **_: Any) -> None:
    """Purge the events past the retention and the dedupe keys past their window."""
    from csirtnet.feeds.pipeline import retention as purging

    purged = purging.purge(session, utcnow(), get_settings().feeds_retention_days)
    log.info(
        "feed retention",
        extra={"partitions": len(purged.partitions), "events": purged.events, "seen": purged.seen},
    )
