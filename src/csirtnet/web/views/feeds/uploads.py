"""A report uploaded on a source's page, processed before the page answers: the same path as the
API's upload (`POST /api/v1/feeds/{source_id}/runs`, feeds.endpoints), which ends the request's
transaction and runs the file through the embedded pipeline in the runner's own transactions (a
bad line is quarantined in the run, never a refusal of the upload). What is refused (no file, a
source that may not run) lands on the form's file field."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session as DbSession
from starlette.concurrency import run_in_threadpool

from csirtnet.authz import Subject
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.feeds import processing, service
from csirtnet.kit.files import clean_filename
from csirtnet.web.forms import BoundForm


async def process(request: Request, session: DbSession, who: Subject, source_id: int, form: BoundForm) -> int | None:
    """The run's id, or None with the refusal on the form."""
    form.missing_required()
    chosen = form.uploads.get("file") or []
    if not form.ok or not chosen:
        return None
    upload = chosen[0]
    try:
        source = service.get_source_row(session, who, source_id)
        name = clean_filename(upload.filename or "") or "upload"
        run = await run_in_threadpool(
            processing.process_stream,  # the API's upload path, shared (see the module's note)
            session,
            who,
            source,
            name,
            upload.file,
            origin="upload",
        )
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        form.fail("file", exc.errors[0].message if exc.errors else exc.message)
        return None
    finally:
        await upload.close()
    return run.id
