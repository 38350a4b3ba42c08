"""The public part of csirtnet's CSAF provider: provider-metadata.json, and the TLP:CLEAR (CSAF
"WHITE") directory with its index, changes, hash files and ROLIE feed.

Public because CSAF 2.0 requires it (section 7.1.7: the provider metadata at
/.well-known/csaf/provider-metadata.json; TLP:WHITE documents "MUST be accessible without
authentication"), so that members' and vendors' tools can find and match advisories by
themselves. Nothing but published TLP:CLEAR advisories is reachable here (authz.advisory.public_clause).
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from csirtnet.advisory import csaf_provider
from csirtnet.auth.deps import Session
from csirtnet.errors import problem_responses
from csirtnet.kit import downloads

# A document that is not (or no longer) public answers 404, described like every other problem.
router = APIRouter(tags=["csaf"], responses={404: problem_responses()[404]})


@router.get("/.well-known/csaf/provider-metadata.json", **downloads.JSON_FILE)
def provider_metadata(session: Session) -> JSONResponse:
    """The CSAF provider metadata."""
    return JSONResponse(csaf_provider.metadata(session))


@router.get("/.well-known/csaf/white/index.txt", **downloads.TEXT)
def white_index(session: Session) -> PlainTextResponse:
    """Every TLP:CLEAR document's path."""
    return PlainTextResponse(csaf_provider.index(session, None, "white"))


@router.get("/.well-known/csaf/white/changes.csv", **downloads.CSV)
def white_changes(session: Session) -> Response:
    """Every TLP:CLEAR document's path with its last change, newest first."""
    return Response(csaf_provider.changes(session, None, "white"), media_type="text/csv; charset=utf-8")


@router.get("/.well-known/csaf/white/feed-tlp-white.json", **downloads.JSON_FILE)
def white_feed(session: Session) -> JSONResponse:
    """The ROLIE feed of TLP:CLEAR documents."""
    return JSONResponse(csaf_provider.feed(session, None, "white"))


@router.get("/.well-known/csaf/white/{year}/{name}", **downloads.CSAF_FILE)
def white_document(
    session: Session,
    year: str = Path(pattern=r"^\d{4}$"),
    name: str = Path(pattern=r"^[+\-a-z0-9_]+\.json(\.sha256|\.sha512)?$", max_length=300),
) -> Response:
    """A TLP:CLEAR CSAF document, or its .sha256 / .sha512."""
    media_type, body = csaf_provider.document(session, None, "white", year, name)
    return Response(body, media_type=media_type)
