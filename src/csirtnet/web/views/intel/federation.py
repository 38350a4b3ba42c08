"""Collections and federation pages: the collections the reader reads or shares into, with their
TAXII ids and the addresses to give a TAXII 2.1 client (discovery `/taxii2/`, API root
`/taxii2/intel/`); for the coordinating body, the collections added by configuration (create, grant
an organisation read or write, take it away) and the subscriptions to remote TAXII collections
(add, run now, remove; last run, last error, cursor).

Everything goes through `csirtnet.intel.collections` and the federation part's service and reads
(`intel.federation.service`, `intel.federation.reads`); managing is `authz.intel.can_manage`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import intel as rules
from csirtnet.config import get_settings
from csirtnet.errors import Forbidden
from csirtnet.i18n import N_
from csirtnet.intel import collections
from csirtnet.intel.federation import reads as federation_reads
from csirtnet.intel.federation import service
from csirtnet.intel.federation.schemas import SubscriptionCreate, TaxiiCollectionCreate, TaxiiCollectionGrant
from csirtnet.organisation import reads as organisation_reads
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render
from csirtnet.web.views.intel import common
from csirtnet.web.views.intel.page_forms import COLLECTION, GRANT, SUBSCRIPTION

router = APIRouter(include_in_schema=False)


def _organisations(session: DbSession) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in organisation_reads.organisations_among(session, None)]


# -- collections -------------------------------------------------------------------------------


def _collections_page(
    request: Request,
    session: DbSession,
    who: Subject,
    *,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    if not rules.can_read(who):
        raise Forbidden("You may not read indicators")
    may_manage = rules.can_manage(who)
    base = get_settings().base_url.rstrip("/")
    create_form: BoundForm | None = None
    grant_forms: dict[str, BoundForm] = {}
    configured = []
    if may_manage:
        configured = federation_reads.configured_collections(session, who)
        create_form = bound if bound is not None and bound.form is COLLECTION else COLLECTION.blank()
        for c in configured:
            grant_forms[c.uuid] = GRANT.blank(key=c.uuid)
        if bound is not None and bound.form is GRANT:
            grant_forms[bound.key] = bound
    return render(
        request,
        "intel/collections.html",
        {
            "rows": [(c, common.collection_title(request, c)) for c in collections.visible(session, who)],
            "discovery_url": f"{base}/taxii2/",
            "api_root_url": f"{base}/taxii2/intel/",
            "may_share": rules.can_share(who),
            "may_manage": may_manage,
            "configured": configured,
            "create_form": create_form,
            "grant_forms": grant_forms,
            "organisations": _organisations(session) if may_manage else [],
        },
        status_code=status,
    )


@router.get("/indicators/collections")
def collections_page(request: Request, session: Session, who: PageUser) -> Response:
    return _collections_page(request, session, who)


@router.post("/indicators/collections")
async def create_collection(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_manage(who)
    form = await COLLECTION.read(request)
    data = form.validate(TaxiiCollectionCreate)
    done = form.attempt(session, lambda: service.create_collection(session, who, data) if data else None)
    if done is None or not form.ok:
        return _collections_page(request, session, who, bound=form, status=422)
    return redirect(
        f"/indicators/collections#collection-{done.uuid}",
        flash=common.say(request, N_("The collection is added; grant it to the organisations that read it.")),
    )


@router.post("/indicators/collections/{ident}/grant")
async def grant(request: Request, session: Session, who: PageUser, ident: str) -> Response:
    rules.require_manage(who)
    form = GRANT.from_data(await request.form())
    form.key = ident
    data = form.validate(TaxiiCollectionGrant, form.values("can_write"))
    organisation = form.text("organisation_id")
    if organisation and not organisation.isdigit():
        form.fail("organisation_id", N_("Choose one of the offered values."))
    done = form.attempt(
        session,
        lambda: service.grant(session, who, ident, int(organisation), data) if data else None,
    )
    if done is None or not form.ok:
        return _collections_page(request, session, who, bound=form, status=422)
    return redirect(
        f"/indicators/collections#collection-{ident}", flash=common.say(request, N_("The organisation is granted."))
    )


@router.post("/indicators/collections/{ident}/revoke/{organisation_id:int}")
def revoke_member(request: Request, session: Session, who: PageUser, ident: str, organisation_id: int) -> Response:
    return common.simple(
        request,
        session,
        f"/indicators/collections#collection-{ident}",
        lambda: service.revoke(session, who, ident, organisation_id),
        N_("The organisation no longer reads this collection."),
    )


# -- subscriptions -----------------------------------------------------------------------------


def _subscriptions_page(
    request: Request, session: DbSession, who: Subject, form: BoundForm | None = None, status: int = 200
) -> Response:
    rules.require_manage(who)
    if form is None:
        form = SUBSCRIPTION.blank({"direction": "pull", "collection": "national", "interval_minutes": 60})
    return render(
        request,
        "intel/subscriptions.html",
        {
            "rows": federation_reads.subscriptions(session, who),
            "form": form,
            "collections": common.collection_choices(request, session, who, writable=True),
            "names": common.collection_names(request, session, who),
            "organisations": _organisations(session),
            "may_share": rules.can_share(who),
            "may_manage": True,
        },
        status_code=status,
    )


@router.get("/indicators/subscriptions")
def subscriptions(request: Request, session: Session, who: PageUser) -> Response:
    return _subscriptions_page(request, session, who)


@router.post("/indicators/subscriptions")
async def add_subscription(request: Request, session: Session, who: PageUser) -> Response:
    rules.require_manage(who)
    form = await SUBSCRIPTION.read(request)
    data = form.validate(SubscriptionCreate, {k: v for k, v in form.values().items() if v is not None})
    done = form.attempt(session, lambda: service.create(session, who, data) if data else None)
    if done is None or not form.ok:
        return _subscriptions_page(request, session, who, form, status=422)
    return redirect(
        f"/indicators/subscriptions#subscription-{done.id}", flash=common.say(request, N_("The subscription is added."))
    )


@router.post("/indicators/subscriptions/{subscription_id:int}/run")
def run_subscription(request: Request, session: Session, who: PageUser, subscription_id: int) -> Response:
    return common.simple(
        request,
        session,
        f"/indicators/subscriptions#subscription-{subscription_id}",
        lambda: service.run_now(session, who, subscription_id),
        N_("The run is queued; its result shows here when it is done."),
    )


@router.post("/indicators/subscriptions/{subscription_id:int}/remove")
def remove_subscription(request: Request, session: Session, who: PageUser, subscription_id: int) -> Response:
    return common.simple(
        request,
        session,
        "/indicators/subscriptions",
        lambda: service.remove(session, who, subscription_id),
        N_("The subscription is removed; what it imported stays."),
    )
