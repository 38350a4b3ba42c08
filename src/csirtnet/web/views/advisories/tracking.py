"""The publisher's live tracking view of an advisory: totals, the groups by cluster and by province
(most still to answer first), and the recipients (overdue first), filtered and paged. The page's
script (static/live-fragment.js) fetches the fragment route every ten seconds and swaps it in, so
the view follows the answers without a reload; without a script it is an ordinary page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.advisory import reads
from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import advisory as advisory_authz
from csirtnet.i18n import N_
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import labels
from csirtnet.web.render import render
from csirtnet.web.views.advisories import page_forms as pf

router = APIRouter(include_in_schema=False)
PAGE = 100
REFRESH_SECONDS = 10


def _tracking(
    request: Request, session: DbSession, who: Subject, advisory_id: int, cursor: str | None, template: str
) -> Response:
    advisory = advisory_authz.get_visible(session, who, advisory_id)
    form = pf.TRACKING_FILTERS.from_data(FormData([(k, v) for k, v in request.query_params.multi_items()]))
    status = form.optional("status")
    if status is not None and status not in labels.ACK_STATUSES:
        form.fail("status", N_("Choose one of the offered values."))
        status = None
    cluster = form.text("cluster_id")
    if cluster and not cluster.isdigit():
        form.fail("cluster_id", N_("Choose one of the offered values."))
    province = form.optional("province")
    if province is not None and len(province) > 80:
        form.fail("province", N_("This is too long."))
        province = None
    view = reads.tracking(
        session,
        who,
        advisory_id,
        status=status,
        cluster_id=int(cluster) if cluster.isdigit() else None,
        province=province,
        cursor=cursor,
        limit=PAGE,
    )
    # The filters offer what the advisory's recipients have (the groups are never filtered).
    cluster_choices = [(g.key, g.name) for g in view.by_cluster if g.key is not None]
    province_choices = [(g.key, g.name) for g in view.by_province if g.key is not None]
    query = request.url.query
    page_path = f"/advisories/{advisory_id}/tracking"

    def page_link(cursor: str | None) -> str:
        """A link to the tracking page (never the fragment) with its filters and this cursor."""
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        params += [("cursor", cursor)] if cursor else []
        return page_path + (f"?{urlencode(params)}" if params else "")

    return render(
        request,
        template,
        {
            "advisory": advisory,
            "view": view,
            "totals": view.totals,
            "form": form,
            "cluster_names": dict(cluster_choices),
            "cluster_choices": cluster_choices,
            "province_choices": province_choices,
            "fragment_url": f"{page_path}/fragment" + (f"?{query}" if query else ""),
            "page_link": page_link,
            "refresh_seconds": REFRESH_SECONDS,
            "updated_at": utcnow(),
        },
        status_code=200 if form.ok else 422,
    )


@router.get("/advisories/{advisory_id}/tracking")
def tracking_page(
    request: Request,
    session: Session,
    who: PageUser,
    advisory_id: int,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    return _tracking(request, session, who, advisory_id, cursor, "advisories/tracking.html")


@router.get("/advisories/{advisory_id}/tracking/fragment")
def tracking_fragment(
    request: Request,
    session: Session,
    who: PageUser,
    advisory_id: int,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    """The live part of the tracking view alone (what the page's script swaps in)."""
    return _tracking(request, session, who, advisory_id, cursor, "advisories/tracking_fragment.html")
