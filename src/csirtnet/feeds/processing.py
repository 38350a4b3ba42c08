"""Processing a report or a sensor's post while a request waits: the one path of the API's upload
(`POST /api/v1/feeds/{source_id}/runs`), the sensors' ingest (`POST …/events`) and the source page's
upload form.

The embedded engine (feeds.pipeline.runner) writes the run and each batch in transactions of its
own. This is an edge's helper, not a service: it COMMITS the caller's transaction first (what the
request did before, e.g. reading the token), so the runner never waits for a lock the request holds
(SQLite has one writer), then answers the run as committed."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.db import get_database
from csirtnet.errors import NotFound
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.schemas import FeedRunRead
from csirtnet.models import FeedRun, FeedSource


def run_read(session: Session, run_id: int) -> FeedRunRead:
    """The run as committed, with its source's name (no access check: the caller just made it)."""
    run = session.get(FeedRun, run_id)
    if run is None:  # only a concurrent removal of the source takes it away
        raise NotFound("feed run")
    session.refresh(run)
    source = session.get(FeedSource, run.source_id)
    return FeedRunRead.model_validate(run).model_copy(update={"source_name": source.name if source else None})


def process_stream(
    session: Session, who: Subject, source: FeedSource, name: str, stream: BinaryIO, *, origin: str
) -> FeedRunRead:
    """Run `stream` (named `name`) through the pipeline as one run of `source` and answer the run.
    `origin` "api" is a sensor's post (`feeds:submit`, the poster's organisation recorded); any
    other origin is a manager's act. The runner checks who may, again, before it starts."""
    from csirtnet.feeds.pipeline.runner import run_streams

    config = SourceConfig.from_row(source)
    session.commit()  # end the caller's transaction: the runner writes in its own (module page)
    summary = run_streams(
        get_database(),
        config,
        [(name, stream)],
        who=who,
        origin=origin,
        submitter_org_id=who.organisation_id if origin == "api" else None,
    )
    return run_read(session, summary.run_id)
