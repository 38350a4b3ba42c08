"""Verification: re-hash an item's stored content and check its custody log, each chain link and
each signature; record what was found (EvidenceCheck) and tell the coordinators when it fails.

What a check can name, item by item: the stored file is missing; a byte of it changed (its SHA-256,
or with `deep` also SHA-1 and MD5, is not what was recorded); the encrypted file fails its
authentication; an entry was edited (its hash), forged (its signature), removed, inserted or
reordered (`seq` and `prev`), or the log lost its tail (the head the item's row keeps); the item's
content is not the content its first entry signed; the custodian the item shows is not the one its
log derives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.evidence import chain, custody, events, signing
from csirtnet.evidence.store import ContentAltered, EvidenceStore, KeyUnavailable, evidence_store
from csirtnet.incident.common import coordinators
from csirtnet.kit.time import utcnow
from csirtnet.models import EvidenceCheck, EvidenceItem, Incident
from csirtnet.notification.service import notify


@dataclass(frozen=True)
class Finding:
    reference: str
    problems: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(code: str, message: str, seq: int | None = None) -> dict[str, Any]:
    return {"code": code, "seq": seq, "message": message}


def content_problems(item: EvidenceItem, store: EvidenceStore, *, deep: bool = False) -> list[dict[str, Any]]:
    content = item.content
    if content is None:
        return []
    try:
        digests = store.rehash(content.sha256, all_hashes=deep)
    except ContentAltered as exc:
        return [_problem("content", f"the stored file was changed: {exc}")]
    except KeyUnavailable as exc:
        return [_problem("key", f"the stored file cannot be read: {exc}")]
    if digests is None:
        return [_problem("missing", f"the stored file {content.sha256[:16]}… is missing from the evidence store")]
    problems = []
    if digests.sha256 != content.sha256:
        problems.append(
            _problem(
                "content", f"the stored file was changed: its SHA-256 is now {digests.sha256}, not {content.sha256}"
            )
        )
    if deep and not problems:
        for name in ("sha1", "md5"):
            if getattr(digests, name) != getattr(content, name):
                problems.append(_problem("content", f"the stored file's {name.upper()} does not match its record"))
    if digests.size is not None and digests.size != content.size and not problems:
        problems.append(_problem("content", f"the stored file has {digests.size} bytes, not {content.size}"))
    return problems


def chain_problems(session: Session, item: EvidenceItem, key: Ed25519PublicKey) -> list[dict[str, Any]]:
    rows = custody.entries_of(session, item)
    links: list[chain.Link] = []
    problems: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for row in rows:
        try:
            entry = json.loads(row.entry)
        except ValueError:
            problems.append(_problem("hash", f"entry {row.seq} is not valid JSON: it was edited", row.seq))
            entry = {}
        if not isinstance(entry, dict):
            entry = {}
        entries.append(entry)
        links.append(chain.Link(entry=entry, hash=row.hash, signature=row.signature))
    head = (item.entry_count, item.last_hash or chain.GENESIS)
    for found in chain.check_chain(item.reference, links, signing.verifier(key), expected_head=head):
        problems.append(_problem(found.code, found.message, found.seq))
    if entries:
        first = entries[0].get("details") or {}
        if item.content is not None and first.get("sha256") != item.content.sha256:
            problems.append(
                _problem("binding", "the item's stored content is not the content its first custody entry signed", 1)
            )
        state = custody.derive(entries)
        if (state.custodian_id, state.status) != (item.custodian_id, item.status):
            problems.append(
                _problem(
                    "state",
                    f"the item shows custodian {item.custodian_id} ({item.status}); "
                    f"its log says {state.custodian_id} ({state.status})",
                )
            )
    elif item.entry_count == 0:
        problems.append(_problem("head", "the item has no custody entries at all"))
    return problems


def verify_item(
    session: Session,
    item: EvidenceItem,
    *,
    store: EvidenceStore | None = None,
    key: Ed25519PublicKey | None = None,
    deep: bool = False,
) -> Finding:
    """Every problem with the item (nothing recorded: `record` does that)."""
    store = store or evidence_store()
    key = key or signing.public_key()
    problems = content_problems(item, store, deep=deep) + chain_problems(session, item, key)
    return Finding(item.reference, problems)


def record(session: Session, who: Subject, item: EvidenceItem, finding: Finding, *, trigger: str) -> EvidenceCheck:
    """Keep the check in the item's history (and its audit record); tell the coordinators of a failure
    that is new (an item that failed its previous check already told them)."""
    was_ok = item.check_ok
    row = EvidenceCheck(
        item_id=item.id,
        checked_at=utcnow(),
        ok=finding.ok,
        trigger=trigger,
        checked_by_id=who.user_id,
        problems=finding.problems,
    )
    session.add(row)
    item.checked_at, item.check_ok = row.checked_at, finding.ok
    session.flush()
    incident = session.get(Incident, item.incident_id)
    audit.record(
        session,
        who,
        "evidence.verified",
        item,
        organisation_id=incident.reporting_organisation_id if incident is not None else None,
        reference=item.reference,
        ok=finding.ok,
        problems=len(finding.problems),
        trigger=trigger,
    )
    if not finding.ok and was_ok is not False:
        notify(
            session,
            events.VERIFICATION_FAILED.key,
            coordinators(session),
            {"reference": item.reference, "problem": finding.problems[0]["message"][:300]},
            link=f"/evidence/{item.id}",
            guard=guard_of(item),
        )
    return row


def items_to_check(session: Session, ids: list[int] | None) -> Iterator[EvidenceItem]:
    query = select(EvidenceItem).order_by(EvidenceItem.id)
    if ids is not None:
        query = query.where(EvidenceItem.id.in_(ids))
    yield from session.scalars(query)
