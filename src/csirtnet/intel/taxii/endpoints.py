"""The TAXII 2.1 server (OASIS TAXII 2.1): discovery at /taxii2/, one API root /taxii2/intel/, the
collections of `intel.collections` (national, each cluster, each member's outbox, configured ones),
their objects, manifests, versions, posting, deleting, and the status of a post.

Mounted by app.py from TAXII_MODULES behind `auth.taxii.taxii_user` (closed: HTTP Basic or a
bearer token on every call). What a caller reads is `authz.intel.visible_stix_clause` (the
collection's readers, then TLP) in `intel.taxii.repository`; every answer is
`application/taxii+json;version=2.1` and every refusal a TAXII error message (intel.taxii.errors).
Limits: a page holds at most 1,000 objects (`limit` is lowered to it); a post at most the API root's
`max_content_length` (the platform's upload limit), imported synchronously.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from csirtnet.auth.deps import Session
from csirtnet.auth.taxii import TaxiiUser
from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.errors import Forbidden, NotFound
from csirtnet.intel import collections
from csirtnet.intel.collections import Collection
from csirtnet.intel.taxii import reads, repository, service
from csirtnet.intel.taxii.errors import TaxiiError, TaxiiRoute
from csirtnet.intel.taxii.media import STIX_21, TAXII_21, postable

router = APIRouter(prefix="/taxii2", route_class=TaxiiRoute, include_in_schema=False)

API_ROOT = "intel"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STIX_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}--[0-9a-fA-F-]{36}$")


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=TAXII_21)


def _answer(answer: reads.Answer) -> Response:
    return Response(answer.body, media_type=TAXII_21, headers=answer.headers)


def max_content_length() -> int:
    return get_settings().max_upload_bytes


def _collection(session: Session, who: Subject, collection_id: str, *, read: bool = False) -> Collection:
    """The collection of a TAXII id, if the caller may read or write it (404 otherwise; 403 when
    `read` and the caller may only write). Title and description are left empty: the objects'
    routes do not show them, and the lookup stays one statement (collections.by_taxii_id, which
    lists every collection with its rights, is for the collection routes)."""
    key = repository.collection_key(session, collection_id.lower()) if _UUID.match(collection_id) else None
    if key is None:
        raise NotFound("collection")
    may_read, may_write = repository.collection_rights(session, who, key)
    if not (may_read or may_write):
        raise NotFound("collection")
    if read and not may_read:
        raise Forbidden("You may not read this collection")
    return Collection(key, collections.taxii_id(key), "", "", may_read, may_write)


def _object_id(object_id: str) -> str:
    if not _STIX_ID.match(object_id):
        raise TaxiiError(400, "Bad request", f"object_id: {object_id[:100]!r} is not a STIX id")
    return object_id


def _params(request: Request) -> dict[str, str | None]:
    return dict(request.query_params.items())


@router.get("/")
def discovery(request: Request, who: TaxiiUser) -> Response:
    """TAXII discovery: this server and its API root."""
    root = str(request.base_url).rstrip("/") + f"/taxii2/{API_ROOT}/"
    return _json(
        {
            "title": "csirtnet TAXII 2.1",
            "description": "Indicators shared in the national incident-response network, under TLP 2.0",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get(f"/{API_ROOT}/")
def api_root(who: TaxiiUser) -> Response:
    """The API root: its TAXII version and the largest body it takes."""
    return _json(
        {
            "title": "Indicators",
            "description": "The collections of the network: national, clusters, member outboxes and configured ones",
            "versions": [TAXII_21],
            "max_content_length": max_content_length(),
        }
    )


@router.get(f"/{API_ROOT}/status/{{status_id}}/")
@router.get(f"/{API_ROOT}/status/{{status_id}}")
def status(status_id: str, session: Session, who: TaxiiUser) -> Response:
    """The status of a post (its import): for its poster, their organisation and the coordinating body."""
    if not _UUID.match(status_id):
        raise NotFound("status")
    return _json(reads.status(session, who, status_id))


def _collection_resource(found: Collection) -> dict[str, Any]:
    return {
        "id": found.id,
        "title": found.title,
        "description": found.description,
        "can_read": found.can_read,
        "can_write": found.can_write,
        "media_types": [STIX_21],
    }


@router.get(f"/{API_ROOT}/collections/")
def list_collections(session: Session, who: TaxiiUser) -> Response:
    """The collections the caller may read or write."""
    found = [_collection_resource(c) for c in collections.visible(session, who)]
    return _json({"collections": found} if found else {})


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/")
def get_collection(collection_id: str, session: Session, who: TaxiiUser) -> Response:
    """One collection."""
    if not _UUID.match(collection_id):
        raise NotFound("collection")
    return _json(_collection_resource(collections.by_taxii_id(session, who, collection_id.lower())))


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/")
def get_objects(collection_id: str, request: Request, session: Session, who: TaxiiUser) -> Response:
    """A page of the collection's objects the caller may read, filtered."""
    found = _collection(session, who, collection_id, read=True)
    params = _params(request)
    filters = repository.read_filters(params, allowed=("id", "type", "version", "spec_version"))
    limit = repository.read_limit(params.get("limit"))
    return _answer(reads.objects(session, who, found, filters, limit=limit, after=params.get("next")))


