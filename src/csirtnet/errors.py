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
