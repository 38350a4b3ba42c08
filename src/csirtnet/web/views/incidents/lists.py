"""The incident list and search (its filters on the one form path), and the province table."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import incident as incident_authz
from csirtnet.i18n import N_
from csirtnet.incident import reads, repository, workspace_reads
from csirtnet.web.render import render
from csirtnet.web.views.incidents import page_forms as pf
from csirtnet.web.views.incidents.common import common

router = APIRouter(include_in_schema=False)


@router.get("/incidents")
def incident_list(
    request: Request,
    session: Session,
    who: PageUser,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    form = pf.INCIDENT_FILTERS.from_data(FormData([(k, v) for k, v in request.query_params.multi_items()]))
    q = form.text("q")
    if len(q) > 200:
        form.fail("q", N_("This is too long."))
    org = form.text("organisation_id")
    if org and not org.isdigit():
        form.fail("organisation_id", N_("Choose one of the offered values."))
    overdue = form.text("overdue")
    filters = repository.IncidentFilters(
        q=q or None,
        phase=form.optional("phase"),
        severity=form.optional("severity"),
        rsit_class=form.optional("rsit_class"),
        province=form.optional("province"),
        organisation_id=int(org) if org.isdigit() else None,
        overdue=None if not overdue else overdue in ("1", "on", "true", "yes"),
        mine=form.checked("mine") or form.text("mine") in ("1", "true"),
    )
    listing = form.attempt(session, lambda: reads.incident_list(session, who, filters, cursor=cursor))
    if listing is None:
        listing = reads.incident_list(session, who, repository.IncidentFilters(), cursor=None)
        listing = reads.ListPage([], None, {}, {}, listing.phase_counts, listing.queue_size)
    sees_all = incident_authz.sees_every_organisations_incidents(who)
    return render(
        request,
        "incidents/list.html",
        {
            **common(request),
            "listing": listing,
            "rows": listing.rows,
            "filters": filters,
            "form": form,
            "province_choices": [(p, p) for p in workspace_reads.province_choices(session)],
            "organisation_choices": workspace_reads.organisation_choices(session) if sees_all else [],
            "queue_size": listing.queue_size,
        },
        status_code=200 if form.ok else 422,
    )


@router.get("/incidents/provinces")
def by_province(request: Request, session: Session, who: PageUser) -> Response:
    rows = repository.by_province(session, who)
    top = max((r.total for r in rows), default=0)
    return render(request, "incidents/provinces.html", {**common(request), "rows": rows, "top": top})
