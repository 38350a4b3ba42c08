"""csirtnet as a CSAF provider (CSAF 2.0 section 7): the files it serves, built as pure values.

The layout under `<base>/.well-known/csaf/`:

    provider-metadata.json                       (`provider_metadata`, requirement 7)
    <tlp>/<YYYY>/<file name>.json                 (`directory_path`: one folder per TLP label and per
    <tlp>/<YYYY>/<file name>.json.sha256 / .sha512  year of initial_release_date; `sidecars`: 18)
    <tlp>/index.txt, <tlp>/changes.csv            (`index_txt`, `changes_csv`: requirements 12, 13)
    feed-tlp-<tlp>.json                           (`rolie_feed`: requirement 15)

Nothing here reads the database or writes files; the caller serves what these return.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csirtnet.advisory.csaf.document import csaf_datetime, csaf_tlp_label, file_name
from csirtnet.kit.csv_export import to_machine_csv

WELL_KNOWN = "/.well-known/csaf"
CSAF_SCHEMA_URL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
ROLIE_CATEGORY_SCHEME = "urn:ietf:params:rolie:category:information-type"


@dataclass(frozen=True, kw_only=True)
class RolieEntry:
    """One CSAF document in a ROLIE feed; `url` is where the document is served."""

    tracking_id: str
    title: str
    url: str
    published: datetime  # initial_release_date
    updated: datetime  # current_release_date
    summary: str | None = None
    hashes: bool = True  # link the .sha256/.sha512 sidecars served beside the document
    signature: bool = False  # link an OpenPGP signature (.asc) served beside the document


def provider_metadata(
    base_url: str,
    publisher_name: str,
    namespace: str,
    last_updated: datetime,
    feeds: Sequence[tuple[str, str, str]],
    directory_urls: Sequence[str],
    public_openpgp_keys: Sequence[tuple[str | None, str]] | None = None,
    *,
    publisher_category: str = "coordinator",
    contact_details: str | None = None,
    role: str = "csaf_provider",
    list_on_aggregators: bool = True,
    mirror_on_aggregators: bool = True,
) -> dict[str, Any]:
    """The provider-metadata.json; `feeds` as (TLP, feed URL, summary), keys as (fingerprint, URL)."""
    publisher: dict[str, str] = {"category": publisher_category, "name": publisher_name, "namespace": namespace}
    if contact_details:
        publisher["contact_details"] = contact_details
    metadata: dict[str, Any] = {
        "canonical_url": base_url.rstrip("/") + WELL_KNOWN + "/provider-metadata.json",
        "last_updated": csaf_datetime(last_updated),
        "list_on_CSAF_aggregators": list_on_aggregators,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": mirror_on_aggregators,
        "publisher": publisher,
        "role": role,
    }
    distributions: list[dict[str, Any]] = [{"directory_url": url} for url in directory_urls]
    if feeds:
        rolie_feeds = []
        for tlp, url, summary in feeds:
            feed: dict[str, str] = {"tlp_label": csaf_tlp_label(tlp), "url": url}
            if summary:
                feed["summary"] = summary
            rolie_feeds.append(feed)
        distributions.append({"rolie": {"feeds": rolie_feeds}})
    if distributions:
        metadata["distributions"] = distributions
    if public_openpgp_keys:
        keys = []
        for fingerprint, url in public_openpgp_keys:
            key = {"url": url}
            if fingerprint:
                key["fingerprint"] = fingerprint.replace(" ", "").upper()
            keys.append(key)
        metadata["public_openpgp_keys"] = keys
    return metadata


def tlp_folder(tlp_label: str) -> str:
    """The folder of a TLP label under .well-known/csaf ("white", "amber"): the CSAF label, lowercase."""
    return csaf_tlp_label(tlp_label).lower()


def directory_path(tlp_label: str, initial_release_date: datetime, tracking_id: str) -> str:
    """`<tlp>/<YYYY>/<file name>`: the year is that of initial_release_date (CSAF 2.0 requirement 11)."""
    year = datetime.fromisoformat(csaf_datetime(initial_release_date)).year
    return f"{tlp_folder(tlp_label)}/{year:04d}/{file_name(tracking_id)}"


def index_txt(paths: Iterable[str]) -> str:
    """index.txt: one document path per line, relative to the TLP directory ("2024/x.json")."""
    return "".join(f"{path}\n" for path in paths)


def changes_csv(rows: Iterable[tuple[str, datetime]]) -> str:
    """changes.csv: ("2024/x.json", current_release_date) rows, the most recently changed first."""
    newest_first = sorted(rows, key=lambda row: row[1], reverse=True)
    return to_machine_csv([path, csaf_datetime(changed)] for path, changed in newest_first)


def rolie_feed(
    feed_id: str,
    title: str,
    feed_url: str,
    tlp_label: str,
    entries: Sequence[RolieEntry],
    *,
    updated: datetime | None = None,
) -> dict[str, Any]:
    """A ROLIE feed of CSAF documents (section 7.1.15); `updated` defaults to the newest entry's."""
    label = "TLP:" + csaf_tlp_label(tlp_label)
    if updated is None:
        if not entries:
            raise ValueError("an empty feed needs its updated time")
        updated = max(entry.updated for entry in entries)
    return {
        "feed": {
            "id": feed_id,
            "title": title if label in title else f"{title} ({label})",
            "link": [{"rel": "self", "href": feed_url}],
            "category": [{"scheme": ROLIE_CATEGORY_SCHEME, "term": "csaf"}],
            "updated": csaf_datetime(updated),
            "entry": [_entry(entry) for entry in sorted(entries, key=lambda e: e.updated, reverse=True)],
        }
    }


def _entry(entry: RolieEntry) -> dict[str, Any]:
    links = [{"rel": "self", "href": entry.url}]
    if entry.hashes:
        links += [{"rel": "hash", "href": entry.url + ".sha256"}, {"rel": "hash", "href": entry.url + ".sha512"}]
    if entry.signature:
        links.append({"rel": "signature", "href": entry.url + ".asc"})
    item: dict[str, Any] = {
        "id": entry.tracking_id,
        "title": entry.title,
        "link": links,
        "published": csaf_datetime(entry.published),
        "updated": csaf_datetime(entry.updated),
    }
    if entry.summary:
        item["summary"] = {"content": entry.summary}
    item["content"] = {"type": "application/json", "src": entry.url}
    item["format"] = {"schema": CSAF_SCHEMA_URL, "version": "2.0"}
    return item


def sidecars(body: bytes, name: str) -> dict[str, str]:
    """The hash files served beside a document: {".sha256": "<hex>  <name>\\n", ".sha512": …}."""
    return {
        ".sha256": f"{hashlib.sha256(body).hexdigest()}  {name}\n",
        ".sha512": f"{hashlib.sha512(body).hexdigest()}  {name}\n",
    }
