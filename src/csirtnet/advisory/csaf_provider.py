"""csirtnet as a CSAF 2.0 provider (CSAF 2.0 section 7): the provider metadata, the directories
(`<tlp>/<yyyy>/<file>.json` with `.sha256` and `.sha512` beside each, `index.txt`, `changes.csv`)
and a ROLIE feed per TLP.

TLP:CLEAR advisories are public under `/.well-known/csaf/white/` (advisory.csaf_public). Advisories
for members (TLP:GREEN, AMBER, AMBER+STRICT) are in the same layout under `/api/v1/csaf/<tlp>/`,
served to a signed-in member or an API token, each listing only what that caller may read
(authz.advisory.member_directory_clause). TLP:RED is in no directory. Documents are built from the
published version each time; one serialisation (export.csaf_bytes) keeps a document and its hashes
in agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from csirtnet.advisory.csaf.document import csaf_tlp_label, file_name
from csirtnet.advisory.csaf.provider import (
    WELL_KNOWN,
    RolieEntry,
    changes_csv,
    directory_path,
    index_txt,
    provider_metadata,
    rolie_feed,
    sidecars,
)
from csirtnet.advisory.export import csaf_bytes, csaf_document
from csirtnet.authz import Subject
from csirtnet.authz import advisory as rules
from csirtnet.config import get_settings
from csirtnet.errors import NotFound
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Advisory
from csirtnet.vocabulary import TLP

MEMBER_PREFIX = "/api/v1/csaf"
# The member folders and the stored TLP each holds (AMBER+STRICT is CSAF's AMBER: TLP 1.0 had no STRICT).
MEMBER_FOLDERS: dict[str, tuple[str, ...]] = {
    "green": (TLP.GREEN.value,),
    "amber": (TLP.AMBER.value, TLP.AMBER_STRICT.value),
}


_FOLDER_TLP = {"white": TLP.CLEAR.value, "green": TLP.GREEN.value, "amber": TLP.AMBER.value}


@dataclass(frozen=True)
class Listed:
    advisory: Advisory
    path: str  # "<yyyy>/<file>.json", relative to the TLP folder


def _base() -> str:
    return get_settings().base_url.rstrip("/")


def folder_url(folder: str) -> str:
    """The directory URL of a TLP folder: public for white, the members' API for the others."""
    if folder == "white":
        return f"{_base()}{WELL_KNOWN}/white"
    return f"{_base()}{MEMBER_PREFIX}/{folder}"


def feed_url(folder: str) -> str:
    return f"{folder_url(folder)}/feed-tlp-{folder}.json"


def _clause(who: Subject | None, folder: str) -> ColumnElement[bool]:
    if folder == "white":
        return rules.public_clause()
    if who is None or folder not in MEMBER_FOLDERS:
        raise NotFound("CSAF directory")
    return or_(*[rules.member_directory_clause(who, tlp) for tlp in MEMBER_FOLDERS[folder]])


def listed(session: Session, who: Subject | None, folder: str) -> list[Listed]:
    """The advisories of a folder the caller may read, with their paths, newest change first."""
    rows = session.scalars(select(Advisory).where(_clause(who, folder)).order_by(Advisory.released_at.desc()))
    out = []
    for advisory in rows:
        full = directory_path(advisory.tlp, as_utc(advisory.published_at or utcnow()), advisory.reference)
        out.append(Listed(advisory, full.split("/", 1)[1]))
    return out


def index(session: Session, who: Subject | None, folder: str) -> str:
    return index_txt(item.path for item in listed(session, who, folder))


def changes(session: Session, who: Subject | None, folder: str) -> str:
    return changes_csv(
        (item.path, as_utc(item.advisory.released_at or utcnow())) for item in listed(session, who, folder)
    )


def feed(session: Session, who: Subject | None, folder: str) -> dict[str, object]:
    """The folder's ROLIE feed."""
    items = listed(session, who, folder)
    entries: Sequence[RolieEntry] = [
        RolieEntry(
            tracking_id=i.advisory.reference,
            title=i.advisory.title,
            url=f"{folder_url(folder)}/{i.path}",
            published=as_utc(i.advisory.published_at or utcnow()),
            updated=as_utc(i.advisory.released_at or utcnow()),
            summary=i.advisory.summary,
        )
        for i in items
    ]
    settings = get_settings()
    return rolie_feed(
        f"{settings.csaf_publisher_name}-csaf-feed-tlp-{folder}",
        f"{settings.csaf_publisher_name} CSAF feed",
        feed_url(folder),
        _FOLDER_TLP[folder],
        entries,
        updated=max((e.updated for e in entries), default=_epoch()),
    )


def _epoch() -> datetime:
    return datetime(2025, 1, 1, tzinfo=utcnow().tzinfo)


def document(session: Session, who: Subject | None, folder: str, year: str, name: str) -> tuple[str, bytes]:
    """(media type, body) of a document or one of its hash files, by its path in the folder."""
    for suffix in (".sha256", ".sha512"):
        if name.endswith(suffix):
            body = _body(session, who, folder, year, name.removesuffix(suffix))
            return "text/plain; charset=utf-8", sidecars(body, name.removesuffix(suffix))[suffix].encode()
    return "application/json", _body(session, who, folder, year, name)


def _body(session: Session, who: Subject | None, folder: str, year: str, name: str) -> bytes:
    wanted = f"{year}/{name}"
    for item in listed(session, who, folder):
        if item.path == wanted:
            return csaf_bytes(csaf_document(session, item.advisory, "vi"))
    raise NotFound("CSAF document")


def metadata(session: Session) -> dict[str, object]:
    """provider-metadata.json: the public white directory and feed, and the members' folders."""
    settings = get_settings()
    newest = session.scalar(
        select(Advisory.released_at).where(rules.public_clause()).order_by(Advisory.released_at.desc())
    )
    folders = ["white", *MEMBER_FOLDERS]
    return provider_metadata(
        _base(),
        settings.csaf_publisher_name,
        settings.csaf_publisher_namespace,
        as_utc(newest) if newest else _epoch(),
        feeds=[(_FOLDER_TLP[f], feed_url(f), f"TLP:{csaf_tlp_label(_FOLDER_TLP[f])}") for f in folders],
        directory_urls=[folder_url(f) for f in folders],
    )


__all__ = ["MEMBER_FOLDERS", "changes", "document", "feed", "file_name", "index", "listed", "metadata"]
