"""Polling a remote CSAF provider: what changed since the last poll, checked before anyone imports it.

`fetch_provider` reads the provider-metadata.json, then each distribution it names: ROLIE feeds
(each entry's `content.src`) and directory distributions (`changes.csv`, else `index.txt`). It
downloads each document changed after `since`, oldest first, checks it against its `.sha512` and
`.sha256` sidecars when the provider serves them, and against the CSAF 2.0 schema. A document that
fails any check lands in `problems` with the reason, never in `documents`. No database here: the
caller imports `documents` and stores `FetchResult.latest` as the next `since`.

Bounded: every download stops at `max_bytes`, a poll takes at most `max_documents` documents (the
rest wait for the next poll, which `latest` makes sure of), and only http and https URLs are followed.
A document that failed is not tried again until the provider changes it: `latest` moves past it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from csirtnet.advisory.csaf.validate import provider_metadata_errors, schema_errors
from csirtnet.kit.csvfile import read_rows

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 200
_HASHES = ((".sha512", "sha512"), (".sha256", "sha256"))
_SHOWN_ERRORS = 5
_NEVER = datetime.min.replace(tzinfo=UTC)


class FetchProblem(Exception):
    """A download or a check that failed; its message is the reason reported for the URL."""


@dataclass
class FetchResult:
    """What a poll brought: documents that passed every check, and the reason for each that did not."""

    documents: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    latest: datetime | None = None  # the `since` of the next poll
    truncated: bool = False  # more changes wait than max_documents allowed


@dataclass
class _Candidate:
    url: str
    updated: datetime | None
    hash_urls: dict[str, str] = field(default_factory=dict)  # algorithm -> sidecar URL


def fetch_provider(
    metadata_url: str,
    *,
    since: datetime | None,
    client: httpx.Client,
    max_documents: int = MAX_DOCUMENTS,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> FetchResult:
    """Fetch and check the documents a provider changed after `since` (all of them when None)."""
    if since is not None and since.tzinfo is None:
        raise ValueError("since needs a timezone")
    result = FetchResult(latest=since)
    try:
        metadata = _get_json(client, metadata_url, max_bytes)
    except FetchProblem as exc:
        result.problems.append((metadata_url, str(exc)))
        return result
    if not isinstance(metadata, dict):
        result.problems.append((metadata_url, "provider metadata is not a JSON object"))
        return result
    errors = provider_metadata_errors(metadata)
    if errors:
        # Reported, but the distributions are still read: a flaw elsewhere in the metadata should
        # not hide the advisories.
        result.problems.append((metadata_url, "provider metadata breaks the schema: " + _summarise(errors)))
    candidates = _candidates(client, metadata_url, metadata, since, max_bytes, result)
    # Oldest first, so a poll cut short by max_documents resumes where it stopped.
    candidates.sort(key=lambda c: (c.updated is None, c.updated or _NEVER, c.url))
    if len(candidates) > max_documents:
        result.truncated = True
        cut = candidates[max_documents]
        taken = candidates[:max_documents]
        if cut.updated is not None and taken[-1].updated == cut.updated:
            # The next one shares the last timestamp taken: stop before that timestamp, so the next
            # poll (changes *after* latest) sees every document of it; when a whole poll shares
            # it, take them all rather than never move on.
            before = [c for c in taken if c.updated != cut.updated]
            taken = before or [c for c in candidates if c.updated == cut.updated]
        candidates = taken
    for candidate in candidates:
        _fetch_document(client, candidate, max_bytes, result)
        if candidate.updated is not None and (result.latest is None or candidate.updated > result.latest):
            result.latest = candidate.updated
    return result


def _candidates(
    client: httpx.Client,
    metadata_url: str,
    metadata: dict[str, Any],
    since: datetime | None,
    max_bytes: int,
    result: FetchResult,
) -> list[_Candidate]:
    found: dict[str, _Candidate] = {}
    distributions = metadata.get("distributions")
    if not isinstance(distributions, list) or not distributions:
        result.problems.append((metadata_url, "provider metadata names no distribution"))
        return []
    for distribution in distributions:
        if not isinstance(distribution, dict):
            continue
        rolie = distribution.get("rolie")
        if isinstance(rolie, dict):
            for feed in rolie.get("feeds") or []:
                if isinstance(feed, dict) and isinstance(feed.get("url"), str):
                    url = urljoin(metadata_url, feed["url"])
                    _from_feed(client, url, since, max_bytes, result, found)
        directory = distribution.get("directory_url")
        if isinstance(directory, str):
            _from_directory(client, urljoin(metadata_url, directory), since, max_bytes, result, found)
    return list(found.values())


def _from_feed(
    client: httpx.Client,
    feed_url: str,
    since: datetime | None,
    max_bytes: int,
    result: FetchResult,
    found: dict[str, _Candidate],
) -> None:
    try:
        feed = _get_json(client, feed_url, max_bytes)
        entries = feed["feed"]["entry"] if isinstance(feed, dict) else None
        if not isinstance(entries, list):
            raise FetchProblem("not a ROLIE feed: feed.entry is missing")
    except (FetchProblem, KeyError, TypeError) as exc:
        result.problems.append((feed_url, str(exc) if isinstance(exc, FetchProblem) else "not a ROLIE feed"))
        return
    for index, entry in enumerate(entries):
        where = f"{feed_url}#entry/{index}"
        if not isinstance(entry, dict):
            result.problems.append((where, "feed entry is not an object"))
            continue
        content = entry.get("content")
        src = content.get("src") if isinstance(content, dict) else None
        links = [link for link in entry.get("link") or [] if isinstance(link, dict)]
        if not isinstance(src, str):
            src = next((lk.get("href") for lk in links if lk.get("rel") == "self"), None)
        if not isinstance(src, str):
            result.problems.append((where, "feed entry names no document (content.src)"))
            continue
        try:
            updated = _parse_time(entry.get("updated"))
        except ValueError:
            result.problems.append((where, "feed entry has no valid updated time"))
            continue
        if since is not None and updated <= since:
            continue
        url = urljoin(feed_url, src)
        candidate = _add(found, url, updated)
        for link in links:
            href = link.get("href")
            if link.get("rel") == "hash" and isinstance(href, str):
                for suffix, algorithm in _HASHES:
                    if href.endswith(suffix):
                        candidate.hash_urls[algorithm] = urljoin(feed_url, href)


def _from_directory(
    client: httpx.Client,
    directory_url: str,
    since: datetime | None,
    max_bytes: int,
    result: FetchResult,
    found: dict[str, _Candidate],
) -> None:
    base = directory_url if directory_url.endswith("/") else directory_url + "/"
    changes_url = urljoin(base, "changes.csv")
    try:
        text = _get_text(client, changes_url, max_bytes, missing_ok=True)
    except FetchProblem as exc:
        result.problems.append((changes_url, str(exc)))
        return
    if text is not None:
        try:
            rows = read_rows(text)
        except ValueError as malformed:
            result.problems.append((changes_url, f"not a CSV file: {malformed}"))
            return
        for line_number, row in rows:
            try:
                path, changed = row[0], _parse_time(row[1] if len(row) > 1 else None)
            except ValueError:
                result.problems.append((f"{changes_url}#line={line_number}", "not a path and a timestamp"))
                continue
            if since is None or changed > since:
                _add(found, urljoin(base, path), changed)
        return
    # No changes.csv: index.txt has no times, so every document it lists is a candidate.
    index_url = urljoin(base, "index.txt")
    try:
        text = _get_text(client, index_url, max_bytes, missing_ok=False)
    except FetchProblem as exc:
        result.problems.append((index_url, str(exc)))
        return
    for line in (text or "").splitlines():
        if line.strip():
            _add(found, urljoin(base, line.strip()), None)


def _add(found: dict[str, _Candidate], url: str, updated: datetime | None) -> _Candidate:
    known = found.get(url)
    if known is None:
        known = found[url] = _Candidate(url, updated)
    elif updated is not None and (known.updated is None or updated > known.updated):
        known.updated = updated
    return known


def _fetch_document(client: httpx.Client, candidate: _Candidate, max_bytes: int, result: FetchResult) -> None:
    url = candidate.url
    try:
        body = _get(client, url, max_bytes)
        if body is None:
            raise FetchProblem("not found (HTTP 404)")
        _check_hashes(client, candidate, body)
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise FetchProblem(f"not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise FetchProblem("not a JSON object")
        errors = schema_errors(document)
        if errors:
            raise FetchProblem("breaks the CSAF 2.0 schema: " + _summarise(errors))
    except FetchProblem as exc:
        result.problems.append((url, str(exc)))
        return
    result.documents.append((url, document))


def _check_hashes(client: httpx.Client, candidate: _Candidate, body: bytes) -> None:
    name = urlsplit(candidate.url).path.rsplit("/", 1)[-1]
    for suffix, algorithm in _HASHES:
        sidecar_url = candidate.hash_urls.get(algorithm, candidate.url + suffix)
        text = _get_text(client, sidecar_url, 4096, missing_ok=True)
        if text is None:
            continue  # this provider serves no such sidecar
        fields = text.split()
        if not fields:
            raise FetchProblem(f"{suffix} file is empty")
        expected = fields[0].lower()
        if len(fields) > 1 and fields[1].lstrip("*") != name:
            raise FetchProblem(f"{suffix} file names {fields[1]!r}, not {name!r}")
        actual = hashlib.new(algorithm, body).hexdigest()
        if expected != actual:
            raise FetchProblem(
                f"{algorithm.upper()} mismatch: the {suffix} file says {expected[:16]}…,"
                f" the document hashes to {actual[:16]}…"
            )


def _get_json(client: httpx.Client, url: str, max_bytes: int) -> Any:
    body = _get(client, url, max_bytes)
    if body is None:
        raise FetchProblem("not found (HTTP 404)")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise FetchProblem(f"not JSON: {exc}") from None


def _get_text(client: httpx.Client, url: str, max_bytes: int, *, missing_ok: bool) -> str | None:
    body = _get(client, url, max_bytes)
    if body is None:
        if missing_ok:
            return None
        raise FetchProblem("not found (HTTP 404)")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FetchProblem("not UTF-8 text") from None


def _get(client: httpx.Client, url: str, max_bytes: int) -> bytes | None:
    """The body of a 200 answer, None for 404 (an optional file absent); anything else is a problem."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchProblem("only http and https URLs are fetched")
    try:
        with client.stream("GET", url) as response:
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise FetchProblem(f"HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchProblem(f"larger than {max_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchProblem(f"larger than {max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise FetchProblem(f"could not be fetched: {exc}") from None


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("timestamp without timezone")
    return moment


def _summarise(errors: list[Any]) -> str:
    shown = "; ".join(f"{e.path or '/'}: {e.message}" for e in errors[:_SHOWN_ERRORS])
    more = len(errors) - _SHOWN_ERRORS
    return shown + (f" (and {more} more)" if more > 0 else "")