@router.post(f"/{API_ROOT}/collections/{{collection_id}}/objects/", status_code=202)
async def add_objects(collection_id: str, request: Request, session: Session, who: TaxiiUser) -> Response:
    """Post an envelope of objects; answers the (complete) status of their import."""
    if not postable(request.headers.get("content-type")):
        raise TaxiiError(415, "Unsupported media type", f"Send the objects as {TAXII_21} (or {STIX_21})")
    limit = max_content_length()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TaxiiError(413, "Content too large", f"The body is larger than max_content_length ({limit} bytes)")
    found = await run_in_threadpool(_collection, session, who, collection_id)
    if not found.can_write:
        raise Forbidden("You may not share into this collection")
    body = await request.body()
    if len(body) > limit:
        raise TaxiiError(413, "Content too large", f"The body is larger than max_content_length ({limit} bytes)")
    objects = service.read_envelope(body)

    def run() -> dict[str, Any]:
        row = service.add_objects(session, who, found, objects)
        return reads.status_resource(row)

    return _json(await run_in_threadpool(run), status=202)


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/manifest/")
def get_manifest(collection_id: str, request: Request, session: Session, who: TaxiiUser) -> Response:
    """A page of the collection's manifest (one record per object version the caller may read)."""
    found = _collection(session, who, collection_id, read=True)
    params = _params(request)
    filters = repository.read_filters(params, allowed=("id", "type", "version", "spec_version"))
    limit = repository.read_limit(params.get("limit"))
    return _answer(reads.manifest(session, who, found, filters, limit=limit, after=params.get("next")))


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/")
def get_object(collection_id: str, object_id: str, request: Request, session: Session, who: TaxiiUser) -> Response:
    """One object's versions the filters select (the newest by default); 404 when the caller sees none."""
    found = _collection(session, who, collection_id, read=True)
    stix_id = _object_id(object_id)
    params = _params(request)
    filters = repository.read_filters(params, allowed=("version", "spec_version"))
    limit = repository.read_limit(params.get("limit"))
    selected = repository.Filters(
        added_after=filters.added_after, ids=[stix_id], versions=filters.versions, spec_versions=filters.spec_versions
    )
    answer = reads.objects(session, who, found, selected, limit=limit, after=params.get("next"))
    if answer.body == b"{}" and not reads.object_exists(session, who, found, stix_id):
        raise NotFound("object")
    return _answer(answer)


@router.delete(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/")
def delete_object(collection_id: str, object_id: str, request: Request, session: Session, who: TaxiiUser) -> Response:
    """Delete the versions of an object the filters select (the newest by default, as TAXII's match[version])."""
    found = _collection(session, who, collection_id, read=True)
    stix_id = _object_id(object_id)
    filters = repository.read_filters(_params(request), allowed=("version", "spec_version"))
    service.delete_object(session, who, found, stix_id, filters)
    return Response(status_code=200, media_type=TAXII_21)


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/versions/")
def get_versions(collection_id: str, object_id: str, request: Request, session: Session, who: TaxiiUser) -> Response:
    """The versions of one object the caller may read, oldest added first."""
    found = _collection(session, who, collection_id, read=True)
    stix_id = _object_id(object_id)
    params = _params(request)
    filters = repository.read_filters(params, allowed=("spec_version",))
    limit = repository.read_limit(params.get("limit"))
    return _answer(reads.versions(session, who, found, stix_id, filters, limit=limit, after=params.get("next")))
