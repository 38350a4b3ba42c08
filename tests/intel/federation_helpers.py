"""What the federation tests share: the OASIS reference TAXII server (`medallion`, memory backend)
on a loopback port, STIX indicator objects marked with TLP 2.0, and rows of the local STIX store."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.orm import Session

from csirtnet.intel.stix.markings import MARKING_IDS
from csirtnet.kit.time import utcnow
from csirtnet.models import StixObject
from csirtnet.vocabulary.enums import TLP

MEDALLION_USER, MEDALLION_PASSWORD = "peer@example.org", "medallion-password-1"


@dataclass
class Medallion:
    api_root: str
    collection_id: str
    backend: Any

    def objects(self) -> list[dict[str, Any]]:
        for collection in self.backend.data["api1"]["collections"]:
            if collection["id"] == self.collection_id:
                return list(collection.get("objects", []))
        return []


@contextmanager
def medallion_server(objects: list[dict[str, Any]] | None = None) -> Iterator[Medallion]:
    """medallion on 127.0.0.1 (an ephemeral port) with one readable and writable collection."""
    from medallion import application_instance, register_blueprints  # type: ignore[import-untyped]
    from medallion.backends.memory_backend import MemoryBackend  # type: ignore[import-untyped]
    from werkzeug.serving import make_server

    collection_id = str(uuid.uuid4())
    server = make_server("127.0.0.1", 0, application_instance, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    backend = MemoryBackend(check_interval=3600)
    backend.data = {
        "/discovery": {"title": "test", "api_roots": [f"{base}/api1/"], "default": f"{base}/api1/"},
        "api1": {
            "information": {
                "title": "api1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": collection_id,
                    "title": "shared",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    if objects:
        backend.add_objects("api1", collection_id, {"objects": objects}, utcnow())
    application_instance.users_backend = {MEDALLION_USER: MEDALLION_PASSWORD}
    application_instance.taxii_config = {"max_page_size": 100}
    application_instance.medallion_backend = backend
    if "objects" not in application_instance.blueprints:
        register_blueprints(application_instance)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Medallion(f"{base}/api1/", collection_id, backend)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def indicator(value: str, tlp: TLP, *, modified: datetime | None = None) -> dict[str, Any]:
    moment = (modified or utcnow()).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": moment,
        "modified": moment,
        "name": value,
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": moment,
        "object_marking_refs": [MARKING_IDS[tlp]],
    }


def store(
    db: Session,
    obj: dict[str, Any],
    *,
    collection: str = "national",
    tlp: TLP,
    organisation_id: int | None = None,
    created_by_id: int | None = None,
    added: datetime | None = None,
) -> StixObject:
    """A row of the local STIX store, as the engine would write it."""
    row = StixObject(
        collection=collection,
        stix_id=obj["id"],
        stix_type=obj["type"],
        modified=obj.get("modified", ""),
        created=obj.get("created"),
        date_added=added or utcnow() - timedelta(minutes=10),  # settled: a push reads it (sync.SETTLE)
        tlp=tlp.value,
        organisation_id=organisation_id,
        created_by_id=created_by_id,
        body=orjson.dumps(obj).decode(),
    )
    db.add(row)
    db.flush()
    return row


def a_moment_ago(seconds: int) -> datetime:
    return utcnow() - timedelta(seconds=seconds)
