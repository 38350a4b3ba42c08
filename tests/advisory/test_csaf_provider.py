"""csirtnet as a CSAF provider: metadata, folders, index files, ROLIE feed and hash sidecars."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from csirtnet.advisory.csaf.provider import (
    RolieEntry,
    changes_csv,
    directory_path,
    index_txt,
    provider_metadata,
    rolie_feed,
    sidecars,
)
from csirtnet.advisory.csaf.validate import provider_metadata_errors, rolie_feed_errors

BASE = "https://csirt.example.vn"
T0 = datetime(2024, 12, 31, 20, 0, tzinfo=UTC)


def test_provider_metadata_shape() -> None:
    metadata = provider_metadata(
        BASE + "/",
        "Trung tâm Ứng cứu",
        BASE,
        T0,
        [
            ("clear", BASE + "/.well-known/csaf/feed-tlp-white.json", "TLP:CLEAR"),
            ("amber+strict", BASE + "/.well-known/csaf/feed-tlp-amber.json", ""),
        ],
        [BASE + "/.well-known/csaf/white/"],
        contact_details="mailto:ir@csirt.example.vn",
    )
    assert metadata["canonical_url"] == BASE + "/.well-known/csaf/provider-metadata.json"
    assert metadata["role"] == "csaf_provider"
    assert metadata["metadata_version"] == "2.0"
    assert metadata["last_updated"] == "2024-12-31T20:00:00Z"
    assert metadata["list_on_CSAF_aggregators"] is True and metadata["mirror_on_CSAF_aggregators"] is True
    assert metadata["publisher"] == {
        "category": "coordinator",
        "name": "Trung tâm Ứng cứu",
        "namespace": BASE,
        "contact_details": "mailto:ir@csirt.example.vn",
    }
    assert metadata["distributions"] == [
        {"directory_url": BASE + "/.well-known/csaf/white/"},
        {
            "rolie": {
                "feeds": [
                    {
                        "tlp_label": "WHITE",
                        "url": BASE + "/.well-known/csaf/feed-tlp-white.json",
                        "summary": "TLP:CLEAR",
                    },
                    {"tlp_label": "AMBER", "url": BASE + "/.well-known/csaf/feed-tlp-amber.json"},
                ]
            }
        },
    ]
    assert "public_openpgp_keys" not in metadata
    assert provider_metadata_errors(metadata) == []


def test_a_provider_without_distributions_is_still_valid() -> None:
    metadata = provider_metadata(BASE, "CSIRT", BASE, T0, [], [])
    assert "distributions" not in metadata
    assert provider_metadata_errors(metadata) == []


def test_directory_path_uses_the_year_of_the_initial_release_in_utc() -> None:
    # 2024-12-31 20:00 UTC is already 2025 in Hanoi; CSAF dates are UTC, and so is the folder.
    hanoi = T0.astimezone(timezone(timedelta(hours=7)))
    assert directory_path("clear", hanoi, "VNCSIRT-2024/0001") == "white/2024/vncsirt-2024_0001.json"
    assert directory_path("amber+strict", T0, "X-1") == "amber/2024/x-1.json"
    assert directory_path("RED", T0, "X-1") == "red/2024/x-1.json"
    with pytest.raises(ValueError):
        directory_path("purple", T0, "X-1")


def test_index_and_changes() -> None:
    assert index_txt(["2023/a.json", "2024/b.json"]) == "2023/a.json\n2024/b.json\n"
    assert index_txt([]) == ""
    rows = [("2023/a.json", T0 - timedelta(days=400)), ("2024/b.json", T0), ("2024/c,d.json", T0 - timedelta(hours=1))]
    assert changes_csv(rows) == (
        '"2024/b.json","2024-12-31T20:00:00Z"\n'
        '"2024/c,d.json","2024-12-31T19:00:00Z"\n'
        '"2023/a.json","2023-11-27T20:00:00Z"\n'
    )


def entry(tracking_id: str, updated: datetime, **overrides: object) -> RolieEntry:
    values: dict[str, object] = {
        "tracking_id": tracking_id,
        "title": f"Khuyến cáo {tracking_id}",
        "url": f"{BASE}/.well-known/csaf/white/2024/{tracking_id.lower()}.json",
        "published": T0 - timedelta(days=3),
        "updated": updated,
        "summary": "Cập nhật ngay",
    }
    values.update(overrides)
    return RolieEntry(**values)  # type: ignore[arg-type]


def test_rolie_feed_shape() -> None:
    feed = rolie_feed(
        "csirtnet-tlp-white",
        "Khuyến cáo của CSIRT",
        BASE + "/.well-known/csaf/feed-tlp-white.json",
        "clear",
        [entry("X-1", T0 - timedelta(days=1)), entry("X-2", T0, summary=None, hashes=False, signature=True)],
    )["feed"]
    assert feed["id"] == "csirtnet-tlp-white"
    assert feed["title"] == "Khuyến cáo của CSIRT (TLP:WHITE)"
    assert feed["link"] == [{"rel": "self", "href": BASE + "/.well-known/csaf/feed-tlp-white.json"}]
    assert feed["category"] == [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}]
    assert feed["updated"] == "2024-12-31T20:00:00Z"
    newest, older = feed["entry"]  # newest first
    assert newest["id"] == "X-2" and "summary" not in newest
    assert [link["rel"] for link in newest["link"]] == ["self", "signature"]
    url = BASE + "/.well-known/csaf/white/2024/x-1.json"
    assert older == {
        "id": "X-1",
        "title": "Khuyến cáo X-1",
        "link": [
            {"rel": "self", "href": url},
            {"rel": "hash", "href": url + ".sha256"},
            {"rel": "hash", "href": url + ".sha512"},
        ],
        "published": "2024-12-28T20:00:00Z",
        "updated": "2024-12-30T20:00:00Z",
        "summary": {"content": "Cập nhật ngay"},
        "content": {"type": "application/json", "src": url},
        "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"},
    }


def test_rolie_feed_follows_the_rolie_schema() -> None:
    feed = rolie_feed("f", "Feed (TLP:WHITE)", BASE + "/feed.json", "WHITE", [entry("X-1", T0)])
    assert feed["feed"]["title"] == "Feed (TLP:WHITE)"
    assert rolie_feed_errors(feed) == []
    empty = rolie_feed("f", "Feed", BASE + "/feed.json", "green", [], updated=T0)
    assert empty["feed"]["entry"] == [] and rolie_feed_errors(empty) == []
    feed["feed"]["entry"][0]["content"]["src"] = "http://insecure.example/x.json"
    assert [e.path for e in rolie_feed_errors(feed)] == ["/feed/entry/0/content/src"]


def test_an_empty_feed_needs_its_time() -> None:
    with pytest.raises(ValueError):
        rolie_feed("f", "Feed", BASE + "/feed.json", "clear", [])


def test_sidecars() -> None:
    body = '{"document": "Tiếng Việt"}'.encode()
    files = sidecars(body, "x-1.json")
    assert files == {
        ".sha256": f"{hashlib.sha256(body).hexdigest()}  x-1.json\n",
        ".sha512": f"{hashlib.sha512(body).hexdigest()}  x-1.json\n",
    }
