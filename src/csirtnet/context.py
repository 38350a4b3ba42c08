"""What the current request is: its id and client address, for logs and audit records, and a
memo for values that stay the same for the whole request (authz clauses built once per request)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None
    memo: dict[Any, Any] | None = field(default=None, compare=False)  # None outside a request


def request_memo() -> dict[Any, Any] | None:
    """The current request's memo (shared by the threads serving it), or None in jobs and the CLI."""
    return _current.get().memo


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("csirtnet_request", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> object:
    return _current.set(ctx)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
