"""The digest inbox and the member flags. A member reads its own digests (one per source and period:
how many events, the TLP, sent or still collecting), opens one to see its events and download them
as CSV; the coordinating body reads every member's. Flags raised by the rules are read by their
organisation and the coordinating body, which clears them.

Reads are `csirtnet.feeds.digest_reads` (and `feeds.reads` for a digest's events), the CSV
`feeds.digests.digest_csv`, the clearing `feeds.flags`; all ask `authz.feeds`."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import feeds as rules
from csirtnet.feeds import digest_reads, digests, flags, reads
from csirtnet.i18n import N_
from csirtnet.web.render import render
from csirtnet.web.views.feeds import common
from csirtnet.web.views.intel.common import simple

router = APIRouter(include_in_schema=False)
DIGEST_EVENTS = 200


@router.get("/feeds/digests")
def inbox(
    request: Request,
    session: Session,
    who: PageUser,
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> Response:
    rules.require_read(who)
    rows = digest_reads.list_digests(session, who, limit=common.PAGE + 1, offset=offset)
    more = len(rows) > common.PAGE
    rows = rows[: common.PAGE]
    return render(
        request,
        "feeds/digests.html",
        {"rows": rows, "next_offset": offset + common.PAGE if more else None, **common.tabs(who)},
    )


@router.get("/feeds/digests/{digest_id:int}")
def digest_page(request: Request, session: Session, who: PageUser, digest_id: int) -> Response:
    digest = digest_reads.get_digest(session, who, digest_id)
    page = reads.search_events(
        session,
        who,
        source_id=digest.source_id,
        organisation_id=digest.organisation_id,
        ip=None,
        type=None,
        taxonomy=None,
        unmatched=False,
        since=digest.period_start,
        until=digest.period_end,
        limit=DIGEST_EVENTS,
        cursor=None,
    )
    return render(
        request,
        "feeds/digest.html",
        {"digest": digest, "items": page.items, "more": page.next_cursor is not None, **common.tabs(who)},
    )


@router.get("/feeds/digests/{digest_id:int}.csv")
def digest_csv(session: Session, who: PageUser, digest_id: int) -> Response:
    filename, body = digests.digest_csv(session, who, digest_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/feeds/flags")
def flag_list(
    request: Request,
    session: Session,
    who: PageUser,
    cleared: bool = Query(default=False),
) -> Response:
    rules.require_read(who)
    rows = digest_reads.list_flags(session, who, open_only=not cleared)
    return render(request, "feeds/flags.html", {"rows": rows, "cleared": cleared, **common.tabs(who)})


@router.post("/feeds/flags/{flag_id:int}/clear")
def clear_flag(request: Request, session: Session, who: PageUser, flag_id: int) -> Response:
    rules.require_manage(who)
    return simple(
        request,
        session,
        "/feeds/flags",
        lambda: flags.clear(session, who, flag_id),
        N_("The flag is cleared."),
    )
