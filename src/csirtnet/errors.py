"""Application errors and how they reach the caller: problem+json for the API, a page for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    message: str


class AppError(Exception):
    """An error the caller can act on. `message` is an English sentence; `code` keys its translation."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: list[FieldError] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.errors = errors or []
        self.headers = headers or {}

    def problem(self, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://csirtnet.local/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.message,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        if request_id:
            body["request_id"] = request_id
        return body


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"
    title = "Validation failed"

    def __init__(self, field_name: str, message: str, *, errors: list[FieldError] | None = None) -> None:
        errs = errors or [FieldError(field_name, message)]
        super().__init__(f"{field_name}: {message}", errors=errs)


class OutOfRange(AppError):
    """A value passed validation but is beyond what the database can store (e.g. a 70-bit id)."""

    status = 422
    code = "out_of_range"
    title = "Value out of range"

    def __init__(
        self, message: str = "A value in the request is out of range", *, errors: list[FieldError] | None = None
    ) -> None:
        if errors:
            message = "; ".join(f"{e.field}: {e.message}" for e in errors)
        super().__init__(message, errors=errors)


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"
    title = "Not authenticated"

    def __init__(self, message: str = "Log in or send a valid API token") -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "Forbidden"

    def __init__(self, message: str = "You may not do this") -> None:
        super().__init__(message)


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"

    def __init__(self, what: str = "object") -> None:
        super().__init__(f"No such {what}, or you may not see it")


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


@dataclass
class ErrorList:
    """Collects every problem with an input before anything is applied."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))

    def raise_if_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            raise ValidationFailed(first.field, first.message, errors=self.errors)


# -- how the API documents its errors (OpenAPI) ----------------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each failing field.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_PROBLEM_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Payload too large",
    422: "Validation failed",
    429: "Too many requests",
}


def problem_responses() -> dict[int | str, dict[str, Any]]:
    """The error answers any API operation may give, for `include_router(..., responses=...)`."""
    return {
        status: {
            "description": title,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status, title in _PROBLEM_TITLES.items()
    }
