"""Sharing indicators: create (or update, when the same organisation shares the same value into the
same collection again), change, revoke, sightings and false-positive reports, and bulk add from
pasted text.

Every change writes, in the caller's transaction: the indicator row, a new STIX version of it in
its collection (`StixObject`, a new `modified` each time; intel.common), and ONE audit record
("intel.create", "intel.update", "intel.revoke", "intel.sighting", "intel.false_positive",
"intel.bulk_add" — one for the whole paste, counts only). A value on a warninglist is marked with
the lists' names (`Indicator.warninglists`), never refused. Nothing here commits.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as rules
from csirtnet.config import get_settings
from csirtnet.errors import ErrorList, ValidationFailed
from csirtnet.intel import collections, values, warninglists
from csirtnet.intel.common import record, write_indicator_version, write_indicator_versions, write_sighting_object
from csirtnet.intel.schemas import (
    IndicatorBulkAdd,
    IndicatorCreate,
    IndicatorFalsePositiveReport,
    IndicatorSightingCreate,
    IndicatorUpdate,
)
from csirtnet.kit.bulk import insert_rows
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Indicator, Sighting
from csirtnet.models.intel import IndicatorKind, IndicatorOrigin
from csirtnet.vocabulary import rsit

MAX_BULK = 10_000  # indicators in one paste; more is a file import (csirtnet intel import)
_ATTACK = re.compile(r"^attack:(t\d{4}(?:\.\d{3})?)$", re.IGNORECASE)
_MACHINE = re.compile(r'^([a-z0-9][a-z0-9_.-]*):([a-z0-9][a-z0-9_.-]*)(?:="([^"]*)")?$', re.IGNORECASE)
_RSIT = re.compile(r"^([a-z0-9-]+)/([a-z0-9-]+)$")


# -- tags ------------------------------------------------------------------------------------------


def clean_tags(raw: Iterable[str], field_name: str = "tags") -> tuple[list[str], str | None]:
    """The tags checked, deduplicated in order, and the first RSIT "class/type" among them.

    - RSIT: "class/type" of an RSIT class (`malicious-code/c2-server`), or the MISP machine tag
      `rsit:class="type"`, checked against csirtnet.vocabulary.rsit;
    - ATT&CK: `attack:T1566` or `attack:T1566.001` (written with a capital T);
    - MISP taxonomy machine tags: `namespace:predicate` or `namespace:predicate="value"`;
    - anything else without a colon is a free tag (up to 100 characters)."""
    out: list[str] = []
    found_rsit: str | None = None
    errors = ErrorList()
    for index, tag in enumerate(raw):
        text = tag.strip()
        name = f"{field_name}[{index}]"
        if not text:
            errors.add(name, "must not be empty")
            continue
        if len(text) > 200:
            errors.add(name, "is longer than 200 characters")
            continue
        normal: str = text
        klass_type: tuple[str, str] | None = None
        attack = _ATTACK.match(text)
        rsit_plain = _RSIT.match(text)
        machine = _MACHINE.match(text)
        if attack:
            normal = "attack:" + attack.group(1).upper()
        elif rsit_plain and rsit_plain.group(1) in rsit.taxonomy():
            klass_type = (rsit_plain.group(1), rsit_plain.group(2))
        elif machine and machine.group(1).lower() == "rsit":
            klass_type = (machine.group(2), machine.group(3) or "")
        elif text.lower().startswith("attack:"):
            errors.add(name, f"{text!r} is not an ATT&CK technique (attack:T1234 or attack:T1234.001)")
            continue
        elif ":" in text and not machine:
            errors.add(name, f'{text!r} is not a machine tag (namespace:predicate or namespace:predicate="value")')
            continue
        elif ":" not in text and len(text) > 100:
            errors.add(name, "a free tag is at most 100 characters")
            continue
        if klass_type is not None:
            klass, type_ = klass_type
            if not rsit.is_valid(klass, type_):
                errors.add(name, f"{text!r} is not an RSIT class/type")
                continue
            normal = f"{klass}/{type_}"
            found_rsit = found_rsit or normal
        if normal not in out:
            out.append(normal)
    errors.raise_if_any()
    return out, found_rsit


# -- helpers ---------------------------------------------------------------------------------------


def _typed(value: str, kind: str | None) -> values.Value:
    """The normalised value (a STIX pattern's grammar checked), ValidationFailed naming "value"."""
    if kind is None:
        detected = values.detect(value)
        if detected is None:
            raise ValidationFailed("value", f"{value[:80]!r} is not a recognised indicator type; give its kind")
        kind = detected
    typed = values.normalise(kind, value)
    if typed.kind is IndicatorKind.STIX_PATTERN:
        from csirtnet.intel.stix.objects import check_pattern

        try:
            check_pattern(typed.value)
        except ValidationFailed as exc:
            raise ValidationFailed("value", exc.errors[0].message if exc.errors else str(exc)) from None
    return typed


def _check_window(valid_from: datetime, valid_until: datetime | None) -> None:
    if valid_until is not None and as_utc(valid_until) <= as_utc(valid_from):
        raise ValidationFailed("valid_until", "must be after valid_from")


def flags(kind: str, value: str, lists: warninglists.Warninglists | None = None) -> list[str]:
    """The warninglists the value is on."""
    return (lists or warninglists.matcher(get_settings())).check(kind, value)


def _touch(ind: Indicator) -> None:
    ind.modified_at = utcnow()


def _same_sharer(who: Subject) -> Any:
    if who.organisation_id is not None:
        return Indicator.source_organisation_id == who.organisation_id
    return Indicator.source_organisation_id.is_(None)


def _existing(
    session: Session, who: Subject, collection: str, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Indicator]:
    """The indicators this sharer already shared into `collection` among (kind, value) pairs."""
    out: dict[tuple[str, str], Indicator] = {}
    wanted = set(pairs)
    by_value = sorted({v for _, v in pairs})
    kinds = sorted({k for k, _ in pairs})
    for start in range(0, len(by_value), 500):
        chunk = by_value[start : start + 500]
        query = (
            select(Indicator)
            .where(
                Indicator.kind.in_(kinds),  # (kind, value): the index's order
                Indicator.value.in_(chunk),
                Indicator.collection == collection,
                _same_sharer(who),
                # Only what was shared by hand: an imported object's versions are its author's.
                Indicator.origin == IndicatorOrigin.MANUAL.value,
            )
            .order_by(Indicator.id)
        )
        for ind in session.scalars(query):
            key = (ind.kind, ind.value)
            if key in wanted and key not in out:
                out[key] = ind
    return out


def _collection(session: Session, who: Subject, key: str) -> str:
    rules.require_share(who)
    key = collections.check_key(key)
    rules.require_write_collection(session, who, key)
    return key


# -- create and update -----------------------------------------------------------------------------


def create(session: Session, who: Subject, body: IndicatorCreate) -> Indicator:
    """Share one indicator (see the module page); the same value again updates it."""
    key = _collection(session, who, body.collection)
    typed = _typed(body.value, body.kind)
    tags, rsit_tag = clean_tags(body.tags)
    now = utcnow()
    valid_from = body.valid_from or now
    _check_window(valid_from, body.valid_until)
    found = _existing(session, who, key, [(typed.kind.value, typed.value)]).get((typed.kind.value, typed.value))
    if found is not None:
        rules.require_edit_indicator(who, found)
        changed = _reshare(
            found,
            tlp=body.tlp,
            pap=body.pap,
            confidence=body.confidence,
            valid_until=body.valid_until,
            tags=tags,
            description=body.description,
            valid_from=body.valid_from,
        )
        _touch(found)
        write_indicator_version(session, found)
        record(session, who, "intel.update", found, reshared=True, changed=changed)
        return found
    ind = Indicator(
        **_new(
            who,
            key,
            typed,
            tlp=body.tlp.value,
            pap=body.pap.value,
            confidence=body.confidence,
            valid_from=valid_from,
            valid_until=body.valid_until,
            tags=tags,
            rsit_tag=rsit_tag,
            description=body.description,
            now=now,
        )
    )
    session.add(ind)
    session.flush()
    write_indicator_version(session, ind, first=True)
    record(session, who, "intel.create", ind, kind=ind.kind, collection=key, tlp=ind.tlp)
    return ind


def _new(
    who: Subject,
    key: str,
    typed: values.Value,
    *,
    tlp: str,
    pap: str,
    confidence: int,
    valid_from: datetime,
    valid_until: datetime | None,
    tags: list[str],
    rsit_tag: str | None,
    description: str | None,
    now: datetime,
    lists: warninglists.Warninglists | None = None,
) -> dict[str, Any]:
    """The column values of a new indicator (every column but the id)."""
    return dict(
        stix_id=f"indicator--{uuid.uuid4()}",
        collection=key,
        kind=typed.kind.value,
        value=typed.value,
        ip_lo=typed.ip_lo,
        ip_hi=typed.ip_hi,
        rdomain=typed.rdomain,
        tlp=tlp,
        pap=pap,
        confidence=confidence,
        valid_from=valid_from,
        valid_until=valid_until,
        source_organisation_id=who.organisation_id,
        origin=IndicatorOrigin.MANUAL.value,
        description=description,
        tags=tags,
        rsit=rsit_tag,
        warninglists=flags(typed.kind.value, typed.value, lists),
        revoked=False,
        sightings_count=0,
        false_positive_count=0,
        created_by_id=who.user_id,
        source_name=None,
        origin_ref=None,
        first_seen_at=None,
        last_seen_at=None,
        created_at=now,
        modified_at=now,
    )


def _reshare(
    ind: Indicator,
    *,
    tlp: Any,
    pap: Any,
    confidence: int,
    valid_until: datetime | None,
    tags: list[str],
    description: str | None,
    valid_from: datetime | None,
    lists: warninglists.Warninglists | None = None,
) -> list[str]:
    """Apply a second sharing of the same value; the names of what changed."""
    changed: list[str] = []

    def put(name: str, new: Any) -> None:
        if getattr(ind, name) != new:
            setattr(ind, name, new)
            changed.append(name)

    put("tlp", str(tlp.value if hasattr(tlp, "value") else tlp))
    put("pap", str(pap.value if hasattr(pap, "value") else pap))
    put("confidence", confidence)
    if valid_from is not None:
        put("valid_from", valid_from)
    if valid_until is not None:
        _check_window(ind.valid_from, valid_until)
        put("valid_until", valid_until)
    merged = list(ind.tags or []) + [t for t in tags if t not in (ind.tags or [])]
    put("tags", merged)
    rsit_now = next((t for t in merged if "/" in t and ":" not in t and rsit.is_valid(*t.split("/", 1))), None)
    put("rsit", rsit_now)
    if description:
        put("description", description)
    put("revoked", False)
    put("warninglists", flags(ind.kind, ind.value, lists))
    return changed


def update(session: Session, who: Subject, indicator_id: int, body: IndicatorUpdate) -> Indicator:
    """Change what the sharer says about an indicator (not its value or collection)."""
    ind = rules.get_visible_indicator(session, who, indicator_id)
    rules.require_edit_indicator(who, ind)
    given = body.model_fields_set
    changed: list[str] = []
    for name in ("tlp", "pap", "confidence", "valid_from", "valid_until", "description"):
        if name not in given:
            continue
        new = getattr(body, name)
        new = new.value if hasattr(new, "value") else new
        current = getattr(ind, name)
        if isinstance(new, datetime) and isinstance(current, datetime):
            if as_utc(new) == as_utc(current):
                continue
        elif new == current:
            continue
        setattr(ind, name, new)
        changed.append(name)
    if "tags" in given and body.tags is not None:
        tags, rsit_tag = clean_tags(body.tags)
        if tags != list(ind.tags or []):
            ind.tags = tags
            ind.rsit = rsit_tag
            changed.append("tags")
    _check_window(ind.valid_from, ind.valid_until)
    if not changed:
        return ind
    _touch(ind)
    write_indicator_version(session, ind)
    record(session, who, "intel.update", ind, changed=changed)
    return ind


def revoke(session: Session, who: Subject, indicator_id: int, *, reason: str | None = None) -> Indicator:
    """Withdraw an indicator: kept, shown as revoked (expired), its STIX version says `revoked`."""
    ind = rules.get_visible_indicator(session, who, indicator_id)
    rules.require_edit_indicator(who, ind)
    if ind.revoked:
        return ind
    ind.revoked = True
    _touch(ind)
    write_indicator_version(session, ind)
    record(session, who, "intel.revoke", ind, reason=reason)
    return ind


# -- sightings -------------------------------------------------------------------------------------


def add_sighting(session: Session, who: Subject, indicator_id: int, body: IndicatorSightingCreate) -> Sighting:
    """The caller's organisation saw the indicator (who, when, how often), under the sighting's TLP."""
    return _sight(
        session,
        who,
        indicator_id,
        first=body.first_seen_at,
        last=body.last_seen_at,
        count=body.count,
        note=body.note,
        tlp=body.tlp.value,
        false_positive=False,
    )


def report_false_positive(
    session: Session, who: Subject, indicator_id: int, body: IndicatorFalsePositiveReport
) -> Sighting:
    """The indicator fired on something harmless: a sighting marked false positive (it does not
    count as seen, and does not restart the decay)."""
    return _sight(
        session,
        who,
        indicator_id,
        first=None,
        last=None,
        count=1,
        note=body.note,
        tlp=body.tlp.value,
        false_positive=True,
    )


def _sight(
    session: Session,
    who: Subject,
    indicator_id: int,
    *,
    first: datetime | None,
    last: datetime | None,
    count: int,
    note: str | None,
    tlp: str,
    false_positive: bool,
) -> Sighting:
    ind = rules.get_visible_indicator(session, who, indicator_id)
    rules.require_share(who)
    now = utcnow()
    last = as_utc(last) if last is not None else (as_utc(first) if first is not None and first > now else now)
    first = as_utc(first) if first is not None else last
    if last < first:
        raise ValidationFailed("last_seen_at", "must not be before first_seen_at")
    if last > now + timedelta(minutes=5):
        raise ValidationFailed("last_seen_at", "must not be in the future")
    sighting = Sighting(
        indicator_id=ind.id,
        stix_id=f"sighting--{uuid.uuid4()}",
        organisation_id=who.organisation_id,
        first_seen_at=first,
        last_seen_at=last,
        count=count,
        false_positive=false_positive,
        note=note,
        tlp=tlp,
        created_by_id=who.user_id,
        created_at=now,
    )
    session.add(sighting)
    if false_positive:
        ind.false_positive_count = Indicator.false_positive_count + 1
    else:
        ind.sightings_count = Indicator.sightings_count + count
        if ind.first_seen_at is None or as_utc(ind.first_seen_at) > first:
            ind.first_seen_at = first
        if ind.last_seen_at is None or as_utc(ind.last_seen_at) < last:
            ind.last_seen_at = last
    session.flush()
    write_sighting_object(session, sighting, ind)
    action = "intel.false_positive" if false_positive else "intel.sighting"
    record(session, who, action, sighting, count=count, tlp=tlp)
    session.refresh(ind)
    return sighting


# -- bulk ------------------------------------------------------------------------------------------


def _insert_indicators(session: Session, made: list[dict[str, Any]]) -> dict[str, int]:
    """New indicators (their column values) inserted at once (kit.bulk); their ids by STIX id."""
    insert_rows(session, Indicator.__table__, made)
    ids: dict[str, int] = {}
    stix_ids = [row["stix_id"] for row in made]
    for start in range(0, len(stix_ids), 500):
        query = select(Indicator.stix_id, Indicator.id).where(Indicator.stix_id.in_(stix_ids[start : start + 500]))
        ids.update({r[0]: r[1] for r in session.execute(query)})
    return ids


@dataclass
class BulkLine:
    line: int
    raw: str
    kind: str | None
    value: str | None
    status: str  # created, updated, unchanged (again in the paste), invalid, would-create, would-update
    error: str | None = None
    indicator_id: int | None = None
    warninglists: list[str] = field(default_factory=list)


@dataclass
class BulkResult:
    dry_run: bool
    lines: list[BulkLine]

    @property
    def created(self) -> int:
        return sum(1 for line in self.lines if line.status in ("created", "would-create"))

    @property
    def updated(self) -> int:
        return sum(1 for line in self.lines if line.status in ("updated", "would-update"))

    @property
    def invalid(self) -> int:
        return sum(1 for line in self.lines if line.status == "invalid")


def bulk_add(session: Session, who: Subject, body: IndicatorBulkAdd) -> BulkResult:
    """Pasted text → typed indicators, one result per token. A token that is no indicator refuses
    the whole paste (each named by its line) unless `skip_invalid`; `dry_run` changes nothing.
    One audit record for the whole paste (counts only: it is guarded by no single indicator)."""
    key = _collection(session, who, body.collection)
    tags, rsit_tag = clean_tags(body.tags)
    now = utcnow()
    _check_window(now, body.valid_until)
    parsed = values.parse_text(body.text)
    if not parsed:
        raise ValidationFailed("text", "holds no indicator")
    if len(parsed) > MAX_BULK:
        raise ValidationFailed("text", f"holds {len(parsed)} values; paste at most {MAX_BULK} (import a file instead)")
    lines: list[BulkLine] = []
    errors = ErrorList()
    for p in parsed:
        if p.value is None:
            lines.append(BulkLine(p.line, p.raw, None, None, "invalid", p.error))
            errors.add("text", f"line {p.line}: {p.raw[:80]!r} {p.error}")
            continue
        if p.value.kind is IndicatorKind.STIX_PATTERN:
            try:
                _typed(p.value.value, IndicatorKind.STIX_PATTERN.value)
            except ValidationFailed as exc:
                message = exc.errors[0].message if exc.errors else str(exc)
                lines.append(BulkLine(p.line, p.raw, p.value.kind.value, None, "invalid", message))
                errors.add("text", f"line {p.line}: {message}")
                continue
        lines.append(BulkLine(p.line, p.raw, p.value.kind.value, p.value.value, "pending"))
    if errors.errors and not body.skip_invalid and not body.dry_run:
        errors.raise_if_any()
    typed = {(p.value.kind.value, p.value.value): p.value for p in parsed if p.value is not None}
    existing = _existing(session, who, key, list(typed))
    for ind in existing.values():
        rules.require_edit_indicator(who, ind)
    lists = warninglists.matcher(get_settings())
    seen: dict[tuple[str, str], str] = {}  # what the first line of a value did
    for line in lines:
        if line.status != "pending":
            continue
        assert line.kind is not None and line.value is not None
        pair = (line.kind, line.value)
        line.warninglists = lists.check(*pair)
        found = existing.get(pair)
        line.indicator_id = found.id if found is not None else None
        if pair in seen:
            line.status = "unchanged"
        elif found is not None:
            line.status = "would-update" if body.dry_run else "updated"
        else:
            line.status = "would-create" if body.dry_run else "created"
        seen.setdefault(pair, line.status)
    result = BulkResult(body.dry_run, lines)
    if body.dry_run:
        return result
    changed: list[Indicator] = []
    for pair, status in seen.items():
        if status == "updated":
            ind = existing[pair]
            _reshare(
                ind,
                tlp=body.tlp,
                pap=body.pap,
                confidence=body.confidence,
                valid_until=body.valid_until,
                tags=tags,
                description=None,
                valid_from=None,
                lists=lists,
            )
            _touch(ind)
            changed.append(ind)
    made = [
        _new(
            who,
            key,
            typed[pair],
            tlp=body.tlp.value,
            pap=body.pap.value,
            confidence=body.confidence,
            valid_from=now,
            valid_until=body.valid_until,
            tags=tags,
            rsit_tag=rsit_tag,
            description=None,
            now=now,
            lists=lists,
        )
        for pair, status in seen.items()
        if status == "created"
    ]
    ids = _insert_indicators(session, made)
    # Plain objects with the values (an ORM instance each would cost more than the insert).
    fresh = [SimpleNamespace(**row, id=ids[row["stix_id"]]) for row in made]
    made_ids = {(i.kind, i.value): i.id for i in fresh}
    for line in lines:
        if line.indicator_id is None and line.kind is not None and line.value is not None:
            line.indicator_id = made_ids.get((line.kind, line.value))
    write_indicator_versions(session, changed, cast("list[Indicator]", fresh))
    record(
        session,
        who,
        "intel.bulk_add",
        None,
        guard=None,
        collection=key,
        tlp=body.tlp.value,
        created=result.created,
        updated=result.updated,
        invalid=result.invalid,
    )
    return result
