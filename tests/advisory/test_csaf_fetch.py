"""Polling a CSAF provider: a real HTTP server on loopback serving a provider tree built with provider.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from csirtnet.advisory.csaf.document import CsafRevision, build, file_name
from csirtnet.advisory.csaf.fetch import fetch_provider
from csirtnet.advisory.csaf.provider import (
    RolieEntry,
    changes_csv,
    directory_path,
    index_txt,
    provider_metadata,
    rolie_feed,
    sidecars,
)
from tests.advisory.test_csaf_document import advisory

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Provider:
    root: Path
    base: str  # http://127.0.0.1:<port>

    @property
    def metadata_url(self) -> str:
        return self.base + "/.well-known/csaf/provider-metadata.json"

    def write(self, relative: str, body: bytes | str) -> None:
        path = self.root / ".well-known" / "csaf" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode() if isinstance(body, str) else body)

    def url(self, relative: str) -> str:
        return f"{self.base}/.well-known/csaf/{relative}"


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Provider(tmp_path, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def document(tracking_id: str, changed: datetime, tlp: str = "clear") -> dict[str, Any]:
    return build(
        advisory(
            tracking_id=tracking_id,
            tlp=tlp,
            self_url=None,
            revisions=(CsafRevision("1.0", T0, "Phát hành"),),
            initial_release_date=T0,
            current_release_date=changed,
        )
    )


def publish(provider: Provider, doc: dict[str, Any], *, hashes: tuple[str, ...] = (".sha256", ".sha512")) -> str:
    """Write a document and its sidecars where CSAF puts them; return its path under .well-known/csaf."""
    tracking = doc["document"]["tracking"]
    relative = directory_path(
        doc["document"]["distribution"]["tlp"]["label"],
        datetime.fromisoformat(tracking["initial_release_date"]),
        tracking["id"],
    )
    body = json.dumps(doc, ensure_ascii=False).encode()
    provider.write(relative, body)
    for suffix, text in sidecars(body, file_name(tracking["id"])).items():
        if suffix in hashes:
            provider.write(relative + suffix, text)
    return relative


def entry_of(provider: Provider, doc: dict[str, Any], relative: str) -> RolieEntry:
    tracking = doc["document"]["tracking"]
    return RolieEntry(
        tracking_id=tracking["id"],
        title=doc["document"]["title"],
        url=provider.url(relative),
        published=datetime.fromisoformat(tracking["initial_release_date"]),
        updated=datetime.fromisoformat(tracking["current_release_date"]),
    )


@pytest.fixture
def tree(provider: Provider) -> dict[str, str]:
    """A provider with a ROLIE feed (TLP:WHITE) and a directory distribution (TLP:GREEN).

    white: good-1 (both sidecars), bad-hash (a .sha512 that does not match), old (before `since`)
    green: good-2 (.sha256 only, listed in changes.csv), invalid (not CSAF)
    """
    urls: dict[str, str] = {}
    white_docs = {
        "good-1": document("GOOD-1", T0 + timedelta(days=2)),
        "bad-hash": document("BAD-HASH", T0 + timedelta(days=3)),
        "old": document("OLD", T0),
    }
    entries = []
    for key, doc in white_docs.items():
        relative = publish(provider, doc)
        urls[key] = provider.url(relative)
        entries.append(entry_of(provider, doc, relative))
    provider.write("white/2024/bad-hash.json.sha512", "0" * 128 + "  bad-hash.json\n")
    feed = rolie_feed("white", "CSIRT", provider.url("feed-tlp-white.json"), "clear", entries)
    provider.write("feed-tlp-white.json", json.dumps(feed))

    good2 = document("GOOD-2", T0 + timedelta(days=4), tlp="green")
    good2_path = publish(provider, good2, hashes=(".sha256",))
    urls["good-2"] = provider.url(good2_path)
    invalid = document("INVALID", T0 + timedelta(days=5), tlp="green")
    del invalid["document"]["tracking"]["version"]
    invalid_path = publish(provider, invalid)
    urls["invalid"] = provider.url(invalid_path)
    rows = [
        (good2_path.removeprefix("green/"), T0 + timedelta(days=4)),
        (invalid_path.removeprefix("green/"), T0 + timedelta(days=5)),
    ]
    provider.write("green/changes.csv", changes_csv(rows))
    provider.write("green/index.txt", index_txt(path for path, _ in rows))

    metadata = provider_metadata(
        provider.base,
        "CSIRT",
        "https://csirt.example.vn",
        T0,
        [("clear", provider.url("feed-tlp-white.json"), "TLP:CLEAR")],
        [provider.url("green/")],
    )
    provider.write("provider-metadata.json", json.dumps(metadata))
    return urls


def test_a_poll_imports_what_passes_and_explains_the_rest(
    provider: Provider, client: httpx.Client, tree: dict[str, str]
) -> None:
    result = fetch_provider(provider.metadata_url, since=T0 + timedelta(days=1), client=client)

    assert [url for url, _ in result.documents] == [tree["good-1"], tree["good-2"]]
    assert result.documents[0][1]["document"]["tracking"]["id"] == "GOOD-1"
    problems = dict(result.problems)
    assert set(problems) == {tree["bad-hash"], tree["invalid"]}
    assert problems[tree["bad-hash"]].startswith("SHA512 mismatch")
    assert "breaks the CSAF 2.0 schema" in problems[tree["invalid"]]
    assert "/document/tracking/version" in problems[tree["invalid"]]
    assert result.latest == T0 + timedelta(days=5)
    assert result.truncated is False


def test_the_next_poll_brings_only_what_changed(provider: Provider, client: httpx.Client, tree: dict[str, str]) -> None:
    first = fetch_provider(provider.metadata_url, since=None, client=client)
    assert {url for url, _ in first.documents} == {tree["good-1"], tree["good-2"], tree["old"]}

    again = fetch_provider(provider.metadata_url, since=first.latest, client=client)
    assert again.documents == [] and again.problems == []

    changed = document("GOOD-2", T0 + timedelta(days=9), tlp="green")
    relative = publish(provider, changed, hashes=(".sha256",))
    provider.write("green/changes.csv", changes_csv([(relative.removeprefix("green/"), T0 + timedelta(days=9))]))
    later = fetch_provider(provider.metadata_url, since=first.latest, client=client)
    assert [url for url, _ in later.documents] == [tree["good-2"]]
    assert later.latest == T0 + timedelta(days=9)


def test_a_poll_is_bounded_and_resumes_where_it_stopped(
    provider: Provider, client: httpx.Client, tree: dict[str, str]
) -> None:
    first = fetch_provider(provider.metadata_url, since=None, client=client, max_documents=2)
    assert first.truncated is True
    assert [url for url, _ in first.documents] == [tree["old"], tree["good-1"]]
    second = fetch_provider(provider.metadata_url, since=first.latest, client=client, max_documents=2)
    assert [url for url, _ in second.documents] == [tree["good-2"]]
    assert [url for url, _ in second.problems] == [tree["bad-hash"]]
    third = fetch_provider(provider.metadata_url, since=second.latest, client=client, max_documents=2)
    assert third.truncated is False and [url for url, _ in third.problems] == [tree["invalid"]]


def test_documents_over_the_size_limit_are_refused(
    provider: Provider, client: httpx.Client, tree: dict[str, str]
) -> None:
    result = fetch_provider(provider.metadata_url, since=T0 + timedelta(days=3), client=client, max_bytes=3000)
    assert result.documents == []
    assert dict(result.problems)[tree["good-2"]] == "larger than 3000 bytes"


def test_index_txt_when_there_is_no_changes_csv(provider: Provider, client: httpx.Client, tree: dict[str, str]) -> None:
    (provider.root / ".well-known" / "csaf" / "green" / "changes.csv").unlink()
    result = fetch_provider(provider.metadata_url, since=T0 + timedelta(days=10), client=client)
    # Without times every listed document is fetched again; ROLIE entries are still filtered.
    assert [url for url, _ in result.documents] == [tree["good-2"]]
    assert [url for url, _ in result.problems] == [tree["invalid"]]


def test_only_http_and_https_are_followed(provider: Provider, client: httpx.Client, tree: dict[str, str]) -> None:
    feed = rolie_feed(
        "white",
        "CSIRT",
        provider.url("feed-tlp-white.json"),
        "clear",
        [RolieEntry(tracking_id="X", title="X", url="file:///etc/passwd", published=T0, updated=T0)],
    )
    provider.write("feed-tlp-white.json", json.dumps(feed))
    result = fetch_provider(provider.metadata_url, since=None, client=client)
    assert dict(result.problems)["file:///etc/passwd"] == "only http and https URLs are fetched"


def test_an_unreachable_or_broken_provider_is_a_problem(provider: Provider, client: httpx.Client) -> None:
    missing = fetch_provider(provider.metadata_url, since=None, client=client)
    assert missing.documents == [] and missing.problems == [(provider.metadata_url, "not found (HTTP 404)")]

    provider.write("provider-metadata.json", "{not json")
    broken = fetch_provider(provider.metadata_url, since=None, client=client)
    assert broken.problems[0][1].startswith("not JSON")

    provider.write("provider-metadata.json", json.dumps({"role": "csaf_provider"}))
    bare = fetch_provider(provider.metadata_url, since=None, client=client)
    assert [reason.split(":")[0] for _, reason in bare.problems] == [
        "provider metadata breaks the schema",
        "provider metadata names no distribution",
    ]


def test_since_must_be_aware(provider: Provider, client: httpx.Client) -> None:
    with pytest.raises(ValueError):
        fetch_provider(provider.metadata_url, since=datetime(2024, 1, 1), client=client)  # naive
