"""TAXII 2.1 error messages (section 3.6.1): every refusal under /taxii2/ is answered as one, in the
TAXII media type, with its HTTP status — never the API's problem+json, which a TAXII client cannot
read.

`TaxiiRoute` is the router's route class: it checks the `Accept` header (406) before anything else,
and turns the errors raised below it (authentication, authz, validation, not found) into TAXII
error messages carrying the request id as `error_id`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from csirtnet import context
from csirtnet.errors import AppError, FieldError
from csirtnet.intel.taxii.media import TAXII_21, accepts_taxii


class TaxiiError(AppError):
    """A refusal the TAXII specification names a status for (400, 406, 413, 415, 422…)."""

    code = "taxii_error"

    def __init__(self, status: int, title: str, message: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(message, status=status, errors=errors)
        self.title = title


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
}


def error_response(
    status: int,
    title: str,
    description: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A TAXII error message."""
    body: dict[str, Any] = {
        "title": title,
        "description": description,
        "error_id": context.current().request_id,
        "http_status": str(status),
    }
    if errors:
        body["details"] = {"errors": [{"field": e.field, "message": e.message} for e in errors]}
    return Response(orjson.dumps(body), status_code=status, media_type=TAXII_21, headers=headers)


def _from_app_error(exc: AppError) -> Response:
    status = exc.status
    if status == 303:  # a page-only error (login redirect) never reaches a TAXII client as such
        status = 401
    title = exc.title if isinstance(exc, TaxiiError) else _TITLES.get(status, exc.title)
    return error_response(status, title, exc.message, errors=exc.errors, headers=exc.headers)


def _from_validation(exc: RequestValidationError) -> Response:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "header", "body")]
        errors.append(FieldError(".".join(loc) or "request", str(err.get("msg", "invalid"))))
    description = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return error_response(400, _TITLES[400], description, errors=errors)


class TaxiiRoute(APIRoute):
    """A route that speaks TAXII: content negotiation first, TAXII error messages for every refusal."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            if not accepts_taxii(request.headers.get("accept")):
                return error_response(
                    406, _TITLES[406], f"This server answers only {TAXII_21}; send it in the Accept header"
                )
            try:
                return await handler(request)
            except AppError as exc:
                return _from_app_error(exc)
            except RequestValidationError as exc:
                return _from_validation(exc)

        return route
