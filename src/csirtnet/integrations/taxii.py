"""A typed port over the OASIS `taxii2-client` (TAXII 2.1): page through a remote collection's
objects and add objects to it, and nothing more (intel.federation uses it).

Everything that leaves through here is bounded: every request has a timeout, redirects are not
followed (a configured URL is the only place credentials go), and a remote's failure is one
`TaxiiError` whose message names what failed but never the credential (HTTP Basic sends it in a
header, and the URL is refused at configuration if it carries a user or password).

`taxii2-client` returns the JSON of a response without its headers; TAXII 2.1 puts the paging
cursor in `X-TAXII-Date-Added-First`/`-Last`, so a response hook keeps the last response's headers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from taxii2client.common import _HTTPConnection  # type: ignore[import-untyped]
from taxii2client.exceptions import TAXIIServiceException  # type: ignore[import-untyped]
from taxii2client.v21 import Collection  # type: ignore[import-untyped]

MEDIA_TYPE = "application/taxii+json;version=2.1"
DEFAULT_TIMEOUT = 30.0


class TaxiiError(Exception):
    """The remote could not be read or written (network, HTTP status, not TAXII 2.1)."""


@dataclass(frozen=True)
class Page:
    """One page of a remote collection's objects."""

    objects: list[dict[str, Any]]
    more: bool
    next: str | None
    date_added_first: str | None  # X-TAXII-Date-Added-First, when the remote sent it
    date_added_last: str | None  # X-TAXII-Date-Added-Last, when the remote sent it


@dataclass(frozen=True)
class AddResult:
    """The status resource the remote answered an add with (after waiting for it to finish)."""

    status_id: str
    status: str  # "complete" or "pending"
    total: int
    success_count: int
    failure_count: int
    pending_count: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.status == "complete"


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


def collection_url(api_root_url: str, collection_id: str) -> str:
    return api_root_url.rstrip("/") + "/collections/" + collection_id.strip("/") + "/"


class RemoteCollection:
    """One remote TAXII 2.1 collection, reached with HTTP Basic credentials (or none)."""

    def __init__(
        self,
        api_root_url: str,
        collection_id: str,
        *,
        username: str | None,
        password: str | None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.url = collection_url(api_root_url, collection_id)
        self._conn = _HTTPConnection(user=username, password=password, version="2.1", user_agent="csirtnet-taxii/1")
        http: requests.Session = self._conn.session
        http.max_redirects = 0
        adapter = _TimeoutAdapter(timeout)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        self._headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        http.hooks["response"].append(self._keep_headers)
        self._collection = Collection(self.url, conn=self._conn)

    def _keep_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._headers = CaseInsensitiveDict(response.headers)  # HTTP header names ignore case

    def __enter__(self) -> RemoteCollection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def pages(self, *, added_after: str | None, limit: int = 1000) -> Iterator[Page]:
        """The collection's objects added after `added_after` (all when None), page by page,
        following `next` while the remote says there is more."""
        next_token: str | None = None
        while True:
            filters: dict[str, Any] = {"limit": limit}
            if added_after:
                filters["added_after"] = added_after
            if next_token:
                filters["next"] = next_token
            envelope = self._call(lambda f=filters: self._collection.get_objects(**f))
            if not isinstance(envelope, dict):
                raise TaxiiError(f"{self.url}: the remote answered something other than a TAXII envelope")
            objects = envelope.get("objects") or []
            if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
                raise TaxiiError(f"{self.url}: the envelope's objects are not a list of objects")
            more = bool(envelope.get("more", False))
            raw_next = envelope.get("next")
            next_token = str(raw_next) if raw_next else None
            yield Page(
                objects=objects,
                more=more,
                next=next_token,
                date_added_first=self._headers.get("X-TAXII-Date-Added-First"),
                date_added_last=self._headers.get("X-TAXII-Date-Added-Last"),
            )
            if not more or not objects:
                return
            if next_token is None:
                # A server that pages by added_after alone (no `next`): continue after this page.
                last = self._headers.get("X-TAXII-Date-Added-Last")
                if not last or last == added_after:
                    return
                added_after = last

    def add(self, envelope: bytes, *, wait_seconds: float = 60.0) -> AddResult:
        """Post one envelope (`{"objects": [...]}` as JSON bytes); wait for its status to finish."""
        status = self._call(
            lambda: self._collection.add_objects(
                envelope, wait_for_completion=True, poll_interval=1, timeout=wait_seconds
            )
        )
        return AddResult(
            status_id=str(status.id),
            status=str(status.status),
            total=int(status.total_count or 0),
            success_count=int(status.success_count or 0),
            failure_count=int(status.failure_count or 0),
            pending_count=int(status.pending_count or 0),
            failures=[f for f in (status.failures or []) if isinstance(f, dict)],
        )

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except requests.HTTPError as exc:
            code = exc.response.status_code if exc.response is not None else "?"
            raise TaxiiError(f"{self.url}: the remote answered HTTP {code}") from None
        except requests.TooManyRedirects:
            raise TaxiiError(f"{self.url}: the remote redirected (redirects are not followed)") from None
        except requests.Timeout:
            raise TaxiiError(f"{self.url}: the remote did not answer in time") from None
        except requests.ConnectionError:
            raise TaxiiError(f"{self.url}: the remote could not be reached") from None
        except (TAXIIServiceException, ValueError) as exc:
            raise TaxiiError(f"{self.url}: {_first_line(str(exc))}") from None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else "not a TAXII 2.1 answer"


def envelope_of(bodies: Sequence[str]) -> bytes:
    """A TAXII envelope built from stored compact JSON bodies, without parsing them again."""
    return b'{"objects":[' + ",".join(bodies).encode() + b"]}"
